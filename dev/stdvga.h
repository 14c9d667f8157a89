/*
 * The stdvga model: a software implementation of the Bochs/QEMU standard VGA
 * (PCI 1234:1111, QEMU's "-vga std"), as described in shared/docs/stdvga.md.
 * It is reached only through the access interface (hw.h). VRAM lives in a
 * memfd so another process can map it.
 */
#ifndef GS_STDVGA_H
#define GS_STDVGA_H

#include <stdint.h>

#include "hw.h"

struct stdvga_config {
	uint32_t vram_mb; /* 1..512, rounded up to a power of two; 0 = 16 */
	int no_ext_regs;  /* nonzero: revision 0, no QEMU extended registers */
	int no_edid;	  /* nonzero: BAR2 0x000-0x0FF reads all-ones */
};

/* Create a model in its power-on state (VRAM zero). cfg may be NULL. */
int stdvga_create(const struct stdvga_config *cfg, struct hw **out,
		  struct err *e);

#endif
