/*
 * gpud's live display refresh policy end to end, with real processes: a
 * gpud per test (--device sim --vnc 0, killed with the test through
 * PR_SET_PDEATHSIG), a vfio-user client over the real socket that
 * modesets, draws into the mapped VRAM and reports damage in the BAR2
 * window (tools/gpud_damage.c), a minimal RFB viewer keeping its own copy
 * of the framebuffer, and gpud's frame counter (SIGUSR1 logs it). Covers:
 * the window over vfio-user, reported damage reaching the viewer
 * promptly, unreported drawing waiting for the once-a-second refresh,
 * an idle reporting client causing no periodic frames, and periodic
 * refresh again once the reporting client has gone.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "../helpers/th_gpud.h"

#define W 640
#define H 480

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- gpud ---- */

static void wait_log(const struct th_gpud *g, const char *what, int n)
{
	th_wait_log(g->log, what, n, 5000);
}

/* Frames gpud's display has decoded so far (SIGUSR1, then its log). */
static long long frames(const struct th_gpud *g)
{
	const char *what = "frames decoded";
	int n = th_log_count(g->log, what, "", NULL);
	long long num = -1;

	ck_assert(kill(g->pid, SIGUSR1) == 0);
	wait_log(g, what, n + 1);
	th_log_count(g->log, what, "display: ", &num);
	ck_assert_int_ge(num, 0);
	return num;
}

/* Frames decoded in the next ms milliseconds. */
static long long frames_in(const struct th_gpud *g, int ms)
{
	long long a = frames(g);

	usleep((useconds_t)ms * 1000);
	return frames(g) - a;
}

/* ---- The vfio-user client ---- */

struct client {
	struct hw *hw;
	uint32_t *vram;
	uint64_t size;
};

static void client_open(struct client *c, const struct th_gpud *g)
{
	struct err e = {{0}};

	c->hw = th_gpud_client(g);
	c->vram = hw_region_map(c->hw, HW_REGION_BAR0, &c->size, &e);
	ck_assert_msg(c->vram, "map VRAM: %s", e.msg);
}

static void client_close(struct client *c)
{
	hw_region_unmap(c->vram, c->size);
	hw_destroy(c->hw);
}

/* bochs-drm's modeset: 640x480x32, plane at line 0. */
static void modeset(struct client *c)
{
	th_run(c->hw, "cfg.w32 0x10 0xfd000008\ncfg.w32 0x18 0xfebf0000\n"
		      "cfg.w16 0x04 0x0003\nbar2.w8 0x400 0x20\n"
		      "bar2.w16 0x508 0\nbar2.w16 0x506 32\n"
		      "bar2.w16 0x502 640\nbar2.w16 0x504 480\n"
		      "bar2.w16 0x50a 0\nbar2.w16 0x50c 640\n"
		      "bar2.w16 0x50e 6553\nbar2.w16 0x510 0\n"
		      "bar2.w16 0x512 0\nbar2.w16 0x508 0x41\n");
}

static void bar2_write(struct client *c, uint32_t off, uint32_t val)
{
	struct err e = {{0}};

	ck_assert_msg(hw_region_write(c->hw, HW_REGION_BAR2, off, 4, val, &e) ==
			      0,
		      "%s", e.msg);
}

static uint32_t bar2_read(struct client *c, uint32_t off)
{
	struct err e = {{0}};
	uint32_t v = 0;

	ck_assert_msg(hw_region_read(c->hw, HW_REGION_BAR2, off, 4, &v, &e) ==
			      0,
		      "%s", e.msg);
	return v;
}

static void report(struct client *c, unsigned x, unsigned y, unsigned w,
		   unsigned h)
{
	bar2_write(c, 0xf08, x | y << 16);
	bar2_write(c, 0xf0c, w | h << 16);
}

/* A solid size*size block of XRGB color at x, y of the scanout. */
static void draw(struct client *c, unsigned x, unsigned y, unsigned size,
		 uint32_t color)
{
	for (unsigned r = y; r < y + size; r++)
		for (unsigned k = x; k < x + size; k++)
			c->vram[(size_t)r * W + k] = color;
}

/* ---- A minimal RFB viewer with its own framebuffer ---- */

struct viewer {
	int fd;
	unsigned w, h;
	uint32_t *fb; /* XRGB, as the pixel format asked for */
};

static void viewer_resize(struct viewer *v, unsigned w, unsigned h)
{
	free(v->fb);
	v->w = w;
	v->h = h;
	v->fb = calloc((size_t)w * h + 1, 4);
	ck_assert_ptr_nonnull(v->fb);
}

/* RFB 3.8, no authentication, shared; 32-bit XRGB little-endian pixels;
 * encodings raw and DesktopSize. */
static void viewer_open(struct viewer *v, int port)
{
	static const uint8_t fmt[20] = {0, 0,	0, 0,	32, 24, 0, 1, 0, 255,
					0, 255, 0, 255, 16, 8,	0, 0, 0, 0};
	static const uint8_t enc[12] = {2, 0, 0,    2,	  0,	0,
					0, 0, 0xff, 0xff, 0xff, 0x21};
	unsigned w, h;

	v->fd = th_rfb_open(port, &w, &h);
	v->fb = NULL;
	viewer_resize(v, w, h);
	th_put(v->fd, fmt, sizeof(fmt));
	th_put(v->fd, enc, sizeof(enc));
}

static void viewer_close(struct viewer *v)
{
	close(v->fd);
	free(v->fb);
}

static void viewer_request(struct viewer *v, int incremental)
{
	uint8_t m[10] = {3, (uint8_t)incremental, 0, 0, 0, 0};

	m[6] = (uint8_t)(v->w >> 8);
	m[7] = (uint8_t)v->w;
	m[8] = (uint8_t)(v->h >> 8);
	m[9] = (uint8_t)v->h;
	th_put(v->fd, m, sizeof(m));
}

static void read_rect(struct viewer *v)
{
	uint8_t hdr[12];
	unsigned x, y, w, h;

	th_get(v->fd, hdr, 12);
	x = th_be16(hdr);
	y = th_be16(hdr + 2);
	w = th_be16(hdr + 4);
	h = th_be16(hdr + 6);
	if ((int32_t)th_be32(hdr + 8) == -223) { /* DesktopSize */
		viewer_resize(v, w, h);
		return;
	}
	ck_assert_int_eq(th_be32(hdr + 8), 0);
	ck_assert(x + w <= v->w && y + h <= v->h);
	for (unsigned r = y; r < y + h; r++)
		th_get(v->fd, v->fb + (size_t)r * v->w + x, (size_t)w * 4);
}

/* Apply the next FramebufferUpdate if one arrives within ms; then ask for
 * the next (incremental) one. Returns whether one arrived. */
static int viewer_update(struct viewer *v, int ms)
{
	struct pollfd p = {.fd = v->fd, .events = POLLIN};
	uint8_t hdr[4];

	if (ms < 0 || poll(&p, 1, ms) != 1)
		return 0;
	th_get(v->fd, hdr, 4);
	ck_assert_uint_eq(hdr[0], 0);
	for (unsigned i = th_be16(hdr + 2); i--;)
		read_rect(v);
	viewer_request(v, 1);
	return 1;
}

static int shows(const struct viewer *v, unsigned x, unsigned y, uint32_t color)
{
	return v->w == W && v->h == H &&
	       (v->fb[(size_t)y * W + x] & 0xffffff) == color;
}

/* Milliseconds until the viewer shows color at x, y (-1: not within
 * ms). */
static long long wait_shows(struct viewer *v, unsigned x, unsigned y,
			    uint32_t color, int ms)
{
	long long t0 = now_ms(), end = t0 + ms;

	while (!shows(v, x, y, color) && now_ms() < end)
		viewer_update(v, (int)(end - now_ms()));
	return shows(v, x, y, color) ? now_ms() - t0 : -1;
}

/* ---- Setup shared by the tests ---- */

/* gpud and a client that has modeset. */
static void start_modeset(struct th_gpud *g, struct client *c, const char *name)
{
	th_gpud_start(g, name, TH_GPUD_VNC);
	client_open(c, g);
	modeset(c);
}

/* Then: the screen filled and reported (the client reports damage from
 * now on), and a viewer that shows it. */
static void fill_and_view(struct th_gpud *g, struct client *c, struct viewer *v)
{
	draw(c, 0, 0, H, 0x102030);
	report(c, 0, 0, W, H);
	wait_log(g, "reports damage", 1);
	viewer_open(v, g->vnc);
	viewer_request(v, 0);
	ck_assert_msg(wait_shows(v, 10, 10, 0x102030, 3000) >= 0,
		      "the viewer never showed the first picture");
}

static void setup(struct th_gpud *g, struct client *c, struct viewer *v,
		  const char *name)
{
	start_modeset(g, c, name);
	fill_and_view(g, c, v);
}

/* ---- Tests ---- */

START_TEST(damage_window_answers_over_vfio_user)
{
	struct th_gpud g;
	struct client c;

	th_gpud_start(&g, "magic", TH_GPUD_VNC);
	client_open(&c, &g);
	ck_assert_uint_eq(bar2_read(&c, 0xf00), 0x44555047);
	ck_assert_uint_eq(bar2_read(&c, 0xf04), 1);
	ck_assert_uint_eq(bar2_read(&c, 0xf08), 0);
	ck_assert_uint_eq(bar2_read(&c, 0xf0c), 0);
	/* Hostile rectangles: served, ignored, counted. */
	report(&c, 0xffff, 0xffff, 0xffff, 0xffff);
	report(&c, 0, 0, 0, 0);
	/* The device itself still answers around the window. */
	th_run(c.hw, "cfg.w16 0x04 0x0003\nbar2.r16 0x500 0xb0c0/0xfff0\n"
		     "bar2.r32 0xf10 0xffffffff\n");
	client_close(&c);
	ck_assert(kill(g.pid, SIGUSR1) == 0);
	wait_log(&g, "2 damage rectangles reported, 2 ignored", 1);
	th_gpud_stop(&g);
}
END_TEST

/* Each reported rectangle reaches the viewer well within the one-second
 * idle refresh, with about one frame decoded per report. */
START_TEST(reported_damage_reaches_the_viewer_promptly)
{
	static const uint32_t colors[] = {0xff0000, 0x00ff00, 0x0000ff,
					  0xffff00, 0x00ffff, 0xff00ff};
	struct th_gpud g;
	struct client c;
	struct viewer v;
	long long f0, worst = 0;

	setup(&g, &c, &v, "prompt");
	f0 = frames(&g);
	for (unsigned i = 0; i < 6; i++) {
		unsigned x = 64 * (i + 1), y = 64 * (i % 3 + 1);
		long long ms;

		draw(&c, x, y, 64, colors[i]);
		report(&c, x, y, 64, 64);
		ms = wait_shows(&v, x + 5, y + 5, colors[i], 3000);
		ck_assert_msg(ms >= 0, "damage %u never reached the viewer", i);
		worst = ms > worst ? ms : worst;
	}
	ck_assert_msg(worst < 400, "an update took %lld ms", worst);
	/* One frame per report, maybe an idle refresh or two. */
	ck_assert_int_le(frames(&g) - f0, 6 + 3);
	viewer_close(&v);
	client_close(&c);
	th_gpud_stop(&g);
}
END_TEST

/* Drawing nobody reports waits for the once-a-second refresh: not there
 * half a second after the previous frame, there within two. */
START_TEST(unreported_drawing_waits_for_the_idle_refresh)
{
	struct th_gpud g;
	struct client c;
	struct viewer v;
	long long ms;

	setup(&g, &c, &v, "unreported");
	draw(&c, 128, 128, 64, 0xabcdef);
	report(&c, 128, 128, 64, 64);
	ck_assert(wait_shows(&v, 130, 130, 0xabcdef, 3000) >= 0);
	/* The next frame is due a second after that one at the earliest. */
	draw(&c, 320, 256, 64, 0x123456);
	ck_assert_msg(wait_shows(&v, 330, 260, 0x123456, 500) < 0,
		      "unreported drawing showed at once: still polling?");
	ms = wait_shows(&v, 330, 260, 0x123456, 2000);
	ck_assert_msg(ms >= 0, "the idle refresh never showed it");
	viewer_close(&v);
	client_close(&c);
	th_gpud_stop(&g);
}
END_TEST

/* Idle with a reporting client: about one frame a second, not 30; once
 * it has gone, periodic refresh again, as before any report. */
START_TEST(idle_reporting_client_causes_no_periodic_frames)
{
	struct th_gpud g;
	struct client c, other;
	struct viewer v;
	long long n;

	start_modeset(&g, &c, "idle");
	n = frames_in(&g, 1000);
	ck_assert_msg(n >= 10, "%lld frames in 1 s before any report", n);
	fill_and_view(&g, &c, &v);
	usleep(200000);
	n = frames_in(&g, 2500);
	ck_assert_msg(n <= 4, "%lld frames in 2.5 s of an idle reporter", n);
	client_open(&other, &g); /* one that does not report */
	n = frames_in(&g, 1500);
	ck_assert_msg(n <= 3, "%lld frames in 1.5 s", n);
	client_close(&c);
	wait_log(&g, "client disconnected", 1);
	n = frames_in(&g, 1000);
	ck_assert_msg(n >= 10, "%lld frames in 1 s after the reporter left", n);
	/* Unreported drawing shows again at the periodic pace. */
	draw(&other, 0, 0, 64, 0x445566);
	ck_assert_msg(wait_shows(&v, 3, 3, 0x445566, 500) >= 0,
		      "not shown within 500 ms after the reporter left");
	client_close(&other);
	viewer_close(&v);
	th_gpud_stop(&g);
}
END_TEST

/* ---- Fixture: the work directory, in the runner process ---- */

static void make_work(void)
{
	th_work_make("/tmp/gpud-display-XXXXXX");
}

static Suite *suite(void)
{
	Suite *s = suite_create("gpud_display");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_work, th_work_remove);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, damage_window_answers_over_vfio_user);
	tcase_add_test(tc, reported_damage_reaches_the_viewer_promptly);
	tcase_add_test(tc, unreported_drawing_waits_for_the_idle_refresh);
	tcase_add_test(tc, idle_reporting_client_causes_no_periodic_frames);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
