/* The stdvga register blob layout: every saved register, named. Changing
 * this table changes the snapshot format: bump STDVGA_CHIP_VERSION. */
#include <stddef.h>

#include "chip_stdvga.h"

#define F(n, m, c)                                                             \
	{                                                                      \
		.name = n, .count = c,                                         \
		.width = sizeof(((struct stdvga_regs *)0)->m) / c,             \
		.offset = offsetof(struct stdvga_regs, m)                      \
	}

static const char *const dispi_names[DISPI_COUNT] = {
	"ID",	"XRES",	      "YRES",	     "BPP",	 "ENABLE",	    "BANK",
	"VIRT_WIDTH", "VIRT_HEIGHT", "X_OFFSET", "Y_OFFSET", "VIDEO_MEMORY_64K",
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

const size_t stdvga_nfields = sizeof(stdvga_fields) / sizeof(stdvga_fields[0]);
