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
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <linux/input-event-codes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "../helpers/th_gpud.h"

/* ---- gpud ---- */

/* Wait up to 5 s for n lines of g's log with what. */
static void wait_log(const struct th_gpud *g, const char *what, int n)
{
	th_wait_log(g->log, what, n, 5000);
}

/* gpud serving a model at WORK/name/gpu.sock, VNC on a free port, input
 * on WORK/name/in.sock. */
static void gpud_start(struct th_gpud *g, const char *name)
{
	th_gpud_start(g, name, TH_GPUD_VNC | TH_GPUD_INPUT);
}

/* gpud is still running, answers vfio-user and has logged no error. */
static void assert_serving(const struct th_gpud *g)
{
	int st;

	ck_assert_msg(waitpid(g->pid, &st, WNOHANG) == 0, "gpud died");
	hw_destroy(th_gpud_client(g));
}

/* ---- Input clients ---- */

/* Connect to g's input socket (3 s receive timeout); n is how many input
 * clients gpud will have accepted with this one. */
static int input_connect(const struct th_gpud *g, int n)
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

/* RFB 3.8, no authentication, shared; encodings raw and DesktopSize. */
static void rfb_open(struct rfb *r, int port)
{
	static const uint8_t enc[12] = {2, 0, 0,    2,	  0,	0,
					0, 0, 0xff, 0xff, 0xff, 0x21};

	r->fd = th_rfb_open(port, &r->w, &r->h);
	th_put(r->fd, enc, sizeof(enc));
}

static void rfb_key(struct rfb *r, int down, uint32_t keysym)
{
	uint8_t m[8] = {4, (uint8_t)down, 0, 0};

	m[4] = (uint8_t)(keysym >> 24);
	m[5] = (uint8_t)(keysym >> 16);
	m[6] = (uint8_t)(keysym >> 8);
	m[7] = (uint8_t)keysym;
	th_put(r->fd, m, sizeof(m));
}

static void rfb_pointer(struct rfb *r, unsigned mask, unsigned x, unsigned y)
{
	uint8_t m[6] = {5,	    (uint8_t)mask,     (uint8_t)(x >> 8),
			(uint8_t)x, (uint8_t)(y >> 8), (uint8_t)y};

	th_put(r->fd, m, sizeof(m));
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
	th_put(r->fd, m, sizeof(m));
	th_get(r->fd, hdr, 4);
	ck_assert_uint_eq(hdr[0], 0); /* FramebufferUpdate */
	n = th_be16(hdr + 2);
	for (unsigned i = 0; i < n; i++) {
		unsigned w, h;
		int32_t enc;

		th_get(r->fd, hdr, 12);
		w = th_be16(hdr + 4);
		h = th_be16(hdr + 6);
		enc = (int32_t)th_be32(hdr + 8);
		if (enc == -223) { /* DesktopSize */
			r->w = w;
			r->h = h;
			continue;
		}
		ck_assert_int_eq(enc, 0);
		px = malloc((size_t)w * h * 4 + 1);
		ck_assert_ptr_nonnull(px);
		th_get(r->fd, px, (size_t)w * h * 4);
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

	snprintf(bin, sizeof(bin), "%s/gpud", th_build);
	snprintf(log, sizeof(log), "%s/help.log", th_work);
	ck_assert(waitpid(th_spawn(argv, log), &st, 0) > 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The usage line and the option's description. */
	ck_assert_int_eq(th_log_count(log, "--input-socket PATH", "", NULL), 2);
}
END_TEST

START_TEST(input_socket_must_differ_from_the_vfio_socket)
{
	char bin[PATH_MAX + 8], sock[300], log[300];
	const char *argv[] = {bin,	  "--device",	  "sim",
			      "--socket", sock,		  "--input-socket",
			      sock,	  "--foreground", NULL};
	int st;

	snprintf(bin, sizeof(bin), "%s/gpud", th_build);
	snprintf(sock, sizeof(sock), "%s/same/gpu.sock", th_work);
	snprintf(log, sizeof(log), "%s/same.log", th_work);
	ck_assert(waitpid(th_spawn(argv, log), &st, 0) > 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	ck_assert_int_eq(
		th_log_count(log, "must differ from --socket", "", NULL), 1);
	ck_assert(access(sock, F_OK) != 0);
}
END_TEST

START_TEST(input_socket_is_0600_and_a_busy_one_is_refused)
{
	char bin[PATH_MAX + 8], other[300], log[300];
	const char *argv[] = {bin,	  "--device",	  "sim",
			      "--socket", other,	  "--input-socket",
			      NULL,	  "--foreground", NULL};
	struct th_gpud g;
	struct stat st;
	int status;

	gpud_start(&g, "mode");
	ck_assert_int_eq(stat(g.in, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	snprintf(bin, sizeof(bin), "%s/gpud", th_build);
	snprintf(other, sizeof(other), "%s/mode/other.sock", th_work);
	snprintf(log, sizeof(log), "%s/busy.log", th_work);
	argv[6] = g.in;
	ck_assert(waitpid(th_spawn(argv, log), &status, 0) > 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	ck_assert_int_eq(
		th_log_count(log, "another server is listening", "", NULL), 1);
	ck_assert_msg(access(other, F_OK) != 0, "the refused gpud left %s",
		      other);
	assert_serving(&g);
	close(input_connect(&g, 1));
	th_gpud_stop(&g);
}
END_TEST

START_TEST(keys_and_pointer_arrive_as_scaled_records)
{
	struct th_gpud g;
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
	th_gpud_stop(&g);
}
END_TEST

START_TEST(events_without_a_client_are_dropped)
{
	struct th_gpud g;
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
	th_gpud_stop(&g);
}
END_TEST

START_TEST(second_client_is_refused_while_the_first_reads)
{
	struct th_gpud g;
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
	th_gpud_stop(&g);
}
END_TEST

/* A reader in a child process, killed mid-stream: the vkernel dying. */
START_TEST(client_that_vanishes_leaves_gpud_serving)
{
	struct th_gpud g;
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
	th_gpud_stop(&g);
}
END_TEST

START_TEST(client_that_stops_reading_is_dropped_not_waited_for)
{
	int small = 4096, in;
	size_t got;
	struct th_gpud g;
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
	th_gpud_stop(&g);
}
END_TEST

START_TEST(client_that_sends_data_is_dropped)
{
	struct th_gpud g;
	int in;

	gpud_start(&g, "talk");
	in = input_connect(&g, 1);
	ck_assert_int_eq(send(in, "hello", 5, MSG_NOSIGNAL), 5);
	ck_assert_uint_eq(drain_to_eof(in), 0);
	wait_log(&g, "it sent data", 1);
	close(in);
	assert_serving(&g);
	close(input_connect(&g, 2));
	th_gpud_stop(&g);
}
END_TEST

/* ---- Fixture: the work directory, in the runner process ---- */

static void make_work(void)
{
	th_work_make("/tmp/gpud-input-XXXXXX");
}

static Suite *suite(void)
{
	Suite *s = suite_create("gpud_input");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_work, th_work_remove);
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
