#ifndef DEPOT_CLIBEVDEV_SHIM_H
#define DEPOT_CLIBEVDEV_SHIM_H
#include <libevdev/libevdev.h>
#include <libevdev/libevdev-uinput.h>
#include <linux/input.h>
#endif
