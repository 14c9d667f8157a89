/*
 * The guest console relay. UML writes its console (con0=null,fd:1) and
 * its own stdout and stderr into a pipe; vkernel copies the bytes
 * unchanged to stdout or the --console file, and turns the guest init's
 * progress lines, "vkernel-init: TEXT", into status lines on stderr,
 * "vkernel: guest: TEXT". The guest is not trusted: TEXT is cut at the
 * line buffer and anything but printable ASCII becomes '?'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vkernel.h"

#define MARKER "vkernel-init: "

static void on_line(struct vk_console *c)
{
	size_t n = c->len, m = sizeof(MARKER) - 1;

	while (n && (c->line[n - 1] == '\r' || c->line[n - 1] == ' '))
		n--;
	c->line[n] = 0;
	if (!c->overlong && n > m && !memcmp(c->line, MARKER, m)) {
		for (size_t i = m; i < n; i++)
			if (c->line[i] < 0x20 || c->line[i] > 0x7e)
				c->line[i] = '?';
		fprintf(stderr, "vkernel: guest: %s\n", c->line + m);
	}
	c->len = 0;
	c->overlong = 0;
}

static void scan(struct vk_console *c, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			on_line(c);
		} else if (c->len < sizeof(c->line) - 1) {
			c->line[c->len++] = buf[i];
		} else {
			c->overlong = 1;
		}
	}
}

/* A failed write (stdout closed, disk full) stops the copy, not the
 * guest: a blocked console would stop UML. */
static void copy(struct vk_console *c, const char *buf, size_t n)
{
	while (n && c->out_fd >= 0) {
		ssize_t w = write(c->out_fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr,
				"vkernel: cannot write the guest console: "
				"%s; dropping it from now on\n",
				w < 0 ? strerror(errno) : "short write");
			c->out_fd = -1;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

int vk_console_relay(struct vk_console *c)
{
	char buf[16384];
	ssize_t n;

	/* Bounded, so a chatty guest cannot starve the signals. */
	for (int i = 0; i < 64; i++) {
		n = read(c->in_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0) {
			if (c->len)
				on_line(c);
			return 1;
		}
		copy(c, buf, (size_t)n);
		scan(c, buf, (size_t)n);
	}
	return 0;
}
