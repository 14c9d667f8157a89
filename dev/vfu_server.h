/*
 * The vfio-user server engine (QEMU docs/interop/vfio-user.rst): presents a
 * device behind the access interface (struct hw) as a VFIO PCI device with
 * nine regions (BAR0-5, ROM, config space, VGA), five IRQ types (all with
 * no interrupts) and VFIO migration v2 (STOP_COPY and PRE_COPY) whose data
 * is the libgpustate snapshot, or the pre-copy stream of lib/MIGRATION.md.
 *
 *   vfu_server_create(hw, &s, &e);
 *   per connection: vfu_session_create(s, &ss, &e);
 *                   vfu_session_serve_one(ss, sock, ...) until it fails,
 *                   then vfu_session_destroy(ss)
 *
 * The core is vfu_session_handle: one received message (bytes and fds) in,
 * one reply out, no sockets; the fuzz target and the unit tests drive it
 * directly. The device belongs to the server, not to a connection: every
 * session sees the same device, each has its own negotiation and DMA
 * windows. One migration at a time: the session that moves the state
 * away from RUNNING owns it until the state is RUNNING again; the others
 * may read the state but not move it or its data (EBUSY). A session that
 * goes away loses its DMA windows and the migration it owns (back to
 * RUNNING), never device state. Single-threaded: the caller handles one
 * message at a time.
 *
 * Users with one client at a time may skip sessions: vfu_server_handle,
 * vfu_server_serve_one and vfu_server_end_session act on a session the
 * server keeps for them.
 */
#ifndef GS_VFU_SERVER_H
#define GS_VFU_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/vfu_sock.h"
#include "hw.h"

struct vfu_server;

/* The reply to one message; buf lies in the server (valid until the next
 * message of any session). len 0 means no reply (No_reply commands). fds
 * are the server's: send them, do not close them. errno_ is the error
 * sent, 0 on success. reset: the message reset the device (e says so, and
 * whether another session's migration was dropped: worth a log line). */
struct vfu_reply {
	const uint8_t *buf;
	size_t len;
	int fds[1];
	unsigned nfds;
	int errno_;
	int reset;
};

struct vfu_session;

/* Serve hw (which the caller keeps and destroys after the server). */
int vfu_server_create(struct hw *hw, struct vfu_server **out, struct err *e);
/* Destroy the sessions first (all but the server's own). */
void vfu_server_destroy(struct vfu_server *s);

/* A new client: not negotiated, no DMA windows. */
int vfu_session_create(struct vfu_server *s, struct vfu_session **out,
		       struct err *e);
/* The client went away: its DMA windows go, and the migration it owns is
 * dropped (state back to RUNNING). NULL is ignored. */
void vfu_session_destroy(struct vfu_session *ss);

/*
 * Handle one message of len bytes with nfds received fds (all of which the
 * server takes: it closes those it does not keep; fds_truncated says more
 * were sent than arrived). Returns 0 with *r set, including error replies
 * (r->errno_ and e then say what was wrong), or a negative errno when the
 * connection must end (protocol violation or a version we do not speak).
 */
int vfu_session_handle(struct vfu_session *ss, const uint8_t *msg, size_t len,
		       const int *fds, unsigned nfds, int fds_truncated,
		       struct vfu_reply *r, struct err *e);

/*
 * Receive one message on sock (waiting at most wait_ms for it to begin),
 * handle it and send the reply. Returns 0 when all went well, 1 when an
 * error reply was sent (e says why), 2 when the message reset the device
 * (e says so), or a negative errno when the connection must be closed
 * (-ECONNRESET: the client closed it).
 */
int vfu_session_serve_one(struct vfu_session *ss, int sock, int wait_ms,
			  struct err *e);

/* Does ss own the migration in progress? */
int vfu_session_owns_mig(const struct vfu_session *ss);

/*
 * Must ss wait? True when it has negotiated and another session's
 * migration has the device stopped (STOP, STOP_COPY, RESUMING, ERROR):
 * its device accesses would fail with EBUSY now. A caller that can wait
 * (gpud) leaves its messages unread until this turns false.
 */
int vfu_session_held(const struct vfu_session *ss);

/* The server's own session, for one client at a time (see above). */
int vfu_server_handle(struct vfu_server *s, const uint8_t *msg, size_t len,
		      const int *fds, unsigned nfds, int fds_truncated,
		      struct vfu_reply *r, struct err *e);
int vfu_server_serve_one(struct vfu_server *s, int sock, int wait_ms,
			 struct err *e);
/* Its client went away: as vfu_session_destroy, the session stays usable
 * for the next client. */
void vfu_server_end_session(struct vfu_server *s);

/* Current VFIO migration state (VFU_STATE_*), for gpud and tests. */
uint32_t vfu_server_mig_state(const struct vfu_server *s);

#endif
