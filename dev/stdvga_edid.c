/*
 * stdvga model: the 256-byte EDID QEMU exposes at BAR2 0x000 (stdvga.md
 * sections 2.1 and 5), exactly as QEMU 7.2 (Debian 12's qemu-system-x86,
 * the version the conformance tests pin; guest/README.md) presents it with
 * the device's default properties. The bytes were read from that device by
 * the differential test tests/data/conformance/bar2.gs and are composed
 * here field by field.
 *
 * Base block (EDID 1.4): "QEMU Monitor" by RHT, product 0x1234, week 42 of
 * 2014, 32 x 20 cm (1280x800 at 100 dpi), preferring 1280x800 at 75 Hz;
 * established, standard and "established timings III" lists; range limits
 * 50-125 Hz / 30-160 kHz. One CTA-861 extension: a video data block and six
 * dummy descriptors. QEMU's window is 384 bytes; the last 128 read 0. The
 * earlier model generated a 1024x768 EDID from stdvga.md's description, which
 * QEMU 7.2 does not match.
 */
#include "stdvga_int.h"

#include <string.h>

#define EDID_BLOCK     128u
#define EDID_DESC_SIZE 18u

struct edid_timing {
	uint32_t clock_10khz;
	uint32_t hactive, hblank, hfront, hsync;
	uint32_t vactive, vblank, vfront, vsync;
	uint32_t w_mm, h_mm;
	uint8_t flags;
};

/*
 * The preferred mode: 1280x800, horizontal total 1728 and vertical total
 * 828 at 75 Hz, 107.30 MHz; the modeline Xorg reports for this device
 * (shared/docs/qemu-guest.md section 3). Digital separate sync, both
 * polarities negative.
 */
static const struct edid_timing preferred = {
	.clock_10khz = 10730,
	.hactive = 1280,
	.hblank = 448,
	.hfront = 320,
	.hsync = 38,
	.vactive = 800,
	.vblank = 28,
	.vfront = 4,
	.vsync = 4,
	.w_mm = 325,
	.h_mm = 203,
	.flags = 0x18,
};

static void put_dtd(uint8_t *d, const struct edid_timing *t)
{
	d[0] = (uint8_t)t->clock_10khz;
	d[1] = (uint8_t)(t->clock_10khz >> 8);
	d[2] = (uint8_t)t->hactive;
	d[3] = (uint8_t)t->hblank;
	d[4] = (uint8_t)(((t->hactive >> 8) << 4) | (t->hblank >> 8));
	d[5] = (uint8_t)t->vactive;
	d[6] = (uint8_t)t->vblank;
	d[7] = (uint8_t)(((t->vactive >> 8) << 4) | (t->vblank >> 8));
	d[8] = (uint8_t)t->hfront;
	d[9] = (uint8_t)t->hsync;
	d[10] = (uint8_t)(((t->vfront & 0xf) << 4) | (t->vsync & 0xf));
	d[11] = (uint8_t)(((t->hfront >> 8) << 6) | ((t->hsync >> 8) << 4) |
			  ((t->vfront >> 4) << 2) | (t->vsync >> 4));
	d[12] = (uint8_t)t->w_mm;
	d[13] = (uint8_t)t->h_mm;
	d[14] = (uint8_t)(((t->w_mm >> 8) << 4) | (t->h_mm >> 8));
	d[15] = 0;
	d[16] = 0;
	d[17] = t->flags;
}

/* Display descriptor header: three zero bytes, the tag, a zero byte. */
static uint8_t *put_desc(uint8_t *d, uint8_t tag)
{
	memset(d, 0, EDID_DESC_SIZE);
	d[3] = tag;
	return d + 5;
}

/* Monitor name: up to 13 bytes of text ending in LF, padded with spaces. */
static void put_name_desc(uint8_t *d, const char *text)
{
	uint8_t *p = put_desc(d, 0xfc);
	size_t n = strlen(text);

	memset(p, ' ', 13);
	memcpy(p, text, n);
	p[n] = '\n';
}

static void put_range_desc(uint8_t *d)
{
	static const uint8_t limits[] = {
		50,   /* min vertical rate, Hz */
		125,  /* max vertical rate, Hz */
		30,   /* min horizontal rate, kHz */
		160,  /* max horizontal rate, kHz */
		0xff, /* max pixel clock, 10 MHz units: no limit given */
		0x01, /* range limits only, no timing formula */
		'\n', ' ', ' ', ' ', ' ', ' ', ' ',
	};

	memcpy(put_desc(d, 0xfd), limits, sizeof(limits));
}

/* Established timings III (VESA DMT modes as a bitmap), revision 10. */
static void put_est3_desc(uint8_t *d)
{
	static const uint8_t est3[] = {0x0a, 0x00, 0x40, 0x82,
				       0x00, 0x28, 0x20};

	memcpy(put_desc(d, 0xf7), est3, sizeof(est3));
}

/* 10-bit CIE coordinate from ten-thousandths. */
static uint32_t cie10(uint32_t x)
{
	return (x * 1024 + 5000) / 10000;
}

/* sRGB primaries and D65 white point, bytes 25-34. */
static void put_chromaticity(uint8_t *b)
{
	static const uint32_t xy[8] = {6400, 3300, 3000, 6000,
				       1500, 600,  3127, 3290};
	uint32_t v[8];

	for (unsigned i = 0; i < 8; i++)
		v[i] = cie10(xy[i]);
	b[25] = (uint8_t)(((v[0] & 3) << 6) | ((v[1] & 3) << 4) |
			  ((v[2] & 3) << 2) | (v[3] & 3));
	b[26] = (uint8_t)(((v[4] & 3) << 6) | ((v[5] & 3) << 4) |
			  ((v[6] & 3) << 2) | (v[7] & 3));
	for (unsigned i = 0; i < 8; i++)
		b[27 + i] = (uint8_t)(v[i] >> 2);
}

/* Established timings and the eight standard timings, largest first. */
static void put_timings(uint8_t *b)
{
	static const uint8_t std[16] = {
		0xe1, 0xc0, /* 2048x1152 */
		0xd1, 0xc0, /* 1920x1080 */
		0xd1, 0x00, /* 1920x1200 */
		0xa9, 0x40, /* 1600x1200 */
		0xb3, 0x00, /* 1680x1050 */
		0x95, 0x00, /* 1440x900 */
		0x81, 0x80, /* 1280x1024 */
		0x81, 0x40, /* 1280x960 */
	};

	b[35] = 0x21; /* 640x480@60, 800x600@60 */
	b[36] = 0x08; /* 1024x768@60 */
	b[37] = 0x00;
	memcpy(b + 38, std, sizeof(std));
}

static void set_checksum(uint8_t *block)
{
	uint8_t sum = 0;

	for (unsigned i = 0; i < EDID_BLOCK - 1; i++)
		sum = (uint8_t)(sum + block[i]);
	block[EDID_BLOCK - 1] = (uint8_t)(0x100 - sum);
}

static void build_base(uint8_t *b)
{
	static const uint8_t header[8] = {0x00, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0x00};

	memcpy(b, header, sizeof(header));
	b[8] = 0x49; /* "RHT", 5-bit letters, big-endian */
	b[9] = 0x14;
	b[10] = 0x34; /* product 0x1234, little-endian */
	b[11] = 0x12;
	b[16] = 42;	     /* week */
	b[17] = 2014 - 1990; /* year */
	b[18] = 1;	     /* EDID 1.4 */
	b[19] = 4;
	b[20] = 0xa5; /* digital, 8 bits per colour, DisplayPort */
	b[21] = (uint8_t)(preferred.w_mm / 10); /* cm, truncated */
	b[22] = (uint8_t)(preferred.h_mm / 10);
	b[23] = 120;  /* gamma 2.2 */
	b[24] = 0x06; /* sRGB default, preferred timing is native */
	put_chromaticity(b);
	put_timings(b);
	put_dtd(b + 54, &preferred);
	put_est3_desc(b + 72);
	put_range_desc(b + 90);
	put_name_desc(b + 108, "QEMU Monitor");
	b[126] = 1; /* one extension block */
	set_checksum(b);
}

/*
 * CTA-861 revision 3 block: no underscan or audio flags, one video data
 * block of six VICs, then six dummy descriptors (tag 0x10) where detailed
 * timings would be.
 */
static void build_cta(uint8_t *b)
{
	static const uint8_t vics[] = {0x7d, 0x65, 0x60, 0x59, 0x1f, 0x61};
	const unsigned dtd = 4 + 1 + sizeof(vics);

	b[0] = 0x02;
	b[1] = 0x03;
	b[2] = (uint8_t)dtd;
	b[3] = 0x00;
	b[4] = (uint8_t)((2 << 5) | sizeof(vics)); /* video data block */
	memcpy(b + 5, vics, sizeof(vics));
	for (unsigned i = 0; i < 6; i++)
		put_desc(b + dtd + i * EDID_DESC_SIZE, 0x10);
	set_checksum(b);
}

void stdvga_edid_build(uint8_t edid[SV_EDID_REGION])
{
	memset(edid, 0, SV_EDID_REGION);
	build_base(edid);
	build_cta(edid + EDID_BLOCK);
}
