/*
 * Opening a device by name: the one place that knows every backend of the
 * access interface. Names: "sim" (the stdvga model, 16 MiB),
 * "sim:vram=MB", "unix:PATH" (a device served over vfio-user at the
 * socket PATH, e.g. by gpud), or "pci:DDDD:BB:DD.F" (a PCI device of this
 * host, see pci.h).
 */
#ifndef GS_BACKEND_H
#define GS_BACKEND_H

#include "hw.h"

int backend_open(const char *spec, struct hw **out, struct err *e);

#endif
