/*
 * gpud as vkernel's child: started in the foreground in its own process
 * group (a Ctrl-C on the terminal reaches vkernel only, which powers the
 * guest off before it stops gpud), with SIGTERM as its parent-death
 * signal. Its stdout and stderr come back through a pipe: kept while it
 * starts (shown if it fails), copied to our stderr once it runs, and read
 * for the line that gives its VNC port (tools/gpud.c start_display):
 *   gpud: display over VNC on ADDR port N
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vkernel.h"

/* Run argv with stdout into buf (NUL-terminated); gives up after 5 s
 * without output. */
static int capture(char *const argv[], char *buf, size_t len)
{
	pid_t self = getpid(), pid;
	size_t got = 0;
	int p[2], status;
	struct pollfd pf;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		vk_child_setup(p[1], SIGKILL, self);
		dup2(0, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	pf = (struct pollfd){.fd = p[0], .events = POLLIN};
	while (got + 1 < len && poll(&pf, 1, 5000) > 0) {
		ssize_t n = read(p[0], buf + got, len - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

int vk_gpud_has_input(const char *exe)
{
	char *const argv[] = {(char *)exe, "--help", NULL};
	static char buf[16384];

	return capture(argv, buf, sizeof(buf)) == 0 &&
	       strstr(buf, "--input-socket") != NULL;
}

int vk_gpud_start(struct vk_gpud *g, const char *exe, const char *dev,
		  const char *sock, const char *input, int port,
		  const char *addr, struct err *e)
{
	char portbuf[16];
	const char *argv[16];
	pid_t self = getpid();
	int n = 0, p[2];

	snprintf(portbuf, sizeof(portbuf), "%d", port);
	argv[n++] = exe;
	argv[n++] = "--device";
	argv[n++] = dev;
	argv[n++] = "--socket";
	argv[n++] = sock;
	argv[n++] = "--vnc";
	argv[n++] = portbuf;
	if (addr) {
		argv[n++] = "--vnc-addr";
		argv[n++] = addr;
	}
	if (input) {
		argv[n++] = "--input-socket";
		argv[n++] = input;
	}
	argv[n++] = "--foreground";
	argv[n] = NULL;

	*g = (struct vk_gpud){.pid = -1, .fd = -1, .pidfd = -1};
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe: %s", strerror(errno));
	g->pid = fork();
	if (g->pid == 0) {
		setpgid(0, 0);
		vk_child_setup(p[1], SIGTERM, self);
		execv(exe, (char **)argv);
		fprintf(stderr, "gpud: cannot run '%s': %s\n", exe,
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	if (g->pid < 0) {
		close(p[0]);
		return err_set(e, -errno, "fork: %s", strerror(errno));
	}
	/* Both sides set the group: no window where a kill misses it. */
	setpgid(g->pid, g->pid);
	g->fd = p[0];
	fcntl(g->fd, F_SETFL, O_NONBLOCK);
	g->pidfd = vk_pidfd_open(g->pid);
	if (g->pidfd < 0) {
		int rc = -errno;

		vk_gpud_stop(g);
		return err_set(e, rc, "pidfd_open: %s", strerror(-rc));
	}
	return 0;
}

/* Keep the last lines (a failed start ends with the reason). */
static void keep(struct vk_gpud *g, const char *prefix, const char *line)
{
	char buf[sizeof(g->line) + 16];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "  %s%s\n", prefix, line);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (g->log_len && g->log_len + n >= sizeof(g->log)) {
		char *nl = memchr(g->log, '\n', g->log_len);
		size_t drop = nl ? (size_t)(nl - g->log) + 1 : g->log_len;

		memmove(g->log, g->log + drop, g->log_len - drop);
		g->log_len -= drop;
	}
	memcpy(g->log + g->log_len, buf, n);
	g->log_len += n;
	g->log[g->log_len] = 0;
}

static void on_line(struct vk_gpud *g)
{
	const char *prefix = "";
	int port;

	g->line[g->line_len] = 0;
	g->line_len = 0;
	if (sscanf(g->line, "gpud: display over VNC on %*s port %d", &port) ==
		    1 &&
	    port > 0 && port <= 65535)
		g->vnc_port = port;
	/* libvncserver's own lines carry no "gpud: " of their own. */
	if (strncmp(g->line, "gpud: ", 6))
		prefix = "gpud: ";
	if (g->forward)
		fprintf(stderr, "%s%s\n", prefix, g->line);
	else
		keep(g, prefix, g->line);
}

void vk_gpud_read(struct vk_gpud *g)
{
	char buf[4096];
	ssize_t n;

	while (g->fd >= 0) {
		n = read(g->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (g->line_len)
				on_line(g);
			close(g->fd);
			g->fd = -1;
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' ||
			    g->line_len == sizeof(g->line) - 1)
				on_line(g);
			if (buf[i] != '\n')
				g->line[g->line_len++] = buf[i];
		}
	}
}

int vk_gpud_poll(struct vk_gpud *g)
{
	if (!g->exited && g->pid > 0 &&
	    waitpid(g->pid, &g->status, WNOHANG) == g->pid) {
		g->exited = 1;
		vk_gpud_read(g);
	}
	return g->exited;
}

void vk_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status))
				 ? sigabbrev_np(WTERMSIG(status))
				 : "?");
	else
		snprintf(buf, len, "ended with wait status %#x", status);
}

/* Wait for gpud's exit (its pidfd), reading its output, until deadline. */
static void wait_exit(struct vk_gpud *g, long long deadline_ms)
{
	long long now;

	while (!vk_gpud_poll(g)) {
		struct pollfd p[2] = {{.fd = g->pidfd, .events = POLLIN},
				      {.fd = g->fd, .events = POLLIN}};

		now = vk_now_ms();
		if (now >= deadline_ms)
			return;
		if (poll(p, 2, (int)(deadline_ms - now)) > 0 && p[1].revents)
			vk_gpud_read(g);
	}
}

void vk_gpud_stop(struct vk_gpud *g)
{
	if (g->pid <= 0)
		return;
	if (!vk_gpud_poll(g)) {
		kill(g->pid, SIGTERM);
		if (g->pidfd >= 0)
			wait_exit(g, vk_now_ms() + VK_GPUD_STOP_S * 1000);
	}
	if (!g->exited) {
		fprintf(stderr,
			"vkernel: gpud did not stop within %d s; "
			"killing it\n",
			VK_GPUD_STOP_S);
		/* Its group, before the reap frees the id. */
		kill(-g->pid, SIGKILL);
		if (waitpid(g->pid, &g->status, 0) == g->pid)
			g->exited = 1;
	}
	vk_gpud_read(g);
	if (g->fd >= 0)
		close(g->fd);
	if (g->pidfd >= 0)
		close(g->pidfd);
	g->fd = g->pidfd = -1;
}
