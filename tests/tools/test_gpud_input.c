/*
 * gpud --input-socket end to end with real processes: a gpud per test
 * (--vnc 0, killed with the test through PR_SET_PDEATHSIG), a minimal RFB
 * viewer sending keys and pointer events, and input clients on the socket
 * reading the 8-byte records. Covers the socket's mode and a busy path,
 * the records, events dropped while no client is
 * connected, a second client refused, and clients that vanish, stop
 * reading or talk: each is dropped and gpud keeps serving vfio-user, VNC
 * and the next input client.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/input-event-codes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/backend.h"

static char build_dir[PATH_MAX]; /* where gpud is */
static char work[] = "/tmp/gpud-input-XXXXXX";

/* ---- gpud ---- */

struct gpud {
	pid_t pid;
	int vnc; /* the VNC port */
	char sock[256], in[256], log[256];
};

/* In a child of parent: exec argv with stdout and stderr to log. */
static void spawn(const char *const argv[], const char *log, pid_t parent)
{
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* How many lines of log contain what; *num gets the number after the last
 * "port " of a matching line. */
static int log_count(const char *log, const char *what, int *num)
{
	char line[512], *p;
	FILE *f = fopen(log, "r");
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, what))
			continue;
		n++;
		if (num && (p = strstr(line, "port ")))
			*num = atoi(p + 5);
	}
	if (f)
		fclose(f);
	return n;
}

/* Wait up to 5 s for n lines of g's log with what. */
static void wait_log(const struct gpud *g, const char *what, int n)
{
	for (int i = 0; i < 500 && log_count(g->log, what, NULL) < n; i++)
		usleep(10000);
	ck_assert_msg(log_count(g->log, what, NULL) >= n,
		      "gpud did not log \"%s\" %d times, see %s", what, n,
		      g->log);
}

static pid_t run_gpud(const char *const argv[], const char *log)
{
	pid_t pid, parent = getpid();

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		spawn(argv, log, parent);
	return pid;
}

/* gpud serving a model at WORK/name/gpu.sock, VNC on a free port, input
 * on WORK/name/in.sock. */
static void gpud_start(struct gpud *g, const char *name)
{
	char bin[PATH_MAX + 8];
	const char *argv[] = {bin,     "--device",     "sim", "--socket",
			      g->sock, "--vnc",	       "0",   "--input-socket",
			      g->in,   "--foreground", NULL};
	const char *ready = "display over VNC";
	int st;

	snprintf(bin, sizeof(bin), "%s/gpud", build_dir);
	snprintf(g->sock, sizeof(g->sock), "%s/%s/gpu.sock", work, name);
	snprintf(g->in, sizeof(g->in), "%s/%s/in.sock", work, name);
	snprintf(g->log, sizeof(g->log), "%s/%s.log", work, name);
	g->pid = run_gpud(argv, g->log);
	for (int i = 0; i < 500 && !log_count(g->log, ready, NULL); i++) {
		ck_assert_msg(waitpid(g->pid, &st, WNOHANG) == 0,
			      "gpud exited early, see %s", g->log);
		usleep(10000);
	}
	ck_assert_msg(log_count(g->log, ready, &g->vnc), "gpud did not start");
	ck_assert_int_gt(g->vnc, 0);
}

/* gpud is still running, answers vfio-user and has logged no error. */
static void assert_serving(const struct gpud *g)
{
	char spec[300];
	struct hw *hw = NULL;
	struct err e = {{0}};
	int st;

	ck_assert_msg(waitpid(g->pid, &st, WNOHANG) == 0, "gpud died");
	snprintf(spec, sizeof(spec), "unix:%s", g->sock);
	ck_assert_msg(backend_open(spec, &hw, &e) == 0, "%s", e.msg);
	hw_destroy(hw);
}

static void gpud_stop(struct gpud *g)
{
	int st;

	ck_assert(kill(g->pid, SIGTERM) == 0);
	ck_assert(waitpid(g->pid, &st, 0) == g->pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "gpud ended with status 0x%x", st);
	ck_assert(access(g->in, F_OK) != 0);
	ck_assert_int_eq(log_count(g->log, "Sanitizer", NULL), 0);
	ck_assert_int_eq(log_count(g->log, "runtime error", NULL), 0);
}

/* ---- Input clients ---- */

/* Connect to g's input socket (3 s receive timeout); n is how many input
 * clients gpud will have accepted with this one. */
static int input_connect(const struct gpud *g, int n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 3};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(g->in), sizeof(sa.sun_path));
	memcpy(sa.sun_path, g->in, strlen(g->in) + 1);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		      "connect %s: %s", g->in, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (n)
		wait_log(g, "input client connected", n);
	return fd;
}

/* Read one record and check it. */
static void expect_rec(int fd, unsigned type, unsigned code, int32_t value)
{
	uint8_t r[8];
	size_t got = 0;
	unsigned t, c;
	int32_t v;

	while (got < sizeof(r)) {
		ssize_t n = recv(fd, r + got, sizeof(r) - got, 0);

		ck_assert_msg(n > 0, "input record: %s",
			      n ? strerror(errno) : "end of file");
		got += (size_t)n;
	}
	t = r[0] | r[1] << 8;
	c = r[2] | r[3] << 8;
	v = (int32_t)((uint32_t)r[4] | (uint32_t)r[5] << 8 |
		      (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24);
	ck_assert_msg(t == type && c == code && v == value,
		      "record %u %u %d, wanted %u %u %d", t, c, v, type, code,
		      value);
}

/* Read until end of file (within the receive timeout); returns the bytes
 * read before it. */
static size_t drain_to_eof(int fd)
{
	uint8_t buf[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += (size_t)n;
	ck_assert_msg(n == 0, "no end of file: %s", strerror(errno));
	return total;
}

/* ---- A minimal RFB viewer ---- */

struct rfb {
	int fd;
	unsigned w, h;
};

static void get(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		ck_assert_msg(r > 0, "rfb: %s", r ? strerror(errno) : "EOF");
		p += r;
		n -= (size_t)r;
	}
}

static void put(int fd, const void *buf, size_t n)
{
	ck_assert_int_eq(send(fd, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* RFB 3.8, no authentication, shared; encodings raw and DesktopSize. */
static void rfb_open(struct rfb *r, int port)
{
	static const uint8_t enc[12] = {2, 0, 0,    2,	  0,	0,
					0, 0, 0xff, 0xff, 0xff, 0x21};
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 5};
	uint8_t buf[24], n, one = 1;

	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(r->fd, 0);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert(connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	get(r->fd, buf, 12);
	put(r->fd, "RFB 003.008\n", 12);
	get(r->fd, &n, 1);
	ck_assert_uint_ge(n, 1);
	get(r->fd, buf, n);
	put(r->fd, &one, 1); /* security type None */
	get(r->fd, buf, 4);
	ck_assert_uint_eq(be32(buf), 0);
	put(r->fd, &one, 1); /* shared */
	get(r->fd, buf, 24);
	r->w = be16(buf);
	r->h = be16(buf + 2);
	for (uint32_t len = be32(buf + 20); len--;)
		get(r->fd, buf, 1);
	put(r->fd, enc, sizeof(enc));
}

static void rfb_key(struct rfb *r, int down, uint32_t keysym)
{
	uint8_t m[8] = {4, (uint8_t)down, 0, 0};

	m[4] = (uint8_t)(keysym >> 24);
	m[5] = (uint8_t)(keysym >> 16);
	m[6] = (uint8_t)(keysym >> 8);
	m[7] = (uint8_t)keysym;
	put(r->fd, m, sizeof(m));
}

static void rfb_pointer(struct rfb *r, unsigned mask, unsigned x, unsigned y)
{
	uint8_t m[6] = {5,	    (uint8_t)mask,     (uint8_t)(x >> 8),
			(uint8_t)x, (uint8_t)(y >> 8), (uint8_t)y};

	put(r->fd, m, sizeof(m));
}

/* Ask for the whole picture and read the answer: the server has handled
 * every message sent before. Keeps track of the framebuffer size. */
static void rfb_sync(struct rfb *r)
{
	uint8_t m[10] = {3, 0, 0, 0, 0, 0};
	uint8_t hdr[12], *px;
	unsigned n;

	m[6] = (uint8_t)(r->w >> 8);
	m[7] = (uint8_t)r->w;
	m[8] = (uint8_t)(r->h >> 8);
	m[9] = (uint8_t)r->h;
	put(r->fd, m, sizeof(m));
	get(r->fd, hdr, 4);
	ck_assert_uint_eq(hdr[0], 0); /* FramebufferUpdate */
	n = be16(hdr + 2);
	for (unsigned i = 0; i < n; i++) {
		unsigned w, h;
		int32_t enc;

		get(r->fd, hdr, 12);
		w = be16(hdr + 4);
		h = be16(hdr + 6);
		enc = (int32_t)be32(hdr + 8);
		if (enc == -223) { /* DesktopSize */
			r->w = w;
			r->h = h;
			continue;
		}
		ck_assert_int_eq(enc, 0);
		px = malloc((size_t)w * h * 4 + 1);
		ck_assert_ptr_nonnull(px);
		get(r->fd, px, (size_t)w * h * 4);
		free(px);
	}
}

/* A key pressed and released, and its four records. */
static void type_key(struct rfb *r, uint32_t keysym)
{
	rfb_key(r, 1, keysym);
	rfb_key(r, 0, keysym);
}

static void expect_key(int fd, unsigned key)
{
	expect_rec(fd, EV_KEY, key, 1);
	expect_rec(fd, EV_SYN, SYN_REPORT, 0);
	expect_rec(fd, EV_KEY, key, 0);
	expect_rec(fd, EV_SYN, SYN_REPORT, 0);
}

/* ---- Tests ---- */

START_TEST(help_names_the_input_socket)
{
	char bin[PATH_MAX + 8], log[300];
	const char *argv[] = {bin, "--help", NULL};
	int st;

	snprintf(bin, sizeof(bin), "%s/gpud", build_dir);
	snprintf(log, sizeof(log), "%s/help.log", work);
	ck_assert(waitpid(run_gpud(argv, log), &st, 0) > 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The usage line and the option's description. */
	ck_assert_int_eq(log_count(log, "--input-socket PATH", NULL), 2);
}
END_TEST

START_TEST(input_socket_must_differ_from_the_vfio_socket)
{
	char bin[PATH_MAX + 8], sock[300], log[300];
	const char *argv[] = {bin,	  "--device",	  "sim",
			      "--socket", sock,		  "--input-socket",
			      sock,	  "--foreground", NULL};
	int st;

	snprintf(bin, sizeof(bin), "%s/gpud", build_dir);
	snprintf(sock, sizeof(sock), "%s/same/gpu.sock", work);
	snprintf(log, sizeof(log), "%s/same.log", work);
	ck_assert(waitpid(run_gpud(argv, log), &st, 0) > 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	ck_assert_int_eq(log_count(log, "must differ from --socket", NULL), 1);
	ck_assert(access(sock, F_OK) != 0);
}
END_TEST

START_TEST(input_socket_is_0600_and_a_busy_one_is_refused)
{
	char bin[PATH_MAX + 8], other[300], log[300];
	const char *argv[] = {bin,	  "--device",	  "sim",
			      "--socket", other,	  "--input-socket",
			      NULL,	  "--foreground", NULL};
	struct gpud g;
	struct stat st;
	int status;

	gpud_start(&g, "mode");
	ck_assert_int_eq(stat(g.in, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	snprintf(bin, sizeof(bin), "%s/gpud", build_dir);
	snprintf(other, sizeof(other), "%s/mode/other.sock", work);
	snprintf(log, sizeof(log), "%s/busy.log", work);
	argv[6] = g.in;
	ck_assert(waitpid(run_gpud(argv, log), &status, 0) > 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	ck_assert_int_eq(log_count(log, "another server is listening", NULL),
			 1);
	ck_assert_msg(access(other, F_OK) != 0, "the refused gpud left %s",
		      other);
	assert_serving(&g);
	close(input_connect(&g, 1));
	gpud_stop(&g);
}
END_TEST

START_TEST(keys_and_pointer_arrive_as_scaled_records)
{
	struct gpud g;
	struct rfb r;
	int in;

	gpud_start(&g, "keys");
	in = input_connect(&g, 1);
	rfb_open(&r, g.vnc);
	type_key(&r, 'H');
	type_key(&r, '5');
	expect_key(in, KEY_H);
	expect_key(in, KEY_5);
	/* The origin, whatever size the picture has by now (scaling itself
	 * is tested in tests/dev); then the wheel down. */
	rfb_pointer(&r, 1, 0, 0);
	rfb_pointer(&r, 16, 0, 0);
	expect_rec(in, EV_ABS, ABS_X, 0);
	expect_rec(in, EV_ABS, ABS_Y, 0);
	expect_rec(in, EV_KEY, BTN_LEFT, 1);
	expect_rec(in, EV_SYN, SYN_REPORT, 0);
	expect_rec(in, EV_ABS, ABS_X, 0);
	expect_rec(in, EV_ABS, ABS_Y, 0);
	expect_rec(in, EV_KEY, BTN_LEFT, 0);
	expect_rec(in, EV_REL, REL_WHEEL, -1);
	expect_rec(in, EV_SYN, SYN_REPORT, 0);
	close(r.fd);
	close(in);
	gpud_stop(&g);
}
END_TEST

START_TEST(events_without_a_client_are_dropped)
{
	struct gpud g;
	struct rfb r;
	int in;

	gpud_start(&g, "none");
	rfb_open(&r, g.vnc);
	type_key(&r, 'a');
	rfb_sync(&r);
	in = input_connect(&g, 1);
	type_key(&r, 'b');
	expect_key(in, KEY_B);
	close(r.fd);
	close(in);
	gpud_stop(&g);
}
END_TEST

START_TEST(second_client_is_refused_while_the_first_reads)
{
	struct gpud g;
	struct rfb r;
	int a, b;

	gpud_start(&g, "second");
	a = input_connect(&g, 1);
	b = input_connect(&g, 0);
	wait_log(&g, "refused a client", 1);
	ck_assert_uint_eq(drain_to_eof(b), 0);
	rfb_open(&r, g.vnc);
	type_key(&r, 'z');
	expect_key(a, KEY_Z);
	close(a);
	close(b);
	close(r.fd);
	gpud_stop(&g);
}
END_TEST

/* A reader in a child process, killed mid-stream: the vkernel dying. */
START_TEST(client_that_vanishes_leaves_gpud_serving)
{
	struct gpud g;
	struct rfb r;
	pid_t child;
	int in, st;

	gpud_start(&g, "vanish");
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		char c;

		if (strlen(g.in) >= sizeof(sa.sun_path))
			_exit(1);
		memcpy(sa.sun_path, g.in, strlen(g.in) + 1);
		in = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(in, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
		while (read(in, &c, 1) > 0)
			;
		_exit(0);
	}
	wait_log(&g, "input client connected", 1);
	rfb_open(&r, g.vnc);
	type_key(&r, 'x');
	rfb_sync(&r);
	kill(child, SIGKILL);
	ck_assert(waitpid(child, &st, 0) == child);
	type_key(&r, 'y');
	rfb_sync(&r);
	wait_log(&g, "input client disconnected", 1);
	assert_serving(&g);
	in = input_connect(&g, 2);
	type_key(&r, 'w');
	expect_key(in, KEY_W);
	close(in);
	close(r.fd);
	gpud_stop(&g);
}
END_TEST

START_TEST(client_that_stops_reading_is_dropped_not_waited_for)
{
	int small = 4096, in;
	size_t got;
	struct gpud g;
	struct rfb r;

	gpud_start(&g, "stall");
	in = input_connect(&g, 1);
	setsockopt(in, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	rfb_open(&r, g.vnc);
	/* Far more than a socket buffer holds, 32 bytes a key. */
	for (int i = 0; i < 4000; i++)
		type_key(&r, 'k');
	rfb_sync(&r);
	wait_log(&g, "it stopped reading", 1);
	assert_serving(&g);
	/* What was sent before the drop is whole records, then EOF. */
	got = drain_to_eof(in);
	ck_assert_uint_gt(got, 0);
	ck_assert_uint_eq(got % 8, 0);
	ck_assert_uint_lt(got, 4000 * 32);
	close(in);
	in = input_connect(&g, 2);
	type_key(&r, 'j');
	expect_key(in, KEY_J);
	close(in);
	close(r.fd);
	gpud_stop(&g);
}
END_TEST

START_TEST(client_that_sends_data_is_dropped)
{
	struct gpud g;
	int in;

	gpud_start(&g, "talk");
	in = input_connect(&g, 1);
	ck_assert_int_eq(send(in, "hello", 5, MSG_NOSIGNAL), 5);
	ck_assert_uint_eq(drain_to_eof(in), 0);
	wait_log(&g, "it sent data", 1);
	close(in);
	assert_serving(&g);
	close(input_connect(&g, 2));
	gpud_stop(&g);
}
END_TEST

/* ---- Fixture: the work directory, in the runner process ---- */

static void make_work(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* BUILD/tests/tools/test_gpud_input: gpud is in BUILD. */
	if (n <= 0)
		abort();
	exe[n] = 0;
	snprintf(build_dir, sizeof(build_dir), "%s",
		 dirname(dirname(dirname(exe))));
	if (!mkdtemp(work))
		abort();
}

static void remove_work(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", work);
}

static Suite *suite(void)
{
	Suite *s = suite_create("gpud_input");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_work, remove_work);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, help_names_the_input_socket);
	tcase_add_test(tc, input_socket_must_differ_from_the_vfio_socket);
	tcase_add_test(tc, input_socket_is_0600_and_a_busy_one_is_refused);
	tcase_add_test(tc, keys_and_pointer_arrive_as_scaled_records);
	tcase_add_test(tc, events_without_a_client_are_dropped);
	tcase_add_test(tc, second_client_is_refused_while_the_first_reads);
	tcase_add_test(tc, client_that_vanishes_leaves_gpud_serving);
	tcase_add_test(tc, client_that_stops_reading_is_dropped_not_waited_for);
	tcase_add_test(tc, client_that_sends_data_is_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
