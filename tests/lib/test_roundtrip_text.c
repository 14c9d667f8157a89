/*
 * Save/restore round trips of VGA text mode 3 (80x25 cells of 9x16 dots,
 * 720x400) set up the way a VGA BIOS does it through the legacy ports:
 * MSR, sequencer under reset, unlocked CRTC, graphics controller, attribute
 * controller (IS1 before every register) and the 64-entry EGA DAC palette.
 * A synthetic 8x16 font goes into plane 2 and text with many attributes into
 * planes 0 and 1 through the mapped BAR0 (VRAM byte 4a + plane, stdvga.md
 * 2.3), because the model has no 0xA0000 window.
 *
 * The decoded screenshot of the original must show what the font, the
 * attributes and the cursor say (stdvga.md 3.4 "Text"); after save, restore
 * onto a used device and save, state and screenshot must be identical.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/th_device.h"
#include "lib/chip.h"
#include "lib/chip_stdvga.h"
#include "lib/image.h"
#include "lib/snapshot.h"

#define COLS  80
#define ROWS  25
#define CELLW 9
#define CELLH 16

/* The standard mode 3 values a VGA BIOS programs. */
static const uint8_t mode3_crtc[25] = {
	0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
	0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
	0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};
static const uint8_t mode3_gr[9] = {0, 0, 0, 0, 0, 0x10, 0x0e, 0x0f, 0xff};
static const uint8_t mode3_ar[21] = {
	0,    1,    2,	  3,	4,    5,    0x14, 7,	0x38, 0x39, 0x3a,
	0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0,	  0x0f, 8,    0,
};

struct variant {
	const char *name;
	uint8_t sr03;	 /* character map select */
	unsigned cursor; /* cell index of the cursor */
	bool via_snapshot;
};

static const struct variant variants[] = {
	{"mode 3", 0x00, 12 * COLS + 34, false},
	/* 512 characters: attribute bit 3 picks the font at map 2 (VRAM
	 * 64 KiB + 2), the others keep map 0 */
	{"mode 3, 512-character font", 0x04, 24 * COLS + 79, false},
	{"mode 3 through the snapshot format", 0x00, 0, true},
};

/* ---- What the screen holds ---- */

/* Glyph row r of character c in font f (0 or 1): blank space, a full
 * block, and a deterministic pattern with empty top and bottom rows. */
static uint8_t glyph(unsigned f, unsigned c, unsigned r)
{
	uint8_t bits;

	if (c == 0x00 || c == 0x20)
		return 0;
	if (c == 0xdb)
		return 0xff;
	if (r < 2 || r > 13)
		return 0;
	bits = (uint8_t)((c * 37 + r * 91) ^ (c >> 2 << r % 4));
	return f ? (uint8_t)~bits : bits;
}

/* Character and attribute of cell a: every character and every
 * foreground/background pair occurs. */
static uint8_t cell_char(unsigned a)
{
	return (uint8_t)(a * 7 + a / COLS * 3);
}

static uint8_t cell_attr(unsigned a)
{
	return (uint8_t)((a % 16) | (a / COLS % 16) << 4);
}

/* The EGA palette of 64 6-bit colours: bits 2/1/0 give 2/3 of red, green,
 * blue and bits 5/4/3 the other 1/3. */
static uint8_t ega(unsigned i, unsigned channel)
{
	unsigned hi = i >> (2 - channel) & 1, lo = i >> (5 - channel) & 1;

	return (uint8_t)(hi * 42 + lo * 21);
}

/* QEMU's 6-to-8-bit DAC expansion (stdvga.md 3.4): v << 2, then copies of
 * v's low bit. */
static uint8_t dac8(uint8_t v)
{
	return (uint8_t)(v << 2 | (v & 1) * 3);
}

/* The RGB of attribute colour k (0..15) through AR0-15 and the DAC. */
static void colour(unsigned k, uint8_t rgb[3])
{
	for (unsigned c = 0; c < 3; c++)
		rgb[c] = dac8(ega(mode3_ar[k], c));
}

/* ---- The BIOS mode set ---- */

static void bios_mode3(struct hw *hw, const struct variant *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert(f);
	fputs("cfg.w32 0x10 0xfd000008\ncfg.w32 0x18 0xfebf0000\n"
	      "cfg.w16 0x04 0x0003\nio.w8 0x3c2 0x67\n",
	      f);
	/* Sequencer held in reset while the clocking and memory mode change */
	fprintf(f,
		"io.w16 0x3c4 0x0100\nio.w16 0x3c4 0x0001\n"
		"io.w16 0x3c4 0x0302\nio.w16 0x3c4 0x%02x03\n"
		"io.w16 0x3c4 0x0204\nio.w16 0x3c4 0x0300\n",
		v->sr03);
	/* CR11 bit 7 would drop the writes to CR00-CR07. */
	fputs("io.w8 0x3d4 0x11\nio.r8 0x3d5\nio.w8 0x3d5 0x00\n", f);
	for (unsigned i = 0; i < sizeof(mode3_crtc); i++)
		fprintf(f, "io.w8 0x3d4 0x%02x\nio.w8 0x3d5 0x%02x\n", i,
			mode3_crtc[i]);
	for (unsigned i = 0; i < sizeof(mode3_gr); i++)
		fprintf(f, "io.w8 0x3ce 0x%02x\nio.w8 0x3cf 0x%02x\n", i,
			mode3_gr[i]);
	for (unsigned i = 0; i < sizeof(mode3_ar); i++)
		fprintf(f,
			"io.r8 0x3da\nio.w8 0x3c0 0x%02x\nio.w8 0x3c0 0x%02x\n",
			i, mode3_ar[i]);
	fputs("io.r8 0x3da\nio.w8 0x3c0 0x20\n", f);
	fputs("io.w8 0x3c8 0x00\n", f);
	for (unsigned i = 0; i < 64; i++)
		fprintf(f, "io.w8 0x3c9 %u\nio.w8 0x3c9 %u\nio.w8 0x3c9 %u\n",
			ega(i, 0), ega(i, 1), ega(i, 2));
	fprintf(f, "io.w16 0x3d4 0x%02x0e\nio.w16 0x3d4 0x%02x0f\n",
		v->cursor >> 8, v->cursor & 0xff);
	ck_assert(fclose(f) == 0);
	th_run(hw, text);
	free(text);
}

/* Fonts into plane 2 (map 0, and map 2 for the second font) and the text
 * into planes 0 and 1, through the mapped BAR0. */
static void load_font_and_text(struct hw *hw)
{
	struct err e = {{0}};
	uint64_t size = 0;
	uint8_t *vram = hw_region_map(hw, HW_REGION_BAR0, &size, &e);

	ck_assert_msg(vram, "map BAR0: %s", e.msg);
	for (unsigned f = 0; f < 2; f++)
		for (unsigned c = 0; c < 256; c++)
			for (unsigned r = 0; r < 32; r++)
				vram[f * 0x10000 + 4 * (c * 32 + r) + 2] =
					r < CELLH ? glyph(f, c, r) : 0;
	for (unsigned a = 0; a < COLS * ROWS; a++) {
		vram[4 * a] = cell_char(a);
		vram[4 * a + 1] = cell_attr(a);
	}
	hw_region_unmap(vram, size);
}

static struct hw *text_device(const struct variant *v)
{
	struct hw *hw = th_model(16);

	bios_mode3(hw, v);
	load_font_and_text(hw);
	return hw;
}

/* ---- Checking the screenshot ---- */

static bool dot_on(const struct variant *v, unsigned a, unsigned r, unsigned x)
{
	uint8_t ch = cell_char(a), attr = cell_attr(a);
	unsigned font = v->sr03 && (attr & 0x08) ? 1 : 0;
	uint8_t bits = glyph(font, ch, r);

	if (a == v->cursor && r >= mode3_crtc[0x0a] && r <= mode3_crtc[0x0b])
		return true;
	if (x < 8)
		return bits >> (7 - x) & 1;
	/* AR10 bit 2: line graphics repeat column 8 in the 9th (QEMU does
	 * it for 0xB0-0xDF) */
	return ch >= 0xb0 && ch <= 0xdf && (bits & 1);
}

static void assert_cell(const struct gs_image *img, const struct variant *v,
			unsigned a)
{
	uint8_t fg[3], bg[3];
	unsigned px = a % COLS * CELLW, py = a / COLS * CELLH;

	colour(cell_attr(a) & 0x0f, fg);
	colour(cell_attr(a) >> 4, bg);
	for (unsigned r = 0; r < CELLH; r++)
		for (unsigned x = 0; x < CELLW; x++) {
			const uint8_t *got =
				&img->rgb[((size_t)(py + r) * img->width + px +
					   x) *
					  3];
			const uint8_t *want = dot_on(v, a, r, x) ? fg : bg;

			ck_assert_msg(!memcmp(got, want, 3),
				      "%s: cell %u (char 0x%02x attr 0x%02x) "
				      "dot %u,%u shows %02x%02x%02x, expected "
				      "%02x%02x%02x",
				      v->name, a, cell_char(a), cell_attr(a), x,
				      r, got[0], got[1], got[2], want[0],
				      want[1], want[2]);
		}
}

/* Cells worth a look: corners, the cursor, a full block, a blank, line
 * graphics, both fonts; then every cell. */
static void assert_screen(const struct gs_image *img, const struct variant *v)
{
	ck_assert_uint_eq(img->width, COLS * CELLW);
	ck_assert_uint_eq(img->height, ROWS * CELLH);
	assert_cell(img, v, 0);
	assert_cell(img, v, COLS * ROWS - 1);
	assert_cell(img, v, v->cursor);
	for (unsigned a = 0; a < COLS * ROWS; a++)
		assert_cell(img, v, a);
}

/* ---- Tests ---- */

/* The test's own model of the screen must be able to tell cells apart: the
 * chosen text has full blocks, blanks, line graphics and both fonts. */
START_TEST(text_content_exercises_font_attributes_and_line_graphics)
{
	unsigned blocks = 0, blanks = 0, lines = 0, font1 = 0, same = 0;

	for (unsigned a = 0; a < COLS * ROWS; a++) {
		uint8_t ch = cell_char(a), attr = cell_attr(a);

		blocks += ch == 0xdb;
		blanks += ch == 0x20;
		lines += ch >= 0xb0 && ch <= 0xdf && (glyph(0, ch, 5) & 1);
		font1 += (attr & 0x08) != 0;
		same += (attr & 0x0f) == attr >> 4;
	}
	ck_assert_uint_gt(blocks, 0);
	ck_assert_uint_gt(blanks, 0);
	ck_assert_uint_gt(lines, 0);
	ck_assert_uint_gt(font1, 0);
	ck_assert_uint_lt(same, COLS * ROWS / 8);
}
END_TEST

START_TEST(text_mode3_screenshot_shows_font_attributes_and_cursor)
{
	const struct variant *v = &variants[_i];
	struct hw *hw = text_device(v);
	struct gs_state st;
	struct gs_image img;
	struct err e = {{0}};
	char mode[160];
	struct stdvga_regs r;

	th_save(hw, &st);
	th_regs(&st, &r);
	stdvga_mode_string(&r, mode, sizeof(mode));
	ck_assert_str_eq(mode, "VGA text 80x25, 9x16 cells, start 0x0");
	ck_assert_msg(chip_stdvga.scanout(&st, &img, &e) == 0, "scanout: %s",
		      e.msg);
	assert_screen(&img, v);
	gs_image_free(&img);
	gs_state_free(&st);
	hw_destroy(hw);
}
END_TEST

static void restore_onto(struct hw *b, const struct gs_state *st,
			 bool via_snapshot)
{
	struct gs_state dec;
	struct err e = {{0}};
	uint8_t *buf = NULL;
	size_t len = 0;

	if (!via_snapshot) {
		ck_assert_msg(chip_stdvga.restore(b, st, &e) == 0,
			      "restore: %s", e.msg);
		return;
	}
	ck_assert_msg(snap_encode(st, NULL, &buf, &len, &e) == 0,
		      "snap_encode: %s", e.msg);
	ck_assert_msg(snap_decode(buf, len, &dec, &e) == 0, "snap_decode: %s",
		      e.msg);
	free(buf);
	th_assert_states_equal(st, &dec);
	ck_assert_msg(chip_stdvga.restore(b, &dec, &e) == 0, "restore: %s",
		      e.msg);
	gs_state_free(&dec);
}

START_TEST(text_mode3_roundtrips_bit_exact)
{
	const struct variant *v = &variants[_i];
	struct hw *a = text_device(v), *b = th_model(16);
	struct gs_state sa, sb;
	struct gs_image img;

	th_save(a, &sa);
	th_scribble(b, 3);
	restore_onto(b, &sa, v->via_snapshot);
	th_save(b, &sb);
	th_assert_states_equal(&sa, &sb);
	ck_assert_int_eq(th_assert_scanouts_equal(&sa, &sb, &img), 0);
	assert_screen(&img, v);
	gs_image_free(&img);
	gs_state_free(&sa);
	gs_state_free(&sb);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("roundtrip_text");
	TCase *tc = tcase_create("core");
	int n = (int)(sizeof(variants) / sizeof(variants[0]));

	tcase_set_timeout(tc, 30);
	tcase_add_test(
		tc, text_content_exercises_font_attributes_and_line_graphics);
	tcase_add_loop_test(
		tc, text_mode3_screenshot_shows_font_attributes_and_cursor, 0,
		n);
	tcase_add_loop_test(tc, text_mode3_roundtrips_bit_exact, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
