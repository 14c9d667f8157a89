/*
 * The vfio-user server engine (QEMU docs/interop/vfio-user.rst): presents a
 * device behind the access interface (struct hw) as a VFIO PCI device with
 * nine regions (BAR0-5, ROM, config space, VGA), five IRQ types (all with
 * no interrupts) and VFIO migration v2 (STOP_COPY and PRE_COPY) whose data
 * is the libgpustate snapshot, or the pre-copy stream of lib/MIGRATION.md.
 *
 *   vfu_server_create(hw, &s, &e);
 *   per connection: vfu_server_serve_one(s, sock, ...) until it fails,
 *                   then vfu_server_end_session(s)
 *
 * The core is vfu_server_handle: one received message (bytes and fds) in,
 * one reply out, no sockets; the fuzz target and the unit tests drive it
 * directly. The device belongs to the server, not to a connection: a
 * client that goes away loses its DMA windows and any migration in
 * progress (back to RUNNING), never device state.
 */
#ifndef GS_VFU_SERVER_H
#define GS_VFU_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/vfu_sock.h"
#include "hw.h"

struct vfu_server;

/* The reply to one message; buf lies in the server (valid until the next
 * call). len 0 means no reply (No_reply commands). fds are the server's:
 * send them, do not close them. errno_ is the error sent, 0 on success. */
struct vfu_reply {
	const uint8_t *buf;
	size_t len;
	int fds[1];
	unsigned nfds;
	int errno_;
};

/* Serve hw (which the caller keeps and destroys after the server). */
int vfu_server_create(struct hw *hw, struct vfu_server **out, struct err *e);
void vfu_server_destroy(struct vfu_server *s);

/*
 * Handle one message of len bytes with nfds received fds (all of which the
 * server takes: it closes those it does not keep; fds_truncated says more
 * were sent than arrived). Returns 0 with *r set, including error replies
 * (r->errno_ and e then say what was wrong), or a negative errno when the
 * connection must end (protocol violation or a version we do not speak).
 */
int vfu_server_handle(struct vfu_server *s, const uint8_t *msg, size_t len,
		      const int *fds, unsigned nfds, int fds_truncated,
		      struct vfu_reply *r, struct err *e);

/* The client went away: forget the negotiation and the DMA windows, drop
 * any migration data, migration state back to RUNNING. */
void vfu_server_end_session(struct vfu_server *s);

/*
 * Receive one message on sock (waiting at most wait_ms for it to begin),
 * handle it and send the reply. Returns 0 when all went well, 1 when an
 * error reply was sent (e says why), or a negative errno when the
 * connection must be closed (-ECONNRESET: the client closed it).
 */
int vfu_server_serve_one(struct vfu_server *s, int sock, int wait_ms,
			 struct err *e);

/* Current VFIO migration state (VFU_STATE_*), for gpud and tests. */
uint32_t vfu_server_mig_state(const struct vfu_server *s);

#endif
