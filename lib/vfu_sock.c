/*
 * Message framing for vfio-user over AF_UNIX stream sockets (see vfu_sock.h):
 * header first, its size checked against the receiver's buffer, then the
 * body; fds travel as SCM_RIGHTS with the first byte of a message. Once a
 * message has begun, the whole of it must pass within BODY_WAIT_MS, so a
 * stalled or trickling peer cannot hold the other side forever.
 */
#include "vfu_sock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vfio_user.h"

#define BODY_WAIT_MS 10000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, never negative. */
static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

/* Signals do not cut a wait short: inside the vkernel the timer tick
 * interrupts every host call. */
static int wait_for(int sock, short events, int ms, struct err *e)
{
	struct pollfd p = {.fd = sock, .events = events};
	int64_t end = now_ms() + ms;
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		ms = ms < 0 ? ms : left_ms(end);
	if (r < 0)
		return err_set(e, -errno, "poll: %s", strerror(errno));
	if (r == 0)
		return err_set(e, -ETIMEDOUT, "peer did not %s within %d ms",
			       events == POLLIN ? "send" : "receive", ms);
	return 0;
}

int vfu_sock_send(int sock, const void *buf, size_t len, const int *fds,
		  unsigned nfds, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFU_SOCK_FDS)];
		struct cmsghdr align;
	} ctl;
	const uint8_t *p = buf;
	int64_t deadline = now_ms() + BODY_WAIT_MS;
	size_t done = 0;

	if (nfds > VFU_SOCK_FDS)
		return err_set(e, -EINVAL, "%u fds in one message (max %u)",
			       nfds, VFU_SOCK_FDS);
	while (done < len) {
		struct iovec iov = {.iov_base = (void *)(p + done),
				    .iov_len = len - done};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t r;
		int rc;

		if (nfds && done == 0) {
			struct cmsghdr *c;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		/* Non-blocking: wait for room only when there is none. */
		r = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN &&
		    (rc = wait_for(sock, POLLOUT, left_ms(deadline), e)) < 0)
			return rc;
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return err_set(e, -errno, "send: %s", strerror(errno));
		done += (size_t)r;
	}
	return 0;
}

void vfu_sock_close_fds(struct vfu_sock_msg *m)
{
	for (unsigned i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
}

/* Keep the fds of every SCM_RIGHTS block; close what does not fit. */
static void take_fds(struct vfu_sock_msg *m, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (m->nfds < VFU_SOCK_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				m->fds_truncated = 1;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		m->fds_truncated = 1;
}

/* Read exactly n bytes into p. Before the message has begun (*deadline 0)
 * first_ms bounds the wait; its first byte sets the deadline for the rest. */
static int read_full(int sock, struct vfu_sock_msg *m, uint8_t *p, size_t n,
		     int first_ms, int64_t *deadline, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFU_SOCK_FDS)];
		struct cmsghdr align;
	} ctl;
	size_t got = 0;

	while (got < n) {
		struct iovec iov = {.iov_base = p + got, .iov_len = n - got};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		int at_start = !*deadline, rc;
		/* Most often the bytes are there: wait only when they are not.
		 */
		ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

		if (r < 0 && errno == EAGAIN &&
		    (rc = wait_for(sock, POLLIN,
				   at_start ? first_ms : left_ms(*deadline),
				   e)) < 0)
			return rc;
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return err_set(e, -errno, "receive: %s",
				       strerror(errno));
		take_fds(m, &mh);
		if (r == 0 && at_start)
			return err_set(e, -ECONNRESET,
				       "peer closed the "
				       "connection");
		if (r == 0)
			return err_set(e, -EPROTO,
				       "peer closed the connection inside a "
				       "message");
		if (at_start)
			*deadline = now_ms() + BODY_WAIT_MS;
		got += (size_t)r;
	}
	return 0;
}

static int recv_msg(int sock, struct vfu_sock_msg *m, int wait_ms,
		    struct err *e)
{
	struct vfu_hdr h;
	int64_t deadline = 0;
	int rc;

	if (m->cap < sizeof(h))
		return err_set(e, -EINVAL, "receive buffer too small");
	rc = read_full(sock, m, m->buf, sizeof(h), wait_ms, &deadline, e);
	if (rc < 0)
		return rc;
	memcpy(&h, m->buf, sizeof(h));
	if (h.size < sizeof(h) || h.size > m->cap)
		return err_set(e, -EPROTO,
			       "message size %u outside 16..%zu (command %u)",
			       h.size, m->cap, h.cmd);
	rc = read_full(sock, m, m->buf + sizeof(h), h.size - sizeof(h), 0,
		       &deadline, e);
	if (rc < 0)
		return rc;
	m->len = h.size;
	return 0;
}

int vfu_sock_recv(int sock, struct vfu_sock_msg *m, int wait_ms, struct err *e)
{
	int rc;

	m->len = 0;
	m->nfds = 0;
	m->fds_truncated = 0;
	rc = recv_msg(sock, m, wait_ms, e);
	if (rc < 0)
		vfu_sock_close_fds(m);
	return rc;
}
