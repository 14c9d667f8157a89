/* gpud: the vfio-user server process. One file per concern. */
#ifndef GS_TOOL_GPUD_H
#define GS_TOOL_GPUD_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "dev/hw.h"
#include "dev/vnc.h"

/*
 * A listening UNIX socket at path (gpud_sock.c): mode 0600, its directory
 * private (created 0700 when missing), a stale socket replaced, a busy one
 * or any other file refused. gpud_sock_close removes it unless another
 * gpud has replaced it meanwhile.
 */
struct gpud_sock {
	const char *path;
	int fd; /* -1: not listening */
	dev_t dev;
	ino_t ino;
};

int gpud_sock_listen(struct gpud_sock *s, const char *path, struct err *e);
void gpud_sock_close(struct gpud_sock *s);

/*
 * The damage window (gpud_damage.c): a struct hw wrapping a backend, which
 * it then owns (hw_destroy of gpud_damage_hw destroys both). It serves a
 * gpud extension in BAR2 0xF00-0xF0F through which a client reports the
 * rectangles it drew, and notes the writes that change the picture
 * otherwise (registers, ports, reset). gpud_damage_take hands out what
 * happened since the last take: nothing, the union of the rectangles
 * (clipped to the frame given by gpud_damage_set_frame), or the whole
 * picture.
 */
struct gpud_damage;
struct gpud_rect {
	uint32_t x, y, w, h;
};
enum { GPUD_DAMAGE_NONE, GPUD_DAMAGE_RECT, GPUD_DAMAGE_FULL };
struct gpud_damage_stats {
	unsigned long commits; /* rectangles committed (0xF0C writes) */
	unsigned long ignored; /* of which empty, overflowing or off-frame */
};

int gpud_damage_wrap(struct hw *backend, struct gpud_damage **out,
		     struct err *e);
struct hw *gpud_damage_hw(struct gpud_damage *d);
/* Is the window there (the device has room for it)? */
int gpud_damage_serves_window(const struct gpud_damage *d);
/* The size of the picture the display shows; rectangles are clipped to
 * it (0x0: unknown, a rectangle then means the whole picture). */
void gpud_damage_set_frame(struct gpud_damage *d, uint32_t w, uint32_t h);
/* Has anything happened since the last take? */
int gpud_damage_pending(const struct gpud_damage *d);
/* GPUD_DAMAGE_*; *r is set for GPUD_DAMAGE_RECT. Clears the damage. */
int gpud_damage_take(struct gpud_damage *d, struct gpud_rect *r);
void gpud_damage_get_stats(const struct gpud_damage *d,
			   struct gpud_damage_stats *out);

/*
 * The live display (--vnc): the scanout decoded from the registers (of hw,
 * the backend itself: the display's own accesses are no damage) and the
 * VRAM in place, published with dev/vnc.c (libvncserver). Refresh policy,
 * chosen per step by the caller: periodic, a frame every FRAME_MS (33 ms);
 * or on damage (a client reports it), a frame soon after damage from dmg,
 * at most one per FRAME_MS, and otherwise one a second.
 */
struct gpud_display;

/* dmg may be NULL: then only periodic refresh makes sense. */
int gpud_display_start(struct hw *hw, struct gpud_damage *dmg, const char *addr,
		       int port, struct gpud_display **out, struct err *e);
/* The TCP port the VNC server listens on. */
int gpud_display_port(const struct gpud_display *d);
/* Milliseconds until the next frame is due (0: now); on_damage: the
 * refresh policy on damage, else periodic. */
int gpud_display_due_ms(const struct gpud_display *d, long long now_ms,
			int on_damage);
/* Publish a frame if one is due. The caller only calls this between
 * client messages, with the device running. */
void gpud_display_tick(struct gpud_display *d, long long now_ms, int on_damage);
/* One log line: frames decoded, tiles sent, the policy. */
void gpud_display_log_stats(struct gpud_display *d, int on_damage);
void gpud_display_stop(struct gpud_display *d);
/* Send viewers' input to fn (vnc_set_input). */
void gpud_display_set_input(struct gpud_display *d, vnc_input_fn *fn,
			    void *opaque);

/*
 * The input socket (--input-socket, gpud_input.c): viewers' keyboard and
 * pointer events as 8-byte records to one client. The main loop polls the
 * fds gpud_input_pollfds gives (at most GPUD_INPUT_POLLFDS) and passes
 * them back to gpud_input_ready; gpud_input_send is a vnc_input_fn, safe
 * from any thread, never blocking.
 */
#define GPUD_INPUT_POLLFDS 2
struct gpud_input;

int gpud_input_open(const char *path, struct gpud_input **out, struct err *e);
void gpud_input_close(struct gpud_input *in);
int gpud_input_pollfds(struct gpud_input *in, struct pollfd *p);
void gpud_input_ready(struct gpud_input *in, const struct pollfd *p, int n);
void gpud_input_send(void *opaque, const struct vnc_input_ev *ev, size_t n);

/*
 * The vfio-user clients on --socket (gpud_clients.c): up to
 * GPUD_MAX_CLIENTS at once, each a session of srv, listen_fd their
 * listening socket. The main loop polls the fds gpud_clients_pollfds gives
 * (at most GPUD_CLIENT_POLLFDS; it may shorten *wait_ms, -1: none) and
 * passes them back to gpud_clients_ready, which handles one message per
 * ready client. gpud_clients_close ends every session; call it before
 * vfu_server_destroy.
 */
#define GPUD_MAX_CLIENTS    8
#define GPUD_CLIENT_POLLFDS (1 + GPUD_MAX_CLIENTS)
struct gpud_clients;
struct vfu_server;

/* dmg (may be NULL): tells which clients report damage. */
int gpud_clients_open(struct vfu_server *srv, struct gpud_damage *dmg,
		      int listen_fd, struct gpud_clients **out, struct err *e);
void gpud_clients_close(struct gpud_clients *cl);
int gpud_clients_pollfds(struct gpud_clients *cl, struct pollfd *p,
			 long long now, int *wait_ms);
void gpud_clients_ready(struct gpud_clients *cl, const struct pollfd *p, int n);
/* Does a connected client report damage (has it committed a rectangle
 * in the damage window)? */
int gpud_clients_report_damage(const struct gpud_clients *cl);
/* Milliseconds until every client has been quiet for quiet_ms (0: now,
 * or no client). */
int gpud_clients_quiet_in(const struct gpud_clients *cl, long long now,
			  int quiet_ms);

/* Monotonic milliseconds. */
long long gpud_now_ms(void);

#endif
