/*
 * Chip save/restore drivers. Each chip family offers the same verbs (probe,
 * save, restore, reset, describe, scanout) through one ops table; generic
 * code (snapshot, gpustate) never switches on the chip.
 *
 * The register blob of a gs_state is the little-endian serialisation of the
 * driver's fields table, in table order; show/diff use the same table to name
 * every register.
 */
#ifndef GS_CHIP_H
#define GS_CHIP_H

#include <stdio.h>

#include "../dev/hw.h"
#include "image.h"
#include "state.h"

/* One named register or register array in a chip's blob. */
struct chip_field {
	const char
		*name; /* printf format taking the element index if count > 1 */
	uint16_t count;		  /* number of elements */
	uint8_t width;		  /* bytes per element: 1, 2 or 4 */
	uint16_t offset;	  /* byte offset in the chip's decoded struct */
	const char *const *names; /* per-element names, overrides name */
};

struct chip_ops {
	const char *name;
	uint32_t version; /* register layout version, stored in the identity */
	const struct chip_field *fields;
	size_t nfields;

	/* Does this driver handle the device? Fills id from config space. */
	int (*probe)(struct hw *hw, struct gs_identity *id, struct err *e);
	/* Read the complete state through hw into st (allocated here). */
	int (*save)(struct hw *hw, struct gs_state *st, struct err *e);
	/* Registers only, into blob (chip_regs_len bytes): for decoding the
	 * live picture with VRAM read in place. Like save, it puts back what
	 * its reads disturb, so the guest should not be mid-sequence. */
	int (*save_regs)(struct hw *hw, uint8_t *blob, struct err *e);
	/* Check that st fits the device without touching it. */
	int (*check)(struct hw *hw, const struct gs_state *st, struct err *e);
	/* Reset hw, write st in the safe order, read back and verify. */
	int (*restore)(struct hw *hw, const struct gs_state *st, struct err *e);
	/* restore without putting back the earlier state on failure: for a
	 * device no one else uses, whose state before does not matter (a
	 * thaw onto freshly reset hardware). */
	int (*rewrite)(struct hw *hw, const struct gs_state *st, struct err *e);
	/* One paragraph a person can read: mode, geometry, format. */
	void (*describe)(const struct gs_state *st, FILE *out);
	/* Decode what the display shows. */
	int (*scanout)(const struct gs_state *st, struct gs_image *img,
		       struct err *e);
};

/* The driver called name, or NULL. */
const struct chip_ops *chip_by_name(const char *name);
/* The driver for the device behind hw (by probing), or NULL and e filled. */
const struct chip_ops *chip_probe(struct hw *hw, struct gs_identity *id,
				  struct err *e);

/* Blob helpers driven by the fields table. */
void chip_encode(const struct chip_ops *c, const void *decoded, uint8_t *blob);
void chip_decode(const struct chip_ops *c, const uint8_t *blob, void *decoded);
/* Blob size: the sum of count * width over the fields table. */
size_t chip_regs_len(const struct chip_ops *c);
/* Name of element i of field f, e.g. "CR11" or "XRES". */
void chip_field_name(const struct chip_field *f, unsigned i, char *buf,
		     size_t len);
/* Called for a register that differs: its name, width in bytes, values. */
typedef int (*chip_diff_fn)(void *ctx, const char *name, unsigned width,
			    uint32_t a, uint32_t b);
/* Call fn for every register whose value differs between blobs a and b, in
 * table order; stops at the first nonzero return and returns it. */
int chip_regs_diff(const struct chip_ops *c, const uint8_t *a, const uint8_t *b,
		   chip_diff_fn fn, void *ctx);
/* Value of element i of field f in a blob; *pos gives where f starts. */
uint32_t chip_field_get(const struct chip_field *f, const uint8_t *blob,
			size_t pos, unsigned i);

#endif
