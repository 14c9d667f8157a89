/*
 * stdvga model: the 4 KiB BAR2 register window (stdvga.md section 2.1).
 *
 *   0x000-0x17F  EDID, read-only, byte-wise (hole without EDID); QEMU's
 *                buffer is 384 bytes, the blob 256 (stdvga.md says 256:
 *                measured on QEMU 7.2, 0x100-0x17F read 0)
 *   0x400-0x41F  VGA ports 0x3C0-0x3DF, handled in 1- or 2-byte steps
 *   0x500-0x515  DISPI register i at 0x500 + 2i, 16-bit handler
 *   0x600-0x607  QEMU extended registers, 32-bit only (revision >= 2)
 *   elsewhere    hole: reads all-ones, writes dropped
 *
 * An access is cut the way QEMU's memory core cuts a guest MMIO access
 * that exits to it (KVM): into naturally aligned power-of-two pieces that
 * never cross a window boundary. Each piece is then served as the window's
 * MemoryRegionOps say: the VGA window handles 1 or 2 bytes, the DISPI
 * window always a whole 16-bit register (a byte write stores that byte as
 * the register value), and the extended registers reject anything but an
 * aligned 32-bit piece, which then reads 0 and writes nothing, as QEMU's
 * rejected accesses do.
 */
#include "stdvga_int.h"

enum win { WIN_HOLE, WIN_EDID, WIN_VGA, WIN_DISPI, WIN_EXT };

static const struct window {
	uint32_t start, end;
	enum win kind;
} windows[] = {
	{0x000, SV_EDID_REGION, WIN_EDID},
	{0x400, 0x420, WIN_VGA},
	{0x500, 0x516, WIN_DISPI},
	{0x600, 0x608, WIN_EXT},
};

#define NWINDOWS (sizeof(windows) / sizeof(windows[0]))

static int window_present(const struct stdvga *s, enum win kind)
{
	if (kind == WIN_EDID)
		return s->has_edid;
	if (kind == WIN_EXT)
		return s->revision >= 2;
	return 1;
}

/* The window holding off: its kind, start and end (hole: up to the next
 * present window). */
static enum win find_window(const struct stdvga *s, uint32_t off,
			    uint32_t *start, uint32_t *end)
{
	*start = 0;
	*end = SV_BAR2_SIZE;
	for (unsigned i = 0; i < NWINDOWS; i++) {
		const struct window *w = &windows[i];

		if (!window_present(s, w->kind))
			continue;
		if (off >= w->start && off < w->end) {
			*start = w->start;
			*end = w->end;
			return w->kind;
		}
		if (w->start > off) {
			*end = w->start;
			break;
		}
	}
	return WIN_HOLE;
}

/* Largest naturally aligned power of two that fits in len and window. */
static unsigned piece_len(uint32_t off, unsigned len, uint32_t end)
{
	unsigned l = len;
	uint32_t align = off & -off;

	if (l > end - off)
		l = end - off;
	if (align && align < l)
		l = align;
	while (l & (l - 1))
		l &= l - 1;
	return l;
}

static uint32_t ones(unsigned len)
{
	return len >= 4 ? 0xffffffffu : (1u << 8 * len) - 1;
}

static uint32_t edid_read(const struct stdvga *s, uint32_t o, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)s->edid[o + i] << 8 * i;
	return v;
}

/* VGA alias: byte after byte, low byte (index) first. */
static uint32_t vga_read(struct stdvga *s, uint32_t o, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)stdvga_vga_read(s, (uint16_t)(0x3c0 + o + i))
		     << 8 * i;
	return v;
}

static void vga_write(struct stdvga *s, uint32_t o, unsigned len, uint32_t v)
{
	for (unsigned i = 0; i < len; i++)
		stdvga_vga_write(s, (uint16_t)(0x3c0 + o + i),
				 (uint8_t)(v >> 8 * i));
}

/* Each 16-bit step latches its register number into vbe_index, as
 * QEMU's handler does, so MMIO use clobbers the port 0x1CE index. */
static uint32_t dispi_read(struct stdvga *s, uint32_t o, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i += 2) {
		s->vbe_index = (uint16_t)((o + i) >> 1);
		v |= (uint32_t)stdvga_dispi_read(s) << 8 * i;
	}
	return v & ones(len);
}

static void dispi_write(struct stdvga *s, uint32_t o, unsigned len, uint32_t v)
{
	for (unsigned i = 0; i < len; i += 2) {
		s->vbe_index = (uint16_t)((o + i) >> 1);
		stdvga_dispi_write(s, (uint16_t)(v >> 8 * i));
	}
}

static uint32_t ext_read(const struct stdvga *s, uint32_t o, unsigned len)
{
	if (len != 4)
		return 0;
	if (o == 0)
		return 8; /* size of the extended register block */
	return s->big_endian_fb ? SV_ENDIAN_BE : SV_ENDIAN_LE;
}

static void ext_write(struct stdvga *s, uint32_t o, unsigned len, uint32_t v)
{
	if (len != 4 || o != 4)
		return;
	if (v == SV_ENDIAN_BE)
		s->big_endian_fb = 1;
	else if (v == SV_ENDIAN_LE)
		s->big_endian_fb = 0;
}

static uint32_t piece_read(struct stdvga *s, uint32_t off, unsigned len,
			   enum win kind, uint32_t start)
{
	switch (kind) {
	case WIN_EDID:
		return edid_read(s, off - start, len);
	case WIN_VGA:
		return vga_read(s, off - start, len);
	case WIN_DISPI:
		return dispi_read(s, off - start, len);
	case WIN_EXT:
		return ext_read(s, off - start, len);
	default:
		return ones(len);
	}
}

static void piece_write(struct stdvga *s, uint32_t off, unsigned len,
			uint32_t v, enum win kind, uint32_t start)
{
	switch (kind) {
	case WIN_VGA:
		vga_write(s, off - start, len, v);
		break;
	case WIN_DISPI:
		dispi_write(s, off - start, len, v);
		break;
	case WIN_EXT:
		ext_write(s, off - start, len, v);
		break;
	default: /* EDID is read-only; holes drop writes */
		break;
	}
}

uint32_t stdvga_mmio_read(struct stdvga *s, uint32_t off, unsigned size)
{
	uint32_t v = 0, start, end;

	for (unsigned done = 0; done < size;) {
		enum win kind = find_window(s, off + done, &start, &end);
		unsigned l = piece_len(off + done, size - done, end);

		v |= piece_read(s, off + done, l, kind, start) << 8 * done;
		done += l;
	}
	return v;
}

void stdvga_mmio_write(struct stdvga *s, uint32_t off, unsigned size,
		       uint32_t val)
{
	uint32_t start, end;

	for (unsigned done = 0; done < size;) {
		enum win kind = find_window(s, off + done, &start, &end);
		unsigned l = piece_len(off + done, size - done, end);

		piece_write(s, off + done, l, (val >> 8 * done) & ones(l), kind,
			    start);
		done += l;
	}
}
