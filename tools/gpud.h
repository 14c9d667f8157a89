/* gpud: the vfio-user server process. One file per concern. */
#ifndef GS_TOOL_GPUD_H
#define GS_TOOL_GPUD_H

#include "dev/hw.h"

/*
 * The live display (--vnc): the scanout decoded from the registers and
 * the VRAM in place, published with dev/vnc.c (libvncserver) about 30
 * times a second.
 */
struct gpud_display;

int gpud_display_start(struct hw *hw, const char *addr, int port,
		       struct gpud_display **out, struct err *e);
/* The TCP port the VNC server listens on. */
int gpud_display_port(const struct gpud_display *d);
/* Milliseconds until the next frame is due (0: now). */
int gpud_display_due_ms(const struct gpud_display *d, long long now_ms);
/* Publish a frame if one is due. The caller only calls this between
 * client messages, with the device running. */
void gpud_display_tick(struct gpud_display *d, long long now_ms);
void gpud_display_stop(struct gpud_display *d);

/* Monotonic milliseconds. */
long long gpud_now_ms(void);

#endif
