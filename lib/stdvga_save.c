/*
 * stdvga save: read the complete device state through the access interface
 * in the order of stdvga.md section 9.2, then put back every index and latch
 * the reads disturbed. The guest must be quiesced (hazard 18).
 *
 * Not observable, hence not saved: the DAC read index, sub-index and cache,
 * the planar latch, IS1 retrace parity and QEMU's shadow sr_vbe.
 */
#include <errno.h>
#include <string.h>

#include "chip_stdvga.h"
#include "stdvga_int.h"
#include "stdvga_io.h"

/*
 * Attribute flip-flop (hazard 10): a 0x3C0 read returns the index in the
 * index phase and 0 in the data phase, so read it before any IS1 read. A
 * zero is ambiguous; IS1 forces the index phase and a second read gives the
 * index. If that is also 0 the phase cannot be observed: record "index".
 */
static void save_ar_latch(struct vio *v, struct stdvga_regs *r)
{
	uint8_t first = vio_in(v, 0x3c0);

	if (first) {
		r->ar_index = first;
		r->ar_phase = AR_PHASE_INDEX;
		return;
	}
	vio_in(v, vio_is1_port(r->msr));
	r->ar_index = vio_in(v, 0x3c0);
	r->ar_phase = r->ar_index ? AR_PHASE_DATA : AR_PHASE_INDEX;
}

static void save_vga(struct vio *v, struct stdvga_regs *r)
{
	uint16_t crtc = vio_crtc_port(r->msr);

	vio_in_to(v, 0x3c4, &r->sr_index);
	vio_in_to(v, 0x3ce, &r->gr_index);
	vio_in_to(v, crtc, &r->cr_index);
	vio_in_to(v, 0x3c7, &r->dac_state);
	vio_in_to(v, 0x3c8, &r->dac_write_index);
	vio_in_to(v, 0x3ca, &r->fcr);
	vio_in_to(v, 0x3c2, &r->st00);
	for (unsigned i = 0; i < sizeof(r->sr); i++)
		vio_idx_read_to(v, 0x3c4, (uint8_t)i, &r->sr[i]);
	for (unsigned i = 0; i < sizeof(r->gr); i++)
		vio_idx_read_to(v, 0x3ce, (uint8_t)i, &r->gr[i]);
	for (unsigned i = 0; i < sizeof(r->cr); i++)
		vio_idx_read_to(v, crtc, (uint8_t)i, &r->cr[i]);
	/* Keep the saved PAS on every index write so the screen stays lit. */
	for (unsigned i = 0; i < sizeof(r->ar); i++) {
		vio_touch(v, vio_is1_port(r->msr));
		vio_out(v, 0x3c0, (uint8_t)(i | (r->ar_index & 0x20)));
		vio_in_to(v, 0x3c1, &r->ar[i]);
	}
}

/* DISPI, ENABLE first (hazard 4): GETCAPS masks the geometry reads. */
static void save_dispi(struct vio *v, struct stdvga_regs *r)
{
	uint16_t en = vio_dispi_read(v, DISPI_ENABLE);

	if (en & DISPI_GETCAPS)
		vio_dispi_write(v, DISPI_ENABLE, en & ~DISPI_GETCAPS);
	for (unsigned i = 0; i < DISPI_COUNT; i++)
		if (i != DISPI_ENABLE)
			vio_dispi_read_to(v, i, &r->dispi[i]);
	r->dispi[DISPI_ENABLE] = en;
	/* Any non-transition ENABLE write zeroed bank_offset (hazard 3). */
	if (en & DISPI_GETCAPS) {
		vio_flush(v);
		vio_dispi_write(v, DISPI_ENABLE, en);
		vio_dispi_write(v, DISPI_BANK, r->dispi[DISPI_BANK]);
	}
}

static void save_bar2_regs(struct vio *v, struct stdvga_regs *r,
			   uint8_t revision)
{
	for (unsigned i = 0; i < sizeof(r->edid); i += 4)
		vio_mmio_read_to(v, STDVGA_BAR2_EDID + i, &r->edid[i]);
	if (revision < 2)
		return;
	r->ext_size = vio_mmio_read(v, STDVGA_BAR2_EXT, 4);
	if (r->ext_size >= 8)
		r->endian = vio_mmio_read(v, STDVGA_BAR2_EXT + 4, 4);
}

/* BAR2 answers only with memory decode on: turn it on for the reads. */
static void save_bar2(struct vio *v, struct stdvga_regs *r, uint8_t revision)
{
	uint32_t cmd = vio_cfg_read(v, PCI_COMMAND, 2);

	if (!(cmd & PCI_COMMAND_MEMORY))
		vio_cfg_write(v, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY);
	save_bar2_regs(v, r, revision);
	if (!(cmd & PCI_COMMAND_MEMORY))
		vio_cfg_write(v, PCI_COMMAND, 2, cmd);
}

static void save_palette(struct vio *v, struct stdvga_regs *r)
{
	vio_out(v, 0x3c7, 0);
	for (unsigned i = 0; i < sizeof(r->palette); i++)
		vio_in_to(v, 0x3c9, &r->palette[i]);
}

/* Put back what the reads disturbed (9.2 step 8). */
static void save_put_back(struct vio *v, const struct stdvga_regs *r)
{
	vio_out(v, 0x3c4, r->sr_index);
	vio_out(v, 0x3ce, r->gr_index);
	vio_out(v, vio_crtc_port(r->msr), r->cr_index);
	stdvga_restore_dac_latch(v, r);
	vio_out16(v, 0x1ce, r->vbe_index);
	stdvga_restore_ar_latch(v, r);
}

int stdvga_save_regs(struct hw *hw, struct stdvga_regs *r, uint8_t revision,
		     struct err *e)
{
	struct vio v = {.hw = hw, .e = e};

	memset(r, 0, sizeof(*r));
	r->msr = vio_in(&v, 0x3cc);
	save_ar_latch(&v, r);
	r->vbe_index = vio_in16(&v, 0x1ce);
	save_vga(&v, r);
	save_dispi(&v, r);
	save_bar2(&v, r, revision);
	save_palette(&v, r);
	save_put_back(&v, r);
	return vio_flush(&v);
}

int stdvga_save_pcicfg(struct hw *hw, uint8_t cfg[256], struct err *e)
{
	struct vio v = {.hw = hw, .e = e};

	for (uint32_t off = 0; off < 256; off += 4)
		vio_cfg_read_to(&v, off, &cfg[off]);
	return vio_flush(&v);
}

static int vram_copy(struct hw *hw, void *buf, uint64_t size, int to_dev,
		     struct err *e)
{
	uint64_t len;
	uint8_t *map = hw_region_map(hw, HW_REGION_BAR0, &len, e);

	if (!map)
		return -EIO;
	if (len != size) {
		hw_region_unmap(map, len);
		return err_set(e, -EINVAL, "BAR0 is %llu bytes, expected %llu",
			       (unsigned long long)len,
			       (unsigned long long)size);
	}
	if (to_dev)
		memcpy(map, buf, size);
	else
		memcpy(buf, map, size);
	hw_region_unmap(map, len);
	return 0;
}

int stdvga_vram_read(struct hw *hw, uint8_t *dst, uint64_t size, struct err *e)
{
	return vram_copy(hw, dst, size, 0, e);
}

int stdvga_vram_write(struct hw *hw, const uint8_t *src, uint64_t size,
		      struct err *e)
{
	return vram_copy(hw, (void *)src, size, 1, e);
}
