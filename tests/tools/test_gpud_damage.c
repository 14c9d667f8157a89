/*
 * gpud's damage window (tools/gpud_damage.c, compiled into this test):
 * magic and version, rectangle parsing, clipping to the frame, hostile
 * values, accesses of every size and offset around the window never
 * reaching the backend, everything else delegated, and the writes that
 * mark the whole picture. A recording fake backend shows what reaches the
 * device; the stdvga model shows the same on a real device.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/th_device.h"
#include "tools/gpud_damage.c"

/* ---- A fake backend that records every call ---- */

enum { OP_CFG_R, OP_CFG_W, OP_INFO, OP_RD, OP_WR, OP_PRD, OP_PWR, OP_RESET };

struct fake {
	struct hw hw;
	uint32_t id;   /* config dword 0 */
	uint64_t bar2; /* its size, 0: absent */
	unsigned calls[OP_RESET + 1];
	uint64_t last_off;
	uint32_t last_val;
	int *destroyed;
};

static struct fake *to_fake(struct hw *hw)
{
	return (struct fake *)hw;
}

static int f_cfg_read(struct hw *hw, uint32_t off, unsigned size, uint32_t *val,
		      struct err *e)
{
	to_fake(hw)->calls[OP_CFG_R]++;
	*val = off == 0 ? to_fake(hw)->id : 0x5a5a5a5a;
	return 0;
}

static int f_cfg_write(struct hw *hw, uint32_t off, unsigned size, uint32_t val,
		       struct err *e)
{
	to_fake(hw)->calls[OP_CFG_W]++;
	return 0;
}

static int f_region_info(struct hw *hw, unsigned idx, struct hw_region *info,
			 struct err *e)
{
	struct fake *f = to_fake(hw);

	f->calls[OP_INFO]++;
	*info = (struct hw_region){.fd = -1};
	if (idx == HW_REGION_BAR2 && f->bar2) {
		info->size = f->bar2;
		info->flags = HW_REGION_F_PRESENT | HW_REGION_F_MEM;
	}
	return 0;
}

static int f_region_read(struct hw *hw, unsigned idx, uint64_t off,
			 unsigned size, uint32_t *val, struct err *e)
{
	struct fake *f = to_fake(hw);

	f->calls[OP_RD]++;
	f->last_off = off;
	*val = 0xabcdef01;
	return 0;
}

static int f_region_write(struct hw *hw, unsigned idx, uint64_t off,
			  unsigned size, uint32_t val, struct err *e)
{
	struct fake *f = to_fake(hw);

	f->calls[OP_WR]++;
	f->last_off = off;
	f->last_val = val;
	return 0;
}

static int f_port_read(struct hw *hw, uint16_t port, unsigned size,
		       uint32_t *val, struct err *e)
{
	to_fake(hw)->calls[OP_PRD]++;
	*val = 0x42;
	return 0;
}

static int f_port_write(struct hw *hw, uint16_t port, unsigned size,
			uint32_t val, struct err *e)
{
	to_fake(hw)->calls[OP_PWR]++;
	return -ENOTSUP; /* errors travel back unchanged */
}

static int f_reset(struct hw *hw, struct err *e)
{
	to_fake(hw)->calls[OP_RESET]++;
	return 0;
}

static void f_destroy(struct hw *hw)
{
	struct fake *f = to_fake(hw);

	if (f->destroyed)
		(*f->destroyed)++;
	free(f);
}

static const struct hw_ops fake_ops = {
	.name = "fake",
	.cfg_read = f_cfg_read,
	.cfg_write = f_cfg_write,
	.region_info = f_region_info,
	.region_read = f_region_read,
	.region_write = f_region_write,
	.port_read = f_port_read,
	.port_write = f_port_write,
	.reset = f_reset,
	.destroy = f_destroy,
};

static struct fake *fake_new(uint32_t id, uint64_t bar2)
{
	struct fake *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->hw.ops = &fake_ops;
	f->id = id;
	f->bar2 = bar2;
	return f;
}

static unsigned total_calls(const struct fake *f)
{
	unsigned n = 0;

	for (int i = 0; i <= OP_RESET; i++)
		n += f->calls[i];
	return n;
}

/* A std VGA fake wrapped; *f gets the fake, its probe calls forgotten. */
static struct gpud_damage *wrap_fake(struct fake **f)
{
	struct gpud_damage *d = NULL;
	struct err e = {{0}};

	*f = fake_new(STDVGA_ID, 0x1000);
	ck_assert_int_eq(gpud_damage_wrap(&(*f)->hw, &d, &e), 0);
	memset((*f)->calls, 0, sizeof((*f)->calls));
	return d;
}

static uint32_t rd(struct gpud_damage *d, uint64_t off, unsigned size)
{
	struct err e = {{0}};
	uint32_t v = 0x77777777;

	ck_assert_int_eq(hw_region_read(gpud_damage_hw(d), HW_REGION_BAR2, off,
					size, &v, &e),
			 0);
	return v;
}

static void wr(struct gpud_damage *d, uint64_t off, unsigned size, uint32_t val)
{
	struct err e = {{0}};

	ck_assert_int_eq(hw_region_write(gpud_damage_hw(d), HW_REGION_BAR2, off,
					 size, val, &e),
			 0);
}

static void report(struct gpud_damage *d, uint32_t x, uint32_t y, uint32_t w,
		   uint32_t h)
{
	wr(d, 0xf08, 4, x | y << 16);
	wr(d, 0xf0c, 4, w | h << 16);
}

static void expect_rect(struct gpud_damage *d, uint32_t x, uint32_t y,
			uint32_t w, uint32_t h)
{
	struct gpud_rect r = {0, 0, 0, 0};

	ck_assert(gpud_damage_pending(d));
	ck_assert_int_eq(gpud_damage_take(d, &r), GPUD_DAMAGE_RECT);
	ck_assert_msg(r.x == x && r.y == y && r.w == w && r.h == h,
		      "rect %u,%u %ux%u, wanted %u,%u %ux%u", r.x, r.y, r.w,
		      r.h, x, y, w, h);
	ck_assert(!gpud_damage_pending(d));
}

static void expect_none(struct gpud_damage *d)
{
	struct gpud_rect r;

	ck_assert(!gpud_damage_pending(d));
	ck_assert_int_eq(gpud_damage_take(d, &r), GPUD_DAMAGE_NONE);
}

static void expect_full(struct gpud_damage *d)
{
	struct gpud_rect r;

	ck_assert(gpud_damage_pending(d));
	ck_assert_int_eq(gpud_damage_take(d, &r), GPUD_DAMAGE_FULL);
	ck_assert(!gpud_damage_pending(d));
}

static struct gpud_damage_stats stats(const struct gpud_damage *d)
{
	struct gpud_damage_stats st;

	gpud_damage_get_stats(d, &st);
	return st;
}

/* ---- Tests ---- */

START_TEST(magic_and_version_read_and_nothing_reaches_the_backend)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	ck_assert(gpud_damage_serves_window(d));
	ck_assert_uint_eq(rd(d, 0xf00, 4), 0x44555047);
	ck_assert_uint_eq(rd(d, 0xf04, 4), 1);
	ck_assert_uint_eq(total_calls(f), 0);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(other_reads_in_the_window_read_zero)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	report(d, 1, 2, 3, 4);
	ck_assert_uint_eq(rd(d, 0xf08, 4), 0);
	ck_assert_uint_eq(rd(d, 0xf0c, 4), 0);
	for (unsigned off = 0xf00; off < 0xf10; off++)
		for (unsigned size = 1; size < 4; size++)
			ck_assert_uint_eq(rd(d, off, size), 0);
	for (unsigned off = 0xf01; off < 0xf10; off++)
		if (off != 0xf04)
			ck_assert_uint_eq(rd(d, off, 4), 0);
	ck_assert_uint_eq(total_calls(f), 0);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

/* Every access that touches 0xF00-0xF0F, of every size, hostile values:
 * none reaches the backend; just outside, all do. */
START_TEST(window_accesses_of_any_size_never_reach_the_backend)
{
	static const uint32_t vals[] = {0,	0xffffffff, 0x80008000,
					0xffff, 0xffff0000, 0x00010001};
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);
	unsigned outside = 0;

	for (unsigned off = 0xef0; off < 0xf20; off++)
		for (unsigned size = 1; size <= 4; size++) {
			int touches = off < 0xf10 && off + size > 0xf00;
			unsigned before = total_calls(f);

			for (size_t i = 0; i < sizeof(vals) / sizeof(*vals);
			     i++)
				wr(d, off, size, vals[i]);
			rd(d, off, size);
			if (touches)
				ck_assert_msg(total_calls(f) == before,
					      "%u bytes at 0x%x reached the "
					      "backend",
					      size, off);
			else
				outside += total_calls(f) - before;
			ck_assert_int_eq(!touches, total_calls(f) > before);
		}
	ck_assert_uint_gt(outside, 0);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(rectangle_is_parsed_from_xy_and_wh)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	gpud_damage_set_frame(d, 1024, 768);
	expect_none(d);
	report(d, 10, 20, 30, 40);
	expect_rect(d, 10, 20, 30, 40);
	/* One 8-byte write, as two accesses of one message. */
	wr(d, 0xf08, 4, 100 | 200u << 16);
	ck_assert(!gpud_damage_pending(d)); /* 0xF08 alone commits nothing */
	wr(d, 0xf0c, 4, 64 | 32u << 16);
	expect_rect(d, 100, 200, 64, 32);
	ck_assert_uint_eq(stats(d).commits, 2);
	ck_assert_uint_eq(stats(d).ignored, 0);
	ck_assert_uint_eq(total_calls(f), 0);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(rectangles_accumulate_into_their_union)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	gpud_damage_set_frame(d, 640, 480);
	report(d, 100, 100, 10, 10);
	report(d, 50, 300, 20, 5);
	report(d, 120, 90, 1, 1);
	expect_rect(d, 50, 90, 71, 215);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(rectangles_are_clipped_to_the_frame)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	gpud_damage_set_frame(d, 640, 480);
	report(d, 600, 400, 100, 100);
	expect_rect(d, 600, 400, 40, 80);
	report(d, 0, 0, 0xffff, 0xffff);
	expect_rect(d, 0, 0, 640, 480);
	report(d, 639, 479, 1, 1);
	expect_rect(d, 639, 479, 1, 1);
	ck_assert_uint_eq(stats(d).ignored, 0);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(empty_overflowing_and_offscreen_rectangles_are_ignored)
{
	static const uint32_t bad[][4] = {
		{0, 0, 0, 10},	    {0, 0, 10, 0},
		{0, 0, 0, 0},	    {0xffff, 0, 2, 1},
		{0, 0xffff, 1, 2},  {0xffff, 0xffff, 0xffff, 0xffff},
		{640, 0, 1, 1},	    {0, 480, 1, 1},
		{1000, 1000, 5, 5}, {0x8000, 0, 0x8001, 1},
	};
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	gpud_damage_set_frame(d, 640, 480);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		report(d, bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
		ck_assert_msg(!gpud_damage_pending(d),
			      "%u,%u %ux%u was not ignored", bad[i][0],
			      bad[i][1], bad[i][2], bad[i][3]);
	}
	ck_assert_uint_eq(stats(d).commits, sizeof(bad) / sizeof(*bad));
	ck_assert_uint_eq(stats(d).ignored, sizeof(bad) / sizeof(*bad));
	/* Ending at 65536 exactly is no overflow; then clipped. */
	gpud_damage_set_frame(d, 65535, 65535);
	report(d, 0x8000, 0xfffe, 0x8000, 2);
	expect_rect(d, 0x8000, 0xfffe, 0x7fff, 1);
	ck_assert_uint_eq(stats(d).ignored, sizeof(bad) / sizeof(*bad));
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(without_a_known_frame_a_rectangle_means_everything)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	report(d, 5, 5, 10, 10);
	expect_full(d);
	report(d, 5, 5, 0, 10); /* still checked */
	expect_none(d);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

START_TEST(odd_sized_window_writes_commit_nothing)
{
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);

	gpud_damage_set_frame(d, 640, 480);
	wr(d, 0xf08, 4, 10 | 10u << 16);
	wr(d, 0xf0c, 2, 5);
	wr(d, 0xf0e, 2, 5);
	wr(d, 0xf0c, 1, 5);
	wr(d, 0xf0d, 4, 0x00050005); /* unaligned */
	wr(d, 0xf00, 4, 0x00050005);
	wr(d, 0xf04, 4, 0x00050005);
	expect_none(d);
	ck_assert_uint_eq(stats(d).commits, 0);
	ck_assert_uint_eq(rd(d, 0xf00, 4), 0x44555047); /* unchanged */
	ck_assert_uint_eq(rd(d, 0xf04, 4), 1);
	/* The x, y latch survived the stray writes. */
	wr(d, 0xf0c, 4, 2 | 3u << 16);
	expect_rect(d, 10, 10, 2, 3);
	ck_assert_uint_eq(total_calls(f), 0);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

/* Register, port, VRAM writes and reset can change the picture. */
START_TEST(writes_that_change_the_picture_mark_it_whole)
{
	struct err e = {{0}};
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);
	struct hw *hw = gpud_damage_hw(d);
	uint32_t v;

	gpud_damage_set_frame(d, 640, 480);
	wr(d, 0x504, 2, 480); /* DISPI YRES */
	expect_full(d);
	wr(d, 0x408, 1, 0); /* VGA DAC write index */
	expect_full(d);
	wr(d, 0x604, 4, 0xbebebebe); /* QEMU framebuffer byte order */
	expect_full(d);
	ck_assert_int_eq(hw_region_write(hw, HW_REGION_BAR0, 0, 4, 1, &e), 0);
	expect_full(d);
	ck_assert_int_eq(hw_port_write(hw, 0x1ce, 2, 4, &e), -ENOTSUP);
	expect_full(d);
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	expect_full(d);
	/* A rectangle and a register write: the whole picture. */
	report(d, 1, 1, 1, 1);
	wr(d, 0x512, 2, 0);
	expect_full(d);
	/* Reads and config writes change nothing on screen. */
	rd(d, 0x500, 2);
	ck_assert_int_eq(hw_port_read(hw, 0x3da, 1, &v, &e), 0);
	ck_assert_int_eq(hw_cfg_write(hw, 4, 2, 3, &e), 0);
	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR0, 0, 4, &v, &e), 0);
	expect_none(d);
	hw_destroy(hw);
}
END_TEST

START_TEST(everything_else_is_delegated)
{
	struct err e = {{0}};
	struct fake *f;
	struct gpud_damage *d = wrap_fake(&f);
	struct hw *hw = gpud_damage_hw(d);
	struct hw_region r;
	uint32_t v = 0;
	int destroyed = 0;

	ck_assert_int_eq(hw_cfg_read(hw, 8, 4, &v, &e), 0);
	ck_assert_uint_eq(v, 0x5a5a5a5a);
	ck_assert_int_eq(hw_cfg_write(hw, 4, 2, 3, &e), 0);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR2, &r, &e), 0);
	ck_assert_uint_eq(r.size, 0x1000);
	ck_assert_uint_eq(rd(d, 0xeff, 1), 0xabcdef01);
	ck_assert_uint_eq(f->last_off, 0xeff);
	wr(d, 0xf10, 4, 0x1234);
	ck_assert_uint_eq(f->last_off, 0xf10);
	ck_assert_uint_eq(f->last_val, 0x1234);
	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR0, 0xf00, 4, &v, &e),
			 0); /* the window is in BAR2 only */
	ck_assert_uint_eq(v, 0xabcdef01);
	ck_assert_int_eq(hw_port_read(hw, 0x3cc, 1, &v, &e), 0);
	ck_assert_uint_eq(v, 0x42);
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	ck_assert_uint_eq(f->calls[OP_CFG_R], 1);
	ck_assert_uint_eq(f->calls[OP_CFG_W], 1);
	ck_assert_uint_eq(f->calls[OP_INFO], 1);
	ck_assert_uint_eq(f->calls[OP_RD], 2);
	ck_assert_uint_eq(f->calls[OP_WR], 1);
	ck_assert_uint_eq(f->calls[OP_PRD], 1);
	ck_assert_uint_eq(f->calls[OP_RESET], 1);
	f->destroyed = &destroyed;
	hw_destroy(hw);
	ck_assert_int_eq(destroyed, 1);
}
END_TEST

/* Another device, or a std VGA without room: no window, no shadowing. */
START_TEST(no_window_on_a_device_without_room_for_it)
{
	static const struct {
		uint32_t id;
		uint64_t bar2;
	} devs[] = {{0x12348086, 0x1000}, {STDVGA_ID, 0}, {STDVGA_ID, 0x800}};
	struct err e = {{0}};

	for (size_t i = 0; i < sizeof(devs) / sizeof(*devs); i++) {
		struct fake *f = fake_new(devs[i].id, devs[i].bar2);
		struct gpud_damage *d = NULL;

		ck_assert_int_eq(gpud_damage_wrap(&f->hw, &d, &e), 0);
		ck_assert(!gpud_damage_serves_window(d));
		ck_assert_uint_eq(rd(d, 0xf00, 4), 0xabcdef01);
		wr(d, 0xf0c, 4, 0x00010001);
		ck_assert_uint_eq(f->last_off, 0xf0c);
		ck_assert_uint_eq(stats(d).commits, 0);
		hw_destroy(gpud_damage_hw(d));
	}
}
END_TEST

/* On the stdvga model: the window shadows the model's hole (all-ones),
 * the registers around it are the model's. */
START_TEST(on_the_model_the_window_shadows_the_hole_only)
{
	struct hw *model = th_model(1);
	struct gpud_damage *d = NULL;
	struct err e = {{0}};
	uint32_t v = 0;

	th_run(model, "cfg.w16 4 3\n");
	ck_assert_int_eq(
		hw_region_read(model, HW_REGION_BAR2, 0xf00, 4, &v, &e), 0);
	ck_assert_uint_eq(v, 0xffffffff);
	ck_assert_int_eq(gpud_damage_wrap(model, &d, &e), 0);
	ck_assert(gpud_damage_serves_window(d));
	ck_assert_uint_eq(rd(d, 0xf00, 4), 0x44555047);
	ck_assert_uint_eq(rd(d, 0x500, 2), 0xb0c5); /* DISPI ID */
	wr(d, 0x502, 2, 800);			    /* XRES */
	ck_assert_int_eq(
		hw_region_read(model, HW_REGION_BAR2, 0x502, 2, &v, &e), 0);
	ck_assert_uint_eq(v, 800);
	expect_full(d);
	ck_assert_uint_eq(rd(d, 0xf10, 4), 0xffffffff);
	hw_destroy(gpud_damage_hw(d));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gpud_damage");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc,
		       magic_and_version_read_and_nothing_reaches_the_backend);
	tcase_add_test(tc, other_reads_in_the_window_read_zero);
	tcase_add_test(tc, window_accesses_of_any_size_never_reach_the_backend);
	tcase_add_test(tc, rectangle_is_parsed_from_xy_and_wh);
	tcase_add_test(tc, rectangles_accumulate_into_their_union);
	tcase_add_test(tc, rectangles_are_clipped_to_the_frame);
	tcase_add_test(tc,
		       empty_overflowing_and_offscreen_rectangles_are_ignored);
	tcase_add_test(tc, without_a_known_frame_a_rectangle_means_everything);
	tcase_add_test(tc, odd_sized_window_writes_commit_nothing);
	tcase_add_test(tc, writes_that_change_the_picture_mark_it_whole);
	tcase_add_test(tc, everything_else_is_delegated);
	tcase_add_test(tc, no_window_on_a_device_without_room_for_it);
	tcase_add_test(tc, on_the_model_the_window_shadows_the_hole_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
