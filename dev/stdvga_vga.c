/*
 * stdvga model: the VGA register file behind ports 0x3B0-0x3DF as QEMU's
 * vga_ioport_read/vga_ioport_write implement it (stdvga.md section 4). The
 * same handler serves the legacy ports and the BAR2 alias; which ports are
 * claimed in port space is decided by the caller (stdvga.c).
 *
 * Where QEMU and a real VGA differ, QEMU wins: the CRTC index is not masked
 * (256 registers), DAC entries keep all 8 bits, the PEL mask does not
 * exist, Input Status 1 toggles its retrace bits on every read ("dumb"
 * retrace) and the sequencer reset register has no effect.
 */
#include "stdvga_int.h"

#include <string.h>

enum {
	VGA_ATT_W = 0x3c0,
	VGA_ATT_R = 0x3c1,
	VGA_MIS_W = 0x3c2, /* write: MSR, read: input status 0 */
	VGA_SEQ_I = 0x3c4,
	VGA_SEQ_D = 0x3c5,
	VGA_PEL_IR = 0x3c7, /* write: DAC read index, read: DAC state */
	VGA_PEL_IW = 0x3c8,
	VGA_PEL_D = 0x3c9,
	VGA_FTC_R = 0x3ca,
	VGA_MIS_R = 0x3cc,
	VGA_GFX_I = 0x3ce,
	VGA_GFX_D = 0x3cf,
	VGA_CRT_IM = 0x3b4,
	VGA_CRT_DM = 0x3b5,
	VGA_IS1_RM = 0x3ba,
	VGA_CRT_IC = 0x3d4,
	VGA_CRT_DC = 0x3d5,
	VGA_IS1_RC = 0x3da,
};

enum {
	AR_MODE = 0x10,
	AR_OVERSCAN = 0x11,
	AR_PLANE_ENABLE = 0x12,
	AR_PEL = 0x13,
	AR_COLOR_PAGE = 0x14,
	AR_COUNT = 0x15,
	CR_OVERFLOW = 0x07,
	CR_V_SYNC_END = 0x11,
	CR11_LOCK = 0x80,
	CR07_LINE_COMPARE_8 = 0x10,
	ST01_RETRACE_BITS = 0x09, /* vertical retrace | display disabled */
};

static const uint8_t sr_mask[8] = {0x03, 0x3d, 0x0f, 0x3f,
				   0x0e, 0x00, 0x00, 0xff};

static const uint8_t gr_mask[16] = {0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b,
				    0x0f, 0x0f, 0xff, 0,    0,	  0,
				    0,	  0,	0,    0};

/* MSR bit 0 picks colour (0x3Dx) or mono (0x3Bx); the other block is
 * rejected, through the ports and the BAR2 alias alike. */
static int port_rejected(const struct stdvga *s, uint16_t port)
{
	if (s->msr & 0x01)
		return port >= 0x3b0 && port <= 0x3bf;
	return port >= 0x3d0 && port <= 0x3df;
}

static uint8_t ar_mask(unsigned index)
{
	if (index < AR_MODE)
		return 0x3f;
	switch (index) {
	case AR_MODE:
		return 0xef;
	case AR_OVERSCAN:
		return 0xff;
	case AR_PLANE_ENABLE:
		return 0x3f;
	default: /* AR_PEL, AR_COLOR_PAGE */
		return 0x0f;
	}
}

static void ar_write(struct stdvga *s, uint8_t val)
{
	unsigned index = s->ar_index & 0x1f;

	if (!s->ar_flip_flop)
		s->ar_index = val & 0x3f;
	else if (index < AR_COUNT)
		s->ar[index] = val & ar_mask(index);
	s->ar_flip_flop ^= 1;
}

static uint8_t dac_read(struct stdvga *s)
{
	uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_sub_index];

	if (++s->dac_sub_index == 3) {
		s->dac_sub_index = 0;
		s->dac_read_index++;
	}
	return v;
}

static void dac_write(struct stdvga *s, uint8_t val)
{
	s->dac_cache[s->dac_sub_index] = val;
	if (++s->dac_sub_index == 3) {
		memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
		s->dac_sub_index = 0;
		s->dac_write_index++;
	}
}

static void cr_write(struct stdvga *s, uint8_t val)
{
	uint8_t i = s->cr_index;

	/* CR11 bit 7 protects CR00-CR07, but CR07 bit 4 stays writable. */
	if ((s->cr[CR_V_SYNC_END] & CR11_LOCK) && i <= CR_OVERFLOW) {
		if (i == CR_OVERFLOW) {
			s->cr[i] = (uint8_t)((s->cr[i] & ~CR07_LINE_COMPARE_8) |
					     (val & CR07_LINE_COMPARE_8));
			stdvga_dispi_update_vgaregs(s);
		}
		return;
	}
	s->cr[i] = val;
	stdvga_dispi_update_vgaregs(s);
}

/* Input Status 1: resets the attribute flip-flop, toggles retrace. */
static uint8_t is1_read(struct stdvga *s)
{
	s->st01 ^= ST01_RETRACE_BITS;
	s->ar_flip_flop = 0;
	return s->st01;
}

uint8_t stdvga_vga_read(struct stdvga *s, uint16_t port)
{
	if (port_rejected(s, port))
		return 0xff;
	switch (port) {
	case VGA_ATT_W:
		return s->ar_flip_flop ? 0 : s->ar_index;
	case VGA_ATT_R:
		return (s->ar_index & 0x1f) < AR_COUNT
			       ? s->ar[s->ar_index & 0x1f]
			       : 0;
	case VGA_MIS_W:
		return s->st00;
	case VGA_SEQ_I:
		return s->sr_index;
	case VGA_SEQ_D:
		return s->sr[s->sr_index];
	case VGA_PEL_IR:
		return s->dac_state;
	case VGA_PEL_IW:
		return s->dac_write_index;
	case VGA_PEL_D:
		return dac_read(s);
	case VGA_FTC_R:
		return s->fcr;
	case VGA_MIS_R:
		return s->msr;
	case VGA_GFX_I:
		return s->gr_index;
	case VGA_GFX_D:
		return s->gr[s->gr_index];
	case VGA_CRT_IM:
	case VGA_CRT_IC:
		return s->cr_index;
	case VGA_CRT_DM:
	case VGA_CRT_DC:
		return s->cr[s->cr_index];
	case VGA_IS1_RM:
	case VGA_IS1_RC:
		return is1_read(s);
	default: /* includes the PEL mask 0x3C6, which QEMU lacks */
		return 0;
	}
}

void stdvga_vga_write(struct stdvga *s, uint16_t port, uint8_t val)
{
	if (port_rejected(s, port))
		return;
	switch (port) {
	case VGA_ATT_W:
		ar_write(s, val);
		break;
	case VGA_MIS_W:
		s->msr = val & (uint8_t)~0x10;
		break;
	case VGA_SEQ_I:
		s->sr_index = val & 0x07;
		break;
	case VGA_SEQ_D:
		s->sr[s->sr_index] = val & sr_mask[s->sr_index];
		break;
	case VGA_PEL_IR:
		s->dac_read_index = val;
		s->dac_sub_index = 0;
		s->dac_state = 3;
		break;
	case VGA_PEL_IW:
		s->dac_write_index = val;
		s->dac_sub_index = 0;
		s->dac_state = 0;
		break;
	case VGA_PEL_D:
		dac_write(s, val);
		break;
	case VGA_GFX_I:
		s->gr_index = val & 0x0f;
		break;
	case VGA_GFX_D:
		s->gr[s->gr_index] = val & gr_mask[s->gr_index];
		stdvga_dispi_update_vgaregs(s);
		break;
	case VGA_CRT_IM:
	case VGA_CRT_IC:
		s->cr_index = val;
		break;
	case VGA_CRT_DM:
	case VGA_CRT_DC:
		cr_write(s, val);
		break;
	case VGA_IS1_RM:
	case VGA_IS1_RC:
		s->fcr = val & 0x10;
		break;
	default:
		break;
	}
}

/* vga_common_reset, VGA half: every register, index and latch to 0. */
void stdvga_vga_reset(struct stdvga *s)
{
	s->msr = s->fcr = s->st00 = s->st01 = 0;
	s->sr_index = s->gr_index = s->ar_index = s->cr_index = 0;
	memset(s->sr, 0, sizeof(s->sr));
	memset(s->sr_vbe, 0, sizeof(s->sr_vbe));
	memset(s->gr, 0, sizeof(s->gr));
	memset(s->ar, 0, sizeof(s->ar));
	memset(s->cr, 0, sizeof(s->cr));
	s->ar_flip_flop = 0;
	s->dac_state = s->dac_sub_index = 0;
	s->dac_read_index = s->dac_write_index = 0;
	memset(s->dac_cache, 0, sizeof(s->dac_cache));
	memset(s->palette, 0, sizeof(s->palette));
	s->dac_8bit = 0;
}
