/*
 * gpud --input-socket: the VNC viewers' keyboard and pointer events for the
 * vkernel's input driver (vkernel contract, "gpud input socket"): 8-byte
 * records (dev/vnc_input.h) on a UNIX stream socket, one client at a time
 * (a second is refused while the first is connected).
 *
 * Threads: records come from the VNC event thread (gpud_input_send) and
 * are written at once with non-blocking sends under lock; accepting,
 * refusing and closing clients is the main loop's (gpud_input_ready). The
 * sender never blocks: a client whose socket buffer is full (it stopped
 * reading) is shut down and the main loop drops it, since a half-sent
 * record would desynchronise the stream anyway. Events while no client is
 * connected are dropped. A client sends nothing; one that does is dropped.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gpud.h"

struct gpud_input {
	struct gpud_sock sock;
	pthread_mutex_t lock; /* guards what follows; only main changes fd */
	int client;	      /* -1: none */
	int send_err;	      /* errno that made the sender give up, or 0 */
	unsigned long events; /* sent to the current client */
};

int gpud_input_open(const char *path, struct gpud_input **out, struct err *e)
{
	struct gpud_input *in = calloc(1, sizeof(*in));
	int rc;

	if (!in)
		return err_set(e, -ENOMEM, "out of memory");
	pthread_mutex_init(&in->lock, NULL);
	in->client = -1;
	rc = gpud_sock_listen(&in->sock, path, e);
	if (rc < 0) {
		gpud_input_close(in);
		return err_wrap(e, rc, "input socket");
	}
	*out = in;
	return 0;
}

void gpud_input_close(struct gpud_input *in)
{
	if (!in)
		return;
	if (in->client >= 0)
		close(in->client);
	gpud_sock_close(&in->sock);
	pthread_mutex_destroy(&in->lock);
	free(in);
}

int gpud_input_pollfds(struct gpud_input *in, struct pollfd *p)
{
	int n = 0;

	p[n++] = (struct pollfd){.fd = in->sock.fd, .events = POLLIN};
	if (in->client >= 0)
		p[n++] = (struct pollfd){.fd = in->client, .events = POLLIN};
	return n;
}

static void accept_client(struct gpud_input *in)
{
	struct ucred cred = {0, 0, 0};
	socklen_t len = sizeof(cred);
	int c = accept4(in->sock.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0) {
		if (errno != EINTR && errno != EAGAIN)
			fprintf(stderr, "gpud: input: accept: %s\n",
				strerror(errno));
		return;
	}
	getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	if (in->client >= 0) {
		fprintf(stderr,
			"gpud: input: refused a client (pid %d): one is "
			"already connected\n",
			(int)cred.pid);
		close(c);
		return;
	}
	pthread_mutex_lock(&in->lock);
	in->client = c;
	in->send_err = 0;
	in->events = 0;
	pthread_mutex_unlock(&in->lock);
	fprintf(stderr, "gpud: input client connected (pid %d, uid %u)\n",
		(int)cred.pid, (unsigned)cred.uid);
}

static void drop_client(struct gpud_input *in, const char *why)
{
	unsigned long events;
	int c;

	pthread_mutex_lock(&in->lock);
	c = in->client;
	events = in->events;
	in->client = -1;
	pthread_mutex_unlock(&in->lock);
	close(c);
	fprintf(stderr,
		"gpud: input client disconnected%s%s after %lu events\n",
		why ? ": " : "", why ? why : "", events);
}

/* The client's socket is readable: it left, we shut it down, or it
 * talks. */
static void client_ready(struct gpud_input *in)
{
	char buf[64], why[96];
	ssize_t r = recv(in->client, buf, sizeof(buf), MSG_DONTWAIT);
	int err = errno, send_err;

	if (r < 0 && (err == EAGAIN || err == EINTR))
		return;
	pthread_mutex_lock(&in->lock);
	send_err = in->send_err;
	pthread_mutex_unlock(&in->lock);
	if (send_err == EAGAIN)
		snprintf(why, sizeof(why), "it stopped reading (buffer full)");
	else if (send_err)
		snprintf(why, sizeof(why), "send: %s", strerror(send_err));
	else if (r > 0)
		snprintf(why, sizeof(why),
			 "it sent data (input clients "
			 "only read)");
	else if (r < 0)
		snprintf(why, sizeof(why), "%s", strerror(err));
	drop_client(in, send_err || r != 0 ? why : NULL);
}

void gpud_input_ready(struct gpud_input *in, const struct pollfd *p, int n)
{
	/* The client first: a connection that replaces a dropped one then
	 * gets accepted in the same round. */
	if (n > 1 && p[1].revents)
		client_ready(in);
	if (p[0].revents)
		accept_client(in);
}

void gpud_input_send(void *opaque, const struct vnc_input_ev *ev, size_t n)
{
	struct gpud_input *in = opaque;
	uint8_t buf[VNC_INPUT_MAX_RELEASE * VNC_INPUT_REC_SIZE];
	size_t len = 0;
	ssize_t r;

	for (size_t i = 0; i < n && len < sizeof(buf); i++) {
		vnc_input_encode(&ev[i], buf + len);
		len += VNC_INPUT_REC_SIZE;
	}
	pthread_mutex_lock(&in->lock);
	if (in->client >= 0 && !in->send_err) {
		r = send(in->client, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r == (ssize_t)len) {
			in->events += n;
		} else {
			/* A partial record would desynchronise the stream:
			 * give up on this client; the main loop sees the
			 * shutdown as end of file and drops it. */
			in->send_err = r < 0 ? errno : EAGAIN;
			shutdown(in->client, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&in->lock);
}
