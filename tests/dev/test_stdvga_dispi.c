/*
 * Unit tests of the stdvga model's DISPI/VBE registers (stdvga.md section
 * 3; checks 10.2-10.5 and 10.14-10.15), with the numbers of section 10.3.
 * They encode the QEMU version stdvga.md pins (XRES rounded down to a
 * multiple of 8, ID 0xB0C5 accepted, SR readback untouched by VBE).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/stdvga_test.h"
#include "tests/helpers/th_device.h"

static void mode(struct hw *hw, uint16_t x, uint16_t y, uint16_t bpp)
{
	t_dispi_wr(hw, T_VBE_XRES, x);
	t_dispi_wr(hw, T_VBE_YRES, y);
	t_dispi_wr(hw, T_VBE_BPP, bpp);
}

START_TEST(dispi_reset_values)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), 0xb0c5);
	for (uint16_t i = T_VBE_XRES; i <= T_VBE_Y_OFFSET; i++)
		ck_assert_msg(t_dispi_rd(hw, i) == 0, "DISPI %u", i);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIDEO_MEMORY_64K), 0x100);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_index_port_reads_back_16_bits)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), 0);
	t_out(hw, 0x1ce, 2, 0xabcd);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), 0xabcd);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_data_port_1d0_is_an_alias_of_1cf)
{
	struct hw *hw = t_default();

	t_out(hw, 0x1ce, 2, T_VBE_XRES);
	t_out(hw, 0x1d0, 2, 640);
	ck_assert_uint_eq(t_in(hw, 0x1cf, 2), 640);
	ck_assert_uint_eq(t_in(hw, 0x1d0, 2), 640);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_byte_access_to_16bit_ports_is_unclaimed)
{
	struct hw *hw = t_default();

	t_out(hw, 0x1ce, 2, T_VBE_XRES);
	t_out(hw, 0x1cf, 2, 0x1234);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 1), 0xff);
	ck_assert_uint_eq(t_in(hw, 0x1cf, 1), 0xff);
	t_out(hw, 0x1ce, 1, T_VBE_BPP);
	t_out(hw, 0x1cf, 1, 0x56);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), T_VBE_XRES);
	ck_assert_uint_eq(t_in(hw, 0x1cf, 2), 0x1234);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_id_stores_only_b0c0_to_b0c5)
{
	static const uint16_t bad[] = {0x1234, 0xb0bf, 0xb0c6, 0xffff, 0};
	struct hw *hw = t_default();

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_dispi_wr(hw, T_VBE_ID, bad[i]);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), 0xb0c5);
	}
	for (uint16_t id = 0xb0c0; id <= 0xb0c5; id++) {
		t_dispi_wr(hw, T_VBE_ID, id);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), id);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_getcaps_reads_maxima_for_geometry_only)
{
	struct hw *hw = t_default();

	mode(hw, 800, 600, 16);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 1024);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x02);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 16000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 12000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), 32);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 1024);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ENABLE), 0x02);
	/* writes still land; only reads are masked */
	t_dispi_wr(hw, T_VBE_XRES, 640);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x00);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 640);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 600);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), 16);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_values_are_raw_while_disabled)
{
	struct hw *hw = t_default();

	mode(hw, 1023, 0, 7);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 100);
	t_dispi_wr(hw, T_VBE_X_OFFSET, 60000);
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 50000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 1023);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), 7);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 100);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 60000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 50000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_xres_rounded_down_to_8_once_enabled)
{
	struct hw *hw = t_default();

	mode(hw, 1023, 768, 32);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 1023);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 1016);
	t_dispi_wr(hw, T_VBE_XRES, 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 8);
	t_dispi_wr(hw, T_VBE_XRES, 7);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 8);
	t_dispi_wr(hw, T_VBE_XRES, 20000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 16000);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_bpp_fixup_keeps_valid_depths_and_rewrites_others)
{
	static const uint16_t keep[] = {4, 8, 15, 16, 24, 32};
	static const uint16_t bad[] = {0, 1, 7, 12, 31, 33, 0xffff};
	struct hw *hw = t_default();

	mode(hw, 640, 480, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	for (unsigned i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		t_dispi_wr(hw, T_VBE_BPP, keep[i]);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), keep[i]);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_dispi_wr(hw, T_VBE_BPP, bad[i]);
		ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), 8);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_bpp_15_uses_a_2_byte_stride)
{
	struct hw *hw = t_default();

	t_color(hw);
	mode(hw, 640, 480, 15);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), 15);
	/* line length 1280: CR13 = 1280 >> 3, VIRT_HEIGHT = 16 MiB / 1280 */
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), 160);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 16 * T_MIB / 1280);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_yres_limited_by_vram_over_stride)
{
	struct hw *hw = t_create(1, 0, 0);

	mode(hw, 1024, 768, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	/* 1 MiB / 4096 bytes per line */
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 256);
	t_dispi_wr(hw, T_VBE_YRES, 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 1);
	hw_destroy(hw);
	hw = t_create(512, 0, 0);
	mode(hw, 8, 13000, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 12000);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_virt_width_is_at_least_xres)
{
	struct hw *hw = t_default();

	mode(hw, 800, 600, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 800);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 640);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 800);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 1029);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 1024);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 17000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 16000);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_virt_height_is_derived_and_read_only)
{
	struct hw *hw = t_default();

	t_dispi_wr(hw, T_VBE_VIRT_HEIGHT, 123);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 0);
	mode(hw, 1024, 768, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 4096);
	t_dispi_wr(hw, T_VBE_VIRT_HEIGHT, 100);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 4096);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 2048);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 2048);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_virt_height_truncates_to_16_bits)
{
	struct hw *hw = t_create(1, 0, 0);

	/* 1 MiB / 8 bytes per line = 0x20000 lines */
	mode(hw, 8, 1, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 0);
	t_dispi_wr(hw, T_VBE_BPP, 32);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_HEIGHT), 0x8000);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_out_of_range_y_offset_becomes_zero)
{
	struct hw *hw = t_default();

	mode(hw, 1024, 768, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	t_dispi_wr(hw, T_VBE_X_OFFSET, 16);
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 100);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 100);
	/* 4000 lines of 4096 bytes plus the frame exceed 16 MiB */
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 4000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 16);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_x_offset_reset_when_frame_fills_vram)
{
	struct hw *hw = t_create(1, 0, 0);

	/* 1024 lines of 1024 bytes: the frame is exactly 1 MiB */
	mode(hw, 256, 1024, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 1024);
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 1);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 0);
	t_dispi_wr(hw, T_VBE_X_OFFSET, 8);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_offsets_clamped_to_maxima)
{
	struct hw *hw = t_default();

	mode(hw, 8, 1, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	t_dispi_wr(hw, T_VBE_X_OFFSET, 20000);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 16000);
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 0xffff);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 12000);
	hw_destroy(hw);
}
END_TEST

/* Fill VRAM with 0xAA, enable with the given ENABLE value and mode,
 * return the mapping (caller unmaps). */
static uint8_t *enable_over_pattern(struct hw *hw, uint16_t enable,
				    uint64_t *size)
{
	uint8_t *vram = t_map_vram(hw, size);

	memset(vram, 0xaa, *size);
	mode(hw, 64, 16, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, enable);
	return vram;
}

START_TEST(dispi_enable_clears_vram_unless_noclearmem)
{
	struct hw *hw = t_create(1, 0, 0);
	uint64_t size;
	uint8_t *vram = enable_over_pattern(hw, 0x01, &size);

	/* [0, YRES * stride) = [0, 16 * 64) is zero, the rest untouched */
	ck_assert_uint_eq(t_first_not(vram, 0, size, 0x00), 1024);
	ck_assert_uint_eq(t_first_not(vram, 1024, size, 0xaa), size);
	hw_region_unmap(vram, size);
	hw_destroy(hw);

	hw = t_create(1, 0, 0);
	vram = enable_over_pattern(hw, 0x81, &size);
	ck_assert_uint_eq(t_first_not(vram, 0, size, 0xaa), size);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_enable_clears_only_on_transition)
{
	struct hw *hw = t_create(1, 0, 0);
	uint64_t size;
	uint8_t *vram = enable_over_pattern(hw, 0x01, &size);

	memset(vram, 0x55, 64);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x41);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x01);
	ck_assert_uint_eq(vram[0], 0x55);
	ck_assert_uint_eq(vram[63], 0x55);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_enable_clear_uses_the_fixed_up_frame)
{
	struct hw *hw = t_create(1, 0, 0);
	uint64_t size;
	uint8_t *vram = t_map_vram(hw, &size);

	memset(vram, 0xaa, size);
	/* XRES 1023 -> 1016, BPP 15 -> 2 bytes: 10 lines of 2032 bytes */
	mode(hw, 1023, 10, 15);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x01);
	ck_assert_uint_eq(vram[10 * 2032 - 1], 0);
	ck_assert_uint_eq(vram[10 * 2032], 0xaa);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_offsets_reset_on_transition_only)
{
	struct hw *hw = t_default();

	mode(hw, 640, 480, 32);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 2048);
	t_dispi_wr(hw, T_VBE_X_OFFSET, 8);
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 4);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 640);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 0);
	t_dispi_wr(hw, T_VBE_VIRT_WIDTH, 1024);
	t_dispi_wr(hw, T_VBE_X_OFFSET, 16);
	t_dispi_wr(hw, T_VBE_Y_OFFSET, 32);
	/* re-writing ENABLE while enabled is not a transition */
	t_dispi_wr(hw, T_VBE_ENABLE, 0xc1);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 1024);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 16);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_Y_OFFSET), 32);
	/* disabling keeps them too */
	t_dispi_wr(hw, T_VBE_ENABLE, 0x00);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_X_OFFSET), 16);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 640);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_enable_reads_back_verbatim)
{
	static const uint16_t vals[] = {0xc1, 0x43, 0xffff, 0x1e, 0x8000};
	struct hw *hw = t_default();

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		t_dispi_wr(hw, T_VBE_ENABLE, vals[i]);
		t_out(hw, 0x1ce, 2, T_VBE_ENABLE);
		ck_assert_uint_eq(t_in(hw, 0x1cf, 2), vals[i]);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_enable_forces_vga_registers)
{
	struct hw *hw = t_default();

	t_color(hw);
	t_idx_wr(hw, 0x3ce, 0x06, 0x0a); /* map 2, chain odd/even */
	t_idx_wr(hw, 0x3ce, 0x05, 0x10);
	t_cr_wr(hw, 0x09, 0x9f);
	t_cr_wr(hw, 0x07, 0x00);
	mode(hw, 800, 600, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x06), 0x07);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x05), 0x50);
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), (3200 >> 3) & 0xff);
	ck_assert_uint_eq(t_cr_rd(hw, 0x01), 800 / 8 - 1);
	ck_assert_uint_eq(t_cr_rd(hw, 0x12), 599 & 0xff);
	/* 599 = 0x257: VDE bit 9 -> CR07 bit 6, line compare bit 8 */
	ck_assert_uint_eq(t_cr_rd(hw, 0x07), 0x50);
	ck_assert_uint_eq(t_cr_rd(hw, 0x18), 0xff);
	ck_assert_uint_eq(t_cr_rd(hw, 0x17) & 0x03, 0x03);
	ck_assert_uint_eq(t_cr_rd(hw, 0x09), 0x40);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_yres_bit9_goes_to_cr07_bit6)
{
	struct hw *hw = t_default();

	t_color(hw);
	mode(hw, 640, 1024, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	/* 1023 = 0x3FF: bits 8 and 9 set */
	ck_assert_uint_eq(t_cr_rd(hw, 0x12), 0xff);
	ck_assert_uint_eq(t_cr_rd(hw, 0x07) & 0x52, 0x52);
	t_dispi_wr(hw, T_VBE_YRES, 200);
	ck_assert_uint_eq(t_cr_rd(hw, 0x12), 199);
	ck_assert_uint_eq(t_cr_rd(hw, 0x07) & 0x42, 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_gr_and_cr_writes_are_reforced_while_enabled)
{
	struct hw *hw = t_default();

	t_color(hw);
	mode(hw, 800, 600, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	t_idx_wr(hw, 0x3ce, 0x06, 0x00);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x06), 0x05);
	t_idx_wr(hw, 0x3ce, 0x05, 0x03);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x05), 0x43);
	t_cr_wr(hw, 0x13, 0x11);
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), (3200 >> 3) & 0xff);
	t_cr_wr(hw, 0x18, 0x00);
	ck_assert_uint_eq(t_cr_rd(hw, 0x18), 0xff);
	t_cr_wr(hw, 0x17, 0xa0);
	ck_assert_uint_eq(t_cr_rd(hw, 0x17), 0xa3);
	/* registers VBE does not own keep the written value */
	t_cr_wr(hw, 0x14, 0x40);
	ck_assert_uint_eq(t_cr_rd(hw, 0x14), 0x40);
	t_idx_wr(hw, 0x3ce, 0x08, 0x0f);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x08), 0x0f);
	/* locked CR07 write: bit 0 is dropped, bit 4 is forced back on */
	t_cr_wr(hw, 0x11, 0x80);
	t_cr_wr(hw, 0x07, 0x01);
	ck_assert_uint_eq(t_cr_rd(hw, 0x07), 0x50);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_disable_leaves_forced_registers)
{
	struct hw *hw = t_default();

	t_color(hw);
	mode(hw, 800, 600, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x00);
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), (3200 >> 3) & 0xff);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x06), 0x05);
	/* no longer forced */
	t_cr_wr(hw, 0x13, 0x11);
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), 0x11);
	t_idx_wr(hw, 0x3ce, 0x06, 0x0e);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x06), 0x0e);
	/* and the fixups stop: raw values again */
	t_dispi_wr(hw, T_VBE_XRES, 1023);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 1023);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_geometry_write_while_enabled_refreshes_crtc)
{
	struct hw *hw = t_default();

	t_color(hw);
	mode(hw, 800, 600, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	t_dispi_wr(hw, T_VBE_XRES, 640);
	ck_assert_uint_eq(t_cr_rd(hw, 0x01), 640 / 8 - 1);
	/* VIRT_WIDTH stays 800, so the stride does too */
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), (3200 >> 3) & 0xff);
	t_dispi_wr(hw, T_VBE_BPP, 8);
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), 800 >> 3);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_bpp_4_uses_planar_shift_control)
{
	struct hw *hw = t_default();

	t_color(hw);
	t_idx_wr(hw, 0x3ce, 0x05, 0x40);
	mode(hw, 640, 480, 4);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x05), 0x00);
	/* 640 pixels of 4 bits: 320 bytes per line */
	ck_assert_uint_eq(t_cr_rd(hw, 0x13), 320 >> 3);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_sr02_sr04_read_back_the_guest_values)
{
	struct hw *hw = t_default();

	t_idx_wr(hw, 0x3c4, 0x02, 0x03);
	t_idx_wr(hw, 0x3c4, 0x04, 0x02);
	t_idx_wr(hw, 0x3c4, 0x01, 0x08);
	mode(hw, 640, 480, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x02), 0x03);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x04), 0x02);
	t_dispi_wr(hw, T_VBE_BPP, 4);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x01), 0x08);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_bank_masked_to_vram_size)
{
	struct hw *hw = t_default();

	t_dispi_wr(hw, T_VBE_BANK, 0x1ff);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BANK), 0xff);
	hw_destroy(hw);
	hw = t_create(1, 0, 0);
	t_dispi_wr(hw, T_VBE_BANK, 0x13);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BANK), 0x03);
	t_dispi_wr(hw, T_VBE_BANK, 0xffff);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BANK), 0x0f);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_non_transition_enable_keeps_bank_register)
{
	struct hw *hw = t_default();

	t_dispi_wr(hw, T_VBE_BANK, 5);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x00);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BANK), 5);
	mode(hw, 640, 480, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	t_dispi_wr(hw, T_VBE_ENABLE, 0xc1);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BANK), 5);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_registers_beyond_0xa_read_zero_and_ignore_writes)
{
	static const uint16_t idx[] = {0x0b, 0x0f, 0x10, 0x100, 0xffff};
	struct hw *hw = t_default();

	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		t_dispi_wr(hw, idx[i], 0x1234);
		ck_assert_uint_eq(t_dispi_rd(hw, idx[i]), 0);
	}
	t_dispi_wr(hw, T_VBE_VIDEO_MEMORY_64K, 1);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIDEO_MEMORY_64K), 0x100);
	for (uint16_t i = T_VBE_XRES; i <= T_VBE_Y_OFFSET; i++)
		ck_assert_uint_eq(t_dispi_rd(hw, i), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_mmio_registers_are_flat_at_0x500)
{
	struct hw *hw = t_default();

	t_mem_on(hw);
	mode(hw, 800, 600, 16);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x500, 2), 0xb0c5);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x502, 2), 800);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x504, 2), 600);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x506, 2), 16);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x514, 2), 0x100);
	t_mmio_wr(hw, 0x50c, 2, 1024);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 1024);
	t_mmio_wr(hw, 0x508, 2, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ENABLE), 0x81);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x50e, 2), 16 * T_MIB / 1600);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_mmio_access_overwrites_port_index_latch)
{
	struct hw *hw = t_default();

	t_mem_on(hw);
	t_out(hw, 0x1ce, 2, T_VBE_BPP);
	t_mmio_rd(hw, 0x502, 2);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), T_VBE_XRES);
	t_mmio_wr(hw, 0x512, 2, 0);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), T_VBE_Y_OFFSET);
	/* so a port data access now hits Y_OFFSET */
	t_out(hw, 0x1cf, 2, 7);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x512, 2), 7);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_mmio_byte_write_replaces_whole_register)
{
	struct hw *hw = t_default();

	t_mem_on(hw);
	t_dispi_wr(hw, T_VBE_XRES, 0x1234);
	t_mmio_wr(hw, 0x502, 1, 0x56);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 0x0056);
	t_dispi_wr(hw, T_VBE_XRES, 0x1234);
	t_mmio_wr(hw, 0x503, 1, 0x78);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_XRES), 0x0078);
	/* byte reads return the low byte of the register */
	t_dispi_wr(hw, T_VBE_YRES, 0xabcd);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x504, 1), 0xcd);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x505, 1), 0xcd);
	hw_destroy(hw);
}
END_TEST

START_TEST(dispi_mmio_dword_access_spans_two_registers)
{
	struct hw *hw = t_default();

	t_mem_on(hw);
	t_mmio_wr(hw, 0x504, 4, 0x00200258); /* YRES 600, BPP 32 */
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_YRES), 600);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_BPP), 32);
	t_dispi_wr(hw, T_VBE_XRES, 800);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x500, 4), (800u << 16) | 0xb0c5);
	/* the last dword holds VIDEO_MEMORY_64K and then a hole */
	ck_assert_uint_eq(t_mmio_rd(hw, 0x514, 4), 0xffff0100);
	hw_destroy(hw);
}
END_TEST

START_TEST(reset_restores_dispi_and_keeps_vram)
{
	struct hw *hw = t_create(1, 0, 0);
	struct err e = {{0}};
	uint64_t size;
	uint8_t *vram = t_map_vram(hw, &size);

	memset(vram, 0x3c, size);
	t_color(hw);
	mode(hw, 640, 480, 32);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x41);
	t_dispi_wr(hw, T_VBE_BANK, 3);
	t_dispi_wr(hw, T_VBE_ID, 0xb0c2);
	t_out(hw, 0x1ce, 2, 0x7);
	ck_assert_uint_eq(vram[0], 0);
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	ck_assert_uint_eq(t_in(hw, 0x1ce, 2), 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), 0xb0c5);
	for (uint16_t i = T_VBE_XRES; i <= T_VBE_Y_OFFSET; i++)
		ck_assert_msg(t_dispi_rd(hw, i) == 0, "DISPI %u", i);
	/* MSR back to 0 (mono) and the output blank (PAS = 0) */
	ck_assert_uint_eq(t_inb(hw, 0x3cc), 0);
	ck_assert_uint_eq(t_inb(hw, 0x3c0) & 0x20, 0);
	/* VRAM survives: cleared frame stays cleared, the rest stays */
	ck_assert_uint_eq(vram[0], 0);
	ck_assert_uint_eq(vram[size - 1], 0x3c);
	/* enabling again still works from the reset state */
	mode(hw, 64, 4, 8);
	t_dispi_wr(hw, T_VBE_ENABLE, 0x81);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIRT_WIDTH), 64);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stdvga_dispi");
	TCase *tc = tcase_create("dispi");

	tcase_add_test(tc, dispi_reset_values);
	tcase_add_test(tc, dispi_index_port_reads_back_16_bits);
	tcase_add_test(tc, dispi_data_port_1d0_is_an_alias_of_1cf);
	tcase_add_test(tc, dispi_byte_access_to_16bit_ports_is_unclaimed);
	tcase_add_test(tc, dispi_id_stores_only_b0c0_to_b0c5);
	tcase_add_test(tc, dispi_getcaps_reads_maxima_for_geometry_only);
	tcase_add_test(tc, dispi_values_are_raw_while_disabled);
	tcase_add_test(tc, dispi_xres_rounded_down_to_8_once_enabled);
	tcase_add_test(tc,
		       dispi_bpp_fixup_keeps_valid_depths_and_rewrites_others);
	tcase_add_test(tc, dispi_bpp_15_uses_a_2_byte_stride);
	tcase_add_test(tc, dispi_yres_limited_by_vram_over_stride);
	tcase_add_test(tc, dispi_virt_width_is_at_least_xres);
	tcase_add_test(tc, dispi_virt_height_is_derived_and_read_only);
	tcase_add_test(tc, dispi_virt_height_truncates_to_16_bits);
	tcase_add_test(tc, dispi_out_of_range_y_offset_becomes_zero);
	tcase_add_test(tc, dispi_x_offset_reset_when_frame_fills_vram);
	tcase_add_test(tc, dispi_offsets_clamped_to_maxima);
	tcase_add_test(tc, dispi_enable_clears_vram_unless_noclearmem);
	tcase_add_test(tc, dispi_enable_clears_only_on_transition);
	tcase_add_test(tc, dispi_enable_clear_uses_the_fixed_up_frame);
	tcase_add_test(tc, dispi_offsets_reset_on_transition_only);
	tcase_add_test(tc, dispi_enable_reads_back_verbatim);
	tcase_add_test(tc, dispi_enable_forces_vga_registers);
	tcase_add_test(tc, dispi_yres_bit9_goes_to_cr07_bit6);
	tcase_add_test(tc, dispi_gr_and_cr_writes_are_reforced_while_enabled);
	tcase_add_test(tc, dispi_disable_leaves_forced_registers);
	tcase_add_test(tc, dispi_geometry_write_while_enabled_refreshes_crtc);
	tcase_add_test(tc, dispi_bpp_4_uses_planar_shift_control);
	tcase_add_test(tc, dispi_sr02_sr04_read_back_the_guest_values);
	tcase_add_test(tc, dispi_bank_masked_to_vram_size);
	tcase_add_test(tc, dispi_non_transition_enable_keeps_bank_register);
	tcase_add_test(tc,
		       dispi_registers_beyond_0xa_read_zero_and_ignore_writes);
	tcase_add_test(tc, dispi_mmio_registers_are_flat_at_0x500);
	tcase_add_test(tc, dispi_mmio_access_overwrites_port_index_latch);
	tcase_add_test(tc, dispi_mmio_byte_write_replaces_whole_register);
	tcase_add_test(tc, dispi_mmio_dword_access_spans_two_registers);
	tcase_add_test(tc, reset_restores_dispi_and_keeps_vram);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
