#ifndef DEPOT_CZINT_SHIM_H
#define DEPOT_CZINT_SHIM_H
// libzint (Debian 12: libzint-dev 2.11) ships no pkg-config file, so the target links "zint" by
// name (module.modulemap) and finds /usr/include/zint.h and /usr/lib/libzint.so on default paths.
#include <zint.h>
#endif
