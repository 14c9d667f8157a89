/*
 * The in-memory GPU state that chip drivers save and restore and that the
 * snapshot format (snapshot.h) carries: identity, PCI config space, a
 * chip-specific register blob and VRAM.
 */
#ifndef GS_STATE_H
#define GS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define GS_CHIP_NAME_MAX 16

struct gs_identity {
	uint16_t vendor, device;
	uint16_t subvendor, subdevice;
	uint8_t revision;
	uint32_t class_code; /* 24 bits: base class, subclass, prog-if */
	uint64_t vram_size;  /* bytes */
	char chip[GS_CHIP_NAME_MAX]; /* chip driver name, NUL-terminated */
	uint32_t chip_version;	     /* that driver's register layout version */
};

struct gs_state {
	struct gs_identity id;
	uint8_t pcicfg[256]; /* config space as programmed at save time */
	uint8_t *regs;	     /* chip register blob, chip_ops.regs_len bytes */
	size_t regs_len;
	uint8_t *vram; /* id.vram_size bytes */
};

/* Allocate regs and vram for the given identity and register size. */
int gs_state_alloc(struct gs_state *st, const struct gs_identity *id,
		   size_t regs_len, struct err *e);
void gs_state_free(struct gs_state *st);

/* A VRAM-sized buffer straight from mmap: inside the vkernel, malloc of
 * this size is a vmalloc that maps every page on the host one by one. */
uint8_t *gs_vram_alloc(uint64_t size);
void gs_vram_free(uint8_t *p, uint64_t size);

#endif
