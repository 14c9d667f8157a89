/*
 * The stdvga chip driver (PCI 1234:1111): probe, save, check, restore with
 * read-back verification, describe and scanout. Register sequences live in
 * stdvga_save.c and stdvga_restore.c; this file holds the verbs.
 */
#include "chip_stdvga.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stdvga_int.h"

#ifndef ARRAY_SIZE /* the vkernel's user.h has one */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define PCI_SUBSYSTEM 0x2c
#define PCI_REVISION  0x08

/* The register blob layout: every saved register, named. Changing this
 * table changes the snapshot format: bump STDVGA_CHIP_VERSION. */
#define F(n, m, c)                                                             \
	{                                                                      \
		.name = n, .count = c,                                         \
		.width = sizeof(((struct stdvga_regs *)0)->m) / c,             \
		.offset = offsetof(struct stdvga_regs, m)                      \
	}

static const char *const dispi_names[DISPI_COUNT] = {
	"ID",
	"XRES",
	"YRES",
	"BPP",
	"ENABLE",
	"BANK",
	"VIRT_WIDTH",
	"VIRT_HEIGHT",
	"X_OFFSET",
	"Y_OFFSET",
	"VIDEO_MEMORY_64K",
};

const struct chip_field stdvga_fields[] = {
	F("MSR", msr, 1),
	F("FCR", fcr, 1),
	F("ST00", st00, 1),
	F("SR_INDEX", sr_index, 1),
	F("GR_INDEX", gr_index, 1),
	F("CR_INDEX", cr_index, 1),
	F("AR_INDEX", ar_index, 1),
	F("AR_PHASE", ar_phase, 1),
	F("DAC_STATE", dac_state, 1),
	F("DAC_WRITE_INDEX", dac_write_index, 1),
	F("SR%02X", sr, 8),
	F("GR%02X", gr, 16),
	F("AR%02X", ar, 21),
	F("CR%02X", cr, 256),
	F("PAL%03u", palette, 768),
	F("VBE_INDEX", vbe_index, 1),
	{.name = "DISPI",
	 .count = DISPI_COUNT,
	 .width = 2,
	 .offset = offsetof(struct stdvga_regs, dispi),
	 .names = dispi_names},
	F("EXT_SIZE", ext_size, 1),
	F("EXT_ENDIAN", endian, 1),
	F("EDID%03u", edid, 256),
};

static int read_identity(struct hw *hw, struct gs_identity *id, struct err *e)
{
	struct hw_region bar0;
	uint32_t ids, sub, rev_class;
	int rc;

	if ((rc = hw_cfg_read(hw, 0, 4, &ids, e)) < 0 ||
	    (rc = hw_cfg_read(hw, PCI_SUBSYSTEM, 4, &sub, e)) < 0 ||
	    (rc = hw_cfg_read(hw, PCI_REVISION, 4, &rev_class, e)) < 0 ||
	    (rc = hw_region_info(hw, HW_REGION_BAR0, &bar0, e)) < 0)
		return rc;
	memset(id, 0, sizeof(*id));
	id->vendor = ids & 0xffff;
	id->device = ids >> 16;
	id->subvendor = sub & 0xffff;
	id->subdevice = sub >> 16;
	id->revision = rev_class & 0xff;
	id->class_code = rev_class >> 8;
	id->vram_size = bar0.size;
	strcpy(id->chip, chip_stdvga.name);
	id->chip_version = chip_stdvga.version;
	return 0;
}

static int stdvga_probe(struct hw *hw, struct gs_identity *id, struct err *e)
{
	int rc = read_identity(hw, id, e);

	if (rc < 0)
		return rc;
	if (id->vendor != STDVGA_VENDOR || id->device != STDVGA_DEVICE)
		return err_set(e, -ENODEV,
			       "PCI device %04x:%04x is not a standard VGA "
			       "(1234:1111)",
			       id->vendor, id->device);
	return 0;
}

static int stdvga_save(struct hw *hw, struct gs_state *st, struct err *e)
{
	struct gs_identity id;
	struct stdvga_regs r;
	int rc;

	if ((rc = stdvga_probe(hw, &id, e)) < 0)
		return rc;
	if ((rc = gs_state_alloc(st, &id, chip_regs_len(&chip_stdvga), e)) < 0)
		return rc;
	if ((rc = stdvga_save_pcicfg(hw, st->pcicfg, e)) < 0 ||
	    (rc = stdvga_save_regs(hw, &r, id.revision, e)) < 0 ||
	    (rc = stdvga_vram_read(hw, st->vram, id.vram_size, e)) < 0) {
		gs_state_free(st);
		return err_wrap(e, rc, "save");
	}
	chip_encode(&chip_stdvga, &r, st->regs);
	return 0;
}

static int stdvga_save_regs_blob(struct hw *hw, uint8_t *blob, struct err *e)
{
	struct gs_identity id;
	struct stdvga_regs r;
	int rc;

	if ((rc = stdvga_probe(hw, &id, e)) < 0 ||
	    (rc = stdvga_save_regs(hw, &r, id.revision, e)) < 0)
		return rc;
	chip_encode(&chip_stdvga, &r, blob);
	return 0;
}

#define CHECK_ID(field, fmt)                                                   \
	do {                                                                   \
		if (want->field != have.field)                                 \
			return err_set(                                        \
				e, -EINVAL,                                    \
				"snapshot does not fit this device: " #field   \
				" is " fmt " in the snapshot, " fmt            \
				" on the device",                              \
				want->field, have.field);                      \
	} while (0)

static int stdvga_check(struct hw *hw, const struct gs_state *st, struct err *e)
{
	const struct gs_identity *want = &st->id;
	struct gs_identity have;
	int rc;

	if (strcmp(want->chip, chip_stdvga.name))
		return err_set(e, -EINVAL,
			       "snapshot is for chip driver '%s', device needs "
			       "'stdvga'",
			       want->chip);
	if ((rc = stdvga_probe(hw, &have, e)) < 0)
		return rc;
	CHECK_ID(vendor, "%04x");
	CHECK_ID(device, "%04x");
	CHECK_ID(subvendor, "%04x");
	CHECK_ID(subdevice, "%04x");
	CHECK_ID(revision, "%u");
	CHECK_ID(class_code, "%06x");
	CHECK_ID(vram_size, "%" PRIu64);
	CHECK_ID(chip_version, "%u");
	if (st->regs_len != chip_regs_len(&chip_stdvga) || !st->vram)
		return err_set(e, -EINVAL,
			       "snapshot register block is %zu "
			       "bytes, stdvga needs %zu",
			       st->regs_len, chip_regs_len(&chip_stdvga));
	return 0;
}

static int first_mismatch(void *ctx, const char *name, unsigned width,
			  uint32_t want, uint32_t have)
{
	return err_set(ctx, -EIO,
		       "verify: register %s reads back 0x%0*x, "
		       "restored 0x%0*x",
		       name, 2 * width, have, 2 * width, want);
}

static int compare_regs(const struct gs_state *want, const uint8_t *regs,
			const uint8_t cfg[256], struct err *e)
{
	static const struct {
		unsigned off, len;
		const char *name;
	} fields[] = {{0x00, 4, "IDs"},
		      {0x04, 2, "command"},
		      {0x10, 4, "BAR0"},
		      {0x18, 4, "BAR2"},
		      {0x3c, 1, "interrupt line"}};
	int rc = chip_regs_diff(&chip_stdvga, want->regs, regs, first_mismatch,
				e);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (memcmp(want->pcicfg + fields[i].off, cfg + fields[i].off,
			   fields[i].len))
			return err_set(e, -EIO, "verify: PCI config %s differs",
				       fields[i].name);
	return 0;
}

/* VRAM compared where it is, through a mapping of BAR0. */
static int compare_vram(struct hw *hw, const struct gs_state *want,
			struct err *e)
{
	uint64_t len, size = want->id.vram_size, off = 0;
	const uint8_t *map = hw_region_map(hw, HW_REGION_BAR0, &len, e);

	if (!map)
		return err_wrap(e, -EIO, "verify");
	if (len == size && !memcmp(want->vram, map, size)) {
		hw_region_unmap((void *)map, len);
		return 0;
	}
	while (off < size && off < len && want->vram[off] == map[off])
		off++;
	if (off < size && off < len)
		err_set(e, -EIO,
			"verify: VRAM differs at offset 0x%" PRIx64
			": 0x%02x restored, 0x%02x read back",
			off, want->vram[off], map[off]);
	else
		err_set(e, -EIO,
			"verify: BAR0 is %" PRIu64 " bytes, not %" PRIu64, len,
			size);
	hw_region_unmap((void *)map, len);
	return -EIO;
}

/* Read everything back and compare with want. */
static int verify(struct hw *hw, const struct gs_state *want, struct err *e)
{
	struct stdvga_regs r;
	uint8_t cfg[256], *blob = malloc(chip_regs_len(&chip_stdvga));
	int rc;

	if (!blob)
		return err_set(e, -ENOMEM, "out of memory");
	if ((rc = stdvga_save_pcicfg(hw, cfg, e)) < 0 ||
	    (rc = stdvga_save_regs(hw, &r, want->id.revision, e)) < 0) {
		free(blob);
		return err_wrap(e, rc, "verify");
	}
	chip_encode(&chip_stdvga, &r, blob);
	rc = compare_regs(want, blob, cfg, e);
	free(blob);
	return rc < 0 ? rc : compare_vram(hw, want, e);
}

/* Reset, write st in the safe order, read everything back and compare. */
static int write_and_verify(struct hw *hw, const struct gs_state *st,
			    struct err *e)
{
	struct stdvga_regs r;
	int rc;

	chip_decode(&chip_stdvga, st->regs, &r);
	/* A device without a bus reset (QEMU's std VGA on the root bus has no
	 * FLR) is still fully rewritten, starting from ENABLE = 0. */
	rc = hw_reset(hw, e);
	if (rc < 0 && rc != -ENOTSUP)
		return err_wrap(e, rc, "reset before restore");
	rc = stdvga_restore_regs(hw, &r, st->pcicfg, st->vram, st->id.vram_size,
				 e);
	if (rc < 0)
		return err_wrap(e, rc, "restore");
	return verify(hw, st, e);
}

static int stdvga_rewrite(struct hw *hw, const struct gs_state *st,
			  struct err *e)
{
	int rc = stdvga_check(hw, st, e);

	return rc < 0 ? rc : write_and_verify(hw, st, e);
}

/* A restore that fails after touching the device puts back what the device
 * held before, so a bad snapshot loses nothing. */
static int stdvga_restore(struct hw *hw, const struct gs_state *st,
			  struct err *e)
{
	struct gs_state before;
	struct err undo = {{0}};
	char msg[sizeof(e->msg)];
	int rc;

	if ((rc = stdvga_check(hw, st, e)) < 0)
		return rc;
	if ((rc = stdvga_save(hw, &before, e)) < 0)
		return err_wrap(e, rc, "save before restore");
	rc = write_and_verify(hw, st, e);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s", e->msg);
		if (write_and_verify(hw, &before, &undo) == 0)
			err_set(e, rc,
				"%.400s; the device was put back as it was",
				msg);
		else
			err_set(e, rc,
				"%.250s; putting the device back failed "
				"too: %.200s",
				msg, undo.msg);
	}
	gs_state_free(&before);
	return rc;
}

static void stdvga_describe(const struct gs_state *st, FILE *out)
{
	struct stdvga_regs r;
	char mode[160];

	chip_decode(&chip_stdvga, st->regs, &r);
	stdvga_mode_string(&r, mode, sizeof(mode));
	fprintf(out, "display: %s\n", mode);
}

static int stdvga_chip_scanout(const struct gs_state *st, struct gs_image *img,
			       struct err *e)
{
	struct stdvga_regs r;

	chip_decode(&chip_stdvga, st->regs, &r);
	return stdvga_scanout(&r, st->vram, st->id.vram_size, img, e);
}

const struct chip_ops chip_stdvga = {
	.name = "stdvga",
	.version = STDVGA_CHIP_VERSION,
	.fields = stdvga_fields,
	.nfields = ARRAY_SIZE(stdvga_fields),
	.probe = stdvga_probe,
	.save = stdvga_save,
	.save_regs = stdvga_save_regs_blob,
	.check = stdvga_check,
	.restore = stdvga_restore,
	.rewrite = stdvga_rewrite,
	.describe = stdvga_describe,
	.scanout = stdvga_chip_scanout,
};
