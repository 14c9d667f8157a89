/*
 * Test helpers for anything that speaks to a stdvga-like device through the
 * access interface (dev/hw.h): port, MMIO, config and DISPI accessors that
 * fail the current Check test on any error. Header-only (static inline), so
 * test binaries that do not include it link nothing from it.
 */
#ifndef GS_TESTS_STDVGA_TEST_H
#define GS_TESTS_STDVGA_TEST_H

#include <check.h>
#include <stdint.h>

#include "dev/hw.h"
#include "dev/stdvga.h"

/* Register numbers as stdvga.md gives them, kept apart from the model's. */
enum {
	T_VBE_ID = 0,
	T_VBE_XRES,
	T_VBE_YRES,
	T_VBE_BPP,
	T_VBE_ENABLE,
	T_VBE_BANK,
	T_VBE_VIRT_WIDTH,
	T_VBE_VIRT_HEIGHT,
	T_VBE_X_OFFSET,
	T_VBE_Y_OFFSET,
	T_VBE_VIDEO_MEMORY_64K,
};

#define T_MIB (1024u * 1024u)

/* A device with vram_mb (0 = 16), without the QEMU extended registers
 * (revision 0) if no_ext, without EDID if no_edid. */
static inline struct hw *t_create(uint32_t vram_mb, int no_ext, int no_edid)
{
	struct stdvga_config cfg = {
		.vram_mb = vram_mb, .no_ext_regs = no_ext, .no_edid = no_edid};
	struct err e = {{0}};
	struct hw *hw = NULL;
	int rc = stdvga_create(&cfg, &hw, &e);

	ck_assert_msg(rc == 0, "stdvga_create: %d %s", rc, e.msg);
	return hw;
}

/* The default device (cfg NULL: 16 MiB, revision 2, EDID). */
static inline struct hw *t_default(void)
{
	struct err e = {{0}};
	struct hw *hw = NULL;
	int rc = stdvga_create(NULL, &hw, &e);

	ck_assert_msg(rc == 0, "stdvga_create: %d %s", rc, e.msg);
	return hw;
}

static inline uint32_t t_in(struct hw *hw, uint16_t port, unsigned size)
{
	struct err e = {{0}};
	uint32_t v = 0xdeadbeef;
	int rc = hw_port_read(hw, port, size, &v, &e);

	ck_assert_msg(rc == 0, "in 0x%x/%u: %d %s", port, size, rc, e.msg);
	return v;
}

static inline void t_out(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t v)
{
	struct err e = {{0}};
	int rc = hw_port_write(hw, port, size, v, &e);

	ck_assert_msg(rc == 0, "out 0x%x/%u: %d %s", port, size, rc, e.msg);
}

static inline uint8_t t_inb(struct hw *hw, uint16_t port)
{
	return (uint8_t)t_in(hw, port, 1);
}

static inline void t_outb(struct hw *hw, uint16_t port, uint8_t v)
{
	t_out(hw, port, 1, v);
}

static inline uint32_t t_rd(struct hw *hw, unsigned idx, uint64_t off,
			    unsigned size)
{
	struct err e = {{0}};
	uint32_t v = 0xdeadbeef;
	int rc = hw_region_read(hw, idx, off, size, &v, &e);

	ck_assert_msg(rc == 0, "read region %u 0x%llx/%u: %d %s", idx,
		      (unsigned long long)off, size, rc, e.msg);
	return v;
}

static inline void t_wr(struct hw *hw, unsigned idx, uint64_t off,
			unsigned size, uint32_t v)
{
	struct err e = {{0}};
	int rc = hw_region_write(hw, idx, off, size, v, &e);

	ck_assert_msg(rc == 0, "write region %u 0x%llx/%u: %d %s", idx,
		      (unsigned long long)off, size, rc, e.msg);
}

static inline uint32_t t_mmio_rd(struct hw *hw, uint32_t off, unsigned size)
{
	return t_rd(hw, HW_REGION_BAR2, off, size);
}

static inline void t_mmio_wr(struct hw *hw, uint32_t off, unsigned size,
			     uint32_t v)
{
	t_wr(hw, HW_REGION_BAR2, off, size, v);
}

static inline uint32_t t_cfg_rd(struct hw *hw, uint32_t off, unsigned size)
{
	struct err e = {{0}};
	uint32_t v = 0xdeadbeef;
	int rc = hw_cfg_read(hw, off, size, &v, &e);

	ck_assert_msg(rc == 0, "cfg read 0x%x/%u: %d %s", off, size, rc, e.msg);
	return v;
}

static inline void t_cfg_wr(struct hw *hw, uint32_t off, unsigned size,
			    uint32_t v)
{
	struct err e = {{0}};
	int rc = hw_cfg_write(hw, off, size, v, &e);

	ck_assert_msg(rc == 0, "cfg write 0x%x/%u: %d %s", off, size, rc,
		      e.msg);
}

/* Turn on memory decode so BAR0/BAR2 answer. */
static inline void t_mem_on(struct hw *hw)
{
	t_cfg_wr(hw, 0x04, 2, t_cfg_rd(hw, 0x04, 2) | 0x2);
}

/* DISPI through the index/data ports. */
static inline uint16_t t_dispi_rd(struct hw *hw, uint16_t idx)
{
	t_out(hw, 0x1ce, 2, idx);
	return (uint16_t)t_in(hw, 0x1cf, 2);
}

static inline void t_dispi_wr(struct hw *hw, uint16_t idx, uint16_t v)
{
	t_out(hw, 0x1ce, 2, idx);
	t_out(hw, 0x1cf, 2, v);
}

/* Indexed VGA registers: index port, data port = index port + 1. */
static inline uint8_t t_idx_rd(struct hw *hw, uint16_t port, uint8_t idx)
{
	t_outb(hw, port, idx);
	return t_inb(hw, port + 1);
}

static inline void t_idx_wr(struct hw *hw, uint16_t port, uint8_t idx,
			    uint8_t v)
{
	t_outb(hw, port, idx);
	t_outb(hw, port + 1, v);
}

/* Colour decode (MSR bit 0), so the CRTC is at 0x3D4 and IS1 at 0x3DA. */
static inline void t_color(struct hw *hw)
{
	t_outb(hw, 0x3c2, 0x01);
}

static inline uint8_t t_cr_rd(struct hw *hw, uint8_t idx)
{
	return t_idx_rd(hw, 0x3d4, idx);
}

static inline void t_cr_wr(struct hw *hw, uint8_t idx, uint8_t v)
{
	t_idx_wr(hw, 0x3d4, idx, v);
}

/* Attribute controller in colour mode: IS1 read resets the flip-flop. */
static inline void t_ar_wr(struct hw *hw, uint8_t idx, uint8_t v)
{
	t_inb(hw, 0x3da);
	t_outb(hw, 0x3c0, idx);
	t_outb(hw, 0x3c0, v);
}

static inline uint8_t t_ar_rd(struct hw *hw, uint8_t idx)
{
	t_inb(hw, 0x3da);
	t_outb(hw, 0x3c0, idx);
	return t_inb(hw, 0x3c1);
}

/* BAR0 mapped through its memfd (region_info). */
static inline uint8_t *t_map_vram(struct hw *hw, uint64_t *size)
{
	struct err e = {{0}};
	void *p = hw_region_map(hw, HW_REGION_BAR0, size, &e);

	ck_assert_msg(p != NULL, "map BAR0: %s", e.msg);
	return p;
}

/* Index of the first byte in p[from, to) that is not v, or to. */
static inline uint64_t t_first_not(const uint8_t *p, uint64_t from, uint64_t to,
				   uint8_t v)
{
	while (from < to && p[from] == v)
		from++;
	return from;
}

#endif
