/*
 * Opening a device by name: the one place that knows every backend of the
 * access interface. Names: "sim" (the stdvga model, 16 MiB) or
 * "sim:vram=MB".
 */
#ifndef GS_BACKEND_H
#define GS_BACKEND_H

#include "hw.h"

int backend_open(const char *spec, struct hw **out, struct err *e);

#endif
