/*
 * Unit tests of the stdvga model (dev/stdvga*.c): creation, PCI config
 * space, the region table, BAR0/VRAM and memory decode (stdvga.md
 * sections 1 and 10.1). Everything goes through the hw_* wrappers.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/stdvga_test.h"
#include "tests/helpers/th_device.h"

START_TEST(pci_identity_matches_qemu_vga)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_cfg_rd(hw, 0x00, 2), 0x1234);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x02, 2), 0x1111);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x2c, 2), 0x1af4);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x2e, 2), 0x1100);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x08, 4), 0x03000002);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x0e, 1), 0x00); /* header type 0 */
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3d, 1), 0x00); /* no interrupt pin */
	ck_assert_uint_eq(t_cfg_rd(hw, 0x34, 1), 0x00); /* no capabilities */
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0x0000);
	hw_destroy(hw);
}
END_TEST

START_TEST(pci_revision_is_0_without_extended_registers)
{
	struct hw *hw0 = t_create(16, 1, 0), *hw2 = t_create(16, 0, 0);

	ck_assert_uint_eq(t_cfg_rd(hw0, 0x08, 1), 0);
	ck_assert_uint_eq(t_cfg_rd(hw2, 0x08, 1), 2);
	hw_destroy(hw0);
	hw_destroy(hw2);
}
END_TEST

START_TEST(pci_status_reads_zero_and_ignores_writes)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_cfg_rd(hw, 0x06, 2), 0);
	t_cfg_wr(hw, 0x06, 2, 0xffff);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x06, 2), 0);
	t_cfg_wr(hw, 0x04, 4, 0xffffffff);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x06, 2), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(pci_command_keeps_only_qemu_writable_bits)
{
	struct hw *hw = t_default();

	t_cfg_wr(hw, 0x04, 2, 0xffff);
	/* I/O, memory, bus master, SERR#, INTx disable */
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0x0507);
	t_cfg_wr(hw, 0x04, 2, 0x0002);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0x0002);
	t_cfg_wr(hw, 0x05, 1, 0x04);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0x0402);
	hw_destroy(hw);
}
END_TEST

static void check_bar0_sizing(uint32_t vram_mb, uint32_t expect_mask)
{
	struct hw *hw = t_create(vram_mb, 0, 0);

	ck_assert_uint_eq(t_cfg_rd(hw, 0x10, 4), 0x00000008);
	t_cfg_wr(hw, 0x10, 4, 0xffffffff);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x10, 4), expect_mask | 0x8);
	t_cfg_wr(hw, 0x10, 4, 0xfd000000);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x10, 4),
			  (0xfd000000 & expect_mask) | 0x8);
	hw_destroy(hw);
}

START_TEST(bar0_is_32bit_prefetchable_sized_by_vram)
{
	check_bar0_sizing(16, 0xff000000);
	check_bar0_sizing(1, 0xfff00000);
	check_bar0_sizing(64, 0xfc000000);
}
END_TEST

START_TEST(bar2_is_4k_nonprefetchable_memory)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_cfg_rd(hw, 0x18, 4), 0);
	t_cfg_wr(hw, 0x18, 4, 0xffffffff);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x18, 4), 0xfffff000);
	t_cfg_wr(hw, 0x18, 4, 0xfebf1234);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x18, 4), 0xfebf1000);
	hw_destroy(hw);
}
END_TEST

START_TEST(unused_bars_and_rom_bar_read_zero)
{
	static const uint32_t offs[] = {0x14, 0x1c, 0x20, 0x24, 0x30};
	struct hw *hw = t_default();

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		t_cfg_wr(hw, offs[i], 4, 0xffffffff);
		ck_assert_uint_eq(t_cfg_rd(hw, offs[i], 4), 0);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(interrupt_line_is_writable)
{
	struct hw *hw = t_default();

	t_cfg_wr(hw, 0x3c, 2, 0xff0b);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3c, 1), 0x0b);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3d, 1), 0x00);
	hw_destroy(hw);
}
END_TEST

START_TEST(readonly_config_bytes_ignore_writes)
{
	struct hw *hw = t_default();
	uint8_t before[256];

	for (unsigned i = 0; i < 256; i++)
		before[i] = (uint8_t)t_cfg_rd(hw, i, 1);
	for (unsigned i = 0; i < 256; i++)
		t_cfg_wr(hw, i, 1, 0xa5);
	for (unsigned i = 0; i < 256; i++) {
		int writable = (i >= 0x04 && i <= 0x05) ||
			       (i >= 0x10 && i <= 0x13) ||
			       (i >= 0x18 && i <= 0x1b) || i == 0x3c;

		if (!writable)
			ck_assert_msg(t_cfg_rd(hw, i, 1) == before[i],
				      "config byte 0x%x changed", i);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(config_unaligned_access_spans_registers)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_cfg_rd(hw, 0x01, 2), 0x1112);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x01, 4), 0x00111112);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x2d, 2), 0x001a);
	/* write across the interrupt line and pin: only the line changes */
	t_cfg_wr(hw, 0x3b, 4, 0xffffffff);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3c, 4), 0x000000ff);
	ck_assert_uint_eq(t_cfg_rd(hw, 0xfc, 4), 0);
	hw_destroy(hw);
}
END_TEST

START_TEST(config_region_mirrors_cfg_ops)
{
	struct hw *hw = t_default();

	for (unsigned off = 0; off < 256; off += 4)
		ck_assert_uint_eq(t_rd(hw, HW_REGION_CONFIG, off, 4),
				  t_cfg_rd(hw, off, 4));
	t_wr(hw, HW_REGION_CONFIG, 0x3c, 1, 0x42);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3c, 1), 0x42);
	hw_destroy(hw);
}
END_TEST

START_TEST(region_info_describes_bars_and_config)
{
	struct hw *hw = t_create(8, 0, 0);
	struct hw_region r;
	struct err e = {{0}};

	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	ck_assert_uint_eq(r.size, 8 * T_MIB);
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT | HW_REGION_F_MEM |
					   HW_REGION_F_PREFETCH |
					   HW_REGION_F_MMAP);
	ck_assert_int_ge(r.fd, 0);
	ck_assert_uint_eq(r.fd_offset, 0);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR2, &r, &e), 0);
	ck_assert_uint_eq(r.size, 4096);
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT | HW_REGION_F_MEM);
	ck_assert_int_eq(r.fd, -1);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_CONFIG, &r, &e), 0);
	ck_assert_uint_eq(r.size, 256);
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT);
	ck_assert_int_eq(r.fd, -1);
	for (unsigned idx = 1; idx < HW_REGION_CONFIG; idx++) {
		if (idx == HW_REGION_BAR2)
			continue;
		ck_assert_int_eq(hw_region_info(hw, idx, &r, &e), 0);
		ck_assert_uint_eq(r.size, 0);
		ck_assert_uint_eq(r.flags, 0);
		ck_assert_int_eq(r.fd, -1);
	}
	hw_destroy(hw);
}
END_TEST

static uint64_t bar0_size_of(uint32_t vram_mb)
{
	struct hw *hw = t_create(vram_mb, 0, 0);
	struct hw_region r;
	struct err e = {{0}};

	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	hw_destroy(hw);
	return r.size;
}

START_TEST(vram_size_rounds_up_to_power_of_two)
{
	ck_assert_uint_eq(bar0_size_of(0), 16 * T_MIB);
	ck_assert_uint_eq(bar0_size_of(1), 1 * T_MIB);
	ck_assert_uint_eq(bar0_size_of(3), 4 * T_MIB);
	ck_assert_uint_eq(bar0_size_of(17), 32 * T_MIB);
	ck_assert_uint_eq(bar0_size_of(512), 512 * T_MIB);
}
END_TEST

START_TEST(vram_size_out_of_range_is_rejected)
{
	static const uint32_t bad[] = {513, 1024, 0x80000000u, 0xffffffffu};
	struct err e = {{0}};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct stdvga_config cfg = {.vram_mb = bad[i]};
		struct hw *hw = NULL;

		e.msg[0] = 0;
		ck_assert_int_eq(stdvga_create(&cfg, &hw, &e), -EINVAL);
		ck_assert_ptr_null(hw);
		ck_assert_msg(e.msg[0] != 0, "no error message");
	}
}
END_TEST

START_TEST(video_memory_64k_matches_bar0)
{
	struct hw *hw = t_create(4, 0, 0);

	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIDEO_MEMORY_64K), 64);
	hw_destroy(hw);
	hw = t_create(512, 0, 0);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_VIDEO_MEMORY_64K), 8192);
	hw_destroy(hw);
}
END_TEST

START_TEST(vram_memfd_is_shared_with_bar0)
{
	struct hw *hw = t_create(2, 0, 0);
	uint64_t size;
	uint8_t *vram = t_map_vram(hw, &size);

	ck_assert_uint_eq(size, 2 * T_MIB);
	t_mem_on(hw);
	vram[0x1234] = 0x5a;
	vram[size - 1] = 0xc3;
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x1234, 1), 0x5a);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, size - 1, 1), 0xc3);
	t_wr(hw, HW_REGION_BAR0, 0x100, 4, 0x11223344);
	ck_assert_uint_eq(vram[0x100], 0x44);
	ck_assert_uint_eq(vram[0x103], 0x11);
	/* unaligned little-endian access */
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x101, 2), 0x2233);
	t_wr(hw, HW_REGION_BAR0, size - 2, 2, 0xbeef);
	ck_assert_uint_eq(vram[size - 2], 0xef);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(vram_starts_zeroed)
{
	struct hw *hw = t_create(1, 0, 0);
	uint64_t size;
	uint8_t *vram = t_map_vram(hw, &size);

	ck_assert_uint_eq(t_first_not(vram, 0, size, 0), size);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(mem_decode_off_reads_all_ones_and_drops_writes)
{
	struct hw *hw = t_default();
	uint64_t size;
	uint8_t *vram = t_map_vram(hw, &size);

	vram[0x10] = 0x12;
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x10, 1), 0xff);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x10, 2), 0xffff);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x10, 4), 0xffffffff);
	t_wr(hw, HW_REGION_BAR0, 0x10, 1, 0x34);
	ck_assert_uint_eq(vram[0x10], 0x12);
	/* BAR2: EDID header byte 1 would be 0xff, so probe the ext regs */
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR2, 0x600, 4), 0xffffffff);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR2, 0x000, 1), 0xff);
	t_wr(hw, HW_REGION_BAR2, 0x508, 2, 0x0001); /* DISPI ENABLE */
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ENABLE), 0);
	t_mem_on(hw);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR0, 0x10, 1), 0x12);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR2, 0x600, 4), 8);
	ck_assert_uint_eq(t_rd(hw, HW_REGION_BAR2, 0x000, 1), 0x00);
	hw_region_unmap(vram, size);
	hw_destroy(hw);
}
END_TEST

START_TEST(io_decode_bit_does_not_gate_legacy_ports)
{
	struct hw *hw = t_default();

	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2) & 0x1, 0);
	t_outb(hw, 0x3c4, 0x02);
	t_outb(hw, 0x3c5, 0x0f);
	ck_assert_uint_eq(t_inb(hw, 0x3c5), 0x0f);
	ck_assert_uint_eq(t_dispi_rd(hw, T_VBE_ID), 0xb0c5);
	hw_destroy(hw);
}
END_TEST

START_TEST(reset_clears_command_bars_and_interrupt_line)
{
	struct hw *hw = t_default();
	struct err e = {{0}};

	t_cfg_wr(hw, 0x04, 2, 0x0007);
	t_cfg_wr(hw, 0x10, 4, 0xfd000000);
	t_cfg_wr(hw, 0x18, 4, 0xfebf0000);
	t_cfg_wr(hw, 0x3c, 1, 0x0b);
	ck_assert_int_eq(hw_reset(hw, &e), 0);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x04, 2), 0);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x10, 4), 0x00000008);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x18, 4), 0);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x3c, 1), 0);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x00, 4), 0x11111234);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x08, 4), 0x03000002);
	ck_assert_uint_eq(t_cfg_rd(hw, 0x2c, 4), 0x11001af4);
	hw_destroy(hw);
}
END_TEST

START_TEST(backend_name_is_sim)
{
	struct hw *hw = t_default();

	ck_assert_str_eq(hw->ops->name, "sim");
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stdvga_pci");
	TCase *tc = tcase_create("pci");

	tcase_add_test(tc, pci_identity_matches_qemu_vga);
	tcase_add_test(tc, pci_revision_is_0_without_extended_registers);
	tcase_add_test(tc, pci_status_reads_zero_and_ignores_writes);
	tcase_add_test(tc, pci_command_keeps_only_qemu_writable_bits);
	tcase_add_test(tc, bar0_is_32bit_prefetchable_sized_by_vram);
	tcase_add_test(tc, bar2_is_4k_nonprefetchable_memory);
	tcase_add_test(tc, unused_bars_and_rom_bar_read_zero);
	tcase_add_test(tc, interrupt_line_is_writable);
	tcase_add_test(tc, readonly_config_bytes_ignore_writes);
	tcase_add_test(tc, config_unaligned_access_spans_registers);
	tcase_add_test(tc, config_region_mirrors_cfg_ops);
	tcase_add_test(tc, region_info_describes_bars_and_config);
	tcase_add_test(tc, vram_size_rounds_up_to_power_of_two);
	tcase_add_test(tc, vram_size_out_of_range_is_rejected);
	tcase_add_test(tc, video_memory_64k_matches_bar0);
	tcase_add_test(tc, vram_memfd_is_shared_with_bar0);
	tcase_add_test(tc, vram_starts_zeroed);
	tcase_add_test(tc, mem_decode_off_reads_all_ones_and_drops_writes);
	tcase_add_test(tc, io_decode_bit_does_not_gate_legacy_ports);
	tcase_add_test(tc, reset_clears_command_bars_and_interrupt_line);
	tcase_add_test(tc, backend_name_is_sim);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
