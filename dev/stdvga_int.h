/*
 * Private state of the stdvga model (dev/stdvga*.c), shared by its files:
 * stdvga.c (creation, ops table, port and region dispatch, reset),
 * stdvga_pci.c (config space), stdvga_mmio.c (BAR2 layout),
 * stdvga_vga.c (VGA register file), stdvga_dispi.c (DISPI/VBE) and
 * stdvga_edid.c (EDID blob). Section numbers refer to
 * shared/docs/stdvga.md.
 *
 * The model keeps its own register constants instead of sharing
 * lib/chip_stdvga.h: it is the reference the save/restore driver is tested
 * against, so a wrong constant in one must not hide in the other.
 */
#ifndef GS_DEV_STDVGA_INT_H
#define GS_DEV_STDVGA_INT_H

#include <stdint.h>

#include "stdvga.h"

#define SV_CFG_SIZE  256u
#define SV_BAR2_SIZE 4096u
/* QEMU's EDID buffer (and its BAR2 window) is 384 bytes since QEMU 6.1
 * (room for a DisplayID block); the default EDID fills 256 of them and
 * the rest reads 0. */
#define SV_EDID_REGION 384u

/* PCI config space offsets and bits used by the model. */
enum {
	SV_PCI_COMMAND = 0x04,
	SV_PCI_BAR0 = 0x10,
	SV_PCI_BAR2 = 0x18,
	SV_PCI_INTERRUPT_LINE = 0x3c,
	SV_PCI_CMD_MEM = 0x0002,
};

/* DISPI register indices (section 3); SV_VBE_NREGS are stored. */
enum {
	SV_VBE_ID = 0,
	SV_VBE_XRES,
	SV_VBE_YRES,
	SV_VBE_BPP,
	SV_VBE_ENABLE,
	SV_VBE_BANK,
	SV_VBE_VIRT_WIDTH,
	SV_VBE_VIRT_HEIGHT,
	SV_VBE_X_OFFSET,
	SV_VBE_Y_OFFSET,
	SV_VBE_NREGS,
	SV_VBE_VIDEO_MEMORY_64K = SV_VBE_NREGS,
};

enum {
	SV_VBE_ENABLED = 0x01,
	SV_VBE_GETCAPS = 0x02,
	SV_VBE_8BIT_DAC = 0x20,
	SV_VBE_NOCLEARMEM = 0x80,
};

#define SV_VBE_ID5   0xb0c5u
#define SV_ENDIAN_LE 0x1e1e1e1eu
#define SV_ENDIAN_BE 0xbebebebeu

struct stdvga {
	struct hw hw; /* first: the access interface hands out &hw */

	/* Static configuration. */
	uint64_t vram_size; /* bytes, a power of two, 1..512 MiB */
	uint8_t revision;
	int has_edid;
	int vram_fd;
	uint8_t *vram; /* vram_size bytes, MAP_SHARED over vram_fd */
	uint8_t edid[SV_EDID_REGION];

	/* PCI config space as the guest reads it. */
	uint8_t cfg[SV_CFG_SIZE];

	/* VGA register file (section 4). */
	uint8_t msr, fcr, st00, st01;
	uint8_t sr_index, sr[8];
	uint8_t sr_vbe[8]; /* shadow SR the engine uses while VBE is on */
	uint8_t gr_index, gr[16];
	uint8_t ar_index, ar[21];
	uint8_t ar_flip_flop; /* 0 = index phase, 1 = data phase */
	uint8_t cr_index, cr[256];
	uint8_t dac_state, dac_sub_index, dac_read_index, dac_write_index;
	uint8_t dac_cache[3];
	uint8_t palette[768];
	int dac_8bit;

	/* DISPI / VBE (section 3). */
	uint16_t vbe_index;
	uint16_t vbe_regs[SV_VBE_NREGS];
	uint32_t vbe_start_addr;  /* scanout start / 4 */
	uint32_t vbe_line_offset; /* bytes per scanline */
	uint32_t vbe_bank_mask;
	uint32_t bank_offset;

	int big_endian_fb; /* BAR2 0x604; survives reset */
};

/* Config space (stdvga_pci.c). Offsets and sizes are checked by callers. */
void stdvga_pci_init(struct stdvga *s);
void stdvga_pci_reset(struct stdvga *s);
int stdvga_pci_read(struct stdvga *s, uint64_t off, unsigned size,
		    uint32_t *val, struct err *e);
int stdvga_pci_write(struct stdvga *s, uint64_t off, unsigned size,
		     uint32_t val, struct err *e);
int stdvga_pci_mem_enabled(const struct stdvga *s);

/* BAR2 (stdvga_mmio.c); off and size already validated. */
uint32_t stdvga_mmio_read(struct stdvga *s, uint32_t off, unsigned size);
void stdvga_mmio_write(struct stdvga *s, uint32_t off, unsigned size,
		       uint32_t val);

/* The VGA port handler (stdvga_vga.c): port is 0x3B0..0x3DF. */
uint8_t stdvga_vga_read(struct stdvga *s, uint16_t port);
void stdvga_vga_write(struct stdvga *s, uint16_t port, uint8_t val);
void stdvga_vga_reset(struct stdvga *s);

/* DISPI data register at vbe_index (stdvga_dispi.c). */
uint16_t stdvga_dispi_read(struct stdvga *s);
void stdvga_dispi_write(struct stdvga *s, uint16_t val);
void stdvga_dispi_reset(struct stdvga *s);
/* Re-force the VGA registers VBE owns, if VBE is enabled (section 3.3). */
void stdvga_dispi_update_vgaregs(struct stdvga *s);

/* The EDID window's contents: the 256-byte blob, then zeros
 * (stdvga_edid.c). */
void stdvga_edid_build(uint8_t edid[SV_EDID_REGION]);

#endif
