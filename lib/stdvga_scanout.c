/*
 * stdvga scanout: decode what QEMU's standard VGA shows from saved registers
 * and VRAM (stdvga.md sections 3.4 and 4). It follows QEMU's
 * hw/display/vga.c (vga_update_display, vga_draw_text, vga_draw_graphic,
 * vga_get_params) and vga-helpers.h, including where QEMU differs from a real
 * VGA; such places say so.
 *
 * The registers come from a file, so nothing here trusts them: every VRAM
 * fetch wraps at the VRAM size (QEMU masks with vbe_size_mask) or is
 * clipped, and a DISPI geometry QEMU's fixup could never produce is
 * rejected rather than drawn.
 *
 * Deliberate choices where QEMU's output depends on time or history:
 * the text cursor is drawn in its visible phase, blinking text is never
 * blinked (QEMU does not implement blink at all), and a blank display
 * (PAS = 0) is a black picture the size of the current mode (QEMU keeps the
 * size of whatever it drew last).
 */
#include "chip_stdvga.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* QEMU masks non-VBE (planar, CGA, mode 13h) fetches to the VGA's 256 KiB. */
#define VGA_PLANAR_SIZE (256u * 1024)
/* QEMU's CH_ATTR_SIZE: bigger text screens are not drawn at all. */
#define TEXT_MAX_CELLS (160u * 100)
#define DISPI_MAX_XRES 16000u
#define DISPI_MAX_YRES 12000u
#define HPEL_MAX                                                               \
	16u /* widest pel-panning shift in output pixels, plus room            \
	     */

enum pix_fmt {
	PIX_PLANAR4, /* 16 colours, 4 planes */
	PIX_CGA2,    /* 4 colours, CGA-compatible interleave */
	PIX_PAL8D2,  /* mode 13h style: each byte shown as two pixels */
	PIX_PAL8,    /* VBE 8 bpp */
	PIX_RGB15,
	PIX_RGB16,
	PIX_RGB24,
	PIX_RGB32,
};

/* The display mode derived from the registers, shared by the decoder and
 * the mode string. */
struct scan {
	bool text, vbe;
	uint32_t width, height; /* output picture */
	uint32_t line_offset; /* bytes from one row (or text row) to the next */
	uint32_t start;	      /* VRAM byte offset of the first row */
	uint32_t line_compare; /* split screen: the line after which VRAM 0 */
	uint8_t hpel;	       /* horizontal pel panning, 0..7 */
	bool hpel_split;       /* panning stops below the split */
	/* text */
	uint32_t cols, rows, cw, ch;
	/* graphics */
	enum pix_fmt fmt;
	bool dup; /* SR01 bit 3 halves the dot clock: pixels doubled */
	bool be;  /* big-endian framebuffer (BAR2 0x604) */
};

/* What the line and glyph painters need. */
struct draw {
	const uint8_t *vram;
	uint64_t mask;	    /* VRAM size - 1; the size is a power of two */
	uint32_t pal[256];  /* 0xRRGGBB */
	uint8_t plane_mask; /* AR12 colour plane enable */
	const struct scan *s;
};

static bool dispi_on(const struct stdvga_regs *r)
{
	return r->dispi[DISPI_ENABLE] & DISPI_ENABLED;
}

/*
 * The sequencer value the display logic sees. With DISPI enabled QEMU reads
 * the shadow sr_vbe[], whose SR01 and SR03 are never set (only SR02 and
 * SR04 bits are OR-ed in), so both read as 0 then.
 */
static uint8_t display_sr(const struct stdvga_regs *r, unsigned idx)
{
	return dispi_on(r) ? 0 : r->sr[idx];
}

/* Vertical display end: CR12 plus CR07 bits 1 and 6 as bits 8 and 9. */
static uint32_t vga_vde(const struct stdvga_regs *r)
{
	return r->cr[0x12] | ((r->cr[0x07] & 0x02u) << 7) |
	       ((r->cr[0x07] & 0x40u) << 3);
}

/* Bits per pixel of a DISPI depth for address arithmetic (15 packs in 16). */
static uint32_t dispi_bits(uint16_t bpp)
{
	return bpp == 15 ? 16 : bpp;
}

/* QEMU's 6-bit DAC expansion: shift up, fill the two new bits with bit 0. */
static uint8_t c6_to_8(uint8_t v)
{
	v &= 0x3f;
	return (uint8_t)(v << 2 | (v & 1) << 1 | (v & 1));
}

static uint32_t rgb(uint32_t r, uint32_t g, uint32_t b)
{
	return (r & 0xff) << 16 | (g & 0xff) << 8 | (b & 0xff);
}

/*
 * Check the DISPI registers against what QEMU's vbe_fixup_regs guarantees
 * while enabled. vram_size 0 means unknown (mode string only).
 */
static int check_dispi(const struct stdvga_regs *r, uint64_t vram_size,
		       struct err *e)
{
	const uint16_t *d = r->dispi;
	uint32_t bpp = d[DISPI_BPP], line;

	if (bpp != 4 && bpp != 8 && bpp != 15 && bpp != 16 && bpp != 24 &&
	    bpp != 32)
		return err_set(e, -EINVAL,
			       "DISPI BPP %u is not a depth QEMU keeps while "
			       "enabled",
			       bpp);
	if (!d[DISPI_XRES] || d[DISPI_XRES] > DISPI_MAX_XRES ||
	    !d[DISPI_YRES] || d[DISPI_YRES] > DISPI_MAX_YRES)
		return err_set(e, -EINVAL,
			       "DISPI resolution %ux%u outside 1..%u x 1..%u",
			       d[DISPI_XRES], d[DISPI_YRES], DISPI_MAX_XRES,
			       DISPI_MAX_YRES);
	if (d[DISPI_VIRT_WIDTH] < d[DISPI_XRES] ||
	    d[DISPI_VIRT_WIDTH] > DISPI_MAX_XRES)
		return err_set(
			e, -EINVAL, "DISPI VIRT_WIDTH %u outside XRES %u..%u",
			d[DISPI_VIRT_WIDTH], d[DISPI_XRES], DISPI_MAX_XRES);
	if (d[DISPI_X_OFFSET] > DISPI_MAX_XRES ||
	    d[DISPI_Y_OFFSET] > DISPI_MAX_YRES)
		return err_set(e, -EINVAL,
			       "DISPI offset %u,%u beyond QEMU's limits %u,%u",
			       d[DISPI_X_OFFSET], d[DISPI_Y_OFFSET],
			       DISPI_MAX_XRES, DISPI_MAX_YRES);
	line = d[DISPI_VIRT_WIDTH] * dispi_bits(bpp) / 8;
	if (vram_size && (uint64_t)d[DISPI_YRES] * line > vram_size)
		return err_set(
			e, -EINVAL,
			"DISPI mode needs %u lines of %u bytes, more than "
			"the %llu bytes of VRAM",
			d[DISPI_YRES], line, (unsigned long long)vram_size);
	return 0;
}

/* QEMU's vga_get_params: where rows start and how far apart they are. */
static void scan_params(const struct stdvga_regs *r, struct scan *s)
{
	if (s->vbe) {
		uint32_t bits = dispi_bits(r->dispi[DISPI_BPP]);
		uint32_t off;

		s->line_offset = r->dispi[DISPI_VIRT_WIDTH] * bits / 8;
		off = r->dispi[DISPI_X_OFFSET] * bits / 8 +
		      r->dispi[DISPI_Y_OFFSET] * s->line_offset;
		/* vbe_start_addr counts 32-bit words: 4-byte granularity. */
		s->start = off / 4 * 4;
		s->line_compare = 65535;
		return;
	}
	s->line_offset = (uint32_t)r->cr[0x13] << 3;
	s->start = ((uint32_t)r->cr[0x0c] << 8 | r->cr[0x0d]) * 4;
	s->line_compare = r->cr[0x18] | ((r->cr[0x07] & 0x10u) << 4) |
			  ((r->cr[0x09] & 0x40u) << 3);
	/* Bit 3 of AR13 only matters in 9-dot text, which QEMU does not pan. */
	s->hpel = r->ar[0x13] & 7;
	s->hpel_split = r->ar[0x10] & 0x20;
}

static int text_setup(const struct stdvga_regs *r, struct scan *s,
		      struct err *e)
{
	uint8_t sr1 = display_sr(r, 1);

	s->text = true;
	s->ch = (r->cr[0x09] & 0x1f) + 1u;
	/* Halved dot clock gives 16-pixel cells: QEMU has no 18-pixel cell. */
	s->cw = (sr1 & 0x08) ? 16 : (sr1 & 0x01) ? 8 : 9;
	s->cols = r->cr[0x01] + 1u;
	/* QEMU's special case for the CGA 160x100 16-colour trick. */
	s->rows = r->cr[0x06] == 100 ? 100 : (vga_vde(r) + 1) / s->ch;
	if (!s->rows)
		return err_set(
			e, -EINVAL,
			"VGA text: %u display lines hold no %u-line cell",
			vga_vde(r) + 1, s->ch);
	if (s->rows * s->cols > TEXT_MAX_CELLS)
		return err_set(e, -ENOTSUP,
			       "VGA text %ux%u exceeds QEMU's %u-cell limit "
			       "(QEMU draws nothing)",
			       s->cols, s->rows, TEXT_MAX_CELLS);
	s->width = s->cols * s->cw;
	s->height = s->rows * s->ch;
	return 0;
}

/* The packed format QEMU picks for GR05 shift 2/3 (vga_draw_graphic). */
static int packed_setup(const struct stdvga_regs *r, struct scan *s,
			struct err *e)
{
	uint16_t depth = s->vbe ? r->dispi[DISPI_BPP] : 0;

	switch (depth) {
	case 8:
		s->fmt = PIX_PAL8;
		return 0;
	case 15:
		s->fmt = PIX_RGB15;
		break;
	case 16:
		s->fmt = PIX_RGB16;
		break;
	case 24:
		s->fmt = PIX_RGB24;
		break;
	case 32:
		s->fmt = PIX_RGB32;
		break;
	default:
		/* No DISPI (or DISPI at 4 bpp with shift 2): QEMU's 8d2. */
		s->fmt = PIX_PAL8D2;
		return 0;
	}
	if (r->endian && r->endian != STDVGA_ENDIAN_LE &&
	    r->endian != STDVGA_ENDIAN_BE)
		return err_set(e, -EINVAL,
			       "framebuffer endian register 0x%08x is neither "
			       "magic",
			       r->endian);
	s->be = r->endian == STDVGA_ENDIAN_BE;
	return 0;
}

static int graphic_setup(const struct stdvga_regs *r, struct scan *s,
			 struct err *e)
{
	unsigned shift = (r->gr[0x05] >> 5) & 3;
	uint32_t w;
	int rc;

	if (s->vbe) {
		w = r->dispi[DISPI_XRES];
		s->height = r->dispi[DISPI_YRES];
	} else {
		w = (r->cr[0x01] + 1u) * 8;
		s->height = vga_vde(r) + 1;
	}
	if (shift == 0 || shift == 1) {
		s->fmt = shift ? PIX_CGA2 : PIX_PLANAR4;
		s->dup = display_sr(r, 1) & 0x08;
	} else if ((rc = packed_setup(r, s, e))) {
		return rc;
	}
	s->width = s->dup ? 2 * w : w;
	return 0;
}

/*
 * Derive the display mode, ignoring PAS. vram_size 0 means unknown: the
 * VRAM-dependent DISPI check is skipped.
 */
static int scan_setup(const struct stdvga_regs *r, uint64_t vram_size,
		      struct scan *s, struct err *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->vbe = dispi_on(r);
	if (s->vbe && (rc = check_dispi(r, vram_size, e)))
		return rc;
	scan_params(r, s);
	if (!(r->gr[0x06] & 0x01))
		return text_setup(r, s, e);
	return graphic_setup(r, s, e);
}

/* The 16-entry attribute palette through the DAC (QEMU update_palette16).
 * QEMU always expands these 6-bit, even with the 8-bit DAC enabled. */
static void palette16(const struct stdvga_regs *r, uint32_t *pal)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned v = r->ar[i];

		if (r->ar[0x10] & 0x80)
			v = (r->ar[0x14] & 0x0fu) << 4 | (v & 0x0f);
		else
			v = (r->ar[0x14] & 0x0cu) << 4 | (v & 0x3f);
		pal[i] = rgb(c6_to_8(r->palette[3 * v]),
			     c6_to_8(r->palette[3 * v + 1]),
			     c6_to_8(r->palette[3 * v + 2]));
	}
}

/* The 256-entry DAC (QEMU update_palette256). */
static void palette256(const struct stdvga_regs *r, uint32_t *pal)
{
	bool dac8 = r->dispi[DISPI_ENABLE] & DISPI_8BIT_DAC;

	for (unsigned i = 0; i < 256; i++) {
		const uint8_t *p = &r->palette[3 * i];

		pal[i] =
			dac8 ? rgb(p[0], p[1], p[2])
			     : rgb(c6_to_8(p[0]), c6_to_8(p[1]), c6_to_8(p[2]));
	}
}

static uint8_t rd8(const struct draw *d, uint64_t addr)
{
	return d->vram[addr & d->mask];
}

/* The four plane bytes at planar address addr/4, with AR12 applied. */
static void rd_planes(const struct draw *d, uint32_t addr, uint8_t p[4])
{
	uint64_t a = (addr & (VGA_PLANAR_SIZE - 1)) & d->mask & ~3ull;

	for (unsigned i = 0; i < 4; i++)
		p[i] = (d->plane_mask >> i & 1) ? d->vram[a + i] : 0;
}

/* Store c at out[*i] (twice when doubling), never past n. */
static void put(uint32_t *out, uint32_t *i, uint32_t n, bool dup, uint32_t c)
{
	if (*i < n)
		out[(*i)++] = c;
	if (dup && *i < n)
		out[(*i)++] = c;
}

static void line_planar4(const struct draw *d, uint32_t addr, uint32_t *out,
			 uint32_t n)
{
	uint8_t p[4];

	for (uint32_t i = 0; i < n; addr += 4) {
		rd_planes(d, addr, p);
		for (int b = 7; b >= 0; b--) {
			unsigned c = (p[0] >> b & 1) | (p[1] >> b & 1) << 1 |
				     (p[2] >> b & 1) << 2 |
				     (p[3] >> b & 1) << 3;

			put(out, &i, n, d->s->dup, d->pal[c]);
		}
	}
}

/* CGA interleave: pixels 0-3 from planes 0 and 2, 4-7 from planes 1 and 3,
 * two bits each, plane 2/3 giving the high bits. */
static void line_cga2(const struct draw *d, uint32_t addr, uint32_t *out,
		      uint32_t n)
{
	uint8_t p[4];

	for (uint32_t i = 0; i < n; addr += 4) {
		rd_planes(d, addr, p);
		for (unsigned k = 0; k < 8; k++) {
			unsigned lo = k < 4 ? 0 : 1, sh = 6 - 2 * (k & 3);
			unsigned c = (p[lo] >> sh & 3) | (p[lo + 2] >> sh & 3)
								 << 2;

			put(out, &i, n, d->s->dup, d->pal[c]);
		}
	}
}

static void line_pal8d2(const struct draw *d, uint32_t addr, uint32_t *out,
			uint32_t n)
{
	for (uint32_t i = 0; i < n; addr += 4) {
		uint32_t a = addr & (VGA_PLANAR_SIZE - 1);

		for (unsigned k = 0; k < 4; k++)
			put(out, &i, n, true, d->pal[rd8(d, a + k)]);
	}
}

static void line_pal8(const struct draw *d, uint32_t addr, uint32_t *out,
		      uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = d->pal[rd8(d, (uint64_t)addr + i)];
}

static uint32_t widen5(uint32_t v)
{
	return (v << 3 | v >> 2) & 0xff;
}

static uint32_t widen6(uint32_t v)
{
	return (v << 2 | v >> 4) & 0xff;
}

/*
 * 15/16 bpp. Little-endian frames are shown by QEMU (7.2, checked against
 * its screendump in the conformance tests) as a pixman surface over VRAM,
 * whose conversion repeats each channel's top bits into its low bits;
 * big-endian frames have no pixman format and go through QEMU's line
 * converters, which leave the low bits zero.
 */
static uint32_t rgb16(uint32_t v, bool is15, bool be)
{
	uint32_t r = is15 ? v >> 10 & 0x1f : v >> 11 & 0x1f;
	uint32_t g = is15 ? v >> 5 & 0x1f : v >> 5 & 0x3f;
	uint32_t b = v & 0x1f;

	if (be)
		return rgb(r << 3, is15 ? g << 3 : g << 2, b << 3);
	return rgb(widen5(r), is15 ? widen5(g) : widen6(g), widen5(b));
}

static void line_rgb16(const struct draw *d, uint32_t addr, uint32_t *out,
		       uint32_t n)
{
	bool is15 = d->s->fmt == PIX_RGB15;

	for (uint32_t i = 0; i < n; i++, addr += 2) {
		uint64_t a = addr & d->mask & ~1ull;
		uint32_t lo = d->vram[a], hi = d->vram[a + 1];
		uint32_t v = d->s->be ? (lo << 8 | hi) : (hi << 8 | lo);

		out[i] = rgb16(v, is15, d->s->be);
	}
}

static void line_rgb24(const struct draw *d, uint32_t addr, uint32_t *out,
		       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, addr += 3) {
		uint32_t b0 = rd8(d, addr), b1 = rd8(d, (uint64_t)addr + 1),
			 b2 = rd8(d, (uint64_t)addr + 2);

		out[i] = d->s->be ? rgb(b0, b1, b2) : rgb(b2, b1, b0);
	}
}

/* x8r8g8b8: memory B,G,R,X little-endian, X,R,G,B big-endian. */
static void line_rgb32(const struct draw *d, uint32_t addr, uint32_t *out,
		       uint32_t n)
{
	for (uint64_t i = 0, a = addr; i < n; i++, a += 4) {
		if (d->s->be)
			out[i] = rgb(rd8(d, a + 1), rd8(d, a + 2),
				     rd8(d, a + 3));
		else
			out[i] = rgb(rd8(d, a + 2), rd8(d, a + 1), rd8(d, a));
	}
}

typedef void line_fn(const struct draw *d, uint32_t addr, uint32_t *out,
		     uint32_t n);

static line_fn *const line_fns[] = {
	[PIX_PLANAR4] = line_planar4, [PIX_CGA2] = line_cga2,
	[PIX_PAL8D2] = line_pal8d2,   [PIX_PAL8] = line_pal8,
	[PIX_RGB15] = line_rgb16,     [PIX_RGB16] = line_rgb16,
	[PIX_RGB24] = line_rgb24,     [PIX_RGB32] = line_rgb32,
};

/* Output pixels skipped for pel panning value hpel (vga-helpers.h). */
static uint32_t hpel_skip(const struct scan *s, unsigned hpel)
{
	switch (s->fmt) {
	case PIX_PLANAR4:
	case PIX_CGA2:
		return (hpel & 7) << s->dup;
	case PIX_PAL8D2:
		return 2 * ((hpel >> 1) & 3);
	case PIX_PAL8:
		return (hpel >> 1) & 3;
	default:
		return 0;
	}
}

/* CR17 bits 0/1 clear: CGA/Hercules interleave, row bits replace address
 * bits 13/14 (or 15). */
static uint32_t cga_wrap(const struct stdvga_regs *r, uint32_t addr,
			 uint32_t y1)
{
	if (!(r->cr[0x17] & 1)) {
		unsigned sh = 14 + ((r->cr[0x17] >> 6) & 1);

		addr = (addr & ~(1u << sh)) | ((y1 & 1) << sh);
	}
	if (!(r->cr[0x17] & 2))
		addr = (addr & ~0x8000u) | ((y1 & 2) << 14);
	return addr;
}

static void put_row(struct gs_image *img, uint32_t y, const uint32_t *px)
{
	uint8_t *o = img->rgb + (size_t)y * img->width * 3;

	for (uint32_t x = 0; x < img->width; x++) {
		*o++ = px[x] >> 16;
		*o++ = px[x] >> 8;
		*o++ = px[x];
	}
}

/* vga_draw_graphic: row addressing with multiscan, line compare, panning. */
static int draw_graphic(const struct stdvga_regs *r, struct draw *d,
			struct gs_image *img, struct err *e)
{
	const struct scan *s = d->s;
	unsigned dscan = r->cr[0x09] >> 7, hpel = s->hpel;
	unsigned multi = (r->cr[0x17] & 1)
				 ? (((r->cr[0x09] & 0x1fu) + 1) << dscan) - 1
				 : dscan;
	unsigned run = multi, mask = (r->cr[0x17] & 3) ^ 3;
	uint32_t addr1 = s->start, y1 = 0;
	uint32_t *line = malloc(((size_t)s->width + HPEL_MAX) * sizeof(*line));

	if (!line)
		return err_set(e, -ENOMEM, "scanout: out of memory");
	for (uint32_t y = 0; y < s->height; y++) {
		uint32_t skip = hpel_skip(s, hpel);

		line_fns[s->fmt](d, cga_wrap(r, addr1, y1), line,
				 s->width + skip);
		put_row(img, y, line + skip);
		if (!run) {
			if ((y1 & mask) == mask)
				addr1 += s->line_offset;
			y1++;
			run = multi;
		} else {
			run--;
		}
		if (y == s->line_compare) {
			if (s->hpel_split)
				hpel = 0;
			addr1 = 0;
		}
	}
	free(line);
	return 0;
}

/* Font byte of a glyph row; fonts past the end of a short VRAM dump read as
 * empty (QEMU's VRAM is always at least 1 MiB, so this never shows there). */
static uint8_t font_byte(const struct draw *d, uint64_t addr)
{
	return addr <= d->mask ? d->vram[addr] : 0;
}

static void paint_cell(const struct draw *d, struct gs_image *img, uint32_t px,
		       uint32_t py, uint64_t font, bool dup9, uint32_t fg,
		       uint32_t bg)
{
	const struct scan *s = d->s;

	for (uint32_t row = 0; row < s->ch; row++) {
		unsigned bits = font_byte(d, font + 4 * row);
		uint8_t *o =
			img->rgb + ((size_t)(py + row) * img->width + px) * 3;

		for (uint32_t x = 0; x < s->cw; x++, o += 3) {
			uint32_t c;

			if (s->cw == 16)
				c = (bits >> (7 - x / 2) & 1) ? fg : bg;
			else if (x < 8)
				c = (bits >> (7 - x) & 1) ? fg : bg;
			else /* the 9th column */
				c = (dup9 && (bits & 1)) ? fg : bg;
			o[0] = c >> 16;
			o[1] = c >> 8;
			o[2] = c;
		}
	}
}

/* Cursor: rows CR0A..CR0B of the cell in the foreground colour. */
static void paint_cursor(const struct stdvga_regs *r, const struct draw *d,
			 struct gs_image *img, uint32_t px, uint32_t py,
			 uint32_t fg)
{
	uint32_t first = r->cr[0x0a] & 0x1f, last = r->cr[0x0b] & 0x1f;
	uint32_t ch = d->s->ch;

	if (last > ch - 1)
		last = ch - 1;
	if (last < first || first >= ch)
		return;
	for (uint32_t row = first; row <= last; row++) {
		uint8_t *o =
			img->rgb + ((size_t)(py + row) * img->width + px) * 3;

		for (uint32_t x = 0; x < d->s->cw; x++, o += 3) {
			o[0] = fg >> 16;
			o[1] = fg >> 8;
			o[2] = fg;
		}
	}
}

/* SR03 font bases in plane 2: map select bits 1:0 + 4 (attribute bit 3
 * clear) and 3:2 + 5 (set), 8 K planar bytes (32 KiB of VRAM) apart. */
static void font_bases(const struct stdvga_regs *r, uint64_t base[2])
{
	uint8_t v = display_sr(r, 3);

	base[0] = (((v >> 4) & 1u) | ((v << 1) & 6u)) * 8192u * 4 + 2;
	base[1] = (((v >> 5) & 1u) | ((v >> 1) & 6u)) * 8192u * 4 + 2;
}

/* One text row; returns early where the character data leaves VRAM, as
 * QEMU does (the rest of the row stays black). */
static void text_row(const struct stdvga_regs *r, const struct draw *d,
		     struct gs_image *img, uint64_t offset, uint32_t cy,
		     const uint64_t font[2])
{
	const struct scan *s = d->s;
	uint64_t size = d->mask + 1;
	uint64_t cursor = ((uint32_t)r->cr[0x0e] << 8 | r->cr[0x0f]) * 4u;
	bool cursor_on = !(r->cr[0x0a] & 0x20);

	for (uint32_t cx = 0; cx < s->cols; cx++) {
		uint64_t src = offset + 4ull * cx;
		uint8_t chr, attr;
		uint32_t fg, bg;
		bool dup9;

		if (src + 2 > size)
			return;
		chr = d->vram[src];
		attr = d->vram[src + 1];
		fg = d->pal[attr & 0x0f];
		/* QEMU has no blink: bit 7 is always background intensity. */
		bg = d->pal[attr >> 4];
		/* QEMU extends 0xB0-0xDF; a real VGA only 0xC0-0xDF. */
		dup9 = chr >= 0xb0 && chr <= 0xdf && (r->ar[0x10] & 0x04);
		paint_cell(d, img, cx * s->cw, cy * s->ch,
			   font[(attr >> 3) & 1] + 128u * chr, dup9, fg, bg);
		if (src == cursor && cursor_on)
			paint_cursor(r, d, img, cx * s->cw, cy * s->ch, fg);
	}
}

/* vga_draw_text: character/attribute pairs in planes 0/1, glyphs in 2. */
static void draw_text(const struct stdvga_regs *r, const struct draw *d,
		      struct gs_image *img)
{
	const struct scan *s = d->s;
	uint64_t font[2], offset = s->start;
	uint32_t line = 0;

	font_bases(r, font);
	for (uint32_t cy = 0; cy < s->rows; cy++) {
		uint32_t next = line + s->ch;

		text_row(r, d, img, offset, cy, font);
		offset += s->line_offset;
		if (line < s->line_compare && next >= s->line_compare)
			offset = 0;
		line = next;
	}
}

int stdvga_scanout(const struct stdvga_regs *r, const uint8_t *vram,
		   uint64_t vram_size, struct gs_image *img, struct err *e)
{
	struct scan s;
	struct draw d = {.vram = vram, .mask = vram_size - 1, .s = &s};
	int rc;

	img->width = img->height = 0;
	img->rgb = NULL;
	if (vram_size < 4 || (vram_size & (vram_size - 1)))
		return err_set(e, -EINVAL,
			       "VRAM size %llu is not a power of two of at "
			       "least 4 bytes (a PCI BAR always is)",
			       (unsigned long long)vram_size);
	rc = scan_setup(r, vram_size, &s, e);
	if (rc && !(r->ar_index & 0x20))
		return err_wrap(e, rc,
				"scanout: display blank (PAS=0) but its size "
				"cannot be derived");
	if (rc)
		return err_wrap(e, rc, "scanout");
	rc = gs_image_alloc(img, s.width, s.height, e);
	if (rc)
		return rc;
	/* PAS clear: the attribute controller drives no picture at all. */
	if (!(r->ar_index & 0x20))
		return 0;
	d.plane_mask = r->ar[0x12] & 0x0f;
	if (s.text || s.fmt == PIX_PLANAR4 || s.fmt == PIX_CGA2)
		palette16(r, d.pal);
	else
		palette256(r, d.pal);
	if (s.text) {
		draw_text(r, &d, img);
		return 0;
	}
	rc = draw_graphic(r, &d, img, e);
	if (rc)
		gs_image_free(img);
	return rc;
}

static const char *fmt_name(const struct scan *s)
{
	static const char *const names[] = {
		[PIX_PLANAR4] = "16-colour planar",
		[PIX_CGA2] = "4-colour CGA",
		[PIX_PAL8D2] = "256-colour, pixels doubled",
		[PIX_PAL8] = "palettized",
		[PIX_RGB15] = "x1r5g5b5",
		[PIX_RGB16] = "r5g6b5",
		[PIX_RGB24] = "r8g8b8",
		[PIX_RGB32] = "x8r8g8b8",
	};

	return names[s->fmt];
}

static void graphic_string(const struct stdvga_regs *r, const struct scan *s,
			   char *buf, size_t len)
{
	bool direct = s->fmt >= PIX_RGB15;

	if (s->vbe)
		snprintf(buf, len,
			 "VBE %ux%u %u bpp (%s%s), stride %u, start 0x%x, "
			 "%s DAC",
			 s->width, s->height, r->dispi[DISPI_BPP], fmt_name(s),
			 direct ? (s->be ? " BE" : " LE") : "", s->line_offset,
			 s->start,
			 (r->dispi[DISPI_ENABLE] & DISPI_8BIT_DAC) ? "8-bit"
								   : "6-bit");
	else
		snprintf(buf, len,
			 "VGA graphics %ux%u (%s%s), stride %u, start 0x%x",
			 s->width, s->height, fmt_name(s),
			 s->dup ? ", dot clock halved" : "", s->line_offset,
			 s->start);
}

void stdvga_mode_string(const struct stdvga_regs *r, char *buf, size_t len)
{
	struct err e;
	struct scan s;

	if (!len)
		return;
	if (!(r->ar_index & 0x20)) {
		snprintf(buf, len, "blank (PAS=0)");
		return;
	}
	if (scan_setup(r, 0, &s, &e)) {
		snprintf(buf, len, "undecodable: %s", e.msg);
		return;
	}
	if (s.text)
		snprintf(buf, len, "VGA text %ux%u, %ux%u cells, start 0x%x",
			 s.cols, s.rows, s.cw, s.ch, s.start);
	else
		graphic_string(r, &s, buf, len);
}
