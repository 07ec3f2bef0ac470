#ifndef DEPOT_CXKBCOMMON_SHIM_H
#define DEPOT_CXKBCOMMON_SHIM_H
#include <xkbcommon/xkbcommon.h>
#include <xkbcommon/xkbcommon-keysyms.h>
#endif
