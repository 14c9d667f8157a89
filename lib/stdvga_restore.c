/*
 * stdvga restore: write a saved state onto a freshly reset device in the
 * safe order of stdvga.md section 9.3. Each step's comment names the hazard
 * (9.1) that fixes its place in the order.
 */
#include <string.h>

#include "chip_stdvga.h"
#include "stdvga_int.h"
#include "stdvga_io.h"

#define PCI_COMMAND	   0x04
#define PCI_BAR0	   0x10
#define PCI_BAR2	   0x18
#define PCI_INTERRUPT_LINE 0x3c

static uint32_t cfg32(const uint8_t cfg[256], unsigned off)
{
	uint32_t v;

	memcpy(&v, &cfg[off], 4);
	return v;
}

static uint32_t saved_command(const uint8_t cfg[256])
{
	return cfg[PCI_COMMAND] | (uint32_t)cfg[PCI_COMMAND + 1] << 8;
}

/* BARs first, then decode, so no access hits a stale address. BAR2 must
 * answer during the restore; the exact command register comes last. */
static void restore_pci(struct vio *v, const uint8_t cfg[256])
{
	vio_cfg_write(v, PCI_BAR0, 4, cfg32(cfg, PCI_BAR0));
	vio_cfg_write(v, PCI_BAR2, 4, cfg32(cfg, PCI_BAR2));
	vio_cfg_write(v, PCI_INTERRUPT_LINE, 1, cfg[PCI_INTERRUPT_LINE]);
	vio_cfg_write(v, PCI_COMMAND, 2,
		      saved_command(cfg) | PCI_COMMAND_MEMORY);
}

/* Colour decode during the restore (hazard 7); SR0 reset around SR1-4
 * (hazard 12); CR11 unlocked first (hazard 8). */
static void restore_vga(struct vio *v, const struct stdvga_regs *r)
{
	vio_out(v, 0x3c2, r->msr | 1);
	vio_idx_write(v, 0x3c4, 0, 0x01);
	for (unsigned i = 1; i < sizeof(r->sr); i++)
		vio_idx_write(v, 0x3c4, (uint8_t)i, r->sr[i]);
	vio_idx_write(v, 0x3d4, 0x11, r->cr[0x11] & 0x7f);
	for (unsigned i = 0; i < sizeof(r->cr); i++)
		if (i != 0x11)
			vio_idx_write(v, 0x3d4, (uint8_t)i, r->cr[i]);
	vio_idx_write(v, 0x3d4, 0x11, r->cr[0x11]);
	for (unsigned i = 0; i < sizeof(r->gr); i++)
		vio_idx_write(v, 0x3ce, (uint8_t)i, r->gr[i]);
	for (unsigned i = 0; i < sizeof(r->ar); i++) {
		vio_touch(v, 0x3da);
		vio_out(v, 0x3c0, (uint8_t)i);
		vio_out(v, 0x3c0, r->ar[i]);
	}
	vio_out(v, 0x3c8, 0);
	for (unsigned i = 0; i < sizeof(r->palette); i++)
		vio_out(v, 0x3c9, r->palette[i]);
}

/*
 * Geometry before ENABLE (stored raw while disabled, hazard 2); the enable
 * transition with NOCLEARMEM (hazard 1) zeroes the pan registers, so they
 * follow it, VIRT_WIDTH before the offsets; BANK after the last ENABLE write
 * (hazard 3); GETCAPS only in the last ENABLE write (hazard 4). Derived
 * VIRT_HEIGHT and VIDEO_MEMORY_64K are never written (hazard 5).
 */
static void restore_dispi(struct vio *v, const uint16_t *d)
{
	uint16_t en = d[DISPI_ENABLE];
	static const unsigned geom[] = {DISPI_BPP, DISPI_XRES, DISPI_YRES};
	static const unsigned pan[] = {DISPI_VIRT_WIDTH, DISPI_X_OFFSET,
				       DISPI_Y_OFFSET};

	vio_dispi_write(v, DISPI_ID, d[DISPI_ID]);
	for (unsigned i = 0; i < 3; i++)
		vio_dispi_write(v, geom[i], d[geom[i]]);
	if (en & DISPI_ENABLED)
		vio_dispi_write(v, DISPI_ENABLE,
				(en & ~DISPI_GETCAPS) | DISPI_NOCLEARMEM);
	for (unsigned i = 0; i < 3; i++)
		vio_dispi_write(v, pan[i], d[pan[i]]);
	vio_dispi_write(v, DISPI_ENABLE, en);
	vio_dispi_write(v, DISPI_BANK, d[DISPI_BANK]);
}

/* Find a DISPI geometry whose fixup derives VIRT_HEIGHT = vh. */
static int find_geometry(uint16_t vh, uint64_t vram_size, uint16_t *bpp,
			 uint16_t *vw)
{
	/* 4 bpp too: its half-byte pixels give line lengths no other depth
	 * reaches (600 pixels: 300 bytes). */
	static const uint16_t depths[] = {4, 8, 16, 24, 32};

	for (unsigned d = 0; d < sizeof(depths) / sizeof(depths[0]); d++)
		for (uint32_t w = 8; w <= 16000; w += 8) {
			uint64_t line = (uint64_t)w * depths[d] / 8;

			if ((uint16_t)(vram_size / line) == vh) {
				*bpp = depths[d];
				*vw = (uint16_t)w;
				return 0;
			}
		}
	return -1;
}

/*
 * VIRT_HEIGHT is derived only by a fixup while enabled and then kept when
 * the device is disabled, so a disabled state can carry one from an earlier
 * VBE session (hazard 5). Reproduce it with a brief enable before the VGA
 * registers are written, because the enable forces some of them (3.3).
 */
static void prime_virt_height(struct vio *v, const uint16_t *d,
			      uint64_t vram_size)
{
	uint16_t bpp, vw;

	if ((d[DISPI_ENABLE] & DISPI_ENABLED) ||
	    find_geometry(d[DISPI_VIRT_HEIGHT], vram_size, &bpp, &vw))
		return;
	vio_dispi_write(v, DISPI_BPP, bpp);
	vio_dispi_write(v, DISPI_XRES, 8);
	vio_dispi_write(v, DISPI_YRES, 1);
	vio_dispi_write(v, DISPI_ENABLE, DISPI_ENABLED | DISPI_NOCLEARMEM);
	vio_dispi_write(v, DISPI_VIRT_WIDTH, vw);
	vio_dispi_write(v, DISPI_ENABLE, 0);
}

void stdvga_restore_dac_latch(struct vio *v, const struct stdvga_regs *r)
{
	vio_out(v, 0x3c8, r->dac_write_index);
	/* The read index is unobservable; 0 is where a palette save leaves it.
	 */
	if (r->dac_state == 3)
		vio_out(v, 0x3c7, 0);
}

void stdvga_restore_ar_latch(struct vio *v, const struct stdvga_regs *r)
{
	vio_touch(v, vio_is1_port(r->msr));
	vio_out(v, 0x3c0, r->ar_index);
	if (r->ar_phase == AR_PHASE_INDEX)
		vio_touch(v, vio_is1_port(r->msr));
}

/* Indices and latches last: everything above moved them (hazard 18). */
static void restore_latches(struct vio *v, const struct stdvga_regs *r)
{
	vio_idx_write(v, 0x3c4, 0, r->sr[0]);
	vio_out(v, 0x3c4, r->sr_index);
	vio_out(v, 0x3ce, r->gr_index);
	vio_out(v, 0x3d4, r->cr_index);
	vio_out(v, 0x3da, r->fcr);
	stdvga_restore_dac_latch(v, r);
	vio_out16(v, 0x1ce, r->vbe_index);
	/* Any mono switch happens here, after all 0x3Dx accesses (hazard 7). */
	vio_out(v, 0x3c2, r->msr);
	stdvga_restore_ar_latch(v, r);
}

int stdvga_restore_regs(struct hw *hw, const struct stdvga_regs *r,
			const uint8_t cfg[256], const uint8_t *vram,
			uint64_t vram_size, struct err *e)
{
	struct vio v = {.hw = hw, .e = e};

	restore_pci(&v, cfg);
	/* A device that could not be reset may still be enabled: every
	 * geometry write below must be stored raw (hazard 2). */
	vio_dispi_write(&v, DISPI_ENABLE, 0);
	prime_virt_height(&v, r->dispi, vram_size);
	restore_vga(&v, r);
	restore_dispi(&v, r->dispi);
	/* Survives reset, so always write it (hazard 15). */
	if (r->ext_size >= 8)
		vio_mmio_write(&v, STDVGA_BAR2_EXT + 4, 4, r->endian);
	/* VRAM after DISPI so no enable clear can hit it (hazard 1, 16):
	 * every queued write done first, as VRAM is written directly. */
	if (!vio_flush(&v))
		v.rc = stdvga_vram_write(hw, vram, vram_size, e);
	restore_latches(&v, r);
	vio_cfg_write(&v, PCI_COMMAND, 2, saved_command(cfg));
	return vio_flush(&v);
}
