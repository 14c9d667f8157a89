/*
 * Decoded pictures (see image.h): allocation with the size checked. Their
 * PNG form is in image_png.c, so code without libpng (the vkernel's
 * driver) can decode pictures too.
 */
#include "image.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int gs_image_alloc(struct gs_image *img, uint32_t width, uint32_t height,
		   struct err *e)
{
	size_t row;

	img->width = img->height = 0;
	img->rgb = NULL;
	if (!width || !height)
		return err_set(e, -EINVAL, "image size %ux%u is empty", width,
			       height);
	if ((uint64_t)height > SIZE_MAX / 3 / width)
		return err_set(e, -EOVERFLOW, "image size %ux%u is too large",
			       width, height);
	row = (size_t)width * 3;
	img->rgb = calloc(height, row);
	if (!img->rgb)
		return err_set(e, -ENOMEM, "image %ux%u: out of memory", width,
			       height);
	img->width = width;
	img->height = height;
	return 0;
}

void gs_image_free(struct gs_image *img)
{
	free(img->rgb);
	img->rgb = NULL;
	img->width = img->height = 0;
}
