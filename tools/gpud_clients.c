/*
 * gpud's vfio-user clients: up to GPUD_MAX_CLIENTS connections at once on
 * the --socket, each a session of the one vfu_server (dev/vfu_server.h),
 * so the vkernel's driver can stay connected while gpustate inspects the
 * device. One more is accepted and closed at once, with a log line.
 *
 * Messages are handled one at a time, one per ready client per poll round
 * (single-threaded, no locks). A client that has begun a message must
 * finish it, and read its reply, within the deadlines of lib/vfu_sock.c
 * (10 s each); one that stalls inside a message is dropped.
 *
 * Hold: while one client's migration has the device stopped (STOP_COPY of
 * a `gpustate dump --server`, say), the others' device accesses would fail
 * with EBUSY, and the vkernel's driver takes a failed access for a lost
 * device. So their messages stay unread until the device runs again, at
 * most HOLD_MS; after that they are served (and refused) as any client.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dev/vfu_server.h"
#include "gpud.h"
#include "lib/vfio_user.h"

/* Well below the vfio-user client's 60 s wait for a reply. */
#define HOLD_MS 20000

struct client {
	int fd; /* -1: free slot */
	pid_t pid;
	struct vfu_session *ss;
	unsigned long msgs, errors;
	int damage; /* has committed a damage rectangle */
};

struct gpud_clients {
	struct vfu_server *srv;
	struct gpud_damage *dmg; /* NULL: no damage window */
	int lfd;
	struct client c[GPUD_MAX_CLIENTS];
	int slot[GPUD_CLIENT_POLLFDS]; /* pollfd index -> c[] index */
	long long last_msg_ms;	       /* of any client */
	long long stopped_since;       /* 0: the device runs */
	int hold_over;		       /* HOLD_MS passed (logged once) */
};

int gpud_clients_open(struct vfu_server *srv, struct gpud_damage *dmg,
		      int listen_fd, struct gpud_clients **out, struct err *e)
{
	struct gpud_clients *cl = calloc(1, sizeof(*cl));

	if (!cl)
		return err_set(e, -ENOMEM, "out of memory");
	cl->srv = srv;
	cl->dmg = dmg;
	cl->lfd = listen_fd;
	for (int i = 0; i < GPUD_MAX_CLIENTS; i++)
		cl->c[i].fd = -1;
	*out = cl;
	return 0;
}

void gpud_clients_close(struct gpud_clients *cl)
{
	if (!cl)
		return;
	for (int i = 0; i < GPUD_MAX_CLIENTS; i++)
		if (cl->c[i].fd >= 0) {
			close(cl->c[i].fd);
			vfu_session_destroy(cl->c[i].ss);
		}
	free(cl);
}

/* ---- Connect and disconnect ---- */

static int count(const struct gpud_clients *cl)
{
	int n = 0;

	for (int i = 0; i < GPUD_MAX_CLIENTS; i++)
		n += cl->c[i].fd >= 0;
	return n;
}

static struct client *free_slot(struct gpud_clients *cl)
{
	for (int i = 0; i < GPUD_MAX_CLIENTS; i++)
		if (cl->c[i].fd < 0)
			return &cl->c[i];
	return NULL;
}

static void accept_client(struct gpud_clients *cl)
{
	struct ucred cred = {0, 0, 0};
	socklen_t len = sizeof(cred);
	int fd = accept4(cl->lfd, NULL, NULL, SOCK_CLOEXEC);
	struct client *c = free_slot(cl);
	struct vfu_session *ss;
	struct err e = {{0}};

	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN)
			fprintf(stderr, "gpud: accept: %s\n", strerror(errno));
		return;
	}
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	if (!c)
		err_set(&e, -EBUSY, "%d clients already connected",
			GPUD_MAX_CLIENTS);
	if (!c || vfu_session_create(cl->srv, &ss, &e) < 0) {
		fprintf(stderr, "gpud: client refused (pid %d, uid %u): %s\n",
			(int)cred.pid, (unsigned)cred.uid, e.msg);
		close(fd);
		return;
	}
	*c = (struct client){.fd = fd, .pid = cred.pid, .ss = ss};
	fprintf(stderr, "gpud: client connected (pid %d, uid %u; %d of %d)\n",
		(int)cred.pid, (unsigned)cred.uid, count(cl), GPUD_MAX_CLIENTS);
}

static void drop_client(struct gpud_clients *cl, struct client *c,
			const char *why)
{
	uint32_t st = vfu_server_mig_state(cl->srv);
	int owned = vfu_session_owns_mig(c->ss);

	fprintf(stderr,
		"gpud: client disconnected (pid %d)%s%s after %lu messages, "
		"%lu errors%s%s\n",
		(int)c->pid, why ? ": " : "", why ? why : "", c->msgs,
		c->errors, owned ? "; migration dropped in state " : "",
		owned ? vfu_state_name(st) : "");
	close(c->fd);
	c->fd = -1;
	vfu_session_destroy(c->ss);
	c->ss = NULL;
}

static unsigned long commits(const struct gpud_clients *cl)
{
	struct gpud_damage_stats st = {0, 0};

	if (cl->dmg)
		gpud_damage_get_stats(cl->dmg, &st);
	return st.commits;
}

/* Did this message commit a damage rectangle? Then c reports damage
 * until it disconnects: the display refreshes on damage. */
static void check_damage(struct gpud_clients *cl, struct client *c,
			 unsigned long before)
{
	if (c->damage || commits(cl) == before)
		return;
	c->damage = 1;
	fprintf(stderr, "gpud: client %d reports damage\n", (int)c->pid);
}

/* One message; poll said the socket is readable, so a timeout means the
 * client stalled inside a message: the stream is lost, it goes. */
static void serve_client(struct gpud_clients *cl, struct client *c)
{
	struct err e = {{0}};
	unsigned long before = commits(cl);
	int rc = vfu_session_serve_one(c->ss, c->fd, 0, &e);

	cl->last_msg_ms = gpud_now_ms();
	check_damage(cl, c, before);
	if (rc == -ECONNRESET) {
		drop_client(cl, c, NULL);
	} else if (rc < 0) {
		drop_client(cl, c, e.msg);
	} else {
		c->msgs++;
		c->errors += rc == 1;
		if (rc > 0)
			fprintf(stderr, "gpud: client %d: %s\n", (int)c->pid,
				e.msg);
	}
}

/* ---- The poll loop's part ---- */

/* Update the hold clock; the ms the hold still lasts (0: no hold). */
static int hold_left(struct gpud_clients *cl, long long now)
{
	uint32_t st = vfu_server_mig_state(cl->srv);
	long long left;

	if (st == VFU_STATE_RUNNING || st == VFU_STATE_PRE_COPY) {
		cl->stopped_since = 0;
		cl->hold_over = 0;
		return 0;
	}
	if (!cl->stopped_since)
		cl->stopped_since = now;
	left = cl->stopped_since + HOLD_MS - now;
	if (left > 0)
		return (int)left;
	if (!cl->hold_over)
		fprintf(stderr,
			"gpud: the device has been stopped by a migration "
			"(state %s) for %d s; serving the other clients "
			"again, their device accesses fail\n",
			vfu_state_name(st), HOLD_MS / 1000);
	cl->hold_over = 1;
	return 0;
}

int gpud_clients_pollfds(struct gpud_clients *cl, struct pollfd *p,
			 long long now, int *wait_ms)
{
	int hold = hold_left(cl, now), n = 0, held = 0;

	p[n] = (struct pollfd){.fd = cl->lfd, .events = POLLIN};
	cl->slot[n++] = -1;
	for (int i = 0; i < GPUD_MAX_CLIENTS; i++) {
		const struct client *c = &cl->c[i];
		int wait;

		if (c->fd < 0)
			continue;
		wait = hold && vfu_session_held(c->ss);
		/* fd -1: poll ignores it, even a hangup. */
		p[n] = (struct pollfd){.fd = wait ? -1 : c->fd,
				       .events = POLLIN};
		cl->slot[n++] = i;
		held |= wait;
	}
	if (held && (*wait_ms < 0 || *wait_ms > hold))
		*wait_ms = hold;
	return n;
}

void gpud_clients_ready(struct gpud_clients *cl, const struct pollfd *p, int n)
{
	for (int k = 1; k < n; k++) {
		struct client *c = &cl->c[cl->slot[k]];

		if (!p[k].revents || c->fd != p[k].fd)
			continue;
		/* An earlier client of this round may have stopped the
		 * device: then this one waits. */
		if (vfu_session_held(c->ss) && hold_left(cl, gpud_now_ms()))
			continue;
		serve_client(cl, c);
	}
	/* New clients last: they are not in p. */
	if (n && p[0].revents)
		accept_client(cl);
}

int gpud_clients_report_damage(const struct gpud_clients *cl)
{
	for (int i = 0; i < GPUD_MAX_CLIENTS; i++)
		if (cl->c[i].fd >= 0 && cl->c[i].damage)
			return 1;
	return 0;
}

int gpud_clients_quiet_in(const struct gpud_clients *cl, long long now,
			  int quiet_ms)
{
	long long left = cl->last_msg_ms + quiet_ms - now;

	return count(cl) && left > 0 ? (int)left : 0;
}
