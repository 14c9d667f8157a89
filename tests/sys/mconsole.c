/*
 * mconsole SOCKET COMMAND...: send one request to a UML management console
 * (arch/um/drivers/mconsole.h: magic 0xcafebabe, version 2, length, text)
 * and print the reply's text; exit 0 when it says success, 1 on an error
 * reply, 2 when there is no reply. For the tests.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

struct mc_req {
	uint32_t magic, version, len;
	char data[512];
};

struct mc_reply {
	uint32_t err, more, len;
	char data[512];
};

int main(int argc, char **argv)
{
	struct sockaddr_un to = {.sun_family = AF_UNIX};
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	struct timeval tv = {60, 0};
	struct mc_req q = {.magic = 0xcafebabe, .version = 2};
	struct mc_reply r;
	int s, rc = 0;

	if (argc < 3 || strlen(argv[1]) >= sizeof(to.sun_path)) {
		fprintf(stderr, "usage: mconsole SOCKET COMMAND...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		snprintf(q.data + q.len, sizeof(q.data) - q.len, "%s%s",
			 i > 2 ? " " : "", argv[i]);
		q.len = strlen(q.data);
	}
	strcpy(to.sun_path, argv[1]);
	snprintf(me.sun_path, sizeof(me.sun_path), "%s.%d", argv[1],
		 (int)getpid());
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (void *)&me, sizeof(me)) < 0) {
		perror("mconsole: socket");
		return 2;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(s, &q, sizeof(q), 0, (void *)&to, sizeof(to)) < 0) {
		perror("mconsole: send");
		rc = 2;
	}
	do {
		ssize_t n = rc == 2 ? -1 : recv(s, &r, sizeof(r), 0);

		if (n < 12 || r.len > sizeof(r.data)) {
			if (rc != 2)
				fprintf(stderr, "mconsole: no reply\n");
			rc = 2;
			break;
		}
		printf("%.*s\n", (int)r.len, r.data);
		if (r.err)
			rc = 1;
	} while (r.more);
	unlink(me.sun_path);
	return rc;
}
