/*
 * The PNG form of decoded pictures (see image.h). PNGs are built in
 * memory and handed to atomic_write_file, so a crash never leaves half a
 * screenshot; reading accepts any PNG and normalises it to 8-bit RGB, with
 * the dimensions bounded before any pixel buffer is allocated.
 */
#include "image.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

/* Largest PNG file we read, and the largest picture it may decode to: well
 * above any scanout (DISPI tops out at 16000x12000). */
#define IMAGE_MAX_FILE	 (512u << 20)
#define IMAGE_MAX_DIM	 32768u
#define IMAGE_MAX_PIXELS (16000u * 12000u)

/* libpng reports errors through a callback that longjmps; this keeps the
 * message for the caller's struct err. */
struct png_ctx {
	char msg[200];
	/* write side: growable output buffer */
	unsigned char *buf;
	size_t len, cap;
	/* read side: the file in memory */
	const unsigned char *in;
	size_t in_len, in_off;
};

static void png_ctx_error(png_structp png, png_const_charp msg)
{
	struct png_ctx *c = png_get_error_ptr(png);

	snprintf(c->msg, sizeof(c->msg), "%s", msg);
	png_longjmp(png, 1);
}

/* Warnings (e.g. an unknown ancillary chunk) do not stop a decode. */
static void png_ctx_warning(png_structp png, png_const_charp msg)
{
}

static void png_mem_write(png_structp png, png_bytep data, size_t len)
{
	struct png_ctx *c = png_get_io_ptr(png);

	if (len > c->cap - c->len) {
		size_t cap = c->cap ? c->cap : 65536;
		unsigned char *p;

		while (len > cap - c->len) {
			if (cap > SIZE_MAX / 2)
				png_error(png, "PNG too large");
			cap *= 2;
		}
		p = realloc(c->buf, cap);
		if (!p)
			png_error(png, "out of memory");
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, len);
	c->len += len;
}

static void png_mem_flush(png_structp png)
{
}

/* Encode img into c->buf; returns 0 or -1 with c->msg set. */
static int png_encode(const struct gs_image *img, struct png_ctx *c)
{
	png_structp png;
	png_infop info = NULL;
	volatile int r = -1;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c, png_ctx_error,
				      png_ctx_warning);
	if (png)
		info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return -1;
	}
	/* Locals written after this point must not be read after a longjmp. */
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, c, png_mem_write, png_mem_flush);
	png_set_IHDR(png, info, img->width, img->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < img->height; y++)
		png_write_row(png, img->rgb + (size_t)y * img->width * 3);
	png_write_end(png, NULL);
	r = 0;
out:
	png_destroy_write_struct(&png, &info);
	return r;
}

int gs_image_write_png(const struct gs_image *img, const char *path,
		       struct err *e)
{
	struct png_ctx c = {0};
	int r;

	if (!img->rgb || !img->width || !img->height)
		return err_set(e, -EINVAL,
			       "%s: refusing to write an empty image", path);
	if (img->width > PNG_UINT_31_MAX || img->height > PNG_UINT_31_MAX)
		return err_set(e, -EINVAL, "%s: image %ux%u too large for PNG",
			       path, img->width, img->height);
	if (png_encode(img, &c)) {
		free(c.buf);
		return err_set(e, -EIO, "%s: PNG encoding failed: %s", path,
			       c.msg);
	}
	r = atomic_write_file(path, c.buf, c.len, e);
	free(c.buf);
	return r;
}

static void png_mem_read(png_structp png, png_bytep data, size_t len)
{
	struct png_ctx *c = png_get_io_ptr(png);

	if (len > c->in_len - c->in_off)
		png_error(png, "file is truncated");
	memcpy(data, c->in + c->in_off, len);
	c->in_off += len;
}

/* Ask libpng for 8-bit RGB whatever the file holds. */
static void png_want_rgb8(png_structp png, png_infop info)
{
	int type = png_get_color_type(png, info);

	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) {
		if (png_get_bit_depth(png, info) < 8)
			png_set_expand_gray_1_2_4_to_8(png);
		png_set_gray_to_rgb(png);
	}
	/* tRNS would otherwise turn into an alpha channel after expansion. */
	if (png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(png);
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
}

/* Decode c->in into img; returns 0 or -1 with c->msg set. img->rgb is owned
 * by the caller even on failure. */
static int png_decode(struct png_ctx *c, struct gs_image *img)
{
	png_structp png;
	png_infop info = NULL;
	png_bytep *volatile rows = NULL;
	volatile int r = -1;
	uint32_t w, h;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_ctx_error,
				     png_ctx_warning);
	if (png)
		info = png_create_info_struct(png);
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return -1;
	}
	/* rows is volatile: it is written after setjmp and freed after. */
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_user_limits(png, IMAGE_MAX_DIM, IMAGE_MAX_DIM);
	png_set_read_fn(png, c, png_mem_read);
	png_read_info(png, info);
	png_want_rgb8(png, info);
	w = png_get_image_width(png, info);
	h = png_get_image_height(png, info);
	if ((uint64_t)w * h > IMAGE_MAX_PIXELS)
		png_error(png, "image has too many pixels");
	if (png_get_rowbytes(png, info) != (size_t)w * 3)
		png_error(png, "unexpected row layout after conversion");
	if (gs_image_alloc(img, w, h, NULL))
		png_error(png, "out of memory");
	rows = malloc(sizeof(*rows) * h);
	if (!rows)
		png_error(png, "out of memory");
	for (uint32_t y = 0; y < h; y++)
		rows[y] = img->rgb + (size_t)y * w * 3;
	png_read_image(png, rows);
	png_read_end(png, NULL);
	r = 0;
out:
	free(rows);
	png_destroy_read_struct(&png, &info, NULL);
	return r;
}

int gs_image_read_png(struct gs_image *img, const char *path, struct err *e)
{
	struct png_ctx c = {0};
	unsigned char *buf;
	size_t len;
	int r;

	img->width = img->height = 0;
	img->rgb = NULL;
	r = read_whole_file(path, IMAGE_MAX_FILE, &buf, &len, e);
	if (r)
		return r;
	if (len < 8 || png_sig_cmp(buf, 0, 8)) {
		free(buf);
		return err_set(e, -EINVAL, "%s: not a PNG file", path);
	}
	c.in = buf;
	c.in_len = len;
	r = png_decode(&c, img);
	free(buf);
	if (r) {
		gs_image_free(img);
		return err_set(e, -EINVAL, "%s: bad PNG: %s", path, c.msg);
	}
	return 0;
}
