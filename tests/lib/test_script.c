/* Access scripts: parsing, validation before the first access, expected
 * reads, trace output, VRAM fills and PNG blits (lib/SCRIPT.md). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "lib/image.h"
#include "lib/script.h"

static int parse(const char *text, struct err *e)
{
	struct script *s = NULL;
	int rc = script_parse(text, strlen(text), "t.gs", ".", &s, e);

	script_free(s);
	return rc;
}

static const struct {
	const char *text, *msg;
} bad_scripts[] = {
	{"frobnicate 1 2\n", "t.gs:1: unknown command 'frobnicate'"},
	{"\nio.w8 0x3c2\n", "t.gs:2:"},
	{"io.w8 0x3c2 0x100\n", "bad 1-byte value"},
	{"io.w16 0x3c4 -1\n", "bad 2-byte value"},
	{"io.r8 0x3da 0x9/0\n", "bad mask"},
	{"io.r8 0x3da 0x9/0x100\n", "bad mask"},
	{"io.r8 0x3da zz\n", "bad expected value"},
	{"io.w12 0x3c2 1\n", "unknown command"},
	{"bar6.w8 0 1\n", "unknown command"},
	{"io.w8x 0x3c2 1\n", "unknown command"},
	{"reset now\n", "no arguments"},
	{"vram.fill 0 10\n", "OFFSET LENGTH"},
	{"vram.random 0 0x99999999999999999999 1\n", "OFFSET LENGTH"},
	{"vram.png 0 4096 xrgb8888 /nonexistent/x.png\n", "/nonexistent/x.png"},
	{"vram.png 0 4096 yuv tests/data/x.png\n", "unknown pixel format"},
	{"io.w8 1 2 3 4 5 6 7 8 9\n", "too many words"},
};

START_TEST(parse_rejects_bad_line_with_position)
{
	struct err e = {{0}};

	ck_assert_int_lt(parse(bad_scripts[_i].text, &e), 0);
	ck_assert_msg(strstr(e.msg, bad_scripts[_i].msg), "'%s' lacks '%s'",
		      e.msg, bad_scripts[_i].msg);
}
END_TEST

START_TEST(parse_rejects_nul_byte)
{
	struct script *s = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(script_parse("reset\0x", 7, "n", ".", &s, &e),
			 -EINVAL);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(parse_accepts_comments_blank_lines_hex_and_decimal)
{
	struct script *s = NULL;
	struct err e = {{0}};
	const char *t = "# header\n\n  io.w8 0x3c2 1   # colour\n"
			"cfg.r16 0 4660\nbar2.r32 0x600 8/0xff\nreset\n";

	ck_assert_int_eq(script_parse(t, strlen(t), "n", ".", &s, &e), 0);
	ck_assert_uint_eq(script_len(s), 4);
	script_free(s);
}
END_TEST

/* An out-of-range access anywhere stops the script before its first step. */
START_TEST(run_checks_every_range_before_first_access)
{
	static const char *const tails[] = {
		"bar0.w32 0x3ffffd 0\n", "bar2.r16 0x1000\n",
		"cfg.w32 254 0\n",	 "vram.fill 0x3ffff0 0x11 0\n",
		"bar4.w8 0 0\n",
	};
	struct hw *hw = th_model(4);
	struct script *s = NULL;
	struct err e = {{0}};
	char text[256];
	uint32_t v = 0;

	snprintf(text, sizeof(text), "io.w8 0x3c8 0x21\n%s", tails[_i]);
	ck_assert_int_eq(script_parse(text, strlen(text), "r", ".", &s, &e), 0);
	ck_assert_int_lt(script_run(s, hw, NULL, &e), 0);
	ck_assert_msg(strstr(e.msg, "r:2:"), "message: %s", e.msg);
	ck_assert_int_eq(hw_port_read(hw, 0x3c8, 1, &v, &e), 0);
	ck_assert_uint_eq(v, 0);
	script_free(s);
	hw_destroy(hw);
}
END_TEST

START_TEST(run_reports_unexpected_read_with_line)
{
	struct hw *hw = th_model(4);
	struct script *s = NULL;
	struct err e = {{0}};
	const char *t = "io.w16 0x1ce 0\nio.r16 0x1cf 0xb0c5\nio.r16 0x1cf "
			"0xb0c4\nio.w8 0x3c8 5\n";

	ck_assert_int_eq(script_parse(t, strlen(t), "x.gs", ".", &s, &e), 0);
	ck_assert_int_eq(script_run(s, hw, NULL, &e), -EPROTO);
	ck_assert_msg(strstr(e.msg, "x.gs:3: read 0xb0c5, expected 0xb0c4"),
		      "message: %s", e.msg);
	script_free(s);
	hw_destroy(hw);
}
END_TEST

START_TEST(run_masks_expected_reads)
{
	struct hw *hw = th_model(4);

	th_run(hw, "io.w16 0x1ce 0\nio.r16 0x1cf 0xb0c0/0xfff0\n");
	hw_destroy(hw);
}
END_TEST

START_TEST(trace_prints_every_read)
{
	struct hw *hw = th_model(4);
	struct script *s = NULL;
	struct err e = {{0}};
	const char *t = "cfg.r16 0\nio.r8 0x3ba\nbar2.r32 0x600\n";
	char out[256] = {0};
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	ck_assert_int_eq(script_parse(t, strlen(t), "n", ".", &s, &e), 0);
	th_run(hw, "cfg.w32 0x18 0xfebf0000\ncfg.w16 4 2\n");
	ck_assert_int_eq(script_run(s, hw, f, &e), 0);
	fclose(f);
	ck_assert_str_eq(out, "1 cfg.r16 0x0 0x1234\n2 io.r8 0x3ba 0x9\n"
			      "3 bar2.r32 0x600 0x8\n");
	script_free(s);
	hw_destroy(hw);
}
END_TEST

START_TEST(fill_pattern_is_aligned_to_vram)
{
	struct hw *hw = th_model(1);
	uint64_t size;
	uint8_t *v;

	th_run(hw, "vram.fill 1 6 0x44332211\nvram.random 0x100 8 7\n");
	v = hw_region_map(hw, HW_REGION_BAR0, &size, NULL);
	ck_assert_uint_eq(v[0], 0);
	ck_assert_uint_eq(v[1], 0x22);
	ck_assert_uint_eq(v[4], 0x11);
	ck_assert_uint_eq(v[6], 0x33);
	ck_assert_uint_eq(v[7], 0);
	ck_assert_int_ne(memcmp(v + 0x100, "\0\0\0\0\0\0\0\0", 8), 0);
	hw_region_unmap(v, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(random_fill_is_reproducible)
{
	struct hw *a = th_model(1), *b = th_model(1);
	uint64_t sa, sb;
	uint8_t *va, *vb;

	th_run(a, "vram.random 0 0x1000 1234\n");
	th_run(b, "vram.random 0 0x1000 1234\n");
	va = hw_region_map(a, HW_REGION_BAR0, &sa, NULL);
	vb = hw_region_map(b, HW_REGION_BAR0, &sb, NULL);
	ck_assert_int_eq(memcmp(va, vb, 0x1000), 0);
	hw_region_unmap(va, sa);
	hw_region_unmap(vb, sb);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

START_TEST(png_is_blitted_with_stride_and_format)
{
	struct gs_image img = {0};
	struct hw *hw = th_model(1);
	struct err e = {{0}};
	char dir[] = "/tmp/th-scriptXXXXXX", path[64], text[160];
	uint64_t size;
	uint8_t *v;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.png", dir);
	ck_assert_int_eq(gs_image_alloc(&img, 2, 2, &e), 0);
	memcpy(img.rgb, "\xff\x00\x00\x00\xff\x00\x00\x00\xff\xff\xff\xff", 12);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	snprintf(text, sizeof(text),
		 "vram.png 0x10 16 xrgb8888 p.png\nvram.png 0x100 8 rgb565 "
		 "%s\n",
		 path);
	{
		struct script *s = NULL;

		ck_assert_int_eq(
			script_parse(text, strlen(text), "p", dir, &s, &e), 0);
		ck_assert_int_eq(script_run(s, hw, NULL, &e), 0);
		script_free(s);
	}
	v = hw_region_map(hw, HW_REGION_BAR0, &size, NULL);
	ck_assert_int_eq(
		memcmp(v + 0x10, "\x00\x00\xff\x00\x00\xff\x00\x00", 8), 0);
	ck_assert_int_eq(
		memcmp(v + 0x20, "\xff\x00\x00\x00\xff\xff\xff\x00", 8), 0);
	ck_assert_uint_eq(v[0x100] | v[0x101] << 8, 0xf800);
	ck_assert_uint_eq(v[0x108] | v[0x109] << 8, 0x001f);
	ck_assert_uint_eq(v[0x10a] | v[0x10b] << 8, 0xffff);
	hw_region_unmap(v, size);
	unlink(path);
	rmdir(dir);
	gs_image_free(&img);
	hw_destroy(hw);
}
END_TEST

START_TEST(reset_step_resets_device)
{
	struct hw *hw = th_model(1);

	th_run(hw, "io.w8 0x3c2 0x67\nio.r8 0x3cc 0x67\nreset\n"
		   "io.r8 0x3cc 0x00\n");
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("script");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, parse_rejects_bad_line_with_position, 0,
			    sizeof(bad_scripts) / sizeof(bad_scripts[0]));
	tcase_add_test(tc, parse_rejects_nul_byte);
	tcase_add_test(tc, parse_accepts_comments_blank_lines_hex_and_decimal);
	tcase_add_loop_test(tc, run_checks_every_range_before_first_access, 0,
			    5);
	tcase_add_test(tc, run_reports_unexpected_read_with_line);
	tcase_add_test(tc, run_masks_expected_reads);
	tcase_add_test(tc, trace_prints_every_read);
	tcase_add_test(tc, fill_pattern_is_aligned_to_vram);
	tcase_add_test(tc, random_fill_is_reproducible);
	tcase_add_test(tc, png_is_blitted_with_stride_and_format);
	tcase_add_test(tc, reset_step_resets_device);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
