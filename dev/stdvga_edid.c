/*
 * stdvga model: the 256-byte EDID QEMU exposes at BAR2 0x000 (stdvga.md
 * section 5, "EDID and connectors"), generated here from those facts: an
 * EDID 1.4 base block for a "QEMU Monitor" (manufacturer RHT, product
 * 0x1234, week 42 of 2014) preferring 1024x768 at 60 Hz, with range limits
 * 50-125 Hz / 30-160 kHz, followed by one CEA-861 extension block. The
 * preferred timing is computed with CVT reduced blanking; QEMU computes its
 * own, so the detailed timing bytes need not match QEMU's.
 */
#include "stdvga_int.h"

#include <string.h>

#define EDID_XRES	1024u
#define EDID_YRES	768u
#define EDID_REFRESH_HZ 60u
#define EDID_DPI	100u
#define EDID_BLOCK	128u
#define EDID_DESC_SIZE	18u

struct edid_timing {
	uint32_t clock_10khz;
	uint32_t hactive, hblank, hfront, hsync;
	uint32_t vactive, vblank, vfront, vsync;
};

/*
 * CVT reduced blanking (v1): a fixed 160-pixel horizontal blank and enough
 * lines of vertical blank to last at least 460 us; the pixel clock is
 * rounded down to a multiple of 0.25 MHz.
 */
static void cvt_rb(uint32_t xres, uint32_t yres, uint32_t hz,
		   struct edid_timing *t)
{
	const uint32_t min_vblank_ns = 460000, min_vbackporch = 6;
	uint32_t line_ns, clock_hz;

	t->hactive = xres;
	t->hblank = 160;
	t->hfront = 48;
	t->hsync = 32;
	t->vactive = yres;
	t->vfront = 3;
	t->vsync = 4; /* 4:3 aspect */
	line_ns = (uint32_t)((1000000000ull / hz - min_vblank_ns) / yres);
	t->vblank = min_vblank_ns / line_ns + 1;
	if (t->vblank < t->vfront + t->vsync + min_vbackporch)
		t->vblank = t->vfront + t->vsync + min_vbackporch;
	clock_hz = hz * (xres + t->hblank) * (yres + t->vblank);
	t->clock_10khz = clock_hz / 250000 * 25;
}

static void put_dtd(uint8_t *d, const struct edid_timing *t, uint32_t w_mm,
		    uint32_t h_mm)
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
	d[12] = (uint8_t)w_mm;
	d[13] = (uint8_t)h_mm;
	d[14] = (uint8_t)(((w_mm >> 8) << 4) | (h_mm >> 8));
	d[15] = 0;
	d[16] = 0;
	/* digital separate sync, hsync positive, vsync negative (CVT-RB) */
	d[17] = 0x1a;
}

/* Display descriptor: tag, then 13 bytes of text ending in LF. */
static void put_text_desc(uint8_t *d, uint8_t tag, const char *text)
{
	size_t n = strlen(text);

	memset(d, 0, EDID_DESC_SIZE);
	d[3] = tag;
	memset(d + 5, ' ', 13);
	memcpy(d + 5, text, n);
	d[5 + n] = '\n';
}

static void put_range_desc(uint8_t *d)
{
	memset(d, 0, EDID_DESC_SIZE);
	d[3] = 0xfd;
	d[5] = 50;    /* min vertical rate, Hz */
	d[6] = 125;   /* max vertical rate, Hz */
	d[7] = 30;    /* min horizontal rate, kHz */
	d[8] = 160;   /* max horizontal rate, kHz */
	d[9] = 30;    /* max pixel clock, 10 MHz units */
	d[10] = 0x01; /* range limits only, no timing formula */
	d[11] = '\n';
	memset(d + 12, ' ', 6);
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

/* Established and standard timings up to 1920x1080, all at 60 Hz. */
static void put_timings(uint8_t *b)
{
	static const uint8_t std[16] = {
		0x81, 0x80, /* 1280x1024 */
		0x81, 0x40, /* 1280x960 */
		0x95, 0x00, /* 1440x900 */
		0xa9, 0x40, /* 1600x1200 */
		0xb3, 0x00, /* 1680x1050 */
		0xd1, 0xc0, /* 1920x1080 */
		0x01, 0x01, /* unused */
		0x01, 0x01, /* unused */
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
	uint32_t w_mm = EDID_XRES * 254 / (EDID_DPI * 10);
	uint32_t h_mm = EDID_YRES * 254 / (EDID_DPI * 10);
	struct edid_timing t;

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
	b[21] = (uint8_t)((w_mm + 5) / 10); /* cm */
	b[22] = (uint8_t)((h_mm + 5) / 10);
	b[23] = 120;  /* gamma 2.2 */
	b[24] = 0x06; /* sRGB default, preferred timing is native */
	put_chromaticity(b);
	put_timings(b);
	cvt_rb(EDID_XRES, EDID_YRES, EDID_REFRESH_HZ, &t);
	put_dtd(b + 54, &t, w_mm, h_mm);
	put_text_desc(b + 72, 0xfc, "QEMU Monitor");
	put_range_desc(b + 90);
	memset(b + 108, 0, EDID_DESC_SIZE);
	b[108 + 3] = 0x10; /* dummy descriptor */
	b[126] = 1;	   /* one extension block */
	set_checksum(b);
}

/*
 * CEA-861 revision 3 block: underscanned IT formats and one Video
 * Capability Data Block (selectable RGB quantization), no timings.
 */
static void build_cea(uint8_t *b)
{
	b[0] = 0x02;
	b[1] = 0x03;
	b[2] = 4 + 3;	     /* detailed timings would follow the data blocks */
	b[3] = 0x80;	     /* underscan */
	b[4] = (7 << 5) | 2; /* extended tag block, 2 payload bytes */
	b[5] = 0x00;	     /* Video Capability Data Block */
	b[6] = 0x4a;	     /* RGB range selectable, IT and CE underscanned */
	set_checksum(b);
}

void stdvga_edid_build(uint8_t edid[SV_EDID_SIZE])
{
	memset(edid, 0, SV_EDID_SIZE);
	build_base(edid);
	build_cea(edid + EDID_BLOCK);
}
