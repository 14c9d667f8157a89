/* A decoded picture (what the display shows) and its PNG writer. */
#ifndef GS_IMAGE_H
#define GS_IMAGE_H

#include <stdint.h>

#include "err.h"

struct gs_image {
	uint32_t width, height;
	uint8_t *rgb; /* width * height * 3 bytes, R,G,B, rows top to bottom */
};

int gs_image_alloc(struct gs_image *img, uint32_t width, uint32_t height,
		   struct err *e);
void gs_image_free(struct gs_image *img);

/* Write img as an 8-bit RGB PNG, atomically (temp, fsync, rename). */
int gs_image_write_png(const struct gs_image *img, const char *path,
		       struct err *e);

/* Read a PNG as 8-bit RGB (alpha dropped, palette/grey expanded). */
int gs_image_read_png(struct gs_image *img, const char *path, struct err *e);

#endif
