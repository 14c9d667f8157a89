/*
 * Hostile-input tests of the stdvga model: out-of-range offsets, bad access
 * sizes, unknown ports and regions, values wider than the access, extreme
 * DISPI geometry, and a seeded random storm over every op. Each bad request
 * must fail with -EINVAL and a message and leave the device unchanged;
 * nothing may crash (run under make SANITIZE=1 as well).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/stdvga_test.h"
#include "tests/helpers/th_device.h"

/* Expect -EINVAL and a message from rc / e. */
#define ck_einval(rc, e)                                                       \
	do {                                                                   \
		ck_assert_int_eq((rc), -EINVAL);                               \
		ck_assert_msg((e).msg[0] != 0, "no error message");            \
		(e).msg[0] = 0;                                                \
	} while (0)

START_TEST(config_access_out_of_bounds_is_rejected)
{
	static const struct {
		uint32_t off;
		unsigned size;
	} bad[] = {{256, 1},
		   {255, 2},
		   {254, 4},
		   {253, 4},
		   {0x1000, 4},
		   {UINT32_MAX, 1},
		   {UINT32_MAX - 1, 4},
		   {0, 0},
		   {0, 3},
		   {0, 8},
		   {4, 5},
		   {0, UINT_MAX}};
	struct hw *hw = t_default();
	struct err e = {{0}};
	uint32_t v = 0x5a5a5a5a;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_einval(hw_cfg_read(hw, bad[i].off, bad[i].size, &v, &e), e);
		ck_einval(hw_cfg_write(hw, bad[i].off, bad[i].size, 0, &e), e);
	}
	ck_assert_uint_eq(v, 0x5a5a5a5a);
	ck_assert_uint_eq(t_cfg_rd(hw, 0xfc, 4), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(config_write_wider_than_access_is_rejected)
{
	struct hw *hw = t_default();
	struct err e = {{0}};

	ck_einval(hw_cfg_write(hw, 0x3c, 1, 0x10b, &e), e);
	ck_einval(hw_cfg_write(hw, 0x04, 2, 0x10002, &e), e);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3c, 1), 0);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(unknown_regions_are_rejected)
{
	static const unsigned idx[] = {8, 9, 100, UINT_MAX};
	struct hw *hw = t_default();
	struct err e = {{0}};
	struct hw_region r;
	uint32_t v;

	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		ck_einval(hw_region_info(hw, idx[i], &r, &e), e);
		ck_einval(hw_region_read(hw, idx[i], 0, 1, &v, &e), e);
		ck_einval(hw_region_write(hw, idx[i], 0, 1, 0, &e), e);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(absent_regions_reject_access)
{
	static const unsigned idx[] = {1, 3, 4, 5, HW_REGION_ROM};
	struct hw *hw = t_default();
	struct err e = {{0}};
	uint32_t v;

	t_mem_on(hw);
	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		ck_einval(hw_region_read(hw, idx[i], 0, 4, &v, &e), e);
		ck_einval(hw_region_write(hw, idx[i], 0, 4, 0, &e), e);
	}
	hw_destroy(hw);
}
END_TEST

static void check_region_bounds(struct hw *hw, unsigned idx, uint64_t len)
{
	const struct {
		uint64_t off;
		unsigned size;
	} bad[] = {{len, 1},
		   {len - 1, 2},
		   {len - 3, 4},
		   {len + 4096, 4},
		   {UINT64_MAX, 1},
		   {UINT64_MAX - 1, 4},
		   {UINT64_MAX - len + 1, 4},
		   {0, 0},
		   {0, 3},
		   {0, 8},
		   {0, UINT_MAX}};
	struct err e = {{0}};
	uint32_t v;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_einval(hw_region_read(hw, idx, bad[i].off, bad[i].size, &v,
					 &e),
			  e);
		ck_einval(hw_region_write(hw, idx, bad[i].off, bad[i].size, 0,
					  &e),
			  e);
	}
	/* the last valid bytes are fine */
	ck_assert_int_eq(hw_region_read(hw, idx, len - 4, 4, &v, &e), 0);
	ck_assert_int_eq(hw_region_read(hw, idx, len - 1, 1, &v, &e), 0);
}

START_TEST(region_accesses_past_the_end_are_rejected)
{
	struct hw *hw = t_create(1, 0, 0);

	t_mem_on(hw);
	check_region_bounds(hw, HW_REGION_BAR0, 1 * T_MIB);
	check_region_bounds(hw, HW_REGION_BAR2, 4096);
	check_region_bounds(hw, HW_REGION_CONFIG, 256);
	hw_destroy(hw);
}
END_TEST

START_TEST(region_checks_apply_with_decode_off)
{
	struct hw *hw = t_create(1, 0, 0);
	struct err e = {{0}};
	uint32_t v;

	ck_einval(hw_region_read(hw, HW_REGION_BAR0, 1 * T_MIB, 1, &v, &e), e);
	ck_einval(hw_region_read(hw, HW_REGION_BAR2, 0, 3, &v, &e), e);
	ck_einval(hw_region_write(hw, HW_REGION_BAR2, 4096, 1, 0, &e), e);
	hw_destroy(hw);
}
END_TEST

START_TEST(region_write_wider_than_access_is_rejected)
{
	struct hw *hw = t_create(1, 0, 0);
	struct err e = {{0}};

	t_mem_on(hw);
	ck_einval(hw_region_write(hw, HW_REGION_BAR0, 0, 1, 0x100, &e), e);
	ck_einval(hw_region_write(hw, HW_REGION_BAR0, 0, 2, 0x12345, &e), e);
	ck_einval(hw_region_write(hw, HW_REGION_BAR2, 0x508, 2, 0x10001, &e),
		  e);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0, 4), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ENABLE), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(unknown_ports_are_rejected)
{
	static const uint16_t ports[] = {0x0000, 0x0080, 0x01cd, 0x01d1, 0x03af,
					 0x03e0, 0x03f8, 0xcf8,	 0xffff};
	struct hw *hw = t_default();
	struct err e = {{0}};
	uint32_t v;

	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		for (unsigned size = 1; size <= 2; size++) {
			ck_einval(hw_port_read(hw, ports[i], size, &v, &e), e);
			ck_einval(hw_port_write(hw, ports[i], size, 0, &e), e);
		}
	}
	/* a word access may not run past 0x3DF */
	ck_einval(hw_port_read(hw, 0x3df, 2, &v, &e), e);
	ck_einval(hw_port_write(hw, 0x3df, 2, 0, &e), e);
	hw_destroy(hw);
}
END_TEST

START_TEST(port_access_sizes_other_than_1_or_2_are_rejected)
{
	static const unsigned sizes[] = {0, 3, 4, 8, UINT_MAX};
	struct hw *hw = t_default();
	struct err e = {{0}};
	uint32_t v;

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_einval(hw_port_read(hw, 0x3c4, sizes[i], &v, &e), e);
		ck_einval(hw_port_write(hw, 0x3c4, sizes[i], 0x0f02, &e), e);
		ck_einval(hw_port_read(hw, 0x1ce, sizes[i], &v, &e), e);
		ck_einval(hw_port_write(hw, 0x1cf, sizes[i], 1, &e), e);
	}
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x02), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(port_write_wider_than_access_is_rejected)
{
	struct hw *hw = t_default();
	struct err e = {{0}};

	ck_einval(hw_port_write(hw, 0x3c4, 1, 0x102, &e), e);
	ck_einval(hw_port_write(hw, 0x3c4, 2, 0x10f02, &e), e);
	ck_einval(hw_port_write(hw, 0x1ce, 2, 0x10004, &e), e);
	ck_einval(hw_port_write(hw, 0x1cf, 2, 0xffffffff, &e), e);
	ck_assert_uint_eq(t_inb(hw, 0x3c4), 0);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), 0xb0c5);
	hw_destroy(hw);
}
END_TEST

/* Every geometry register at 0xFFFF, then BPP 32. */
static void max_geometry(struct hw *hw)
{
	static const uint16_t geo[] = {T_VBE_XRES, T_VBE_YRES, T_VBE_VIRT_WIDTH,
				       T_VBE_X_OFFSET, T_VBE_Y_OFFSET};

	for (unsigned i = 0; i < sizeof(geo) / sizeof(geo[0]); i++)
		t_dispi_wr(hw, geo[i], 0xffff);
	t_dispi_wr(hw, T_VBE_BPP, 32);
}

START_TEST(extreme_dispi_geometry_stays_inside_vram)
{
	static const uint32_t sizes[] = {1, 2, 16};

	for (unsigned n = 0; n < sizeof(sizes) / sizeof(sizes[0]); n++) {
		struct hw *hw = t_create(sizes[n], 0, 0);
		uint32_t maxy = sizes[n] * T_MIB / (16000 * 4);

		max_geometry(hw);
		t_dispi_wr(hw, T_VBE_ENABLE, 0x01);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 16000);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), maxy);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), maxy);
		max_geometry(hw);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), maxy);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 16000);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 0);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 0);
		hw_destroy(hw);
	}
}
END_TEST

START_TEST(every_dispi_value_is_safe_while_enabled)
{
	struct hw *hw = t_create(1, 0, 0);

	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	for (uint32_t v = 0; v <= 0xffff; v += 7) {
		t_dispi_wr(hw, T_VBE_XRES, (uint16_t)v);
		t_dispi_wr(hw, T_VBE_BPP, (uint16_t)(v >> 4));
		t_dispi_wr(hw, T_VBE_YRES, (uint16_t)~v);
		t_dispi_wr(hw, T_VBE_VIRT_WIDTH, (uint16_t)(v * 3));
		t_dispi_wr(hw, T_VBE_X_OFFSET, (uint16_t)(v * 5));
		t_dispi_wr(hw, T_VBE_Y_OFFSET, (uint16_t)(v * 11));
		ck_assert_uint_ge(t_dispi_rd(hw, T_VBE_YRES), 1);
		ck_assert_uint_le(t_dispi_rd(hw, T_VBE_XRES), 16000);
		ck_assert_uint_le(t_dispi_rd(hw, T_VBE_Y_OFFSET), 12000);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(create_with_null_config_gives_defaults)
{
	struct hw *hw = t_default();
	struct hw_region r;
	struct err e = {{0}};

	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	ck_assert_uint_eq(r.size, 16 * T_MIB);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x08, 1), 2);
	t_mem_on(hw);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x000, 1), 0x00);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x600, 4), 8);
	hw_destroy(hw);
	hw_destroy(NULL);
}
END_TEST

/* xorshift64: reproducible pseudo-random numbers. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned pick_size(uint64_t r)
{
	static const unsigned sizes[] = {1, 2, 4, 1, 2, 4, 0, 3, 8};

	return sizes[r % (sizeof(sizes) / sizeof(sizes[0]))];
}

static uint64_t pick_off(uint64_t r, uint64_t len)
{
	switch (r % 8) {
	case 0:
		return UINT64_MAX - (r >> 8) % 8;
	case 1:
		return len + (r >> 8) % 8;
	case 2:
		return len - 1 - (r >> 8) % 4;
	default:
		return (r >> 8) % len;
	}
}

static uint32_t pick_val(uint64_t r, unsigned size)
{
	uint32_t v = (uint32_t)(r >> 20);

	/* mostly values that fit, sometimes ones that do not */
	if (size < 4 && (r & 0xf) != 0)
		v &= (1u << 8 * size) - 1;
	return v;
}

static int size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4;
}

static int fits(uint32_t v, unsigned size)
{
	return size >= 4 || (v >> 8 * size) == 0;
}

static void storm_region(struct hw *hw, uint64_t r, uint64_t vram)
{
	static const uint64_t lens[HW_REGION_COUNT] = {0, 0, 4096, 0,
						       0, 0, 0,	   256};
	unsigned idx = (unsigned)(r % (HW_REGION_COUNT + 1));
	uint64_t len = idx == 0 ? vram : idx < HW_REGION_COUNT ? lens[idx] : 0;
	uint64_t off = pick_off(r >> 4, len ? len : 4096);
	unsigned size = pick_size(r >> 12);
	uint32_t v = pick_val(r, size);
	int valid = len && size_ok(size) && size <= len && off <= len - size;
	struct err e = {{0}};
	int rc;

	if ((r >> 40) & 1)
		rc = hw_region_read(hw, idx, off, size, &v, &e);
	else {
		valid = valid && fits(v, size);
		rc = hw_region_write(hw, idx, off, size, v, &e);
	}
	ck_assert_msg(rc == (valid ? 0 : -EINVAL),
		      "region %u off 0x%llx size %u: %d (%s)", idx,
		      (unsigned long long)off, size, rc, e.msg);
}

static void storm_port(struct hw *hw, uint64_t r)
{
	uint16_t port = (r & 3) ? (uint16_t)(0x3b0 + (r >> 4) % 0x31)
				: (uint16_t)(0x1cd + (r >> 4) % 5);
	unsigned size = pick_size(r >> 12);
	uint32_t v = pick_val(r, size);
	int in_range = (port >= 0x1ce && port <= 0x1d0) ||
		       (port >= 0x3b0 && port + size - 1 <= 0x3df);
	int valid = (size == 1 || size == 2) && in_range;
	struct err e = {{0}};
	int rc;

	if ((r >> 40) & 1)
		rc = hw_port_read(hw, port, size, &v, &e);
	else {
		valid = valid && fits(v, size);
		rc = hw_port_write(hw, port, size, v, &e);
	}
	ck_assert_msg(rc == (valid ? 0 : -EINVAL), "port 0x%x size %u: %d (%s)",
		      port, size, rc, e.msg);
}

static void storm_cfg(struct hw *hw, uint64_t r)
{
	uint32_t off = (uint32_t)pick_off(r >> 4, 256);
	unsigned size = pick_size(r >> 12);
	uint32_t v = pick_val(r, size);
	int valid = size_ok(size) && off <= 256 - size;
	struct err e = {{0}};
	int rc;

	/* keep memory decode on most of the time so BARs are exercised */
	if (!((r >> 40) & 1))
		rc = hw_cfg_read(hw, off, size, &v, &e);
	else if (off <= 0x05 && off + size > 0x04 && (r & 0x30))
		return;
	else {
		valid = valid && fits(v, size);
		rc = hw_cfg_write(hw, off, size, v, &e);
	}
	ck_assert_msg(rc == (valid ? 0 : -EINVAL),
		      "cfg off 0x%x size %u: %d (%s)", off, size, rc, e.msg);
}

START_TEST(random_access_storm_accepts_valid_and_rejects_invalid)
{
	struct hw *hw = t_create(1, 0, 0);
	uint64_t seed = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	struct err e = {{0}};

	t_mem_on(hw);
	for (int n = 0; n < 100000; n++) {
		uint64_t r = rnd(&seed);

		switch (r % 16) {
		case 0:
			storm_cfg(hw, rnd(&seed));
			break;
		case 1:
			if ((r >> 8) % 512 == 0) {
				ck_assert_int_eq(hw_reset(hw, &e), 0);
				t_mem_on(hw);
			}
			break;
		case 2:
		case 3:
		case 4:
		case 5:
		case 6:
			storm_port(hw, rnd(&seed));
			break;
		default:
			storm_region(hw, rnd(&seed), 1 * T_MIB);
			break;
		}
	}
	/* the device still works afterwards */
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), 0xb0c5);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x00, 4), 0x11111234);
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stdvga_hostile");
	TCase *tc = tcase_create("hostile");

	tcase_add_test(tc, config_access_out_of_bounds_is_rejected);
	tcase_add_test(tc, config_write_wider_than_access_is_rejected);
	tcase_add_test(tc, unknown_regions_are_rejected);
	tcase_add_test(tc, absent_regions_reject_access);
	tcase_add_test(tc, region_accesses_past_the_end_are_rejected);
	tcase_add_test(tc, region_checks_apply_with_decode_off);
	tcase_add_test(tc, region_write_wider_than_access_is_rejected);
	tcase_add_test(tc, unknown_ports_are_rejected);
	tcase_add_test(tc, port_access_sizes_other_than_1_or_2_are_rejected);
	tcase_add_test(tc, port_write_wider_than_access_is_rejected);
	tcase_add_test(tc, extreme_dispi_geometry_stays_inside_vram);
	tcase_add_test(tc, every_dispi_value_is_safe_while_enabled);
	tcase_add_test(tc, create_with_null_config_gives_defaults);
	tcase_add_loop_test(
		tc, random_access_storm_accepts_valid_and_rejects_invalid, 0,
		4);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
