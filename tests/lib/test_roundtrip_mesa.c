/*
 * Save/restore round trips of the stdvga with real rendered content: Mesa
 * (OSMesa, llvmpipe) draws OpenGL frames offscreen, which are written into
 * VRAM through the mapped BAR0 in the layout the programmed VBE mode needs,
 * after a modeset done the way Linux bochs-drm does it (stdvga.md section 5,
 * tests/data/bochs-modeset.gs) at 32, 16 and 8 bpp. A second frame sits
 * after the first and is shown by a page flip (Y_OFFSET).
 *
 * Each test checks that the original device shows the Mesa frame (exactly
 * at 32 bpp, within the quantization at 16 and 8 bpp), then saves, restores
 * onto a used device, and requires equal state and a bit-identical decoded
 * picture; flipping back to the first frame on both devices then shows the
 * first frame on both, so the hidden buffer came through as well.
 */
#include <GL/gl.h>
#include <GL/osmesa.h>
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "lib/chip.h"
#include "lib/chip_stdvga.h"
#include "lib/image.h"
#include "lib/snapshot.h"

#define W	640
#define H	480
#define VRAM_MB 16

/*
 * Mesa 22 keeps a few allocations made by OSMesaMakeCurrent after the
 * context is destroyed; the SANITIZE=1 build's LeakSanitizer must not blame
 * the test for them. Only leaks from inside Mesa's own libraries are
 * suppressed, quietly. These hooks are unused without the sanitizer.
 */
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

/* ---- Rendering ---- */

/* A frame as OSMesa leaves it: RGBA bytes, row 0 at the bottom. */
struct frame {
	uint8_t px[W * H * 4];
};

static void draw_background(void)
{
	glDisable(GL_DEPTH_TEST);
	glMatrixMode(GL_PROJECTION);
	glLoadIdentity();
	glMatrixMode(GL_MODELVIEW);
	glLoadIdentity();
	glBegin(GL_QUADS);
	glColor3f(0.05f, 0.05f, 0.25f);
	glVertex2f(-1, -1);
	glColor3f(0.10f, 0.45f, 0.20f);
	glVertex2f(1, -1);
	glColor3f(0.60f, 0.70f, 0.95f);
	glVertex2f(1, 1);
	glColor3f(0.95f, 0.50f, 0.30f);
	glVertex2f(-1, 1);
	glEnd();
}

/* A unit cube whose vertex colours are its coordinates: smooth RGB. */
static void draw_cube(void)
{
	static const int faces[6][4][3] = {
		{{0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}},
		{{0, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 0, 0}},
		{{0, 0, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, 0}},
		{{1, 0, 0}, {1, 1, 0}, {1, 1, 1}, {1, 0, 1}},
		{{0, 1, 0}, {0, 1, 1}, {1, 1, 1}, {1, 1, 0}},
		{{0, 0, 0}, {1, 0, 0}, {1, 0, 1}, {0, 0, 1}},
	};

	glBegin(GL_QUADS);
	for (unsigned f = 0; f < 6; f++)
		for (unsigned v = 0; v < 4; v++) {
			const int *p = faces[f][v];

			glColor3f(0.15f + 0.8f * p[0], 0.15f + 0.8f * p[1],
				  0.15f + 0.8f * p[2]);
			glVertex3f(p[0] - 0.5f, p[1] - 0.5f, p[2] - 0.5f);
		}
	glEnd();
}

/* The background gradient, then a rotated cube cut by a triangle that the
 * depth test hides in part. */
static void render(struct frame *fr, float angle)
{
	OSMesaContext ctx = OSMesaCreateContextExt(OSMESA_RGBA, 24, 0, 0, NULL);

	ck_assert_msg(ctx, "OSMesaCreateContextExt failed");
	ck_assert(OSMesaMakeCurrent(ctx, fr->px, GL_UNSIGNED_BYTE, W, H));
	glViewport(0, 0, W, H);
	glClearColor(0, 0, 0, 1);
	glClearDepth(1.0);
	glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
	glShadeModel(GL_SMOOTH);
	draw_background();

	glEnable(GL_DEPTH_TEST);
	glDepthFunc(GL_LESS);
	glMatrixMode(GL_PROJECTION);
	glLoadIdentity();
	glFrustum(-0.1 * W / H, 0.1 * W / H, -0.1, 0.1, 0.25, 20.0);
	glMatrixMode(GL_MODELVIEW);
	glLoadIdentity();
	glTranslatef(0.2f, -0.1f, -3.0f);
	glRotatef(angle, 0.6f, 1.0f, 0.25f);
	draw_cube();
	glLoadIdentity();
	glTranslatef(0, 0, -3.2f);
	glRotatef(-0.7f * angle, 0, 0, 1);
	glBegin(GL_TRIANGLES);
	glColor3f(1.0f, 0.9f, 0.1f);
	glVertex3f(-1.4f, -0.9f, 0.6f);
	glColor3f(0.9f, 0.1f, 0.6f);
	glVertex3f(1.3f, -0.6f, -0.5f);
	glColor3f(0.1f, 0.8f, 0.9f);
	glVertex3f(-0.2f, 1.2f, 0.1f);
	glEnd();
	glFinish();
	ck_assert_int_eq(glGetError(), GL_NO_ERROR);
	OSMesaDestroyContext(ctx);
}

/* The RGB of pixel (x, y) counted from the top, as the display shows it. */
static const uint8_t *frame_rgb(const struct frame *fr, unsigned x, unsigned y)
{
	return &fr->px[((size_t)(H - 1 - y) * W + x) * 4];
}

/* Real content: many colours, and the two frames differ widely. */
static void assert_frames_rich(const struct frame *a, const struct frame *b)
{
	static uint8_t seen[1 << 21];
	unsigned colours = 0, differ = 0;

	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < (size_t)W * H; i++) {
		const uint8_t *p = &a->px[i * 4];
		uint32_t c = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];

		if (!(seen[c >> 3] & 1u << (c & 7))) {
			seen[c >> 3] |= (uint8_t)(1u << (c & 7));
			colours++;
		}
		differ += memcmp(p, &b->px[i * 4], 3) != 0;
	}
	ck_assert_msg(colours > 5000, "only %u colours in the Mesa frame",
		      colours);
	ck_assert_msg(differ > W * H / 10, "frames differ in only %u pixels",
		      differ);
}

/* ---- Device programming ---- */

struct mode {
	const char *name;
	unsigned bpp;
	uint16_t enable; /* DISPI ENABLE of the modeset */
	uint32_t endian; /* BAR2 0x604 magic of the plane update */
	bool via_snapshot;
};

static const struct mode modes[] = {
	{"32 bpp x8r8g8b8", 32, 0x41, STDVGA_ENDIAN_LE, false},
	{"32 bpp, big-endian framebuffer", 32, 0x41, STDVGA_ENDIAN_BE, false},
	{"16 bpp r5g6b5", 16, 0x41, STDVGA_ENDIAN_LE, false},
	{"8 bpp, 6-bit DAC", 8, 0x41, STDVGA_ENDIAN_LE, false},
	{"8 bpp, 8-bit DAC", 8, 0x61, STDVGA_ENDIAN_LE, false},
	{"32 bpp through a snapshot file", 32, 0x41, STDVGA_ENDIAN_LE, true},
	{"8 bpp 8-bit DAC through a snapshot file", 8, 0x61, STDVGA_ENDIAN_LE,
	 true},
};

static unsigned pitch(const struct mode *m)
{
	return W * m->bpp / 8;
}

/* Firmware BAR setup, bochs-drm probe and bochs_hw_setmode over BAR2,
 * then the plane update for the buffer at VRAM 0; the fixups must hold. */
static void bochs_modeset(struct hw *hw, const struct mode *m)
{
	char s[2048];

	snprintf(s, sizeof(s),
		 "cfg.w32 0x10 0xfd000008\ncfg.w32 0x18 0xfebf0000\n"
		 "cfg.w16 0x04 0x0003\n"
		 "bar2.r16 0x500 0xb0c0/0xfff0\nbar2.r16 0x514 0x%x\n"
		 "bar2.r32 0x600 8\nbar2.w32 0x604 0x1e1e1e1e\n"
		 "bar2.w8 0x402 0x01\nbar2.r8 0x41a\nbar2.w8 0x400 0x20\n"
		 "bar2.w16 0x508 0x0000\nbar2.w16 0x506 %u\n"
		 "bar2.w16 0x502 %u\nbar2.w16 0x504 %u\nbar2.w16 0x50a 0\n"
		 "bar2.w16 0x50c %u\nbar2.w16 0x50e %u\nbar2.w16 0x510 0\n"
		 "bar2.w16 0x512 0\nbar2.w16 0x508 0x%x\n"
		 "bar2.w16 0x50c %u\nbar2.w16 0x510 0\nbar2.w16 0x512 0\n"
		 "bar2.w32 0x604 0x%x\n"
		 "bar2.r16 0x502 %u\nbar2.r16 0x504 %u\nbar2.r16 0x506 %u\n"
		 "bar2.r16 0x508 0x%x\n",
		 VRAM_MB << 4, m->bpp, W, H, W, (VRAM_MB << 20) / pitch(m),
		 m->enable, W, m->endian, W, H, m->bpp, m->enable);
	th_run(hw, s);
}

/* bochs_plane_update for a buffer y lines down: a page flip. */
static void flip(struct hw *hw, const struct mode *m, unsigned y)
{
	char s[256];

	snprintf(s, sizeof(s),
		 "bar2.w16 0x50c %u\nbar2.w16 0x510 0\nbar2.w16 0x512 %u\n"
		 "bar2.w32 0x604 0x%x\nbar2.r16 0x512 %u\n",
		 W, y, m->endian, y);
	th_run(hw, s);
}

static void mmio_w8(struct hw *hw, uint32_t off, uint8_t v)
{
	struct err e = {{0}};

	ck_assert_msg(hw_region_write(hw, HW_REGION_BAR2, off, 1, v, &e) == 0,
		      "BAR2 write: %s", e.msg);
}

/* 3-3-2 palette level: the colour component of quantization step k. */
static uint8_t level(unsigned k, unsigned steps, bool dac8)
{
	unsigned max = dac8 ? 255 : 63;

	return (uint8_t)((k * max + (steps - 1) / 2) / (steps - 1));
}

/* 256 entries R3 G3 B2 through the DAC (the BAR2 alias of 0x3C8/0x3C9),
 * as 8-bit or 6-bit values to match the DAC width of the mode. */
static void program_palette(struct hw *hw, bool dac8)
{
	mmio_w8(hw, 0x408, 0);
	for (unsigned i = 0; i < 256; i++) {
		mmio_w8(hw, 0x409, level(i >> 5, 8, dac8));
		mmio_w8(hw, 0x409, level(i >> 2 & 7, 8, dac8));
		mmio_w8(hw, 0x409, level(i & 3, 4, dac8));
	}
}

static unsigned nearest(unsigned v, unsigned steps)
{
	return (v * (steps - 1) + 127) / 255;
}

/* One pixel of rgb (R, G, B) in the mode's memory layout at p. */
static void put_pixel(const struct mode *m, uint8_t *p, const uint8_t *rgb)
{
	uint16_t v;

	switch (m->bpp) {
	case 32:
		if (m->endian == STDVGA_ENDIAN_BE) {
			p[0] = 0;
			memcpy(p + 1, rgb, 3);
		} else {
			p[0] = rgb[2];
			p[1] = rgb[1];
			p[2] = rgb[0];
			p[3] = 0;
		}
		break;
	case 16:
		v = (uint16_t)((rgb[0] >> 3) << 11 | (rgb[1] >> 2) << 5 |
			       rgb[2] >> 3);
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		break;
	default:
		p[0] = (uint8_t)(nearest(rgb[0], 8) << 5 |
				 nearest(rgb[1], 8) << 2 | nearest(rgb[2], 4));
		break;
	}
}

/* Write fr into VRAM through the mapped BAR0 at line y0, top row first. */
static void upload(struct hw *hw, const struct mode *m, const struct frame *fr,
		   unsigned y0)
{
	struct err e = {{0}};
	uint64_t size = 0;
	uint8_t *vram = hw_region_map(hw, HW_REGION_BAR0, &size, &e);

	ck_assert_msg(vram, "map BAR0: %s", e.msg);
	ck_assert_uint_ge(size, (uint64_t)(y0 + H) * pitch(m));
	for (unsigned y = 0; y < H; y++)
		for (unsigned x = 0; x < W; x++)
			put_pixel(m,
				  vram + (size_t)(y0 + y) * pitch(m) +
					  x * m->bpp / 8,
				  frame_rgb(fr, x, y));
	hw_region_unmap(vram, size);
}

/* ---- Checking pictures ---- */

/* Largest |shown - rendered| per channel the mode's format allows. */
static void tolerance(const struct mode *m, int tol[3])
{
	if (m->bpp == 32) {
		tol[0] = tol[1] = tol[2] = 0;
	} else if (m->bpp == 16) {
		tol[0] = tol[2] = 7; /* 5 bits kept */
		tol[1] = 3;	     /* 6 bits kept */
	} else {
		/* Half a 3-bit (2-bit) step, plus the DAC's rounding. */
		tol[0] = tol[1] = 255 / 7 / 2 + 4;
		tol[2] = 255 / 3 / 2 + 4;
	}
}

static void assert_shows(const struct gs_image *img, const struct mode *m,
			 const struct frame *fr)
{
	int tol[3];

	tolerance(m, tol);
	ck_assert_uint_eq(img->width, W);
	ck_assert_uint_eq(img->height, H);
	for (unsigned y = 0; y < H; y++)
		for (unsigned x = 0; x < W; x++) {
			const uint8_t *want = frame_rgb(fr, x, y);
			const uint8_t *got = &img->rgb[((size_t)y * W + x) * 3];

			for (unsigned c = 0; c < 3; c++)
				if (abs(got[c] - want[c]) > tol[c])
					ck_abort_msg("%s: pixel %u,%u channel "
						     "%u shows %u, Mesa drew "
						     "%u",
						     m->name, x, y, c, got[c],
						     want[c]);
		}
}

/* Decode hw's current state; fail unless it shows fr. */
static void assert_device_shows(struct hw *hw, const struct mode *m,
				const struct frame *fr)
{
	struct gs_state st;
	struct gs_image img;
	struct err e = {{0}};

	th_save(hw, &st);
	ck_assert_msg(chip_stdvga.scanout(&st, &img, &e) == 0, "scanout: %s",
		      e.msg);
	assert_shows(&img, m, fr);
	gs_image_free(&img);
	gs_state_free(&st);
}

/* st through a snapshot file and back. */
static void through_file(const struct gs_state *st, struct gs_state *out)
{
	char path[] = "/tmp/roundtrip-mesa-XXXXXX";
	int fd = mkstemp(path);
	struct err e = {{0}};

	ck_assert(fd >= 0);
	close(fd);
	ck_assert_msg(snap_write(path, st, NULL, &e) == 0, "snap_write: %s",
		      e.msg);
	ck_assert_msg(snap_read(path, out, &e) == 0, "snap_read: %s", e.msg);
	unlink(path);
	th_assert_states_equal(st, out);
}

/* Save a and restore it onto b, directly or through a snapshot file. */
static void copy_device(struct hw *a, struct hw *b, bool via_snapshot)
{
	struct gs_state sa, file;
	const struct gs_state *src = &sa;
	struct err e = {{0}};

	th_save(a, &sa);
	if (via_snapshot) {
		through_file(&sa, &file);
		src = &file;
	}
	ck_assert_msg(chip_stdvga.restore(b, src, &e) == 0, "restore: %s",
		      e.msg);
	if (via_snapshot)
		gs_state_free(&file);
	gs_state_free(&sa);
}

/* a and b hold the same state and both show fr, bit for bit alike. */
static void assert_both_show(struct hw *a, struct hw *b, const struct mode *m,
			     const struct frame *fr)
{
	struct gs_state sa, sb;
	struct gs_image img;

	th_save(a, &sa);
	th_save(b, &sb);
	th_assert_states_equal(&sa, &sb);
	ck_assert_int_eq(th_assert_scanouts_equal(&sa, &sb, &img), 0);
	assert_shows(&img, m, fr);
	gs_image_free(&img);
	gs_state_free(&sa);
	gs_state_free(&sb);
}

/* Modeset, the palette if palettized, f1 at line 0 and f2 at line H. */
static void setup_device(struct hw *hw, const struct mode *m,
			 const struct frame *f1, const struct frame *f2)
{
	bochs_modeset(hw, m);
	if (m->bpp == 8)
		program_palette(hw, m->enable & DISPI_8BIT_DAC);
	upload(hw, m, f1, 0);
	upload(hw, m, f2, H);
}

/* ---- Tests ---- */

/*
 * Two Mesa frames in VRAM, a flip to the second; the device shows it. Save,
 * restore onto a scribbled device: equal state, identical pictures of the
 * second frame. Flip both back: both show the first frame.
 */
START_TEST(mesa_frames_roundtrip_bit_exact)
{
	const struct mode *m = &modes[_i];
	static struct frame f1, f2;
	struct hw *a = th_model(VRAM_MB), *b = th_model(VRAM_MB);

	render(&f1, 30.0f);
	render(&f2, 75.0f);
	assert_frames_rich(&f1, &f2);
	setup_device(a, m, &f1, &f2);
	flip(a, m, H);
	assert_device_shows(a, m, &f2);

	th_scribble(b, 7);
	copy_device(a, b, m->via_snapshot);
	assert_both_show(a, b, m, &f2);
	flip(a, m, 0);
	flip(b, m, 0);
	assert_both_show(a, b, m, &f1);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

/*
 * The checks above can tell formats apart: the 8 bpp frame decoded with the
 * other DAC width, or the 32 bpp frame with the other byte order, does not
 * pass for the Mesa frame.
 */
START_TEST(mesa_check_rejects_wrong_dac_width_and_byte_order)
{
	static struct frame f;
	struct hw *hw = th_model(VRAM_MB);
	struct gs_state st;
	struct stdvga_regs r;
	struct gs_image img;
	struct err e = {{0}};
	int tol[3];
	unsigned bad = 0;
	/* modes[3]: 8 bpp with the 6-bit DAC; modes[0]: 32 bpp little-endian */
	const struct mode *m = &modes[_i == 0 ? 3 : 0];

	render(&f, 45.0f);
	setup_device(hw, m, &f, &f);
	th_save(hw, &st);
	th_regs(&st, &r);
	if (m->bpp == 8)
		r.dispi[DISPI_ENABLE] |= DISPI_8BIT_DAC;
	else
		r.endian = STDVGA_ENDIAN_BE;
	chip_encode(&chip_stdvga, &r, st.regs);
	ck_assert_msg(chip_stdvga.scanout(&st, &img, &e) == 0, "scanout: %s",
		      e.msg);
	tolerance(m, tol);
	for (size_t i = 0; i < (size_t)W * H; i++) {
		const uint8_t *want =
			frame_rgb(&f, (unsigned)(i % W), (unsigned)(i / W));

		for (unsigned c = 0; c < 3; c++)
			bad += abs(img.rgb[i * 3 + c] - want[c]) > tol[c];
	}
	ck_assert_uint_gt(bad, W * H / 4);
	gs_image_free(&img);
	gs_state_free(&st);
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("roundtrip_mesa");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, mesa_frames_roundtrip_bit_exact, 0,
			    sizeof(modes) / sizeof(modes[0]));
	tcase_add_loop_test(
		tc, mesa_check_rejects_wrong_dac_width_and_byte_order, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
