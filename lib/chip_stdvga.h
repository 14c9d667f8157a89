/*
 * The stdvga chip driver: save/restore of the Bochs/QEMU standard VGA
 * (PCI 1234:1111) through the access interface, following
 * shared/docs/stdvga.md section 9. This header gives the decoded register
 * struct that the driver, the scanout decoder and the tests share.
 */
#ifndef GS_CHIP_STDVGA_H
#define GS_CHIP_STDVGA_H

#include <stdint.h>

#include "chip.h"

/* DISPI register indices (stdvga.md section 3). */
enum {
	DISPI_ID = 0,
	DISPI_XRES,
	DISPI_YRES,
	DISPI_BPP,
	DISPI_ENABLE,
	DISPI_BANK,
	DISPI_VIRT_WIDTH,
	DISPI_VIRT_HEIGHT,
	DISPI_X_OFFSET,
	DISPI_Y_OFFSET,
	DISPI_VIDEO_MEMORY_64K,
	DISPI_COUNT
};

enum {
	DISPI_ENABLED = 0x01,
	DISPI_GETCAPS = 0x02,
	DISPI_8BIT_DAC = 0x20,
	DISPI_LFB_ENABLED = 0x40,
	DISPI_NOCLEARMEM = 0x80,
};

#define STDVGA_VENDOR	  0x1234
#define STDVGA_DEVICE	  0x1111
#define STDVGA_BAR2_EDID  0x000
#define STDVGA_BAR2_VGA	  0x400 /* port 0x3C0 + n at 0x400 + n */
#define STDVGA_BAR2_DISPI 0x500
#define STDVGA_BAR2_EXT	  0x600
#define STDVGA_ENDIAN_LE  0x1e1e1e1eu
#define STDVGA_ENDIAN_BE  0xbebebebeu

/* Attribute controller flip-flop phase as saved. */
enum { AR_PHASE_INDEX = 0, AR_PHASE_DATA = 1 };

struct stdvga_regs {
	uint8_t msr, fcr, st00;
	uint8_t sr_index, gr_index, cr_index;
	uint8_t ar_index, ar_phase;
	uint8_t dac_state, dac_write_index;
	uint8_t sr[8];
	uint8_t gr[16];
	uint8_t ar[21];
	uint8_t cr[256];
	uint8_t palette[768];
	uint16_t vbe_index;
	uint16_t dispi[DISPI_COUNT];
	uint32_t ext_size; /* BAR2 0x600, 0 when revision < 2 */
	uint32_t endian;   /* BAR2 0x604 magic, 0 when absent */
	uint8_t edid[256]; /* BAR2 0x000, verified on restore, never written */
};

#define STDVGA_CHIP_VERSION 1

extern const struct chip_ops chip_stdvga;
extern const struct chip_field stdvga_fields[];

/* Decode what an stdvga shows (lib/stdvga_scanout.c). */
int stdvga_scanout(const struct stdvga_regs *r, const uint8_t *vram,
		   uint64_t vram_size, struct gs_image *img, struct err *e);
/* Describe the display mode in one line ("1024x768 32 bpp ...", "blank"). */
void stdvga_mode_string(const struct stdvga_regs *r, char *buf, size_t len);

#endif
