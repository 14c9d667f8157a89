/*
 * A client of UML's management console (arch/um/drivers/mconsole*.c): one
 * datagram, struct mconsole_request {magic, version, len, data}, to the
 * socket RUN/NAME/mconsole. The reply is not awaited: what counts is
 * whether UML then exits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vkernel.h"

#define MCONSOLE_MAGIC	  0xcafebabe
#define MCONSOLE_VERSION  2
#define MCONSOLE_MAX_DATA 512

struct mconsole_request {
	uint32_t magic;
	uint32_t version;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
};

int vk_mconsole_send(const char *run, const char *name, const char *cmd,
		     struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct mconsole_request req = {.magic = MCONSOLE_MAGIC,
				       .version = MCONSOLE_VERSION};
	size_t len = strlen(cmd);
	int s, rc = 0;

	if (len >= MCONSOLE_MAX_DATA)
		return err_set(e, -EINVAL, "mconsole command too long");
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/mconsole", run,
		     name) >= (int)sizeof(sa.sun_path))
		return err_set(e, -ENAMETOOLONG, "mconsole path too long");
	memcpy(req.data, cmd, len);
	req.len = (uint32_t)len;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_set(e, -errno, "socket: %s", strerror(errno));
	if (sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		rc = err_set(e, -errno, "mconsole '%s': %s", sa.sun_path,
			     strerror(errno));
	close(s);
	return rc;
}
