/*
 * A client of UML's management console (arch/um/drivers/mconsole*.c): one
 * datagram, struct mconsole_request {magic, version, len, data}, to the
 * socket RUN/NAME/mconsole. vk_mconsole_send does not await the reply
 * (what counts is whether UML then exits); vk_mconsole_ask does, from an
 * autobound abstract address (no file to clean up).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vkernel.h"

#define MCONSOLE_MAGIC	  0xcafebabe
#define MCONSOLE_VERSION  2
#define MCONSOLE_MAX_DATA 512

struct mconsole_reply {
	uint32_t err;
	uint32_t more;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
};

struct mconsole_request {
	uint32_t magic;
	uint32_t version;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
};

/* The request for cmd and UML's address; a datagram socket, or -errno. */
static int mconsole_open(const char *run, const char *name, const char *cmd,
			 struct mconsole_request *req, struct sockaddr_un *sa,
			 struct err *e)
{
	size_t len = strlen(cmd);
	int s;

	if (len >= MCONSOLE_MAX_DATA)
		return err_set(e, -EINVAL, "mconsole command too long");
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s/mconsole", run,
		     name) >= (int)sizeof(sa->sun_path))
		return err_set(e, -ENAMETOOLONG, "mconsole path too long");
	req->magic = MCONSOLE_MAGIC;
	req->version = MCONSOLE_VERSION;
	req->len = (uint32_t)len;
	memcpy(req->data, cmd, len);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_set(e, -errno, "socket: %s", strerror(errno));
	return s;
}

int vk_mconsole_send(const char *run, const char *name, const char *cmd,
		     struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct mconsole_request req = {0};
	int s = mconsole_open(run, name, cmd, &req, &sa, e), rc = 0;

	if (s < 0)
		return s;
	if (sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		rc = err_set(e, -errno, "mconsole '%s': %s", sa.sun_path,
			     strerror(errno));
	close(s);
	return rc;
}

/* Reads the reply (all its parts) into out; 0 on success, -EIO on an
 * error reply, -ETIMEDOUT without one. */
static int read_reply(int s, char *out, size_t outlen, struct err *e)
{
	struct mconsole_reply r;
	size_t used = 0;
	int failed = 0;

	out[0] = 0;
	do {
		ssize_t n = recv(s, &r, sizeof(r), 0);

		if (n < 12 || r.len > sizeof(r.data) || (size_t)n < 12 + r.len)
			return err_set(e, -ETIMEDOUT, "mconsole: no reply");
		failed |= r.err != 0;
		/* Guest text: printable ASCII only, up to UML's NUL. */
		for (uint32_t i = 0;
		     i < r.len && r.data[i] && used + 1 < outlen; i++)
			out[used++] =
				r.data[i] >= 0x20 && r.data[i] < 0x7f
					? r.data[i]
					: (r.data[i] == '\n' ? '\n' : '?');
		out[used] = 0;
	} while (r.more);
	return failed ? -EIO : 0;
}

int vk_mconsole_ask(const char *run, const char *name, const char *cmd,
		    int timeout_s, char *out, size_t outlen, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	struct timeval tv = {timeout_s, 0};
	struct mconsole_request req = {0};
	int s = mconsole_open(run, name, cmd, &req, &sa, e), rc;

	if (s < 0)
		return s;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(s, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0 ||
	    sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		rc = err_set(e, -errno, "mconsole '%s': %s", sa.sun_path,
			     strerror(errno));
	else if ((rc = read_reply(s, out, outlen, e)) == -EIO)
		err_set(e, rc, "'%s': %s", cmd, out);
	else if (rc < 0)
		err_set(e, rc, "'%s': no reply within %d s", cmd, timeout_s);
	close(s);
	return rc;
}
