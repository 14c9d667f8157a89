/*
 * Tests for lib/image.c: image allocation, PNG write/read round trip, the
 * atomic replacement of the output file, conversion of every PNG colour
 * type to 8-bit RGB, and rejection of bad or oversized files with messages
 * that name the file.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/image.h"

static char dir[64];
static char path[128];
static struct gs_image img, back;
static struct err e;

static void setup(void)
{
	strcpy(dir, "/tmp/test_image.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/shot.png", dir);
	memset(&img, 0, sizeof(img));
	memset(&back, 0, sizeof(back));
	memset(&e, 0, sizeof(e));
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (remove(p))
			rmdir(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	gs_image_free(&img);
	gs_image_free(&back);
}

/* Names in dir other than . and .., space-separated and sorted by readdir
 * order; good enough to spot a leftover temp file. */
static unsigned dir_entries(char *names, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	names[0] = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		strncat(names, de->d_name, len - strlen(names) - 2);
		strcat(names, " ");
	}
	closedir(d);
	return n;
}

static void write_file(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n ? (size_t)n : 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Write a PNG of any colour type with libpng directly: rows of rowbytes
 * from data, or the same row repeated when stride is 0. */
struct spec {
	uint32_t w, h;
	int type, depth, interlace;
	int npal, ntrns;
	png_color pal[4];
	png_byte trns[4];
	png_color_16 trns_rgb;
};

static void write_raw(const char *p, const struct spec *sp, const uint8_t *data,
		      size_t stride)
{
	FILE *f = fopen(p, "wb");
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
						  NULL, NULL);
	png_infop info = png_create_info_struct(png);
	int passes;

	ck_assert_ptr_nonnull(f);
	if (setjmp(png_jmpbuf(png)))
		ck_abort_msg("libpng failed writing the fixture");
	png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
	png_init_io(png, f);
	png_set_IHDR(png, info, sp->w, sp->h, sp->depth, sp->type,
		     sp->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	if (sp->npal)
		png_set_PLTE(png, info, sp->pal, sp->npal);
	if (sp->ntrns)
		png_set_tRNS(png, info, sp->trns, sp->ntrns, &sp->trns_rgb);
	png_write_info(png, info);
	passes = png_set_interlace_handling(png);
	for (int pass = 0; pass < passes; pass++)
		for (uint32_t y = 0; y < sp->h; y++)
			png_write_row(png, data + y * stride);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
}

static uint32_t px(const struct gs_image *im, uint32_t x, uint32_t y)
{
	const uint8_t *p = im->rgb + ((size_t)y * im->width + x) * 3;

	return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
}

static void read_ok(void)
{
	int rc = gs_image_read_png(&back, path, &e);

	ck_assert_msg(rc == 0, "read failed (%d): %s", rc, e.msg);
}

static void read_fails_naming_file(void)
{
	int rc = gs_image_read_png(&back, path, &e);

	ck_assert_int_lt(rc, 0);
	ck_assert_msg(strstr(e.msg, path), "message lacks the path: %s", e.msg);
	ck_assert_ptr_null(back.rgb);
	ck_assert_uint_eq(back.width, 0);
}

static void random_image(uint32_t w, uint32_t h)
{
	uint32_t s = 12345;

	ck_assert_int_eq(gs_image_alloc(&img, w, h, &e), 0);
	for (size_t i = 0; i < (size_t)w * h * 3; i++) {
		s = s * 1103515245 + 12345;
		img.rgb[i] = (uint8_t)(s >> 16);
	}
}

START_TEST(alloc_gives_zeroed_pixels)
{
	ck_assert_int_eq(gs_image_alloc(&img, 5, 3, &e), 0);
	ck_assert_uint_eq(img.width, 5);
	ck_assert_uint_eq(img.height, 3);
	for (unsigned i = 0; i < 45; i++)
		ck_assert_uint_eq(img.rgb[i], 0);
}
END_TEST

START_TEST(alloc_rejects_empty_and_overflowing_sizes)
{
	ck_assert_int_eq(gs_image_alloc(&img, 0, 10, &e), -EINVAL);
	ck_assert_ptr_null(img.rgb);
	ck_assert_int_eq(gs_image_alloc(&img, 10, 0, &e), -EINVAL);
	ck_assert_int_eq(gs_image_alloc(&img, UINT32_MAX, UINT32_MAX, &e),
			 -EOVERFLOW);
	ck_assert_ptr_null(img.rgb);
	ck_assert_uint_eq(img.width, 0);
}
END_TEST

START_TEST(free_twice_is_harmless)
{
	ck_assert_int_eq(gs_image_alloc(&img, 2, 2, &e), 0);
	gs_image_free(&img);
	gs_image_free(&img);
	ck_assert_ptr_null(img.rgb);
}
END_TEST

START_TEST(png_round_trip_preserves_every_pixel)
{
	size_t len;
	unsigned char *raw;

	random_image(37, 23);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	raw = slurp(path, &len);
	ck_assert_uint_gt(len, 8);
	ck_assert_int_eq(memcmp(raw, "\x89PNG\r\n\x1a\n", 8), 0);
	free(raw);
	read_ok();
	ck_assert_uint_eq(back.width, 37);
	ck_assert_uint_eq(back.height, 23);
	ck_assert_int_eq(memcmp(back.rgb, img.rgb, 37 * 23 * 3), 0);
}
END_TEST

START_TEST(png_write_is_deterministic)
{
	size_t l1, l2;
	unsigned char *a, *b;

	random_image(64, 8);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	a = slurp(path, &l1);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	b = slurp(path, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert_int_eq(memcmp(a, b, l1), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(png_write_replaces_existing_file_and_leaves_no_temp)
{
	char names[256];

	write_file(path, "old contents", 12);
	random_image(3, 2);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	ck_assert_uint_eq(dir_entries(names, sizeof(names)), 1);
	ck_assert_str_eq(names, "shot.png ");
	read_ok();
	ck_assert_int_eq(memcmp(back.rgb, img.rgb, 18), 0);
}
END_TEST

START_TEST(png_write_failure_names_path_and_keeps_target)
{
	char names[256];
	struct stat sb;

	/* rename() cannot replace a directory: the write must fail after the
	 * temp file was written, and clean it up */
	snprintf(path, sizeof(path), "%s/target", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	random_image(3, 2);
	ck_assert_int_lt(gs_image_write_png(&img, path, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	ck_assert_uint_eq(dir_entries(names, sizeof(names)), 1);
	ck_assert_str_eq(names, "target ");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
}
END_TEST

START_TEST(png_write_into_missing_directory_fails_naming_path)
{
	snprintf(path, sizeof(path), "%s/no/such/dir/x.png", dir);
	random_image(3, 2);
	ck_assert_int_lt(gs_image_write_png(&img, path, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
}
END_TEST

START_TEST(png_write_rejects_empty_image)
{
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(png_read_missing_file_names_it)
{
	read_fails_naming_file();
	ck_assert_ptr_nonnull(strstr(e.msg, "No such file"));
}
END_TEST

START_TEST(png_read_rejects_non_png_naming_file)
{
	write_file(path, "this is not a picture at all", 28);
	read_fails_naming_file();
	ck_assert_ptr_nonnull(strstr(e.msg, "not a PNG"));
	write_file(path, "", 0);
	read_fails_naming_file();
}
END_TEST

START_TEST(png_read_rejects_truncated_file_naming_file)
{
	size_t len;
	unsigned char *raw;

	random_image(40, 40);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	raw = slurp(path, &len);
	write_file(path, raw, len / 2);
	free(raw);
	read_fails_naming_file();
	ck_assert_ptr_nonnull(strstr(e.msg, "bad PNG"));
}
END_TEST

START_TEST(png_read_rejects_corrupted_data_naming_file)
{
	size_t len;
	unsigned char *raw;

	random_image(40, 40);
	ck_assert_int_eq(gs_image_write_png(&img, path, &e), 0);
	raw = slurp(path, &len);
	/* inside the IDAT payload, well past the 33-byte signature+IHDR */
	raw[len / 2] ^= 0xff;
	write_file(path, raw, len);
	free(raw);
	read_fails_naming_file();
}
END_TEST

START_TEST(png_read_expands_palette_to_rgb)
{
	struct spec sp = {.w = 4,
			  .h = 1,
			  .type = PNG_COLOR_TYPE_PALETTE,
			  .depth = 4,
			  .npal = 3,
			  .pal = {{1, 2, 3}, {250, 128, 7}, {0, 255, 0}}};
	const uint8_t row[] = {0x01, 0x20};

	write_raw(path, &sp, row, 0);
	read_ok();
	ck_assert_uint_eq(back.width, 4);
	ck_assert_uint_eq(px(&back, 0, 0), 0x010203);
	ck_assert_uint_eq(px(&back, 1, 0), 0xfa8007);
	ck_assert_uint_eq(px(&back, 2, 0), 0x00ff00);
	ck_assert_uint_eq(px(&back, 3, 0), 0x010203);
}
END_TEST

START_TEST(png_read_palette_transparency_is_dropped)
{
	struct spec sp = {.w = 2,
			  .h = 1,
			  .type = PNG_COLOR_TYPE_PALETTE,
			  .depth = 8,
			  .npal = 2,
			  .pal = {{9, 8, 7}, {1, 2, 3}},
			  .ntrns = 1,
			  .trns = {0}};
	const uint8_t row[] = {0, 1};

	write_raw(path, &sp, row, 0);
	read_ok();
	ck_assert_uint_eq(px(&back, 0, 0), 0x090807);
	ck_assert_uint_eq(px(&back, 1, 0), 0x010203);
}
END_TEST

START_TEST(png_read_expands_1_bit_grey)
{
	struct spec sp = {
		.w = 9, .h = 1, .type = PNG_COLOR_TYPE_GRAY, .depth = 1};
	const uint8_t row[] = {0xa0, 0x80};

	write_raw(path, &sp, row, 0);
	read_ok();
	ck_assert_uint_eq(px(&back, 0, 0), 0xffffff);
	ck_assert_uint_eq(px(&back, 1, 0), 0x000000);
	ck_assert_uint_eq(px(&back, 2, 0), 0xffffff);
	ck_assert_uint_eq(px(&back, 8, 0), 0xffffff);
	ck_assert_uint_eq(px(&back, 7, 0), 0x000000);
}
END_TEST

START_TEST(png_read_expands_8_bit_grey_with_alpha)
{
	struct spec sp = {
		.w = 2, .h = 1, .type = PNG_COLOR_TYPE_GRAY_ALPHA, .depth = 8};
	const uint8_t row[] = {0x42, 0x00, 0x99, 0xff};

	write_raw(path, &sp, row, 0);
	read_ok();
	ck_assert_uint_eq(px(&back, 0, 0), 0x424242);
	ck_assert_uint_eq(px(&back, 1, 0), 0x999999);
}
END_TEST

START_TEST(png_read_strips_16_bit_to_high_byte)
{
	struct spec sp = {
		.w = 1, .h = 2, .type = PNG_COLOR_TYPE_RGB, .depth = 16};
	const uint8_t rows[] = {0x12, 0xff, 0x34, 0x00, 0xab, 0x80,
				0x00, 0x01, 0xff, 0xff, 0x7f, 0xff};

	write_raw(path, &sp, rows, 6);
	read_ok();
	ck_assert_uint_eq(px(&back, 0, 0), 0x1234ab);
	ck_assert_uint_eq(px(&back, 0, 1), 0x00ff7f);
}
END_TEST

START_TEST(png_read_drops_alpha_without_blending)
{
	struct spec sp = {
		.w = 2, .h = 1, .type = PNG_COLOR_TYPE_RGB_ALPHA, .depth = 8};
	const uint8_t row[] = {10, 20, 30, 0, 40, 50, 60, 128};

	write_raw(path, &sp, row, 0);
	read_ok();
	ck_assert_uint_eq(px(&back, 0, 0), 0x0a141e);
	ck_assert_uint_eq(px(&back, 1, 0), 0x28323c);
}
END_TEST

START_TEST(png_read_handles_interlaced_files)
{
	struct spec sp = {.w = 11,
			  .h = 9,
			  .type = PNG_COLOR_TYPE_RGB,
			  .depth = 8,
			  .interlace = PNG_INTERLACE_ADAM7};

	random_image(11, 9);
	write_raw(path, &sp, img.rgb, 33);
	read_ok();
	ck_assert_uint_eq(back.width, 11);
	ck_assert_uint_eq(back.height, 9);
	ck_assert_int_eq(memcmp(back.rgb, img.rgb, 11 * 9 * 3), 0);
}
END_TEST

START_TEST(png_read_rejects_oversized_width_naming_file)
{
	struct spec sp = {
		.w = 40000, .h = 1, .type = PNG_COLOR_TYPE_GRAY, .depth = 1};
	static const uint8_t row[5000];

	write_raw(path, &sp, row, 0);
	read_fails_naming_file();
}
END_TEST

START_TEST(png_read_rejects_too_many_pixels)
{
	struct spec sp = {.w = 16384,
			  .h = 12000,
			  .type = PNG_COLOR_TYPE_GRAY,
			  .depth = 1};
	static const uint8_t row[2048];

	write_raw(path, &sp, row, 0);
	read_fails_naming_file();
	ck_assert_ptr_nonnull(strstr(e.msg, "too many pixels"));
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *a = tcase_create("alloc"), *w = tcase_create("write");
	TCase *r = tcase_create("read");

	tcase_add_checked_fixture(a, setup, teardown);
	tcase_add_checked_fixture(w, setup, teardown);
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(a, alloc_gives_zeroed_pixels);
	tcase_add_test(a, alloc_rejects_empty_and_overflowing_sizes);
	tcase_add_test(a, free_twice_is_harmless);
	tcase_add_test(w, png_round_trip_preserves_every_pixel);
	tcase_add_test(w, png_write_is_deterministic);
	tcase_add_test(w, png_write_replaces_existing_file_and_leaves_no_temp);
	tcase_add_test(w, png_write_failure_names_path_and_keeps_target);
	tcase_add_test(w, png_write_into_missing_directory_fails_naming_path);
	tcase_add_test(w, png_write_rejects_empty_image);
	tcase_add_test(r, png_read_missing_file_names_it);
	tcase_add_test(r, png_read_rejects_non_png_naming_file);
	tcase_add_test(r, png_read_rejects_truncated_file_naming_file);
	tcase_add_test(r, png_read_rejects_corrupted_data_naming_file);
	tcase_add_test(r, png_read_expands_palette_to_rgb);
	tcase_add_test(r, png_read_palette_transparency_is_dropped);
	tcase_add_test(r, png_read_expands_1_bit_grey);
	tcase_add_test(r, png_read_expands_8_bit_grey_with_alpha);
	tcase_add_test(r, png_read_strips_16_bit_to_high_byte);
	tcase_add_test(r, png_read_drops_alpha_without_blending);
	tcase_add_test(r, png_read_handles_interlaced_files);
	tcase_add_test(r, png_read_rejects_oversized_width_naming_file);
	tcase_add_test(r, png_read_rejects_too_many_pixels);
	tcase_set_timeout(r, 30);
	suite_add_tcase(s, a);
	suite_add_tcase(s, w);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(image_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
