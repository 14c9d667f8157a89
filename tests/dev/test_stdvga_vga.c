/*
 * Unit tests of the stdvga model's VGA register file and legacy port
 * decode (stdvga.md sections 2.2 and 4; checks 10.7-10.12). Everything goes
 * through the hw_* wrappers.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/helpers/stdvga_test.h"
#include "tests/helpers/th_device.h"

START_TEST(msr_write_clears_bit4_and_reads_at_3cc)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_inb(hw, 0x3cc), 0x00);
	t_outb(hw, 0x3c2, 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3cc), 0xef);
	t_outb(hw, 0x3c2, 0x63);
	ck_assert_uint_eq(t_inb(hw, 0x3cc), 0x63);
	hw_destroy(hw);
}
END_TEST

START_TEST(input_status_0_reads_zero)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c2, 0x67);
	ck_assert_uint_eq(t_inb(hw, 0x3c2), 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(is1_dumb_retrace_alternates_09_and_00)
{
	struct hw *hw = t_default();

	/* mono after reset: IS1 is at 0x3BA */
	ck_assert_uint_eq(t_inb(hw, 0x3ba), 0x09);
	ck_assert_uint_eq(t_inb(hw, 0x3ba), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3ba), 0x09);
	t_color(hw);
	ck_assert_uint_eq(t_inb(hw, 0x3da), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3da), 0x09);
	hw_destroy(hw);
}
END_TEST

START_TEST(is1_read_resets_attribute_flipflop)
{
	struct hw *hw = t_default();

	t_color(hw);
	t_outb(hw, 0x3c0, 0x05); /* index phase -> data phase */
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x00);
	t_inb(hw, 0x3da);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x05);
	/* the next write is an index again */
	t_outb(hw, 0x3c0, 0x31);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x00);
	t_inb(hw, 0x3da);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x31);
	hw_destroy(hw);
}
END_TEST

START_TEST(fcr_keeps_only_bit4)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3ba, 0xff); /* mono feature control */
	ck_assert_uint_eq(t_inb(hw, 0x3ca), 0x10);
	t_color(hw);
	t_outb(hw, 0x3da, 0xef);
	ck_assert_uint_eq(t_inb(hw, 0x3ca), 0x00);
	t_outb(hw, 0x3da, 0x10);
	ck_assert_uint_eq(t_inb(hw, 0x3ca), 0x10);
	/* 0x3CA itself is read-only */
	t_outb(hw, 0x3ca, 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3ca), 0x10);
	hw_destroy(hw);
}
END_TEST

START_TEST(sequencer_index_is_3_bits)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c4, 0xfa);
	ck_assert_uint_eq(t_inb(hw, 0x3c4), 0x02);
	t_outb(hw, 0x3c5, 0x0c);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x02), 0x0c);
	hw_destroy(hw);
}
END_TEST

START_TEST(sequencer_data_masks)
{
	static const uint8_t mask[8] = {0x03, 0x3d, 0x0f, 0x3f,
					0x0e, 0x00, 0x00, 0xff};
	struct hw *hw = t_default();

	for (uint8_t i = 0; i < 8; i++) {
		t_idx_wr(hw, 0x3c4, i, 0xff);
		ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, i), mask[i]);
		t_idx_wr(hw, 0x3c4, i, 0x00);
		ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, i), 0x00);
	}
	t_idx_wr(hw, 0x3c4, 7, 0x5a);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 7), 0x5a);
	hw_destroy(hw);
}
END_TEST

START_TEST(sequencer_reset_sequence_has_no_side_effects)
{
	struct hw *hw = t_default();

	t_idx_wr(hw, 0x3c4, 0x01, 0x21);
	t_idx_wr(hw, 0x3c4, 0x00, 0x01);
	t_idx_wr(hw, 0x3c4, 0x04, 0x06);
	t_outb(hw, 0x3c2, 0x67);
	t_idx_wr(hw, 0x3c4, 0x00, 0x03);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x00), 0x03);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x01), 0x21);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x04), 0x06);
	ck_assert_uint_eq(t_inb(hw, 0x3cc), 0x67);
	hw_destroy(hw);
}
END_TEST

START_TEST(graphics_index_is_4_bits)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3ce, 0xf8);
	ck_assert_uint_eq(t_inb(hw, 0x3ce), 0x08);
	t_outb(hw, 0x3cf, 0xa5);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x08), 0xa5);
	hw_destroy(hw);
}
END_TEST

START_TEST(graphics_data_masks_and_gr9_to_grf_read_zero)
{
	static const uint8_t mask[16] = {0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b,
					 0x0f, 0x0f, 0xff, 0,	 0,    0,
					 0,    0,    0,	   0};
	struct hw *hw = t_default();

	for (uint8_t i = 0; i < 16; i++) {
		t_idx_wr(hw, 0x3ce, i, 0xff);
		ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, i), mask[i]);
	}
	/* GR05 bits 7 and 2 read 0 */
	t_idx_wr(hw, 0x3ce, 0x05, 0x84);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x05), 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(crtc_index_is_8_bits_and_high_registers_are_scratch)
{
	struct hw *hw = t_default();

	t_color(hw);
	for (unsigned i = 0x19; i <= 0xff; i++)
		t_cr_wr(hw, (uint8_t)i, (uint8_t)(i ^ 0x5a));
	for (unsigned i = 0x19; i <= 0xff; i++)
		ck_assert_uint_eq(t_cr_rd(hw, (uint8_t)i), i ^ 0x5a);
	t_outb(hw, 0x3d4, 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3d4), 0xff);
	/* full 8-bit readback of the standard registers */
	t_cr_wr(hw, 0x14, 0xff);
	ck_assert_uint_eq(t_cr_rd(hw, 0x14), 0xff);
	hw_destroy(hw);
}
END_TEST

START_TEST(crtc_protect_locks_cr00_to_cr07_except_cr07_bit4)
{
	struct hw *hw = t_default();

	t_color(hw);
	for (uint8_t i = 0; i <= 7; i++)
		t_cr_wr(hw, i, 0x20 + i);
	t_cr_wr(hw, 0x11, 0x80);
	for (uint8_t i = 0; i <= 6; i++)
		t_cr_wr(hw, i, 0xff);
	t_cr_wr(hw, 0x07, 0xff);
	for (uint8_t i = 0; i <= 6; i++)
		ck_assert_uint_eq(t_cr_rd(hw, i), 0x20 + i);
	ck_assert_uint_eq(t_cr_rd(hw, 0x07), 0x27 | 0x10);
	t_cr_wr(hw, 0x07, 0x00);
	ck_assert_uint_eq(t_cr_rd(hw, 0x07), 0x27);
	/* CR08 and up are never locked */
	t_cr_wr(hw, 0x08, 0x3c);
	ck_assert_uint_eq(t_cr_rd(hw, 0x08), 0x3c);
	/* clearing the lock bit unlocks */
	t_cr_wr(hw, 0x11, 0x00);
	t_cr_wr(hw, 0x00, 0x99);
	ck_assert_uint_eq(t_cr_rd(hw, 0x00), 0x99);
	hw_destroy(hw);
}
END_TEST

START_TEST(attribute_index_write_keeps_6_bits_including_pas)
{
	struct hw *hw = t_default();

	t_color(hw);
	t_inb(hw, 0x3da);
	t_outb(hw, 0x3c0, 0xff);
	t_inb(hw, 0x3da);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x3f);
	t_outb(hw, 0x3c0, 0x20);
	t_inb(hw, 0x3da);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x20);
	hw_destroy(hw);
}
END_TEST

START_TEST(attribute_3c0_read_gives_index_then_zero)
{
	struct hw *hw = t_default();

	t_color(hw);
	t_inb(hw, 0x3da);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x00);
	t_outb(hw, 0x3c0, 0x33);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x00); /* data phase */
	t_outb(hw, 0x3c0, 0x07); /* data write: back to index */
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x33);
	hw_destroy(hw);
}
END_TEST

START_TEST(attribute_data_masks_per_register)
{
	struct hw *hw = t_default();

	t_color(hw);
	for (uint8_t i = 0; i < 0x10; i++) {
		t_ar_wr(hw, i, 0xff);
		ck_assert_uint_eq(t_ar_rd(hw, i), 0x3f);
	}
	t_ar_wr(hw, 0x10, 0xff);
	ck_assert_uint_eq(t_ar_rd(hw, 0x10), 0xef);
	t_ar_wr(hw, 0x11, 0xff);
	ck_assert_uint_eq(t_ar_rd(hw, 0x11), 0xff);
	t_ar_wr(hw, 0x12, 0xff);
	ck_assert_uint_eq(t_ar_rd(hw, 0x12), 0x3f);
	t_ar_wr(hw, 0x13, 0xff);
	ck_assert_uint_eq(t_ar_rd(hw, 0x13), 0x0f);
	t_ar_wr(hw, 0x14, 0xff);
	ck_assert_uint_eq(t_ar_rd(hw, 0x14), 0x0f);
	hw_destroy(hw);
}
END_TEST

START_TEST(attribute_indices_15_to_1f_ignored_and_read_zero)
{
	struct hw *hw = t_default();

	t_color(hw);
	for (uint8_t i = 0x15; i <= 0x1f; i++) {
		t_ar_wr(hw, i, 0xff);
		ck_assert_uint_eq(t_ar_rd(hw, i), 0);
	}
	/* and nothing below 0x15 was hit */
	for (uint8_t i = 0; i < 0x15; i++)
		ck_assert_uint_eq(t_ar_rd(hw, i), 0);
	/* the data write still toggled the flip-flop */
	t_inb(hw, 0x3da);
	t_outb(hw, 0x3c0, 0x16);
	t_outb(hw, 0x3c0, 0x01);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x16);
	hw_destroy(hw);
}
END_TEST

START_TEST(attribute_3c1_read_does_not_toggle_and_write_is_ignored)
{
	struct hw *hw = t_default();

	t_color(hw);
	t_ar_wr(hw, 0x02, 0x15);
	t_inb(hw, 0x3da);
	t_outb(hw, 0x3c0, 0x02);
	ck_assert_uint_eq(t_inb(hw, 0x3c1), 0x15);
	ck_assert_uint_eq(t_inb(hw, 0x3c1), 0x15);
	t_outb(hw, 0x3c1, 0x3f);
	/* still in data phase: the next 0x3C0 write lands in AR02 */
	t_outb(hw, 0x3c0, 0x2a);
	ck_assert_uint_eq(t_ar_rd(hw, 0x02), 0x2a);
	hw_destroy(hw);
}
END_TEST

START_TEST(attribute_index_upper_bits_alias_registers)
{
	struct hw *hw = t_default();

	t_color(hw);
	/* index 0x23 (PAS set) writes and reads AR03 */
	t_ar_wr(hw, 0x23, 0x11);
	ck_assert_uint_eq(t_ar_rd(hw, 0x03), 0x11);
	ck_assert_uint_eq(t_ar_rd(hw, 0x23), 0x11);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_stores_full_8bit_values)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c8, 0x10);
	t_outb(hw, 0x3c9, 0xff);
	t_outb(hw, 0x3c9, 0x80);
	t_outb(hw, 0x3c9, 0x41);
	t_outb(hw, 0x3c7, 0x10);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x80);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x41);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_state_reads_0_after_write_index_3_after_read_index)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_inb(hw, 0x3c7), 0);
	t_outb(hw, 0x3c7, 0x20);
	ck_assert_uint_eq(t_inb(hw, 0x3c7), 3);
	t_outb(hw, 0x3c8, 0x20);
	ck_assert_uint_eq(t_inb(hw, 0x3c7), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_write_index_reads_back_and_advances)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c8, 0x40);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x40);
	for (int i = 0; i < 6; i++)
		t_outb(hw, 0x3c9, 0x01);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x42);
	/* the read index is not the write index */
	t_outb(hw, 0x3c7, 0x05);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x42);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_entry_committed_only_on_third_byte)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c8, 0x01);
	t_outb(hw, 0x3c9, 0x11);
	t_outb(hw, 0x3c9, 0x22);
	t_outb(hw, 0x3c7, 0x01);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x01);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_reads_and_writes_share_one_sub_index)
{
	struct hw *hw = t_default();

	/* palette[2] = 0x0a 0x0b 0x0c, palette[3] = 0x0d 0x0e 0x0f */
	t_outb(hw, 0x3c8, 0x02);
	for (uint8_t v = 0x0a; v <= 0x0f; v++)
		t_outb(hw, 0x3c9, v);
	t_outb(hw, 0x3c7, 0x02); /* read index 2, sub-index 0 */
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x0a);
	/* a data write now fills cache[1], not cache[0] */
	t_outb(hw, 0x3c9, 0x77);
	/* the read continues at sub-index 2 */
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x0c);
	/* the sub-index wrapped, so the read index moved on to entry 3 */
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x0d);
	/* the half-written entry was never committed */
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x04);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_index_writes_reset_the_sub_index)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c8, 0x00);
	for (uint8_t v = 1; v <= 6; v++)
		t_outb(hw, 0x3c9, v);
	t_outb(hw, 0x3c7, 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 1);
	t_outb(hw, 0x3c7, 0x01);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 4);
	/* a stray data byte, then a new write index: starts over */
	t_outb(hw, 0x3c9, 0xee);
	t_outb(hw, 0x3c8, 0x05);
	t_outb(hw, 0x3c9, 0x21);
	t_outb(hw, 0x3c9, 0x22);
	t_outb(hw, 0x3c9, 0x23);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x06);
	t_outb(hw, 0x3c7, 0x05);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x21);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x22);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x23);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_indices_wrap_at_256)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c8, 0xff);
	t_outb(hw, 0x3c9, 0x01);
	t_outb(hw, 0x3c9, 0x02);
	t_outb(hw, 0x3c9, 0x03);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x00);
	t_outb(hw, 0x3c9, 0x04);
	t_outb(hw, 0x3c9, 0x05);
	t_outb(hw, 0x3c9, 0x06);
	t_outb(hw, 0x3c7, 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x01);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x02);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x03);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x04);
	hw_destroy(hw);
}
END_TEST

START_TEST(dac_full_palette_round_trip)
{
	struct hw *hw = t_default();

	t_outb(hw, 0x3c8, 0);
	for (unsigned i = 0; i < 768; i++)
		t_outb(hw, 0x3c9, (uint8_t)(i * 7));
	t_outb(hw, 0x3c7, 0);
	for (unsigned i = 0; i < 768; i++)
		ck_assert_uint_eq(t_inb(hw, 0x3c9), (uint8_t)(i * 7));
	hw_destroy(hw);
}
END_TEST

START_TEST(pel_mask_reads_zero_and_ignores_writes)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_inb(hw, 0x3c6), 0x00);
	t_outb(hw, 0x3c6, 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3c6), 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(unused_claimed_ports_read_zero)
{
	static const uint16_t ports[] = {0x3c3, 0x3cb, 0x3cd};
	struct hw *hw = t_default();

	for (unsigned i = 0; i < 3; i++) {
		t_outb(hw, ports[i], 0xff);
		ck_assert_uint_eq(t_inb(hw, ports[i]), 0x00);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(mono_decode_rejects_3dx_ports)
{
	struct hw *hw = t_default();

	/* reset: MSR 0 = mono */
	t_outb(hw, 0x3d4, 0x0c);
	t_outb(hw, 0x3d5, 0x12);
	ck_assert_uint_eq(t_inb(hw, 0x3d4), 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3d5), 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3da), 0xff);
	/* the CRTC answers at 0x3B4/0x3B5 and saw no write */
	ck_assert_uint_eq(t_inb(hw, 0x3b4), 0x00);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3b4, 0x0c), 0x00);
	t_idx_wr(hw, 0x3b4, 0x0c, 0x34);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3b4, 0x0c), 0x34);
	hw_destroy(hw);
}
END_TEST

START_TEST(color_decode_rejects_3bx_ports)
{
	struct hw *hw = t_default();

	t_idx_wr(hw, 0x3b4, 0x0e, 0x56);
	t_color(hw);
	ck_assert_uint_eq(t_inb(hw, 0x3b4), 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3b5), 0xff);
	ck_assert_uint_eq(t_inb(hw, 0x3ba), 0xff);
	t_outb(hw, 0x3b4, 0x0e);
	t_outb(hw, 0x3b5, 0x99);
	/* the same CRTC, now at 0x3D4/0x3D5, unchanged */
	ck_assert_uint_eq(t_cr_rd(hw, 0x0e), 0x56);
	/* the feature control write through 0x3BA was dropped too */
	t_outb(hw, 0x3ba, 0x10);
	ck_assert_uint_eq(t_inb(hw, 0x3ca), 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(unclaimed_ports_read_all_ones)
{
	static const uint16_t ports[] = {0x3b0, 0x3b3, 0x3b6, 0x3bb, 0x3bf,
					 0x3d0, 0x3d3, 0x3d6, 0x3d9, 0x3df};
	struct hw *hw = t_default();

	t_color(hw);
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		t_outb(hw, ports[i], 0x00);
		ck_assert_msg(t_inb(hw, ports[i]) == 0xff, "port 0x%x",
			      ports[i]);
	}
	t_outb(hw, 0x3c2, 0x00);
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		ck_assert_uint_eq(t_inb(hw, ports[i]), 0xff);
	hw_destroy(hw);
}
END_TEST

START_TEST(word_port_write_sends_index_then_data)
{
	struct hw *hw = t_default();

	t_out(hw, 0x3c4, 2, 0x0f02);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x02), 0x0f);
	t_out(hw, 0x3ce, 2, 0xff08);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x08), 0xff);
	t_out(hw, 0x3b4, 2, 0x770c);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3b4, 0x0c), 0x77);
	hw_destroy(hw);
}
END_TEST

START_TEST(word_port_read_returns_two_bytes)
{
	struct hw *hw = t_default();

	t_idx_wr(hw, 0x3c4, 0x04, 0x06);
	ck_assert_uint_eq(t_in(hw, 0x3c4, 2), 0x0604);
	/* 0x3B5 is claimed, 0x3B6 is not */
	t_outb(hw, 0x3b4, 0x0c);
	t_outb(hw, 0x3b5, 0x42);
	ck_assert_uint_eq(t_in(hw, 0x3b5, 2), 0xff42);
	/* 0x3B3 is not claimed, 0x3B4 is */
	ck_assert_uint_eq(t_in(hw, 0x3b3, 2), 0x0cff);
	hw_destroy(hw);
}
END_TEST

START_TEST(reset_returns_vga_registers_to_zero)
{
	struct hw *hw = t_default();
	struct err e = {{0}};

	t_color(hw);
	t_idx_wr(hw, 0x3c4, 0x01, 0x21);
	t_idx_wr(hw, 0x3ce, 0x05, 0x40);
	t_cr_wr(hw, 0x11, 0x80);
	t_cr_wr(hw, 0x30, 0x12);
	t_ar_wr(hw, 0x30, 0x0f);
	t_outb(hw, 0x3da, 0x10);
	t_outb(hw, 0x3c8, 0x00);
	t_outb(hw, 0x3c9, 0x3f);
	t_outb(hw, 0x3c9, 0x3f);
	t_outb(hw, 0x3c9, 0x3f);
	t_inb(hw, 0x3da);
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	ck_assert_uint_eq(t_inb(hw, 0x3cc), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3ca), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c4), 0x00);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x01), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3ce), 0x00);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x05), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3b4), 0x00);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3b4, 0x11), 0x00);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3b4, 0x30), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c0), 0x00); /* index phase, no PAS */
	ck_assert_uint_eq(t_inb(hw, 0x3c1), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c7), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c8), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3c9), 0x00);
	ck_assert_uint_eq(t_inb(hw, 0x3ba), 0x09); /* st01 back to 0 */
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stdvga_vga");
	TCase *tc = tcase_create("vga");

	tcase_add_test(tc, msr_write_clears_bit4_and_reads_at_3cc);
	tcase_add_test(tc, input_status_0_reads_zero);
	tcase_add_test(tc, is1_dumb_retrace_alternates_09_and_00);
	tcase_add_test(tc, is1_read_resets_attribute_flipflop);
	tcase_add_test(tc, fcr_keeps_only_bit4);
	tcase_add_test(tc, sequencer_index_is_3_bits);
	tcase_add_test(tc, sequencer_data_masks);
	tcase_add_test(tc, sequencer_reset_sequence_has_no_side_effects);
	tcase_add_test(tc, graphics_index_is_4_bits);
	tcase_add_test(tc, graphics_data_masks_and_gr9_to_grf_read_zero);
	tcase_add_test(tc, crtc_index_is_8_bits_and_high_registers_are_scratch);
	tcase_add_test(tc, crtc_protect_locks_cr00_to_cr07_except_cr07_bit4);
	tcase_add_test(tc, attribute_index_write_keeps_6_bits_including_pas);
	tcase_add_test(tc, attribute_3c0_read_gives_index_then_zero);
	tcase_add_test(tc, attribute_data_masks_per_register);
	tcase_add_test(tc, attribute_indices_15_to_1f_ignored_and_read_zero);
	tcase_add_test(tc,
		       attribute_3c1_read_does_not_toggle_and_write_is_ignored);
	tcase_add_test(tc, attribute_index_upper_bits_alias_registers);
	tcase_add_test(tc, dac_stores_full_8bit_values);
	tcase_add_test(tc,
		       dac_state_reads_0_after_write_index_3_after_read_index);
	tcase_add_test(tc, dac_write_index_reads_back_and_advances);
	tcase_add_test(tc, dac_entry_committed_only_on_third_byte);
	tcase_add_test(tc, dac_reads_and_writes_share_one_sub_index);
	tcase_add_test(tc, dac_index_writes_reset_the_sub_index);
	tcase_add_test(tc, dac_indices_wrap_at_256);
	tcase_add_test(tc, dac_full_palette_round_trip);
	tcase_add_test(tc, pel_mask_reads_zero_and_ignores_writes);
	tcase_add_test(tc, unused_claimed_ports_read_zero);
	tcase_add_test(tc, mono_decode_rejects_3dx_ports);
	tcase_add_test(tc, color_decode_rejects_3bx_ports);
	tcase_add_test(tc, unclaimed_ports_read_all_ones);
	tcase_add_test(tc, word_port_write_sends_index_then_data);
	tcase_add_test(tc, word_port_read_returns_two_bytes);
	tcase_add_test(tc, reset_returns_vga_registers_to_zero);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
