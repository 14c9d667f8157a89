/*
 * Tests for lib/stdvga_scanout.c: hand-built register sets and VRAM, exact
 * pixel values for every DISPI depth, VGA text (font, colours, 9th column,
 * cursor, SR03 maps), VGA graphics, blanking, and a garbage-register loop
 * that must never crash or read out of bounds (run it under SANITIZE=1).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chip_stdvga.h"

#define VRAM_SIZE (1u << 20)

static uint8_t *vram;
static struct stdvga_regs R;
static struct gs_image img;
static struct err e;

static void setup(void)
{
	vram = calloc(VRAM_SIZE, 1);
	ck_assert_ptr_nonnull(vram);
	memset(&R, 0, sizeof(R));
	memset(&img, 0, sizeof(img));
	memset(&e, 0, sizeof(e));
}

static void teardown(void)
{
	gs_image_free(&img);
	free(vram);
}

static void scan(void)
{
	int rc = stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e);

	ck_assert_msg(rc == 0, "scanout failed (%d): %s", rc, e.msg);
}

static uint32_t pix(uint32_t x, uint32_t y)
{
	const uint8_t *p;

	ck_assert_uint_lt(x, img.width);
	ck_assert_uint_lt(y, img.height);
	p = img.rgb + ((size_t)y * img.width + x) * 3;
	return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
}

static void mode_is(const char *want)
{
	char buf[256];

	stdvga_mode_string(&R, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

/* 6-bit DAC value as QEMU widens it: v << 2 with bit 0 copied twice. */
static uint32_t c6(uint8_t v)
{
	v &= 0x3f;
	return (uint32_t)(v << 2) | ((v & 1) ? 3 : 0);
}

static uint32_t dac6(unsigned i)
{
	return c6(R.palette[3 * i]) << 16 | c6(R.palette[3 * i + 1]) << 8 |
	       c6(R.palette[3 * i + 2]);
}

/* A DAC where every entry differs in every channel. */
static void fill_palette(void)
{
	for (unsigned i = 0; i < 256; i++) {
		R.palette[3 * i] = i & 0x3f;
		R.palette[3 * i + 1] = (i * 7 + 5) & 0x3f;
		R.palette[3 * i + 2] = (63 - i) & 0x3f;
	}
}

/* A DISPI mode as the model leaves it after enabling. */
static void dispi(uint16_t xres, uint16_t yres, uint16_t bpp, uint16_t flags)
{
	R.dispi[DISPI_ID] = 0xb0c5;
	R.dispi[DISPI_ENABLE] = DISPI_ENABLED | flags;
	R.dispi[DISPI_XRES] = xres;
	R.dispi[DISPI_YRES] = yres;
	R.dispi[DISPI_BPP] = bpp;
	R.dispi[DISPI_VIRT_WIDTH] = xres;
	R.dispi[DISPI_VIDEO_MEMORY_64K] = VRAM_SIZE >> 16;
	R.gr[0x06] = 0x05;
	R.gr[0x05] = bpp == 4 ? 0x00 : 0x40;
	R.cr[0x17] = 0x03;
	R.cr[0x09] = 0x40;
	R.cr[0x18] = 0xff;
	R.cr[0x07] = 0x10;
	R.ar_index = 0x20;
}

static void put16(size_t off, uint16_t v, int be)
{
	vram[off] = be ? v >> 8 : v & 0xff;
	vram[off + 1] = be ? v & 0xff : v >> 8;
}

/* --- DISPI --------------------------------------------------------------- */

START_TEST(dispi_8bpp_6bit_dac_widens_with_low_bit_copies)
{
	dispi(16, 4, 8, 0);
	R.palette[3 * 5] = 0x3f;
	R.palette[3 * 5 + 1] = 0x01;
	R.palette[3 * 5 + 2] = 0x20;
	R.palette[3 * 6 + 1] = 0xff; /* stored 8-bit: only 6 bits count */
	vram[0] = 5;
	vram[1] = 6;
	scan();
	ck_assert_uint_eq(img.width, 16);
	ck_assert_uint_eq(img.height, 4);
	ck_assert_uint_eq(pix(0, 0), 0xff0780);
	ck_assert_uint_eq(pix(1, 0), 0x00ff00);
	ck_assert_uint_eq(pix(2, 0), 0x000000);
	mode_is("VBE 16x4 8 bpp (palettized), stride 16, start 0x0, 6-bit DAC");
}
END_TEST

START_TEST(dispi_8bpp_8bit_dac_uses_raw_bytes)
{
	dispi(16, 4, 8, DISPI_8BIT_DAC);
	R.palette[3 * 200] = 0x12;
	R.palette[3 * 200 + 1] = 0x34;
	R.palette[3 * 200 + 2] = 0xfe;
	vram[16 * 3 + 15] = 200;
	scan();
	ck_assert_uint_eq(pix(15, 3), 0x1234fe);
	ck_assert_uint_eq(pix(14, 3), 0x000000);
	mode_is("VBE 16x4 8 bpp (palettized), stride 16, start 0x0, 8-bit DAC");
}
END_TEST

START_TEST(dispi_8bpp_ignores_framebuffer_endianness)
{
	dispi(8, 1, 8, DISPI_8BIT_DAC);
	R.endian = STDVGA_ENDIAN_BE;
	R.palette[3 * 1] = 0x11;
	R.palette[3 * 2] = 0x22;
	vram[0] = 1;
	vram[1] = 2;
	scan();
	ck_assert_uint_eq(pix(0, 0), 0x110000);
	ck_assert_uint_eq(pix(1, 0), 0x220000);
}
END_TEST

static void check_rgb15(int be)
{
	dispi(8, 2, 15, 0);
	R.endian = be ? STDVGA_ENDIAN_BE : STDVGA_ENDIAN_LE;
	put16(0, 0x7c00, be);
	put16(2, 0x03e0, be);
	put16(4, 0x001f, be);
	put16(6, 0xffff, be);
	put16(8, 0x8000, be);
	put16(10, 0x1234, be);
	put16(16, 0x4210, be); /* row 1: stride is 8 * 2 bytes */
	scan();
	/* Little-endian repeats the top bits (QEMU's pixman surface),
	 * big-endian leaves them zero (QEMU's line converter). */
	ck_assert_uint_eq(pix(0, 0), be ? 0xf80000 : 0xff0000);
	ck_assert_uint_eq(pix(1, 0), be ? 0x00f800 : 0x00ff00);
	ck_assert_uint_eq(pix(2, 0), be ? 0x0000f8 : 0x0000ff);
	ck_assert_uint_eq(pix(3, 0), be ? 0xf8f8f8 : 0xffffff);
	ck_assert_uint_eq(pix(4, 0), 0x000000);
	/* 0x1234 = 0 00100 10001 10100 */
	ck_assert_uint_eq(pix(5, 0), be ? 0x2088a0 : 0x218ca5);
	ck_assert_uint_eq(pix(0, 1), be ? 0x808080 : 0x848484);
}

START_TEST(dispi_15bpp_le_is_x1r5g5b5_with_top_bits_repeated)
{
	check_rgb15(0);
	mode_is("VBE 8x2 15 bpp (x1r5g5b5 LE), stride 16, start 0x0, 6-bit "
		"DAC");
}
END_TEST

START_TEST(dispi_15bpp_be_swaps_bytes)
{
	check_rgb15(1);
}
END_TEST

static void check_rgb16(int be)
{
	dispi(8, 1, 16, 0);
	R.endian = be ? STDVGA_ENDIAN_BE : 0;
	put16(0, 0xf800, be);
	put16(2, 0x07e0, be);
	put16(4, 0x001f, be);
	put16(6, 0xffff, be);
	put16(8, 0x1234, be);
	scan();
	ck_assert_uint_eq(pix(0, 0), be ? 0xf80000 : 0xff0000);
	ck_assert_uint_eq(pix(1, 0), be ? 0x00fc00 : 0x00ff00);
	ck_assert_uint_eq(pix(2, 0), be ? 0x0000f8 : 0x0000ff);
	ck_assert_uint_eq(pix(3, 0), be ? 0xf8fcf8 : 0xffffff);
	/* 0x1234 = 00010 010001 10100 */
	ck_assert_uint_eq(pix(4, 0), be ? 0x1044a0 : 0x1045a5);
}

START_TEST(dispi_16bpp_le_is_r5g6b5)
{
	check_rgb16(0);
}
END_TEST

START_TEST(dispi_16bpp_be_swaps_bytes)
{
	check_rgb16(1);
	mode_is("VBE 8x1 16 bpp (r5g6b5 BE), stride 16, start 0x0, 6-bit DAC");
}
END_TEST

START_TEST(dispi_24bpp_le_reads_bgr_bytes)
{
	dispi(8, 2, 24, 0);
	memcpy(vram, "\x11\x22\x33\x44\x55\x66", 6);
	memcpy(vram + 24, "\x01\x02\x03", 3);
	scan();
	ck_assert_uint_eq(pix(0, 0), 0x332211);
	ck_assert_uint_eq(pix(1, 0), 0x665544);
	ck_assert_uint_eq(pix(0, 1), 0x030201);
}
END_TEST

START_TEST(dispi_24bpp_be_reads_rgb_bytes)
{
	dispi(8, 2, 24, 0);
	R.endian = STDVGA_ENDIAN_BE;
	memcpy(vram, "\x11\x22\x33\x44\x55\x66", 6);
	scan();
	ck_assert_uint_eq(pix(0, 0), 0x112233);
	ck_assert_uint_eq(pix(1, 0), 0x445566);
}
END_TEST

START_TEST(dispi_32bpp_le_reads_bgrx_bytes)
{
	dispi(8, 2, 32, DISPI_8BIT_DAC);
	memcpy(vram, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(vram + 32, "\xaa\xbb\xcc\xdd", 4);
	scan();
	ck_assert_uint_eq(pix(0, 0), 0x332211);
	ck_assert_uint_eq(pix(1, 0), 0x776655);
	ck_assert_uint_eq(pix(0, 1), 0xccbbaa);
	mode_is("VBE 8x2 32 bpp (x8r8g8b8 LE), stride 32, start 0x0, 8-bit "
		"DAC");
}
END_TEST

START_TEST(dispi_32bpp_be_reads_xrgb_bytes)
{
	dispi(8, 1, 32, 0);
	R.endian = STDVGA_ENDIAN_BE;
	memcpy(vram, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	scan();
	ck_assert_uint_eq(pix(0, 0), 0x223344);
	ck_assert_uint_eq(pix(1, 0), 0x667788);
}
END_TEST

START_TEST(dispi_direct_colour_rejects_unknown_endian_value)
{
	dispi(8, 1, 32, 0);
	R.endian = 0x12345678;
	ck_assert_int_eq(stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "0x12345678"));
	ck_assert_ptr_null(img.rgb);
}
END_TEST

/* Identity 8-bit DAC and VRAM byte i = i & 0xff: pixel value = byte. */
static void identity_8bpp(void)
{
	for (unsigned i = 0; i < 256; i++)
		R.palette[3 * i] = (uint8_t)i;
	for (unsigned i = 0; i < 65536; i++)
		vram[i] = (uint8_t)(i * 7 + 3);
}

static uint32_t byte_pix(size_t off)
{
	return (uint32_t)vram[off] << 16;
}

START_TEST(dispi_virtual_width_and_offsets_pick_the_window)
{
	dispi(16, 4, 8, DISPI_8BIT_DAC);
	R.dispi[DISPI_VIRT_WIDTH] = 48;
	R.dispi[DISPI_X_OFFSET] = 8;
	R.dispi[DISPI_Y_OFFSET] = 2;
	identity_8bpp();
	scan();
	for (uint32_t y = 0; y < 4; y++)
		for (uint32_t x = 0; x < 16; x++)
			ck_assert_uint_eq(pix(x, y),
					  byte_pix(8 + 2 * 48 + y * 48 + x));
	mode_is("VBE 16x4 8 bpp (palettized), stride 48, start 0x68, 8-bit "
		"DAC");
}
END_TEST

START_TEST(dispi_8bpp_x_offset_has_4_byte_granularity)
{
	dispi(16, 2, 8, DISPI_8BIT_DAC);
	identity_8bpp();
	for (uint16_t xo = 0; xo < 8; xo++) {
		R.dispi[DISPI_X_OFFSET] = xo;
		scan();
		ck_assert_uint_eq(pix(0, 0), byte_pix(xo / 4 * 4));
		ck_assert_uint_eq(pix(0, 1), byte_pix(xo / 4 * 4 + 16));
		gs_image_free(&img);
	}
}
END_TEST

START_TEST(dispi_32bpp_x_offset_is_pixel_exact)
{
	dispi(8, 1, 32, 0);
	memcpy(vram + 4, "\x01\x02\x03\x00", 4);
	R.dispi[DISPI_VIRT_WIDTH] = 16;
	R.dispi[DISPI_X_OFFSET] = 1;
	scan();
	ck_assert_uint_eq(pix(0, 0), 0x030201);
}
END_TEST

START_TEST(dispi_16bpp_odd_x_offset_rounds_down_to_4_bytes)
{
	dispi(8, 1, 16, 0);
	put16(0, 0xf800, 0);
	put16(2, 0x001f, 0);
	R.dispi[DISPI_VIRT_WIDTH] = 16;
	R.dispi[DISPI_X_OFFSET] = 1; /* 2 bytes: still start 0 */
	scan();
	ck_assert_uint_eq(pix(0, 0), 0xff0000);
}
END_TEST

START_TEST(dispi_4bpp_decodes_planes_through_attribute_palette)
{
	dispi(16, 2, 4, 0);
	R.ar[0x12] = 0x0f;
	for (unsigned i = 0; i < 16; i++)
		R.ar[i] = (uint8_t)(i + 16);
	fill_palette();
	/* planar address 0: planes 0 and 2 set in pixel 0, plane 3 in 7 */
	vram[0] = 0x80;
	vram[2] = 0x80;
	vram[3] = 0x01;
	/* stride 16 * 4 / 8 = 8 bytes: row 1 at planar address 2 */
	vram[8 + 1] = 0x40;
	scan();
	ck_assert_uint_eq(pix(0, 0), dac6(16 + 5));
	ck_assert_uint_eq(pix(1, 0), dac6(16 + 0));
	ck_assert_uint_eq(pix(7, 0), dac6(16 + 8));
	ck_assert_uint_eq(pix(1, 1), dac6(16 + 2));
}
END_TEST

/* With DISPI on QEMU reads SR01 from its shadow sr_vbe, never the guest's. */
START_TEST(dispi_4bpp_ignores_guest_sr01_dot_clock_halving)
{
	dispi(16, 1, 4, 0);
	R.sr[1] = 0x08;
	R.ar[0x12] = 0x0f;
	R.ar[1] = 1;
	fill_palette();
	vram[0] = 0x40; /* pixel 1 */
	scan();
	ck_assert_uint_eq(img.width, 16);
	ck_assert_uint_eq(pix(1, 0), dac6(1));
	ck_assert_uint_eq(pix(2, 0), dac6(0));
}
END_TEST

START_TEST(dispi_rejects_depth_qemu_never_keeps)
{
	dispi(16, 4, 7, 0);
	ck_assert_int_eq(stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "BPP 7"));
}
END_TEST

START_TEST(dispi_rejects_mode_larger_than_vram)
{
	dispi(1024, 1024, 32, 0); /* 4 MiB > 1 MiB */
	ck_assert_int_eq(stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "VRAM"));
}
END_TEST

START_TEST(dispi_rejects_resolution_beyond_limits)
{
	dispi(16, 4, 8, 0);
	R.dispi[DISPI_XRES] = 16008;
	R.dispi[DISPI_VIRT_WIDTH] = 16008;
	ck_assert_int_eq(stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e),
			 -EINVAL);
	dispi(16, 0, 8, 0);
	ck_assert_int_eq(stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e),
			 -EINVAL);
}
END_TEST

START_TEST(scanout_rejects_vram_size_not_power_of_two)
{
	dispi(16, 4, 8, 0);
	ck_assert_int_eq(stdvga_scanout(&R, vram, 3 << 16, &img, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "power of two"));
}
END_TEST

START_TEST(dispi_reads_wrap_at_vram_end)
{
	dispi(8, 1, 32, 0);
	R.dispi[DISPI_VIRT_WIDTH] = 16;
	/* 64 KiB of VRAM, row 0 starting 28 bytes before its end: pixel 7
	 * lands on byte 65536, which QEMU's mask turns into byte 0. */
	R.dispi[DISPI_Y_OFFSET] = 1023;
	R.dispi[DISPI_X_OFFSET] = 9;
	memcpy(vram + 65532, "\x01\x02\x03\x00", 4);
	memcpy(vram, "\x04\x05\x06\x00", 4);
	ck_assert_int_eq(stdvga_scanout(&R, vram, 65536, &img, &e), 0);
	ck_assert_uint_eq(pix(6, 0), 0x030201);
	ck_assert_uint_eq(pix(7, 0), 0x060504);
}
END_TEST

/* --- blank -------------------------------------------------------------- */

START_TEST(blank_when_pas_clear_is_black_at_mode_size)
{
	dispi(32, 8, 32, 0);
	memset(vram, 0xff, 32 * 8 * 4);
	R.ar_index = 0x00;
	scan();
	ck_assert_uint_eq(img.width, 32);
	ck_assert_uint_eq(img.height, 8);
	for (size_t i = 0; i < 32 * 8 * 3; i++)
		ck_assert_uint_eq(img.rgb[i], 0);
	mode_is("blank (PAS=0)");
	/* the same registers with PAS set show the white VRAM */
	R.ar_index = 0x20;
	gs_image_free(&img);
	scan();
	ck_assert_uint_eq(pix(31, 7), 0xffffff);
}
END_TEST

START_TEST(blank_after_reset_is_a_tiny_black_picture)
{
	/* reset: every register 0, text mode of 1x1 cells of 9x1 */
	R.dispi[DISPI_ID] = 0xb0c5;
	scan();
	ck_assert_uint_eq(img.width, 9);
	ck_assert_uint_eq(img.height, 1);
	mode_is("blank (PAS=0)");
}
END_TEST

/* --- VGA text ------------------------------------------------------------ */

static uint8_t glyph(unsigned map, unsigned c, unsigned row)
{
	return (uint8_t)(c * 5 + row * 29 + map * 71 + 1);
}

static void load_font(unsigned map)
{
	for (unsigned c = 0; c < 256; c++)
		for (unsigned row = 0; row < 32; row++)
			vram[map * 32768 + 2 + (c * 32 + row) * 4] =
				glyph(map, c, row);
}

/* Mode 3 as SeaBIOS programs it, with a distinct 16-colour palette. */
static void text80x25(void)
{
	R.msr = 0x67;
	R.sr[1] = 0x00;
	R.sr[3] = 0x00;
	R.sr[4] = 0x02;
	R.gr[5] = 0x10;
	R.gr[6] = 0x0e;
	R.cr[0x01] = 79;
	R.cr[0x07] = 0x1f;
	R.cr[0x09] = 0x4f;
	R.cr[0x0a] = 0x0d;
	R.cr[0x0b] = 0x0e;
	R.cr[0x0e] = 0x07; /* cursor past the screen unless a test moves it */
	R.cr[0x0f] = 0xd0;
	R.cr[0x12] = 0x8f;
	R.cr[0x13] = 0x28;
	R.cr[0x17] = 0xa3;
	R.cr[0x18] = 0xff;
	for (unsigned i = 0; i < 16; i++)
		R.ar[i] = (uint8_t)i;
	R.ar[0x10] = 0x0c;
	R.ar[0x12] = 0x0f;
	R.ar[0x13] = 0x08;
	R.ar_index = 0x20;
	fill_palette();
	load_font(0);
}

static void put_char(unsigned col, unsigned row, uint8_t c, uint8_t attr)
{
	size_t a = (row * 80u + col) * 4;

	vram[a] = c;
	vram[a + 1] = attr;
}

/* Check cell (col,row) shows character c of font map in fg on bg. */
static void check_cell(unsigned col, unsigned row, unsigned map, uint8_t c,
		       uint32_t fg, uint32_t bg, int dup9)
{
	for (unsigned y = 0; y < 16; y++) {
		uint8_t g = glyph(map, c, y);

		for (unsigned x = 0; x < 9; x++) {
			int on = x < 8 ? (g >> (7 - x)) & 1 : dup9 && (g & 1);

			ck_assert_msg(pix(col * 9 + x, row * 16 + y) ==
					      (on ? fg : bg),
				      "cell %u,%u pixel %u,%u", col, row, x, y);
		}
	}
}

START_TEST(text_80x25_is_720x400_with_fg_and_bg_from_attribute)
{
	text80x25();
	put_char(0, 0, 'A', 0x1e);
	put_char(79, 24, 'z', 0x4a);
	scan();
	ck_assert_uint_eq(img.width, 720);
	ck_assert_uint_eq(img.height, 400);
	check_cell(0, 0, 0, 'A', dac6(14), dac6(1), 0);
	check_cell(79, 24, 0, 'z', dac6(10), dac6(4), 0);
	mode_is("VGA text 80x25, 9x16 cells, start 0x0");
}
END_TEST

START_TEST(text_colours_go_through_attribute_registers)
{
	text80x25();
	R.ar[0x0e] = 0x3a; /* attribute 14 -> DAC entry 0x3a */
	put_char(0, 0, 'A', 0x0e);
	scan();
	check_cell(0, 0, 0, 'A', dac6(0x3a), dac6(0), 0);
}
END_TEST

START_TEST(text_colour_select_ar14_with_ar10_bit7_replaces_bits_4_to_7)
{
	text80x25();
	R.ar[0x10] |= 0x80;
	R.ar[0x14] = 0x09;
	R.ar[0x03] = 0x35; /* only its low nibble survives */
	put_char(0, 0, 'A', 0x03);
	scan();
	check_cell(0, 0, 0, 'A', dac6(0x95), dac6(0x90), 0);
}
END_TEST

START_TEST(text_colour_select_without_ar10_bit7_uses_ar14_bits_2_3)
{
	text80x25();
	R.ar[0x14] = 0x0f; /* bits 3:2 -> DAC bits 7:6 */
	R.ar[0x03] = 0x35;
	put_char(0, 0, 'A', 0x03);
	scan();
	check_cell(0, 0, 0, 'A', dac6(0xf5), dac6(0xc0), 0);
}
END_TEST

START_TEST(text_palette_stays_6_bit_with_8_bit_dac_as_in_qemu)
{
	text80x25();
	R.dispi[DISPI_ENABLE] = DISPI_8BIT_DAC; /* DISPI itself off */
	put_char(0, 0, 'A', 0x1e);
	scan();
	check_cell(0, 0, 0, 'A', dac6(14), dac6(1), 0);
}
END_TEST

START_TEST(text_attribute_bit7_is_background_intensity_as_in_qemu)
{
	text80x25(); /* AR10 bit 3 (blink enable) is set */
	put_char(0, 0, 'A', 0xc7);
	scan();
	check_cell(0, 0, 0, 'A', dac6(7), dac6(12), 0);
}
END_TEST

START_TEST(text_9th_column_repeats_line_graphics_b0_to_df)
{
	static const uint8_t dup[] = {0xb0, 0xc4, 0xdf};
	static const uint8_t nodup[] = {0xaf, 0xe0, 'A'};

	text80x25();
	for (unsigned i = 0; i < 3; i++) {
		put_char(i, 0, dup[i], 0x1e);
		put_char(i, 1, nodup[i], 0x1e);
	}
	scan();
	for (unsigned i = 0; i < 3; i++) {
		check_cell(i, 0, 0, dup[i], dac6(14), dac6(1), 1);
		check_cell(i, 1, 0, nodup[i], dac6(14), dac6(1), 0);
	}
}
END_TEST

START_TEST(text_9th_column_is_background_without_ar10_bit2)
{
	text80x25();
	R.ar[0x10] &= ~0x04;
	put_char(0, 0, 0xc4, 0x1e);
	scan();
	check_cell(0, 0, 0, 0xc4, dac6(14), dac6(1), 0);
}
END_TEST

START_TEST(text_8_dot_cells_when_sr01_bit0)
{
	text80x25();
	R.sr[1] = 0x01;
	put_char(1, 0, 'B', 0x1e);
	scan();
	ck_assert_uint_eq(img.width, 640);
	for (unsigned y = 0; y < 16; y++)
		for (unsigned x = 0; x < 8; x++)
			ck_assert_uint_eq(pix(8 + x, y),
					  (glyph(0, 'B', y) >> (7 - x) & 1)
						  ? dac6(14)
						  : dac6(1));
	mode_is("VGA text 80x25, 8x16 cells, start 0x0");
}
END_TEST

START_TEST(text_halved_dot_clock_doubles_each_font_pixel)
{
	text80x25();
	R.sr[1] = 0x08;
	R.cr[0x01] = 39;
	put_char(0, 0, 'C', 0x1e);
	scan();
	ck_assert_uint_eq(img.width, 640);
	for (unsigned y = 0; y < 16; y++)
		for (unsigned x = 0; x < 16; x++)
			ck_assert_uint_eq(pix(x, y),
					  (glyph(0, 'C', y) >> (7 - x / 2) & 1)
						  ? dac6(14)
						  : dac6(1));
}
END_TEST

START_TEST(text_cursor_fills_its_scanlines_in_foreground)
{
	text80x25();
	put_char(3, 2, 'A', 0x1e);
	R.cr[0x0e] = 0;
	R.cr[0x0f] = 2 * 80 + 3;
	R.cr[0x0a] = 13;
	R.cr[0x0b] = 14;
	scan();
	for (unsigned y = 0; y < 16; y++) {
		uint8_t g = glyph(0, 'A', y);

		for (unsigned x = 0; x < 9; x++) {
			int on = (y == 13 || y == 14) ||
				 (x < 8 && (g >> (7 - x) & 1));

			ck_assert_uint_eq(pix(27 + x, 32 + y),
					  on ? dac6(14) : dac6(1));
		}
	}
}
END_TEST

START_TEST(text_cursor_end_is_clipped_to_the_cell)
{
	text80x25();
	put_char(0, 0, 'A', 0x1e);
	R.cr[0x0e] = 0;
	R.cr[0x0f] = 0;
	R.cr[0x0a] = 15;
	R.cr[0x0b] = 31;
	scan();
	for (unsigned x = 0; x < 9; x++) {
		ck_assert_uint_eq(pix(x, 15), dac6(14));
		/* the cell below holds character 0 in colour 0 on 0 */
		ck_assert_uint_eq(pix(x, 16), dac6(0));
	}
	ck_assert_uint_eq(pix(0, 14),
			  (glyph(0, 'A', 14) & 0x80) ? dac6(14) : dac6(1));
}
END_TEST

START_TEST(text_cursor_never_paints_below_its_cell)
{
	text80x25();
	/* 64 KiB dump: only cells 0-15 of row 0 are drawn, so anything
	 * painted under cell 15 in row 1 would stay visible */
	R.cr[0x0c] = 0x3f;
	R.cr[0x0d] = 0xf0;
	R.cr[0x0e] = 0x3f;
	R.cr[0x0f] = 0xff;
	R.cr[0x0a] = 15;
	R.cr[0x0b] = 31;
	vram[0xfffc] = 'A';
	vram[0xfffd] = 0x1e;
	ck_assert_int_eq(stdvga_scanout(&R, vram, 65536, &img, &e), 0);
	for (unsigned x = 0; x < 9; x++) {
		ck_assert_uint_eq(pix(15 * 9 + x, 15), dac6(14));
		ck_assert_uint_eq(pix(15 * 9 + x, 16), 0);
	}
}
END_TEST

START_TEST(text_cursor_hidden_by_cr0a_bit5_or_inverted_range)
{
	text80x25();
	put_char(0, 0, 0x20, 0x1e);
	R.cr[0x0e] = 0;
	R.cr[0x0f] = 0;
	R.cr[0x0a] = 0x20 | 0;
	R.cr[0x0b] = 15;
	scan();
	check_cell(0, 0, 0, 0x20, dac6(14), dac6(1), 0);
	gs_image_free(&img);
	R.cr[0x0a] = 10;
	R.cr[0x0b] = 5;
	scan();
	check_cell(0, 0, 0, 0x20, dac6(14), dac6(1), 0);
}
END_TEST

/* SR03 map numbers, as QEMU computes them: attribute bit 3 clear uses
 * bit 4 and bits 1:0 (as bits 0 and 2:1), set uses bit 5 and bits 3:2. */
START_TEST(text_sr03_selects_font_maps_by_attribute_bit3)
{
	text80x25();
	load_font(2);
	load_font(3);
	load_font(5);
	put_char(0, 0, 'Q', 0x07); /* attribute bit 3 clear */
	put_char(1, 0, 'Q', 0x0f); /* attribute bit 3 set */
	R.sr[3] = 0x12;		   /* clear: 1 | 4 = map 5; set: map 0 */
	scan();
	check_cell(0, 0, 5, 'Q', dac6(7), dac6(0), 0);
	check_cell(1, 0, 0, 'Q', dac6(15), dac6(0), 0);
	gs_image_free(&img);
	R.sr[3] = 0x24; /* clear: map 0; set: 1 | 2 = map 3 */
	scan();
	check_cell(0, 0, 0, 'Q', dac6(7), dac6(0), 0);
	check_cell(1, 0, 3, 'Q', dac6(15), dac6(0), 0);
	gs_image_free(&img);
	R.sr[3] = 0x04; /* set: map 2 */
	scan();
	check_cell(1, 0, 2, 'Q', dac6(15), dac6(0), 0);
}
END_TEST

START_TEST(text_start_address_and_line_offset_from_crtc)
{
	text80x25();
	R.cr[0x0c] = 0x01; /* start 0x100 characters in */
	R.cr[0x0d] = 0x00;
	R.cr[0x13] = 0x30; /* 0x30 * 8 bytes = 96 characters per row */
	vram[0x100 * 4] = 'S';
	vram[0x100 * 4 + 1] = 0x1e;
	vram[(0x100 + 96 + 2) * 4] = 'T';
	vram[(0x100 + 96 + 2) * 4 + 1] = 0x2d;
	scan();
	check_cell(0, 0, 0, 'S', dac6(14), dac6(1), 0);
	check_cell(2, 1, 0, 'T', dac6(13), dac6(2), 0);
	mode_is("VGA text 80x25, 9x16 cells, start 0x400");
}
END_TEST

START_TEST(text_line_compare_restarts_at_vram_zero)
{
	text80x25();
	R.cr[0x0c] = 0x04; /* start at character 0x400 */
	R.cr[0x18] = 31;   /* split after 32 lines: row 2 shows VRAM 0 */
	R.cr[0x07] &= ~0x10;
	R.cr[0x09] &= ~0x40;
	put_char(0, 0, 'Z', 0x1e);
	vram[0x400 * 4] = 'Y';
	vram[0x400 * 4 + 1] = 0x2d;
	scan();
	check_cell(0, 0, 0, 'Y', dac6(13), dac6(2), 0);
	check_cell(0, 2, 0, 'Z', dac6(14), dac6(1), 0);
}
END_TEST

START_TEST(text_rejects_screens_qemu_will_not_draw)
{
	text80x25();
	R.cr[0x01] = 255; /* 256 columns x 400 one-line rows > 16000 */
	R.cr[0x09] = 0x40;
	ck_assert_int_eq(stdvga_scanout(&R, vram, VRAM_SIZE, &img, &e),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(e.msg, "256x400"));
}
END_TEST

START_TEST(text_characters_past_vram_end_stay_black)
{
	text80x25();
	R.cr[0x0c] = 0x3f; /* start at character 0x3ff0: byte 0xffc0 */
	R.cr[0x0d] = 0xf0;
	for (unsigned i = 0; i < 16; i++) {
		vram[0xffc0 + 4 * i] = 0xdb;
		vram[0xffc0 + 4 * i + 1] = 0x70;
	}
	ck_assert_int_eq(stdvga_scanout(&R, vram, 65536, &img, &e), 0);
	/* 16 cells fit in a 64 KiB dump; the rest of the screen is black */
	check_cell(15, 0, 0, 0xdb, dac6(0), dac6(7), 1);
	for (unsigned x = 16 * 9; x < 720; x++)
		ck_assert_uint_eq(pix(x, 0), 0);
	ck_assert_uint_eq(pix(0, 16), 0);
	ck_assert_uint_eq(pix(719, 399), 0);
}
END_TEST

/* --- VGA graphics --------------------------------------------------------- */

/* Mode 13h as SeaBIOS programs it. */
static void mode13h(void)
{
	R.sr[1] = 0x01;
	R.sr[4] = 0x0e;
	R.gr[5] = 0x40;
	R.gr[6] = 0x05;
	R.cr[0x01] = 79;
	R.cr[0x07] = 0x1f;
	R.cr[0x09] = 0x41;
	R.cr[0x12] = 0x8f;
	R.cr[0x13] = 0x28;
	R.cr[0x17] = 0xa3;
	R.cr[0x18] = 0xff;
	for (unsigned i = 0; i < 16; i++)
		R.ar[i] = (uint8_t)i;
	R.ar[0x10] = 0x41;
	R.ar[0x12] = 0x0f;
	R.ar_index = 0x20;
	fill_palette();
}

START_TEST(vga_mode13h_doubles_pixels_and_lines)
{
	mode13h();
	vram[0] = 7;
	vram[1] = 200;
	vram[320] = 9; /* second source line */
	scan();
	ck_assert_uint_eq(img.width, 640);
	ck_assert_uint_eq(img.height, 400);
	ck_assert_uint_eq(pix(0, 0), dac6(7));
	ck_assert_uint_eq(pix(1, 0), dac6(7));
	ck_assert_uint_eq(pix(2, 0), dac6(200));
	ck_assert_uint_eq(pix(3, 1), dac6(200));
	ck_assert_uint_eq(pix(0, 1), dac6(7));
	ck_assert_uint_eq(pix(1, 2), dac6(9));
	ck_assert_uint_eq(pix(0, 3), dac6(9));
	mode_is("VGA graphics 640x400 (256-colour, pixels doubled), stride "
		"320, start 0x0");
}
END_TEST

START_TEST(vga_mode13h_honours_8_bit_dac)
{
	mode13h();
	R.dispi[DISPI_ENABLE] = DISPI_8BIT_DAC;
	R.palette[3 * 7] = 0xab;
	vram[0] = 7;
	scan();
	ck_assert_uint_eq(pix(0, 0), 0xab0000 | (uint32_t)R.palette[22] << 8 |
					     R.palette[23]);
}
END_TEST

/* Mode 12h: 640x480 16-colour planar. */
static void mode12h(void)
{
	mode13h();
	R.sr[4] = 0x06;
	R.gr[5] = 0x00;
	R.cr[0x07] = 0x3e;
	R.cr[0x09] = 0x40;
	R.cr[0x12] = 0xdf;
	R.cr[0x17] = 0xe3;
	R.ar[0x10] = 0x01;
}

START_TEST(vga_planar_16_colour_combines_four_planes)
{
	mode12h();
	vram[0] = 0x80;	      /* pixel 0: plane 0 */
	vram[1] = 0xc0;	      /* pixels 0,1: plane 1 */
	vram[3] = 0x01;	      /* pixel 7: plane 3 */
	vram[4 + 2] = 0x80;   /* pixel 8: plane 2 */
	vram[320 + 0] = 0x01; /* row 1 pixel 7: plane 0 */
	scan();
	ck_assert_uint_eq(img.width, 640);
	ck_assert_uint_eq(img.height, 480);
	ck_assert_uint_eq(pix(0, 0), dac6(3));
	ck_assert_uint_eq(pix(1, 0), dac6(2));
	ck_assert_uint_eq(pix(2, 0), dac6(0));
	ck_assert_uint_eq(pix(7, 0), dac6(8));
	ck_assert_uint_eq(pix(8, 0), dac6(4));
	ck_assert_uint_eq(pix(7, 1), dac6(1));
	mode_is("VGA graphics 640x480 (16-colour planar), stride 320, start "
		"0x0");
}
END_TEST

START_TEST(vga_planar_colour_plane_enable_masks_planes)
{
	mode12h();
	R.ar[0x12] = 0x05; /* planes 1 and 3 off */
	vram[0] = 0x80;
	vram[1] = 0x80;
	vram[2] = 0x80;
	vram[3] = 0x80;
	scan();
	ck_assert_uint_eq(pix(0, 0), dac6(5));
}
END_TEST

START_TEST(vga_planar_pel_panning_shifts_left)
{
	mode12h();
	R.ar[0x13] = 3;
	vram[0] = 0x10; /* pixel 3 */
	vram[4] = 0x80; /* pixel 8 */
	scan();
	ck_assert_uint_eq(pix(0, 0), dac6(1));
	ck_assert_uint_eq(pix(5, 0), dac6(1));
	ck_assert_uint_eq(pix(1, 0), dac6(0));
}
END_TEST

START_TEST(vga_planar_halved_dot_clock_doubles_width)
{
	mode12h();
	R.sr[1] = 0x09;
	R.cr[0x01] = 39;
	vram[0] = 0x40; /* pixel 1 */
	scan();
	ck_assert_uint_eq(img.width, 640);
	ck_assert_uint_eq(pix(1, 0), dac6(0));
	ck_assert_uint_eq(pix(2, 0), dac6(1));
	ck_assert_uint_eq(pix(3, 0), dac6(1));
	ck_assert_uint_eq(pix(4, 0), dac6(0));
}
END_TEST

START_TEST(vga_cga_4_colour_interleaves_planes)
{
	mode12h();
	R.gr[5] = 0x20;
	vram[0] = 0xc0; /* plane 0: pixel 0 low bits = 3 */
	vram[2] = 0x40; /* plane 2: pixel 0 high bits = 1 */
	vram[1] = 0x02; /* plane 1: pixel 7 low bits = 2 */
	scan();
	ck_assert_uint_eq(pix(0, 0), dac6(7));
	ck_assert_uint_eq(pix(7, 0), dac6(2));
	ck_assert_uint_eq(pix(1, 0), dac6(0));
}
END_TEST

START_TEST(vga_line_compare_restarts_graphics_at_vram_zero)
{
	mode12h();
	R.cr[0x0c] = 0x10; /* start 0x1000 * 4 */
	R.cr[0x18] = 9;
	R.cr[0x07] &= ~0x10;
	R.cr[0x09] &= ~0x40;
	vram[0x4000] = 0x80;
	vram[0] = 0x40;
	scan();
	ck_assert_uint_eq(pix(0, 0), dac6(1));
	ck_assert_uint_eq(pix(1, 10), dac6(1));
	ck_assert_uint_eq(pix(0, 10), dac6(0));
}
END_TEST

/* --- garbage ------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void random_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* Nudge a random register set toward one of the decoders, keeping the
 * geometry small enough for thousands of runs. */
static void steer(struct stdvga_regs *r, unsigned kind)
{
	r->ar_index |= 0x20;
	r->cr[0x01] &= 0x3f;
	r->cr[0x12] &= 0x7f;
	r->cr[0x07] &= ~0x42;
	if (kind == 1) {
		r->dispi[DISPI_ENABLE] |= DISPI_ENABLED;
		r->dispi[DISPI_BPP] =
			(uint16_t[]){4, 8, 15, 16, 24, 32}[rnd() % 6];
		r->dispi[DISPI_XRES] = rnd() % 120;
		r->dispi[DISPI_YRES] = rnd() % 80;
		r->dispi[DISPI_VIRT_WIDTH] = r->dispi[DISPI_XRES] + rnd() % 64;
		r->dispi[DISPI_X_OFFSET] = rnd() % 600;
		r->dispi[DISPI_Y_OFFSET] = rnd() % 600;
		r->endian = rnd() & 1 ? STDVGA_ENDIAN_BE : STDVGA_ENDIAN_LE;
	} else {
		r->dispi[DISPI_ENABLE] &= ~DISPI_ENABLED;
		if (kind >= 2)
			r->gr[6] = (r->gr[6] & ~1) | (kind == 3);
	}
}

START_TEST(garbage_registers_never_crash_or_overread)
{
	rng_state = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < 4000; i++) {
		struct stdvga_regs r;
		struct gs_image im;
		struct err er = {{0}};
		char buf[200];
		uint64_t size = 1ull << (2 + rnd() % 16);
		uint8_t *v;
		int rc;

		random_bytes(&r, sizeof(r));
		if (i % 5)
			steer(&r, i % 5 - 1);
		if (i % 97 == 0)
			size += 4; /* not a power of two: rejected */
		v = malloc(size);
		ck_assert_ptr_nonnull(v);
		random_bytes(v, size);
		rc = stdvga_scanout(&r, v, size, &im, &er);
		if (rc == 0) {
			unsigned sum = 0;

			ck_assert(im.width > 0 && im.height > 0 && im.rgb);
			for (size_t k = 0; k < (size_t)im.width * im.height * 3;
			     k++)
				sum += im.rgb[k];
			(void)sum;
			gs_image_free(&im);
		} else {
			ck_assert_int_lt(rc, 0);
			ck_assert_msg(er.msg[0], "error %d without message",
				      rc);
			ck_assert_ptr_null(im.rgb);
		}
		stdvga_mode_string(&r, buf, sizeof(buf));
		ck_assert(buf[0]);
		free(v);
	}
}
END_TEST

START_TEST(mode_string_truncates_to_buffer)
{
	char buf[8];

	dispi(1024, 768, 32, 0);
	memset(buf, 'x', sizeof(buf));
	stdvga_mode_string(&R, buf, sizeof(buf));
	ck_assert_str_eq(buf, "VBE 102");
}
END_TEST

static Suite *scanout_suite(void)
{
	Suite *s = suite_create("stdvga_scanout");
	TCase *d = tcase_create("dispi"), *t = tcase_create("text");
	TCase *g = tcase_create("vga_graphics"), *f = tcase_create("garbage");

	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_checked_fixture(g, setup, teardown);
	tcase_add_checked_fixture(f, setup, teardown);
	tcase_add_test(d, dispi_8bpp_6bit_dac_widens_with_low_bit_copies);
	tcase_add_test(d, dispi_8bpp_8bit_dac_uses_raw_bytes);
	tcase_add_test(d, dispi_8bpp_ignores_framebuffer_endianness);
	tcase_add_test(d, dispi_15bpp_le_is_x1r5g5b5_with_top_bits_repeated);
	tcase_add_test(d, dispi_15bpp_be_swaps_bytes);
	tcase_add_test(d, dispi_16bpp_le_is_r5g6b5);
	tcase_add_test(d, dispi_16bpp_be_swaps_bytes);
	tcase_add_test(d, dispi_24bpp_le_reads_bgr_bytes);
	tcase_add_test(d, dispi_24bpp_be_reads_rgb_bytes);
	tcase_add_test(d, dispi_32bpp_le_reads_bgrx_bytes);
	tcase_add_test(d, dispi_32bpp_be_reads_xrgb_bytes);
	tcase_add_test(d, dispi_direct_colour_rejects_unknown_endian_value);
	tcase_add_test(d, dispi_virtual_width_and_offsets_pick_the_window);
	tcase_add_test(d, dispi_8bpp_x_offset_has_4_byte_granularity);
	tcase_add_test(d, dispi_32bpp_x_offset_is_pixel_exact);
	tcase_add_test(d, dispi_16bpp_odd_x_offset_rounds_down_to_4_bytes);
	tcase_add_test(d, dispi_4bpp_decodes_planes_through_attribute_palette);
	tcase_add_test(d, dispi_4bpp_ignores_guest_sr01_dot_clock_halving);
	tcase_add_test(d, dispi_rejects_depth_qemu_never_keeps);
	tcase_add_test(d, dispi_rejects_mode_larger_than_vram);
	tcase_add_test(d, dispi_rejects_resolution_beyond_limits);
	tcase_add_test(d, scanout_rejects_vram_size_not_power_of_two);
	tcase_add_test(d, dispi_reads_wrap_at_vram_end);
	tcase_add_test(d, blank_when_pas_clear_is_black_at_mode_size);
	tcase_add_test(d, blank_after_reset_is_a_tiny_black_picture);
	tcase_add_test(d, mode_string_truncates_to_buffer);
	tcase_add_test(t, text_80x25_is_720x400_with_fg_and_bg_from_attribute);
	tcase_add_test(t, text_colours_go_through_attribute_registers);
	tcase_add_test(
		t, text_colour_select_ar14_with_ar10_bit7_replaces_bits_4_to_7);
	tcase_add_test(t,
		       text_colour_select_without_ar10_bit7_uses_ar14_bits_2_3);
	tcase_add_test(t, text_palette_stays_6_bit_with_8_bit_dac_as_in_qemu);
	tcase_add_test(t,
		       text_attribute_bit7_is_background_intensity_as_in_qemu);
	tcase_add_test(t, text_9th_column_repeats_line_graphics_b0_to_df);
	tcase_add_test(t, text_9th_column_is_background_without_ar10_bit2);
	tcase_add_test(t, text_8_dot_cells_when_sr01_bit0);
	tcase_add_test(t, text_halved_dot_clock_doubles_each_font_pixel);
	tcase_add_test(t, text_cursor_fills_its_scanlines_in_foreground);
	tcase_add_test(t, text_cursor_end_is_clipped_to_the_cell);
	tcase_add_test(t, text_cursor_never_paints_below_its_cell);
	tcase_add_test(t, text_cursor_hidden_by_cr0a_bit5_or_inverted_range);
	tcase_add_test(t, text_sr03_selects_font_maps_by_attribute_bit3);
	tcase_add_test(t, text_start_address_and_line_offset_from_crtc);
	tcase_add_test(t, text_line_compare_restarts_at_vram_zero);
	tcase_add_test(t, text_rejects_screens_qemu_will_not_draw);
	tcase_add_test(t, text_characters_past_vram_end_stay_black);
	tcase_add_test(g, vga_mode13h_doubles_pixels_and_lines);
	tcase_add_test(g, vga_mode13h_honours_8_bit_dac);
	tcase_add_test(g, vga_planar_16_colour_combines_four_planes);
	tcase_add_test(g, vga_planar_colour_plane_enable_masks_planes);
	tcase_add_test(g, vga_planar_pel_panning_shifts_left);
	tcase_add_test(g, vga_planar_halved_dot_clock_doubles_width);
	tcase_add_test(g, vga_cga_4_colour_interleaves_planes);
	tcase_add_test(g, vga_line_compare_restarts_graphics_at_vram_zero);
	tcase_add_test(f, garbage_registers_never_crash_or_overread);
	tcase_set_timeout(f, 300);
	suite_add_tcase(s, d);
	suite_add_tcase(s, t);
	suite_add_tcase(s, g);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(scanout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
