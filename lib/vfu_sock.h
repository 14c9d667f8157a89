/*
 * Whole vfio-user messages over a connected AF_UNIX stream socket, with
 * file descriptors as SCM_RIGHTS ancillary data: one helper pair used by
 * gpud and by the client library, so both frame and bound messages alike.
 */
#ifndef GS_VFU_SOCK_H
#define GS_VFU_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Ancillary room per received message; more fds than this are dropped by
 * the kernel and reported as fds_truncated. */
#define VFU_SOCK_FDS 16

struct vfu_sock_msg {
	uint8_t *buf; /* caller's buffer of cap bytes */
	size_t cap;
	size_t len;	       /* bytes of the message received */
	int fds[VFU_SOCK_FDS]; /* received fds, owned by the caller */
	unsigned nfds;	       /* valid entries of fds */
	int fds_truncated;     /* the sender sent more than VFU_SOCK_FDS */
};

/*
 * Send len bytes (a whole message) and nfds fds (at most VFU_SOCK_FDS, sent
 * with the first byte). Never raises SIGPIPE. Returns 0 or a negative errno.
 */
int vfu_sock_send(int sock, const void *buf, size_t len, const int *fds,
		  unsigned nfds, struct err *e);

/*
 * Receive one message: the 16-byte header, whose size field must be at
 * least 16 and at most m->cap, then the rest. wait_ms bounds the wait for
 * the first byte (-1: forever), the rest must follow within 10 s. Returns
 * 0 with m filled; -ECONNRESET when the peer closed the connection before a
 * message began, -EPROTO on a closed connection inside a message or a bad
 * size, -ETIMEDOUT, -EINTR, or another negative errno. Received fds are
 * closed on failure.
 */
int vfu_sock_recv(int sock, struct vfu_sock_msg *m, int wait_ms, struct err *e);

/* Close the fds of m and forget them. */
void vfu_sock_close_fds(struct vfu_sock_msg *m);

#endif
