/* Test helpers for end-to-end tests with real processes (th_gpud.h). */
#include "th_gpud.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dev/backend.h"

char th_build[PATH_MAX];
char th_work[128];

/* ---- Work directory ---- */

void th_work_make(const char *template)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		abort();
	exe[n] = 0;
	snprintf(th_build, sizeof(th_build), "%s",
		 dirname(dirname(dirname(exe))));
	snprintf(th_work, sizeof(th_work), "%s", template);
	if (!mkdtemp(th_work))
		abort();
}

void th_work_remove(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", th_work);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", th_work);
}

/* ---- Processes and logs ---- */

/* In a child of parent: exec argv with stdout and stderr to log. */
static void child(const char *const argv[], const char *log, pid_t parent)
{
	int fd;

	/* Dies with the test process, whatever way the test ends. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

pid_t th_spawn(const char *const argv[], const char *log)
{
	pid_t pid, parent = getpid();

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		child(argv, log, parent);
	return pid;
}

int th_log_count(const char *path, const char *what, const char *after,
		 long long *num)
{
	char line[1024], *p;
	FILE *f = fopen(path, "r");
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, what))
			continue;
		n++;
		if (num && (p = strstr(line, after)))
			*num = atoll(p + strlen(after));
	}
	if (f)
		fclose(f);
	return n;
}

void th_wait_log(const char *log, const char *what, int n, int ms)
{
	for (int i = 0; i < ms / 10 && th_log_count(log, what, "", NULL) < n;
	     i++)
		usleep(10000);
	ck_assert_msg(th_log_count(log, what, "", NULL) >= n,
		      "\"%s\" is in %d lines of %s, not %d", what,
		      th_log_count(log, what, "", NULL), log, n);
}

/* ---- gpud ---- */

void th_gpud_start(struct th_gpud *g, const char *name, unsigned flags)
{
	char bin[PATH_MAX + 8];
	const char *argv[11] = {bin,	    "--device", "sim",
				"--socket", g->sock,	"--foreground"};
	const char *ready = "gpud: serving";
	long long port = 0;
	int argc = 6, st;

	snprintf(bin, sizeof(bin), "%s/gpud", th_build);
	snprintf(g->sock, sizeof(g->sock), "%s/%s/gpu.sock", th_work, name);
	snprintf(g->log, sizeof(g->log), "%s/%s.log", th_work, name);
	g->in[0] = 0;
	g->vnc = -1;
	if (flags & TH_GPUD_VNC) {
		argv[argc++] = "--vnc";
		argv[argc++] = "0";
		ready = "display over VNC"; /* logged after serving */
	}
	if (flags & TH_GPUD_INPUT) {
		snprintf(g->in, sizeof(g->in), "%s/%s/in.sock", th_work, name);
		argv[argc++] = "--input-socket";
		argv[argc++] = g->in;
	}
	g->pid = th_spawn(argv, g->log);
	for (int i = 0; i < 500 && !th_log_count(g->log, ready, "", NULL);
	     i++) {
		ck_assert_msg(waitpid(g->pid, &st, WNOHANG) == 0,
			      "gpud exited early, see %s", g->log);
		usleep(10000);
	}
	ck_assert_msg(th_log_count(g->log, ready, " port ", &port),
		      "gpud did not start, see %s", g->log);
	if (flags & TH_GPUD_VNC) {
		ck_assert_int_gt(port, 0);
		g->vnc = (int)port;
	}
}

void th_gpud_stop(struct th_gpud *g)
{
	int st;

	ck_assert(kill(g->pid, SIGTERM) == 0);
	ck_assert(waitpid(g->pid, &st, 0) == g->pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "gpud ended with status 0x%x", st);
	ck_assert(access(g->sock, F_OK) != 0);
	ck_assert(!g->in[0] || access(g->in, F_OK) != 0);
	ck_assert_int_eq(th_log_count(g->log, "Sanitizer", "", NULL), 0);
	ck_assert_int_eq(th_log_count(g->log, "runtime error", "", NULL), 0);
}

struct hw *th_gpud_client(const struct th_gpud *g)
{
	char spec[300];
	struct hw *hw = NULL;
	struct err e = {{0}};

	snprintf(spec, sizeof(spec), "unix:%s", g->sock);
	ck_assert_msg(backend_open(spec, &hw, &e) == 0, "%s", e.msg);
	return hw;
}

/* ---- The RFB wire ---- */

void th_get(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		ck_assert_msg(r > 0, "rfb: %s", r ? strerror(errno) : "EOF");
		p += r;
		n -= (size_t)r;
	}
}

void th_put(int fd, const void *buf, size_t n)
{
	ck_assert_int_eq(send(fd, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

unsigned th_be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

uint32_t th_be32(const uint8_t *p)
{
	return (uint32_t)th_be16(p) << 16 | th_be16(p + 2);
}

int th_rfb_open(int port, unsigned *w, unsigned *h)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 5};
	uint8_t buf[24], n, one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	th_get(fd, buf, 12);
	th_put(fd, "RFB 003.008\n", 12);
	th_get(fd, &n, 1);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, sizeof(buf));
	th_get(fd, buf, n);
	th_put(fd, &one, 1); /* security type None */
	th_get(fd, buf, 4);
	ck_assert_uint_eq(th_be32(buf), 0);
	th_put(fd, &one, 1); /* shared */
	th_get(fd, buf, 24);
	*w = th_be16(buf);
	*h = th_be16(buf + 2);
	for (uint32_t len = th_be32(buf + 20); len--;)
		th_get(fd, buf, 1);
	return fd;
}
