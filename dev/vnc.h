/*
 * Live display over VNC (RFB) with libvncserver: gpud publishes the decoded
 * scanout picture and any VNC viewer can watch it. Only the 64x64 tiles
 * that changed since the previous picture are sent.
 *
 * Security: there is no password or encryption. Anyone who can connect to
 * the address can watch, which is why the default is loopback; reach it
 * from elsewhere through an SSH tunnel rather than a public address.
 * Viewers' keyboard and pointer input goes to the vnc_set_input callback
 * as Linux input events (vnc_input.h), or nowhere.
 *
 * Process-wide effects of libvncserver: SIGPIPE is ignored (it writes to
 * viewers with write(2)), and its informational log (rfbLog) is silenced;
 * its errors (rfbErr) still go to stderr.
 */
#ifndef GS_VNC_H
#define GS_VNC_H

#include <stdint.h>

#include "../lib/err.h"
#include "../lib/image.h"
#include "vnc_input.h"

#define VNC_TILE 64 /* side of the change-detection tile, pixels */

struct vnc;

/* Counters for tests and benchmarks. */
struct vnc_stats {
	uint64_t frames;     /* successful vnc_frame calls */
	uint64_t tiles;	     /* tiles marked modified, all frames together */
	uint64_t resizes;    /* frames that changed the resolution */
	uint32_t last_tiles; /* tiles marked by the latest vnc_frame */
};

/*
 * Start serving on addr (numeric IPv4 or IPv6; NULL means "127.0.0.1"),
 * TCP port 0..65535, where 0 lets the kernel pick a free port (read it back
 * with vnc_port). Until the first vnc_frame viewers see a black 640x480
 * screen. Runs its own event thread. Returns 0 and *out, or a negative errno
 * (-EINVAL bad address or port, -EADDRINUSE, ...) with e filled.
 */
int vnc_start(const char *addr, int port, struct vnc **out, struct err *e);

/*
 * Publish the current picture. A picture of another size replaces the
 * framebuffer (viewers that support DesktopSize resize; every tile is sent);
 * otherwise only the tiles whose pixels differ from the previous picture
 * are sent. img is copied, the caller keeps it. Costs one comparison of the
 * picture plus a copy of the changed tiles; never waits for viewers (the
 * event thread encodes and sends). Returns 0, or -EINVAL (no pixels, or
 * over 65535 pixels a side) / -ENOMEM with e filled and the published
 * picture unchanged. Calls may come from any thread.
 */
int vnc_frame(struct vnc *v, const struct gs_image *img, struct err *e);

/*
 * Where viewers' keyboard and pointer events go: fn(opaque, ev, n) gets one
 * batch of n events ending in SYN_REPORT. The position is scaled over the
 * framebuffer the viewers see. Keys and buttons still held when a viewer
 * disconnects are released (for all viewers: they share one state). fn runs
 * on the event thread, under the library lock: it must not block or call
 * into this file. fn NULL (the default) drops input.
 */
typedef void vnc_input_fn(void *opaque, const struct vnc_input_ev *ev,
			  size_t n);
void vnc_set_input(struct vnc *v, vnc_input_fn *fn, void *opaque);

/* The TCP port actually listened on. */
int vnc_port(const struct vnc *v);

void vnc_get_stats(struct vnc *v, struct vnc_stats *out);

/* Disconnect every viewer, close the port and free v (NULL is a no-op). */
void vnc_stop(struct vnc *v);

#endif
