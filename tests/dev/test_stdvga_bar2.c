/*
 * Unit tests of the stdvga model's BAR2 window (stdvga.md section 2.1;
 * checks 10.12, 10.13 and 10.15): holes, the EDID blob, the VGA port alias
 * and the QEMU extended registers. Everything goes through the hw_*
 * wrappers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/stdvga_test.h"
#include "tests/helpers/th_device.h"

static struct hw *bar2_dev(int no_ext, int no_edid)
{
	struct hw *hw = t_create(16, no_ext, no_edid);

	t_mem_on(hw);
	return hw;
}

static void read_edid(struct hw *hw, uint8_t edid[256])
{
	for (unsigned i = 0; i < 256; i++)
		edid[i] = (uint8_t)t_mmio_rd(hw, i, 1);
}

static uint8_t block_sum(const uint8_t *b)
{
	uint8_t sum = 0;

	for (unsigned i = 0; i < 128; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

/* Byte offset of the display descriptor with this tag, or 0. */
static unsigned find_descriptor(const uint8_t *edid, uint8_t tag)
{
	for (unsigned d = 54; d < 126; d += 18)
		if (edid[d] == 0 && edid[d + 1] == 0 && edid[d + 3] == tag)
			return d;
	return 0;
}

START_TEST(bar2_holes_read_all_ones_and_drop_writes)
{
	static const uint32_t holes[] = {0x180, 0x184, 0x3fc, 0x420,
					 0x4fc, 0x518, 0x5fc, 0x608,
					 0x60c, 0x800, 0xffc};
	struct hw *hw = bar2_dev(0, 0);

	for (unsigned i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		uint32_t o = holes[i];

		t_mmio_wr(hw, o, 4, 0);
		ck_assert_msg(t_mmio_rd(hw, o, 4) == 0xffffffff, "0x%x", o);
		ck_assert_uint_eq(t_mmio_rd(hw, o + 2, 2), 0xffff);
		ck_assert_uint_eq(t_mmio_rd(hw, o + 3, 1), 0xff);
	}
	ck_assert_uint_eq(t_mmio_rd(hw, 0x516, 2), 0xffff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0xfff, 1), 0xff);
	hw_destroy(hw);
}
END_TEST

/* QEMU 7.2 (measured) backs 384 EDID bytes: past the 256-byte blob the
 * window reads 0 and ignores writes up to 0x17F; the hole starts at 0x180. */
START_TEST(bar2_edid_window_is_384_bytes)
{
	struct hw *hw = bar2_dev(0, 0);

	t_mmio_wr(hw, 0x100, 4, 0x12345678);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x100, 4), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x17c, 4), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x17f, 1), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x180, 1), 0xff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x180, 4), 0xffffffff);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_edid_header_and_identity)
{
	static const uint8_t header[8] = {0x00, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0x00};
	struct hw *hw = bar2_dev(0, 0);
	uint8_t edid[256];

	read_edid(hw, edid);
	ck_assert_mem_eq(edid, header, 8);
	ck_assert_uint_eq(edid[8], 0x49); /* "RHT" */
	ck_assert_uint_eq(edid[9], 0x14);
	ck_assert_uint_eq(edid[10], 0x34); /* product 0x1234 */
	ck_assert_uint_eq(edid[11], 0x12);
	ck_assert_uint_eq(edid[16], 42);	  /* week */
	ck_assert_uint_eq(edid[17], 2014 - 1990); /* year */
	ck_assert_uint_eq(edid[18], 1);		  /* EDID 1.4 */
	ck_assert_uint_eq(edid[19], 4);
	ck_assert_uint_eq(edid[126], 1); /* one extension */
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_edid_checksums_are_valid)
{
	struct hw *hw = bar2_dev(0, 0);
	uint8_t edid[256];

	read_edid(hw, edid);
	ck_assert_uint_eq(block_sum(edid), 0);
	ck_assert_uint_eq(block_sum(edid + 128), 0);
	hw_destroy(hw);
}
END_TEST

/* The preferred detailed timing is QEMU's default mode: the modeline Xorg
 * reports on QEMU's std VGA (qemu-guest.md section 3). */
START_TEST(bar2_edid_prefers_1280x800_at_75hz)
{
	struct hw *hw = bar2_dev(0, 0);
	uint8_t edid[256], *d;
	unsigned clock, ha, hb, va, vb;
	double hz;

	read_edid(hw, edid);
	d = edid + 54;
	clock = d[0] | d[1] << 8; /* 10 kHz units */
	ha = d[2] | (d[4] >> 4) << 8;
	hb = d[3] | (d[4] & 0xf) << 8;
	va = d[5] | (d[7] >> 4) << 8;
	vb = d[6] | (d[7] & 0xf) << 8;
	ck_assert_uint_eq(clock, 10730);
	ck_assert_uint_eq(ha, 1280);
	ck_assert_uint_eq(ha + hb, 1728);
	ck_assert_uint_eq(va, 800);
	ck_assert_uint_eq(va + vb, 828);
	hz = clock * 10000.0 / ((ha + hb) * (double)(va + vb));
	ck_assert_msg(hz > 74.9 && hz < 75.1, "refresh %.2f Hz", hz);
	/* sync pulses fit in the blanking */
	ck_assert_uint_lt((d[8] | (d[11] >> 6) << 8) + d[9], hb);
	ck_assert_uint_lt((d[10] >> 4) + (d[10] & 0xf), vb);
	/* "preferred timing is native" feature bit */
	ck_assert_uint_eq(edid[24] & 0x02, 0x02);
	hw_destroy(hw);
}
END_TEST

/* Read from QEMU 7.2's std VGA (default properties) by the conformance
 * test tests/data/conformance/bar2.gs; the model must present the same. */
START_TEST(bar2_edid_is_qemu_7_2_byte_for_byte)
{
	static const uint8_t qemu72[256] = {
		0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x49, 0x14,
		0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x18, 0x01, 0x04,
		0xa5, 0x20, 0x14, 0x78, 0x06, 0xee, 0x91, 0xa3, 0x54, 0x4c,
		0x99, 0x26, 0x0f, 0x50, 0x54, 0x21, 0x08, 0x00, 0xe1, 0xc0,
		0xd1, 0xc0, 0xd1, 0x00, 0xa9, 0x40, 0xb3, 0x00, 0x95, 0x00,
		0x81, 0x80, 0x81, 0x40, 0xea, 0x29, 0x00, 0xc0, 0x51, 0x20,
		0x1c, 0x30, 0x40, 0x26, 0x44, 0x40, 0x45, 0xcb, 0x10, 0x00,
		0x00, 0x18, 0x00, 0x00, 0x00, 0xf7, 0x00, 0x0a, 0x00, 0x40,
		0x82, 0x00, 0x28, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0xfd, 0x00, 0x32, 0x7d, 0x1e, 0xa0, 0xff,
		0x01, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x00,
		0x00, 0xfc, 0x00, 0x51, 0x45, 0x4d, 0x55, 0x20, 0x4d, 0x6f,
		0x6e, 0x69, 0x74, 0x6f, 0x72, 0x0a, 0x01, 0x3a, 0x02, 0x03,
		0x0b, 0x00, 0x46, 0x7d, 0x65, 0x60, 0x59, 0x1f, 0x61, 0x00,
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x2f,
	};
	struct hw *hw = bar2_dev(0, 0);
	uint8_t edid[256];

	read_edid(hw, edid);
	for (unsigned i = 0; i < 256; i++)
		ck_assert_msg(edid[i] == qemu72[i],
			      "EDID byte %u: 0x%02x, QEMU 7.2 has 0x%02x", i,
			      edid[i], qemu72[i]);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_edid_monitor_name_and_range_limits)
{
	struct hw *hw = bar2_dev(0, 0);
	uint8_t edid[256];
	unsigned name, range;

	read_edid(hw, edid);
	name = find_descriptor(edid, 0xfc);
	range = find_descriptor(edid, 0xfd);
	ck_assert_uint_ne(name, 0);
	ck_assert_uint_ne(range, 0);
	ck_assert_mem_eq(edid + name + 5, "QEMU Monitor\n", 13);
	ck_assert_uint_eq(edid[range + 5], 50);
	ck_assert_uint_eq(edid[range + 6], 125);
	ck_assert_uint_eq(edid[range + 7], 30);
	ck_assert_uint_eq(edid[range + 8], 160);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_edid_extension_is_cea_861)
{
	struct hw *hw = bar2_dev(0, 0);
	uint8_t edid[256];

	read_edid(hw, edid);
	ck_assert_uint_eq(edid[128], 0x02);
	ck_assert_uint_ge(edid[129], 1);
	ck_assert_uint_ge(edid[130], 4);
	ck_assert_uint_le(edid[130], 127);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_edid_wide_reads_are_little_endian)
{
	struct hw *hw = bar2_dev(0, 0);

	ck_assert_uint_eq(t_mmio_rd(hw, 0x000, 4), 0xffffff00);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x004, 4), 0x00ffffff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x008, 2), 0x1449);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x00a, 2), 0x1234);
	/* unaligned: bytes 7..8 */
	ck_assert_uint_eq(t_mmio_rd(hw, 0x007, 2), 0x4900);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_edid_is_read_only)
{
	struct hw *hw = bar2_dev(0, 0);
	uint8_t before[256], after[256];

	read_edid(hw, before);
	for (uint32_t o = 0; o < 256; o += 4)
		t_mmio_wr(hw, o, 4, 0x12345678);
	t_mmio_wr(hw, 0x7f, 1, 0);
	read_edid(hw, after);
	ck_assert_mem_eq(before, after, 256);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_without_edid_reads_all_ones)
{
	struct hw *hw = bar2_dev(0, 1);

	ck_assert_uint_eq(t_mmio_rd(hw, 0x000, 4), 0xffffffff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x008, 2), 0xffff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x0ff, 1), 0xff);
	/* the rest of BAR2 is unaffected */
	ck_assert_uint_eq(t_mmio_rd(hw, 0x500, 2), 0xb0c5);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x600, 4), 8);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_vga_alias_word_write_is_index_then_data)
{
	struct hw *hw = bar2_dev(0, 0);

	t_mmio_wr(hw, 0x404, 2, 0x0f02); /* SR02 = 0x0F */
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x02), 0x0f);
	t_mmio_wr(hw, 0x40e, 2, 0xa508); /* GR08 = 0xA5 */
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x08), 0xa5);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_vga_alias_word_read_reads_index_then_data)
{
	struct hw *hw = bar2_dev(0, 0);

	t_idx_wr(hw, 0x3c4, 0x04, 0x06);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x404, 2), 0x0604);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x405, 1), 0x06);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_vga_alias_dword_is_split_in_port_order)
{
	struct hw *hw = bar2_dev(0, 0);

	/* 0x3CC, 0x3CD ignored; 0x3CE = 5, 0x3CF = 0x0A: GR05 = 0x0A */
	t_mmio_wr(hw, 0x40c, 4, 0x0a05ffff);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3ce, 0x05), 0x0a);
	t_idx_wr(hw, 0x3c4, 0x01, 0x21);
	t_outb(hw, 0x3c7, 0x00); /* DAC state 3 */
	/* 0x3C4 index, 0x3C5 SR01, 0x3C6 PEL mask (0), 0x3C7 DAC state */
	ck_assert_uint_eq(t_mmio_rd(hw, 0x404, 4), 0x03002101);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_vga_alias_unaligned_word_goes_byte_by_byte)
{
	struct hw *hw = bar2_dev(0, 0);

	t_outb(hw, 0x3c4, 0x03);
	/* 0x3C5 <- 0x15 (SR03), 0x3C6 <- 0xff (ignored) */
	t_mmio_wr(hw, 0x405, 2, 0xff15);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3c4, 0x03), 0x15);
	ck_assert_uint_eq(t_inb(hw, 0x3c6), 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_alias_reads_zero_where_ports_are_unclaimed)
{
	struct hw *hw = bar2_dev(0, 0);

	t_color(hw);
	for (uint32_t o = 0x410; o <= 0x413; o++) {
		ck_assert_uint_eq(t_mmio_rd(hw, o, 1), 0x00);
		ck_assert_uint_eq(t_inb(hw, (uint16_t)(0x3c0 + o - 0x400)),
				  0xff);
	}
	ck_assert_uint_eq(t_mmio_rd(hw, 0x410, 4), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x41c, 4), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_alias_cannot_reach_crtc_in_mono_mode)
{
	struct hw *hw = bar2_dev(0, 0);

	t_idx_wr(hw, 0x3b4, 0x0e, 0x12);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x414, 1), 0xff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x415, 1), 0xff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x41a, 1), 0xff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x410, 1), 0xff);
	t_mmio_wr(hw, 0x414, 2, 0x340e);
	ck_assert_uint_eq(t_idx_rd(hw, 0x3b4, 0x0e), 0x12);
	/* in colour mode the same alias offsets reach the CRTC */
	t_mmio_wr(hw, 0x402, 1, 0x01);
	t_mmio_wr(hw, 0x414, 2, 0x340e);
	ck_assert_uint_eq(t_cr_rd(hw, 0x0e), 0x34);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x414, 2), 0x340e);
	hw_destroy(hw);
}
END_TEST

START_TEST(bar2_alias_is1_toggles_and_resets_flipflop)
{
	struct hw *hw = bar2_dev(0, 0);

	t_mmio_wr(hw, 0x402, 1, 0x01);
	t_mmio_wr(hw, 0x400, 1, 0x22);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x400, 1), 0x00);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x41a, 1), 0x09);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x400, 1), 0x22);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x41a, 1), 0x00);
	/* a 16-bit write at 0x400 sends its data byte to 0x3C1, which is
	 * read-only: the index lands, the data does not */
	t_ar_wr(hw, 0x01, 0x11);
	t_mmio_rd(hw, 0x41a, 1);
	t_mmio_wr(hw, 0x400, 2, 0x2a01);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x400, 1), 0x00); /* data phase */
	ck_assert_uint_eq(t_mmio_rd(hw, 0x401, 1), 0x11);
	hw_destroy(hw);
}
END_TEST

START_TEST(ext_regs_report_size_and_little_endian_default)
{
	struct hw *hw = bar2_dev(0, 0);

	ck_assert_uint_eq(t_mmio_rd(hw, 0x600, 4), 8);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0x1e1e1e1e);
	t_mmio_wr(hw, 0x600, 4, 0x100);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x600, 4), 8);
	hw_destroy(hw);
}
END_TEST

START_TEST(ext_endianness_changes_only_on_the_two_magics)
{
	static const uint32_t junk[] = {0,	    1,		0xbebebebf,
					0x1e1e1e1f, 0xffffffff, 0xbebe1e1e};
	struct hw *hw = bar2_dev(0, 0);

	t_mmio_wr(hw, 0x604, 4, 0xbebebebe);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0xbebebebe);
	for (unsigned i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		t_mmio_wr(hw, 0x604, 4, junk[i]);
		ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0xbebebebe);
	}
	t_mmio_wr(hw, 0x604, 4, 0x1e1e1e1e);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0x1e1e1e1e);
	for (unsigned i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		t_mmio_wr(hw, 0x604, 4, junk[i]);
		ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0x1e1e1e1e);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(ext_regs_ignore_accesses_narrower_than_32_bits)
{
	struct hw *hw = bar2_dev(0, 0);

	ck_assert_uint_eq(t_mmio_rd(hw, 0x600, 2), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 1), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x606, 2), 0);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x602, 4), 0);
	t_mmio_wr(hw, 0x604, 2, 0xbebe);
	t_mmio_wr(hw, 0x606, 2, 0xbebe);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0x1e1e1e1e);
	hw_destroy(hw);
}
END_TEST

START_TEST(ext_regs_absent_below_revision_2)
{
	struct hw *hw = bar2_dev(1, 0);

	ck_assert_uint_eq(t_mmio_rd(hw, 0x600, 4), 0xffffffff);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0xffffffff);
	t_mmio_wr(hw, 0x604, 4, 0xbebebebe);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0xffffffff);
	hw_destroy(hw);
}
END_TEST

START_TEST(reset_keeps_endianness_and_vram)
{
	struct hw *hw = bar2_dev(0, 0);
	struct err e = {{0}};

	t_mmio_wr(hw, 0x604, 4, 0xbebebebe);
	t_wr(hw, HW_REGION_BAR0, 0x1000, 4, 0xcafef00d);
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0);
	t_mem_on(hw);
	ck_assert_uint_eq(t_mmio_rd(hw, 0x604, 4), 0xbebebebe);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x1000, 4), 0xcafef00d);
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stdvga_bar2");
	TCase *tc = tcase_create("bar2");

	tcase_add_test(tc, bar2_holes_read_all_ones_and_drop_writes);
	tcase_add_test(tc, bar2_edid_window_is_384_bytes);
	tcase_add_test(tc, bar2_edid_header_and_identity);
	tcase_add_test(tc, bar2_edid_checksums_are_valid);
	tcase_add_test(tc, bar2_edid_prefers_1280x800_at_75hz);
	tcase_add_test(tc, bar2_edid_is_qemu_7_2_byte_for_byte);
	tcase_add_test(tc, bar2_edid_monitor_name_and_range_limits);
	tcase_add_test(tc, bar2_edid_extension_is_cea_861);
	tcase_add_test(tc, bar2_edid_wide_reads_are_little_endian);
	tcase_add_test(tc, bar2_edid_is_read_only);
	tcase_add_test(tc, bar2_without_edid_reads_all_ones);
	tcase_add_test(tc, bar2_vga_alias_word_write_is_index_then_data);
	tcase_add_test(tc, bar2_vga_alias_word_read_reads_index_then_data);
	tcase_add_test(tc, bar2_vga_alias_dword_is_split_in_port_order);
	tcase_add_test(tc, bar2_vga_alias_unaligned_word_goes_byte_by_byte);
	tcase_add_test(tc, bar2_alias_reads_zero_where_ports_are_unclaimed);
	tcase_add_test(tc, bar2_alias_cannot_reach_crtc_in_mono_mode);
	tcase_add_test(tc, bar2_alias_is1_toggles_and_resets_flipflop);
	tcase_add_test(tc, ext_regs_report_size_and_little_endian_default);
	tcase_add_test(tc, ext_endianness_changes_only_on_the_two_magics);
	tcase_add_test(tc, ext_regs_ignore_accesses_narrower_than_32_bits);
	tcase_add_test(tc, ext_regs_absent_below_revision_2);
	tcase_add_test(tc, reset_keeps_endianness_and_vram);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
