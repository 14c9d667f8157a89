/*
 * stdvga model: the Bochs VBE "DISPI" registers of QEMU's VGA device
 * (stdvga.md section 3): GETCAPS, the ENABLE side effects (3.1), the
 * fixups applied while enabled (3.2) and the VGA registers VBE forces
 * (3.3). Reached through the index/data ports 0x1CE/0x1CF/0x1D0 and the
 * flat BAR2 window at 0x500, both of which go through vbe_index.
 *
 * XRES and VIRT_WIDTH are rounded down to a multiple of 8, as in the QEMU
 * version stdvga.md pins (pbo-linaro/qemu-ci @f231b05b). Later QEMU
 * ("vga: relax restriction on display width", 2024) rounds to a multiple
 * of 2 instead; change SV_VBE_WIDTH_ALIGN to follow it.
 */
#include "stdvga_int.h"

#include <string.h>

#define SV_VBE_MAX_XRES	   16000u
#define SV_VBE_MAX_YRES	   12000u
#define SV_VBE_MAX_BPP	   32u
#define SV_VBE_WIDTH_ALIGN 8u
#define SV_VBE_ID0	   0xb0c0u

enum {
	GR_MODE = 0x05,
	GR_MISC = 0x06,
	CR_H_DISP = 0x01,
	CR_OVERFLOW = 0x07,
	CR_MAX_SCAN = 0x09,
	CR_V_DISP_END = 0x12,
	CR_OFFSET = 0x13,
	CR_MODE = 0x17,
	CR_LINE_COMPARE = 0x18,
	SR_CLOCK_MODE = 0x01,
	SR_PLANE_WRITE = 0x02,
	SR_MEMORY_MODE = 0x04,
};

static int vbe_enabled(const struct stdvga *s)
{
	return (s->vbe_regs[SV_VBE_ENABLE] & SV_VBE_ENABLED) != 0;
}

/* Bits per pixel used for the line length; rewrites invalid BPP to 8. */
static uint32_t fixup_bpp(uint16_t *r)
{
	switch (r[SV_VBE_BPP]) {
	case 4:
	case 8:
	case 16:
	case 24:
	case 32:
		return r[SV_VBE_BPP];
	case 15:
		return 16;
	default:
		r[SV_VBE_BPP] = 8;
		return 8;
	}
}

static void fixup_width(uint16_t *r)
{
	r[SV_VBE_XRES] &= (uint16_t) ~(SV_VBE_WIDTH_ALIGN - 1);
	if (r[SV_VBE_XRES] == 0)
		r[SV_VBE_XRES] = 8;
	if (r[SV_VBE_XRES] > SV_VBE_MAX_XRES)
		r[SV_VBE_XRES] = SV_VBE_MAX_XRES;
	r[SV_VBE_VIRT_WIDTH] &= (uint16_t) ~(SV_VBE_WIDTH_ALIGN - 1);
	if (r[SV_VBE_VIRT_WIDTH] > SV_VBE_MAX_XRES)
		r[SV_VBE_VIRT_WIDTH] = SV_VBE_MAX_XRES;
	if (r[SV_VBE_VIRT_WIDTH] < r[SV_VBE_XRES])
		r[SV_VBE_VIRT_WIDTH] = r[SV_VBE_XRES];
}

/*
 * Pan offsets are validated against the whole frame: if the frame would
 * run past VRAM, Y_OFFSET goes to 0 first, then X_OFFSET. Returns the byte
 * offset of the scanout start. All products stay below 2^31: offsets and
 * YRES are clamped first and the line length is at most 64000.
 */
static uint32_t fixup_offsets(struct stdvga *s, uint32_t bits, uint32_t line)
{
	uint16_t *r = s->vbe_regs;
	uint32_t frame = r[SV_VBE_YRES] * line, offset;

	if (r[SV_VBE_X_OFFSET] > SV_VBE_MAX_XRES)
		r[SV_VBE_X_OFFSET] = SV_VBE_MAX_XRES;
	if (r[SV_VBE_Y_OFFSET] > SV_VBE_MAX_YRES)
		r[SV_VBE_Y_OFFSET] = SV_VBE_MAX_YRES;
	offset = r[SV_VBE_X_OFFSET] * bits / 8 + r[SV_VBE_Y_OFFSET] * line;
	if (offset + frame > s->vram_size) {
		r[SV_VBE_Y_OFFSET] = 0;
		offset = r[SV_VBE_X_OFFSET] * bits / 8;
		if (offset + frame > s->vram_size) {
			r[SV_VBE_X_OFFSET] = 0;
			offset = 0;
		}
	}
	return offset;
}

/* vbe_fixup_regs: only while enabled; disabled writes are stored raw. */
static void fixup_regs(struct stdvga *s)
{
	uint16_t *r = s->vbe_regs;
	uint32_t bits, line, maxy;

	if (!vbe_enabled(s))
		return;
	bits = fixup_bpp(r);
	fixup_width(r);
	line = r[SV_VBE_VIRT_WIDTH] * bits / 8;
	maxy = (uint32_t)(s->vram_size / line);
	if (r[SV_VBE_YRES] == 0)
		r[SV_VBE_YRES] = 1;
	if (r[SV_VBE_YRES] > SV_VBE_MAX_YRES)
		r[SV_VBE_YRES] = SV_VBE_MAX_YRES;
	if (r[SV_VBE_YRES] > maxy)
		r[SV_VBE_YRES] = (uint16_t)maxy;
	s->vbe_start_addr = fixup_offsets(s, bits, line) / 4;
	/* VIRT_HEIGHT is a 16-bit register: QEMU truncates maxy into it. */
	r[SV_VBE_VIRT_HEIGHT] = (uint16_t)maxy;
	s->vbe_line_offset = line;
}

void stdvga_dispi_update_vgaregs(struct stdvga *s)
{
	unsigned h, shift_control;

	if (!vbe_enabled(s))
		return;
	/* graphics mode, memory map 1 (A0000, 64 KiB) */
	s->gr[GR_MISC] = (uint8_t)((s->gr[GR_MISC] & ~0x0c) | 0x04 | 0x01);
	s->cr[CR_MODE] |= 0x03;
	s->cr[CR_OFFSET] = (uint8_t)(s->vbe_line_offset >> 3);
	s->cr[CR_H_DISP] = (uint8_t)((s->vbe_regs[SV_VBE_XRES] >> 3) - 1);
	h = s->vbe_regs[SV_VBE_YRES] - 1u;
	s->cr[CR_V_DISP_END] = (uint8_t)h;
	s->cr[CR_OVERFLOW] = (uint8_t)((s->cr[CR_OVERFLOW] & ~0x42) |
				       ((h >> 7) & 0x02) | ((h >> 3) & 0x40));
	/* line compare 1023, i.e. never */
	s->cr[CR_LINE_COMPARE] = 0xff;
	s->cr[CR_OVERFLOW] |= 0x10;
	s->cr[CR_MAX_SCAN] |= 0x40;
	/* sr_vbe only accumulates; the guest keeps seeing its own sr[]. */
	if (s->vbe_regs[SV_VBE_BPP] == 4) {
		shift_control = 0;
		s->sr_vbe[SR_CLOCK_MODE] &= (uint8_t)~0x08;
	} else {
		shift_control = 2;
		s->sr_vbe[SR_MEMORY_MODE] |= 0x08;
		s->sr_vbe[SR_PLANE_WRITE] |= 0x0f;
	}
	s->gr[GR_MODE] =
		(uint8_t)((s->gr[GR_MODE] & ~0x60) | (shift_control << 5));
	s->cr[CR_MAX_SCAN] &= (uint8_t)~0x9f; /* no double scan */
}

uint16_t stdvga_dispi_read(struct stdvga *s)
{
	uint16_t i = s->vbe_index;

	if (i == SV_VBE_VIDEO_MEMORY_64K)
		return (uint16_t)(s->vram_size >> 16);
	if (i >= SV_VBE_NREGS)
		return 0;
	if (s->vbe_regs[SV_VBE_ENABLE] & SV_VBE_GETCAPS) {
		switch (i) {
		case SV_VBE_XRES:
			return SV_VBE_MAX_XRES;
		case SV_VBE_YRES:
			return SV_VBE_MAX_YRES;
		case SV_VBE_BPP:
			return SV_VBE_MAX_BPP;
		default:
			break;
		}
	}
	return s->vbe_regs[i];
}

static void write_enable(struct stdvga *s, uint16_t val)
{
	uint16_t *r = s->vbe_regs;

	if ((val & SV_VBE_ENABLED) && !vbe_enabled(s)) {
		r[SV_VBE_VIRT_WIDTH] = 0;
		r[SV_VBE_X_OFFSET] = 0;
		r[SV_VBE_Y_OFFSET] = 0;
		r[SV_VBE_ENABLE] |= SV_VBE_ENABLED;
		fixup_regs(s);
		stdvga_dispi_update_vgaregs(s);
		/* The clear starts at VRAM 0, not at the pan offset; the
		 * fixup keeps YRES * line length within VRAM. */
		if (!(val & SV_VBE_NOCLEARMEM))
			memset(s->vram, 0,
			       (size_t)r[SV_VBE_YRES] * s->vbe_line_offset);
	} else {
		s->bank_offset = 0;
	}
	s->dac_8bit = (val & SV_VBE_8BIT_DAC) != 0;
	r[SV_VBE_ENABLE] = val;
}

void stdvga_dispi_write(struct stdvga *s, uint16_t val)
{
	switch (s->vbe_index) {
	case SV_VBE_ID:
		if (val >= SV_VBE_ID0 && val <= SV_VBE_ID5)
			s->vbe_regs[SV_VBE_ID] = val;
		break;
	case SV_VBE_XRES:
	case SV_VBE_YRES:
	case SV_VBE_BPP:
	case SV_VBE_VIRT_WIDTH:
	case SV_VBE_X_OFFSET:
	case SV_VBE_Y_OFFSET:
		s->vbe_regs[s->vbe_index] = val;
		fixup_regs(s);
		stdvga_dispi_update_vgaregs(s);
		break;
	case SV_VBE_BANK:
		val &= (uint16_t)s->vbe_bank_mask;
		s->vbe_regs[SV_VBE_BANK] = val;
		s->bank_offset = (uint32_t)val << 16;
		break;
	case SV_VBE_ENABLE:
		write_enable(s, val);
		break;
	default: /* VIRT_HEIGHT, VIDEO_MEMORY_64K and beyond: read-only */
		break;
	}
}

/* vga_common_reset, DISPI half. */
void stdvga_dispi_reset(struct stdvga *s)
{
	s->vbe_index = 0;
	memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
	s->vbe_regs[SV_VBE_ID] = SV_VBE_ID5;
	s->vbe_start_addr = 0;
	s->vbe_line_offset = 0;
	s->vbe_bank_mask = (uint32_t)(s->vram_size >> 16) - 1;
	s->bank_offset = 0;
}
