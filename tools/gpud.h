/* gpud: the vfio-user server process. One file per concern. */
#ifndef GS_TOOL_GPUD_H
#define GS_TOOL_GPUD_H

#include <poll.h>
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

int gpud_clients_open(struct vfu_server *srv, int listen_fd,
		      struct gpud_clients **out, struct err *e);
void gpud_clients_close(struct gpud_clients *cl);
int gpud_clients_pollfds(struct gpud_clients *cl, struct pollfd *p,
			 long long now, int *wait_ms);
void gpud_clients_ready(struct gpud_clients *cl, const struct pollfd *p, int n);
/* Milliseconds until every client has been quiet for quiet_ms (0: now,
 * or no client). */
int gpud_clients_quiet_in(const struct gpud_clients *cl, long long now,
			  int quiet_ms);

/* Monotonic milliseconds. */
long long gpud_now_ms(void);

#endif
