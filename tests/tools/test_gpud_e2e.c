/*
 * gpud end to end with real processes: a gpud started per test (killed
 * with its test through PR_SET_PDEATHSIG, its directory removed by the
 * runner), a client that modesets like Linux bochs-drm over vfio-user,
 * maps VRAM from the server's fd and draws a Mesa (OSMesa) frame, checked
 * against `gpustate screenshot --server`; save and load across a gpud
 * restart (a power-cycled device), pre-copy with a second frame drawn
 * between passes, clients that die in the middle of a migration, the
 * live display (--vnc) captured by a real VNC client, and several clients
 * at once (gpustate inspecting while a client stays connected, a client
 * waiting while another has the device stopped, the client limit).
 */
#include <GL/gl.h>
#include <GL/osmesa.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "../helpers/th_gpud.h"
#include "dev/backend.h"
#include "lib/image.h"
#include "lib/mig_stream.h"
#include "lib/snapshot.h"
#include "lib/vfio_user.h"
#include "lib/vfu_client.h"

#define W 640
#define H 480

/* Mesa keeps allocations past OSMesaDestroyContext (see
 * test_roundtrip_mesa.c); LeakSanitizer must not blame this test. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libOSMesa.so\nleak:libLLVM\nleak:libgallium\n";
}

const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/* ---- Processes ---- */

static void gpud_start(struct th_gpud *g, const char *name)
{
	th_gpud_start(g, name, 0);
}

/* Start gpustate with args, its output to WORK/gpustate.log; its pid. */
static pid_t gpustate_start(const char *a1, const char *a2, const char *a3,
			    const char *a4, const char *a5)
{
	char bin[PATH_MAX + 16], log[300];
	const char *argv[] = {bin, a1, a2, a3, a4, a5, NULL};

	snprintf(bin, sizeof(bin), "%s/gpustate", th_build);
	snprintf(log, sizeof(log), "%s/gpustate.log", th_work);
	return th_spawn(argv, log);
}

/* Wait for the gpustate at pid; its exit code. */
static int gpustate_wait(pid_t pid)
{
	int st;

	ck_assert(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run gpustate with args; its exit code. */
static int gpustate(const char *a1, const char *a2, const char *a3,
		    const char *a4, const char *a5)
{
	return gpustate_wait(gpustate_start(a1, a2, a3, a4, a5));
}

/* ---- Pictures ---- */

/* RGBA rows bottom to top, as OSMesa leaves them. */
static uint8_t frame1[W * H * 4], frame2[W * H * 4];

static void render(uint8_t *px, float angle)
{
	OSMesaContext ctx = OSMesaCreateContextExt(OSMESA_RGBA, 16, 0, 0, NULL);

	ck_assert(ctx && OSMesaMakeCurrent(ctx, px, GL_UNSIGNED_BYTE, W, H));
	glViewport(0, 0, W, H);
	glClearColor(0.1f, 0.1f, 0.2f, 1);
	glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
	glEnable(GL_DEPTH_TEST);
	glMatrixMode(GL_PROJECTION);
	glLoadIdentity();
	glFrustum(-0.13, 0.13, -0.1, 0.1, 0.25, 20.0);
	glMatrixMode(GL_MODELVIEW);
	glLoadIdentity();
	glTranslatef(0, 0, -2.5f);
	glRotatef(angle, 0.3f, 1.0f, 0.2f);
	glBegin(GL_TRIANGLES);
	for (int i = 0; i < 6; i++) {
		float a = (float)i;

		glColor3f(0.2f + 0.13f * a, 0.9f - 0.12f * a, 0.5f);
		glVertex3f(-1.0f + 0.3f * a, -0.8f, 0.1f * a);
		glColor3f(0.9f, 0.3f + 0.1f * a, 0.1f * a);
		glVertex3f(0.2f * a, 0.9f, -0.3f);
		glColor3f(0.1f, 0.4f, 1.0f - 0.1f * a);
		glVertex3f(1.0f - 0.2f * a, -0.2f * a, 0.4f);
	}
	glEnd();
	glFinish();
	OSMesaDestroyContext(ctx);
}

/* bochs-drm: firmware BARs, probe, modeset 640x480x32, plane at line 0. */
static void modeset(struct hw *hw)
{
	th_run(hw, "cfg.w32 0x10 0xfd000008\ncfg.w32 0x18 0xfebf0000\n"
		   "cfg.w16 0x04 0x0003\nbar2.r16 0x500 0xb0c0/0xfff0\n"
		   "bar2.r16 0x514 0x100\nbar2.r32 0x600 8\n"
		   "bar2.w32 0x604 0x1e1e1e1e\nbar2.w8 0x402 0x01\n"
		   "bar2.r8 0x41a\nbar2.w8 0x400 0x20\nbar2.w16 0x508 0\n"
		   "bar2.w16 0x506 32\nbar2.w16 0x502 640\n"
		   "bar2.w16 0x504 480\nbar2.w16 0x50a 0\n"
		   "bar2.w16 0x50c 640\nbar2.w16 0x50e 6553\n"
		   "bar2.w16 0x510 0\nbar2.w16 0x512 0\n"
		   "bar2.w16 0x508 0x41\nbar2.w16 0x512 0\n");
}

/* Draw px (bottom-up RGBA) into the mapped VRAM at line y0, XRGB LE. */
static void upload(struct hw *hw, const uint8_t *px, unsigned y0)
{
	struct err e = {{0}};
	uint64_t size;
	uint8_t *vram = hw_region_map(hw, HW_REGION_BAR0, &size, &e);

	ck_assert_msg(vram, "map VRAM: %s", e.msg);
	for (unsigned y = 0; y < H; y++)
		for (unsigned x = 0; x < W; x++) {
			const uint8_t *s = &px[((H - 1 - y) * W + x) * 4];
			uint8_t *d = vram + ((size_t)(y0 + y) * W + x) * 4;

			d[0] = s[2];
			d[1] = s[1];
			d[2] = s[0];
			d[3] = 0;
		}
	hw_region_unmap(vram, size);
}

/* The PNG at path equals px exactly. */
static void assert_png(const char *png, const uint8_t *px)
{
	struct gs_image img;
	struct err e = {{0}};

	ck_assert_msg(gs_image_read_png(&img, png, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(img.width, W);
	ck_assert_uint_eq(img.height, H);
	for (unsigned y = 0; y < H; y++)
		for (unsigned x = 0; x < W; x++)
			ck_assert_msg(!memcmp(&img.rgb[(y * W + x) * 3],
					      &px[((H - 1 - y) * W + x) * 4],
					      3),
				      "pixel %u,%u differs", x, y);
	gs_image_free(&img);
}

/* `gpustate screenshot --server` equals px exactly. */
static void assert_screen(const struct th_gpud *g, const uint8_t *px)
{
	char png[300];

	snprintf(png, sizeof(png), "%s/shot.png", th_work);
	ck_assert_int_eq(gpustate("screenshot", "--server", g->sock, "-o", png),
			 0);
	assert_png(png, px);
}

static void decode(const uint8_t *buf, size_t len, struct gs_state *st)
{
	struct err e = {{0}};

	ck_assert_msg(snap_decode(buf, len, st, &e) == 0, "%s", e.msg);
}

static void save(struct hw *hw, uint8_t **buf, size_t *len)
{
	struct err e = {{0}};

	ck_assert_msg(vfu_client_save(hw, buf, len, &e) == 0, "%s", e.msg);
}

/* ---- Tests ---- */

START_TEST(mesa_frame_in_mapped_vram_is_what_screenshot_shows)
{
	struct th_gpud g;
	struct hw *hw;

	gpud_start(&g, "shot");
	hw = th_gpud_client(&g);
	th_run_file(hw, "bochs-modeset.gs");
	modeset(hw);
	render(frame1, 35.0f);
	upload(hw, frame1, 0);
	hw_destroy(hw); /* gpud serves one client at a time */
	assert_screen(&g, frame1);
	th_gpud_stop(&g);
}
END_TEST

START_TEST(state_saved_from_one_gpud_loads_into_a_fresh_one)
{
	struct th_gpud a, b;
	struct gs_state sa, sb;
	struct err e = {{0}};
	uint8_t *buf, *again;
	size_t len, len2;
	struct hw *hw;

	gpud_start(&a, "a");
	hw = th_gpud_client(&a);
	modeset(hw);
	render(frame1, 60.0f);
	upload(hw, frame1, 0);
	save(hw, &buf, &len);
	hw_destroy(hw);
	th_gpud_stop(&a); /* the device is gone: power-cycled */
	gpud_start(&b, "b");
	hw = th_gpud_client(&b);
	ck_assert_msg(vfu_client_load(hw, buf, len, &e) == 0, "%s", e.msg);
	save(hw, &again, &len2);
	decode(buf, len, &sa);
	decode(again, len2, &sb);
	th_assert_states_equal(&sa, &sb);
	hw_destroy(hw);
	assert_screen(&b, frame1);
	gs_state_free(&sa);
	gs_state_free(&sb);
	free(buf);
	free(again);
	th_gpud_stop(&b);
}
END_TEST

struct second_frame {
	struct hw *hw;
};

static int draw_second(void *ctx, unsigned pass, struct err *e)
{
	struct second_frame *s = ctx;

	/* The guest keeps running: a new frame, then a page flip to it. */
	upload(s->hw, frame2, H);
	th_run(s->hw, "bar2.w16 0x512 480\n");
	return 0;
}

START_TEST(pre_copy_carries_a_frame_drawn_during_the_migration)
{
	struct th_gpud a, b;
	struct second_frame sf;
	struct vfu_precopy p = {.passes = 1, .between = draw_second};
	struct err e = {{0}};
	uint8_t *buf;
	size_t len;
	struct hw *hw;

	gpud_start(&a, "pa");
	hw = th_gpud_client(&a);
	modeset(hw);
	render(frame1, 10.0f);
	render(frame2, 80.0f);
	upload(hw, frame1, 0);
	sf.hw = hw;
	p.ctx = &sf;
	ck_assert_msg(vfu_client_save_precopy(hw, &p, &buf, &len, &e) == 0,
		      "%s", e.msg);
	ck_assert_uint_lt(p.final_bytes, p.last_bytes);
	hw_destroy(hw);
	th_gpud_stop(&a);
	gpud_start(&b, "pb");
	hw = th_gpud_client(&b);
	ck_assert_msg(vfu_client_load(hw, buf, len, &e) == 0, "%s", e.msg);
	hw_destroy(hw);
	assert_screen(&b, frame2);
	free(buf);
	th_gpud_stop(&b);
}
END_TEST

/* In a child: connect, enter state, move a little data, die. */
static void die_during(const struct th_gpud *g, uint32_t state)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct mig_buf b = {0};
		struct err e;
		struct hw *hw;
		char spec[300];

		snprintf(spec, sizeof(spec), "unix:%s", g->sock);
		if (backend_open(spec, &hw, &e) ||
		    vfu_client_mig_set(hw, state, &e))
			_exit(1);
		if (state == VFU_STATE_STOP_COPY)
			vfu_client_mig_read(hw, &b, 1, &e);
		else
			vfu_client_mig_write(hw, (const uint8_t *)"\x89GSNAP",
					     6, &e);
		raise(SIGKILL);
	}
	ck_assert(waitpid(pid, &st, 0) == pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

START_TEST(clients_that_die_mid_migration_leave_gpud_healthy)
{
	struct th_gpud g;
	struct hw *hw;
	uint32_t state;
	struct err e = {{0}};

	gpud_start(&g, "die");
	hw = th_gpud_client(&g);
	modeset(hw);
	render(frame1, 120.0f);
	upload(hw, frame1, 0);
	hw_destroy(hw);
	die_during(&g, VFU_STATE_STOP_COPY);
	die_during(&g, VFU_STATE_RESUMING);
	ck_assert(kill(g.pid, 0) == 0);
	hw = th_gpud_client(&g);
	ck_assert(vfu_client_mig_get(hw, &state, &e) == 0);
	ck_assert_uint_eq(state, VFU_STATE_RUNNING);
	th_run(hw, "bar2.r16 0x502 640\nbar2.r16 0x504 480\n");
	hw_destroy(hw);
	assert_screen(&g, frame1);
	th_gpud_stop(&g);
}
END_TEST

/* A real VNC client from Debian (gvnccapture, package gvncviewer) saves
 * the screen to png; it takes a display number, port - 5900. */
static void vnc_capture(int port, const char *png)
{
	char bin[] = "/usr/bin/gvnccapture", target[64], log[300];
	const char *argv[] = {bin, "-q", target, png, NULL};
	pid_t pid;
	int st = 0;

	ck_assert_msg(access(bin, X_OK) == 0,
		      "gvnccapture missing (install-deps.sh installs it)");
	ck_assert_int_gt(port, 5900);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port - 5900);
	snprintf(log, sizeof(log), "%s/gvnccapture.log", th_work);
	pid = th_spawn(argv, log);
	for (int i = 0; i < 1000 && !waitpid(pid, &st, WNOHANG); i++)
		usleep(10000);
	if (kill(pid, 0) == 0 && !WIFEXITED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "gvnccapture failed (status 0x%x), see %s", st, log);
}

/* Does the PNG at path show px exactly? */
static int png_shows(const char *path, const uint8_t *px)
{
	struct gs_image img;
	struct err e = {{0}};
	int same;

	ck_assert_msg(gs_image_read_png(&img, path, &e) == 0, "%s", e.msg);
	same = img.width == W && img.height == H;
	for (unsigned y = 0; same && y < H; y++)
		for (unsigned x = 0; same && x < W; x++)
			same = !memcmp(&img.rgb[(y * W + x) * 3],
				       &px[((H - 1 - y) * W + x) * 4], 3);
	gs_image_free(&img);
	return same;
}

/* Does a VNC viewer capture (to WORK/name) of g's display show px? */
static int vnc_sees(const struct th_gpud *g, const char *name,
		    const uint8_t *px)
{
	char png[300];
	int shown = 0;

	snprintf(png, sizeof(png), "%s/%s", th_work, name);
	/* Frames go out at 30 Hz; a loaded machine may need a second look. */
	for (int i = 0; i < 5 && !shown; i++) {
		usleep(200000);
		vnc_capture(g->vnc, png);
		shown = png_shows(png, px);
	}
	return shown;
}

/* What a VNC viewer sees of the live display equals the screenshot. */
START_TEST(vnc_viewer_sees_the_mesa_frame)
{
	struct th_gpud g;
	struct hw *hw;

	th_gpud_start(&g, "vnc", TH_GPUD_VNC);
	hw = th_gpud_client(&g);
	modeset(hw);
	render(frame1, 200.0f);
	upload(hw, frame1, 0);
	hw_destroy(hw);
	ck_assert_msg(vnc_sees(&g, "vnc.png", frame1),
		      "the VNC viewer does not see the Mesa frame");
	assert_screen(&g, frame1);
	th_gpud_stop(&g);
}
END_TEST

/* ---- Several clients ---- */

/* Lines of path that contain text. */
static int lines_with(const char *path, const char *text)
{
	return th_log_count(path, text, "", NULL);
}

/* Wait up to 10 s until gpud's log has n lines with text. */
static void wait_log(const struct th_gpud *g, const char *text, int n)
{
	th_wait_log(g->log, text, n, 10000);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *gpustate_log(void)
{
	static char log[300];

	snprintf(log, sizeof(log), "%s/gpustate.log", th_work);
	return log;
}

/* The vkernel's driver stays connected; gpustate inspects meanwhile. */
START_TEST(gpustate_inspects_while_another_client_stays_connected)
{
	struct th_gpud g;
	struct hw *hw;

	gpud_start(&g, "idle");
	hw = th_gpud_client(&g);
	modeset(hw);
	render(frame1, 15.0f);
	upload(hw, frame1, 0);
	unlink(gpustate_log());
	ck_assert_int_eq(gpustate("show", "--server", g.sock, NULL, NULL), 0);
	ck_assert_msg(lines_with(gpustate_log(), "VBE 640x480 32 bpp"),
		      "show does not tell the mode, see %s", gpustate_log());
	assert_screen(&g, frame1);
	die_during(&g, VFU_STATE_STOP_COPY); /* a third, dying migrating */
	th_run(hw, "bar2.r16 0x502 640\nbar2.w16 0x512 0\n");
	hw_destroy(hw);
	ck_assert_int_eq(lines_with(g.log, "2 of 8"), 3);
	th_gpud_stop(&g);
}
END_TEST

/* Another client's screenshot (a migration save in gpud) and the VNC
 * display's refreshes between two writes of a palette entry leave the
 * DAC's hidden colour sub-index alone: the entry comes out whole. */
START_TEST(saves_by_others_do_not_disturb_a_dac_sequence)
{
	char png[300];
	struct th_gpud g;
	struct hw *a;
	uint32_t rgb[3];
	struct err e = {{0}};

	gpud_start(&g, "dac");
	a = th_gpud_client(&g);
	th_run(a, "io.w8 0x3c8 5\nio.w8 0x3c9 0x11\nio.w8 0x3c9 0x22\n");
	snprintf(png, sizeof(png), "%s/dac.png", th_work);
	ck_assert_int_eq(gpustate("screenshot", "--server", g.sock, "-o", png),
			 0);
	usleep(1200000); /* an idle VNC refresh or more */
	th_run(a, "io.w8 0x3c9 0x33\nio.w8 0x3c7 5\n");
	for (int i = 0; i < 3; i++)
		ck_assert_msg(hw_port_read(a, 0x3c9, 1, &rgb[i], &e) == 0, "%s",
			      e.msg);
	ck_assert_msg(rgb[0] == 0x11 && rgb[1] == 0x22 && rgb[2] == 0x33,
		      "entry 5 reads %02x %02x %02x", rgb[0], rgb[1], rgb[2]);
	hw_destroy(a);
	th_gpud_stop(&g);
}
END_TEST

/* While A has the device stopped, B's messages wait instead of failing;
 * a migration of B while A's runs is refused. */
START_TEST(a_client_waits_while_another_has_the_device_stopped)
{
	char png[300];
	struct th_gpud g;
	struct hw *a, *b;
	struct mig_buf data = {0};
	struct err e = {{0}};
	pid_t shot;

	gpud_start(&g, "hold");
	a = th_gpud_client(&g);
	modeset(a);
	render(frame1, 25.0f);
	upload(a, frame1, 0);
	ck_assert_msg(vfu_client_mig_set(a, VFU_STATE_PRE_COPY, &e) == 0, "%s",
		      e.msg);
	b = th_gpud_client(&g);
	ck_assert_int_eq(vfu_client_mig_set(b, VFU_STATE_STOP_COPY, &e),
			 -EBUSY);
	wait_log(&g, "another client's migration is in progress", 1);
	th_run(b, "bar2.r16 0x502 640\n"); /* PRE_COPY: the device runs */
	hw_destroy(b);
	ck_assert_msg(vfu_client_mig_set(a, VFU_STATE_STOP_COPY, &e) == 0, "%s",
		      e.msg);
	snprintf(png, sizeof(png), "%s/held.png", th_work);
	shot = gpustate_start("screenshot", "--server", g.sock, "-o", png);
	wait_log(&g, "client connected", 3);
	/* Something that must not happen: give it a moment to. Served
	 * instead of held, the screenshot would fail with EBUSY. */
	usleep(300000);
	ck_assert_msg(waitpid(shot, NULL, WNOHANG) == 0,
		      "screenshot did not wait for the stopped device");
	ck_assert_msg(vfu_client_mig_read(a, &data, 64u << 20, &e) == 0, "%s",
		      e.msg);
	ck_assert_msg(vfu_client_mig_set(a, VFU_STATE_RUNNING, &e) == 0, "%s",
		      e.msg);
	ck_assert_int_eq(gpustate_wait(shot), 0);
	assert_png(png, frame1);
	ck_assert(mig_is_stream(data.p, data.len));
	th_run(a, "bar2.r16 0x502 640\n");
	hw_destroy(a);
	wait_log(&g, "client disconnected", 3);
	mig_buf_free(&data);
	th_gpud_stop(&g);
}
END_TEST

START_TEST(clients_beyond_the_limit_are_refused)
{
	char spec[300];
	struct hw *hw[8], *extra = NULL;
	struct err e = {{0}};
	struct th_gpud g;

	gpud_start(&g, "limit");
	for (int i = 0; i < 8; i++)
		hw[i] = th_gpud_client(&g);
	snprintf(spec, sizeof(spec), "unix:%s", g.sock);
	ck_assert(backend_open(spec, &extra, &e) < 0);
	wait_log(&g, "client refused", 1);
	ck_assert_int_eq(lines_with(g.log, "8 clients already connected"), 1);
	hw_destroy(hw[3]);
	wait_log(&g, "client disconnected", 1);
	hw[3] = th_gpud_client(&g);
	for (int i = 0; i < 8; i++) {
		th_run(hw[i], "cfg.r16 0x00 0x1234\n");
		hw_destroy(hw[i]);
	}
	th_gpud_stop(&g);
}
END_TEST

/* A client that stops inside a message holds the others at most for the
 * 10 s a message may take (lib/vfu_sock.c), then it is dropped. */
START_TEST(a_client_stalled_inside_a_message_is_dropped)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vfu_hdr h = {.id = 1, .cmd = VFU_CMD_VERSION, .size = 64};
	struct th_gpud g;
	struct hw *hw;
	long long t0;
	int s;

	gpud_start(&g, "stall");
	hw = th_gpud_client(&g);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(strlen(g.sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, g.sock, strlen(g.sock) + 1);
	ck_assert(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	ck_assert(write(s, &h, 8) == 8); /* half a header, then nothing */
	wait_log(&g, "client connected", 2);
	t0 = now_ms();
	th_run(hw, "cfg.r16 0x00 0x1234\n");
	ck_assert_int_lt(now_ms() - t0, 15000);
	wait_log(&g, "did not send within", 1);
	close(s);
	th_run(hw, "cfg.r16 0x02 0x1111\n");
	hw_destroy(hw);
	th_gpud_stop(&g);
}
END_TEST

/* The display keeps going while a client stays connected between its
 * messages. */
START_TEST(vnc_shows_frames_while_a_client_stays_connected)
{
	struct th_gpud g;
	struct hw *hw;

	th_gpud_start(&g, "vnc2", TH_GPUD_VNC);
	hw = th_gpud_client(&g);
	modeset(hw);
	render(frame1, 300.0f);
	upload(hw, frame1, 0);
	ck_assert_msg(vnc_sees(&g, "vnc2.png", frame1),
		      "the VNC viewer does not see the frame");
	hw_destroy(hw);
	th_gpud_stop(&g);
}
END_TEST

/* ---- Fixture: the work directory, in the runner process ---- */

static void make_work(void)
{
	th_work_make("/tmp/gpud-e2e-XXXXXX");
}

static Suite *suite(void)
{
	Suite *s = suite_create("gpud_e2e");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_work, th_work_remove);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mesa_frame_in_mapped_vram_is_what_screenshot_shows);
	tcase_add_test(tc, state_saved_from_one_gpud_loads_into_a_fresh_one);
	tcase_add_test(tc, pre_copy_carries_a_frame_drawn_during_the_migration);
	tcase_add_test(tc, clients_that_die_mid_migration_leave_gpud_healthy);
	tcase_add_test(tc, vnc_viewer_sees_the_mesa_frame);
	tcase_add_test(tc,
		       gpustate_inspects_while_another_client_stays_connected);
	tcase_add_test(tc, saves_by_others_do_not_disturb_a_dac_sequence);
	tcase_add_test(tc, a_client_waits_while_another_has_the_device_stopped);
	tcase_add_test(tc, clients_beyond_the_limit_are_refused);
	tcase_add_test(tc, a_client_stalled_inside_a_message_is_dropped);
	tcase_add_test(tc, vnc_shows_frames_while_a_client_stays_connected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
