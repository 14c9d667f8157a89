/*
 * imgcmp: compare two pictures pixel by pixel, the conformance tests' way
 * of checking QEMU's screendump against `gpustate screenshot` (both PNG;
 * alpha and colour type do not matter, only the RGB values).
 *   imgcmp A.png B.png    exit 0 identical, 1 different, 2 error
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/image.h"

static int load(const char *path, struct gs_image *img)
{
	struct err e;

	if (gs_image_read_png(img, path, &e) < 0) {
		fprintf(stderr, "imgcmp: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Print the size of the difference and its bounding box. */
static int compare(const struct gs_image *a, const struct gs_image *b)
{
	uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;
	uint64_t n = 0;

	if (a->width != b->width || a->height != b->height) {
		printf("size differs: %ux%u vs %ux%u\n", a->width, a->height,
		       b->width, b->height);
		return 1;
	}
	for (uint32_t y = 0; y < a->height; y++)
		for (uint32_t x = 0; x < a->width; x++) {
			size_t i = ((size_t)y * a->width + x) * 3;

			if (!memcmp(a->rgb + i, b->rgb + i, 3))
				continue;
			if (!n)
				printf("first difference at %u,%u: "
				       "%02x%02x%02x vs %02x%02x%02x\n",
				       x, y, a->rgb[i], a->rgb[i + 1],
				       a->rgb[i + 2], b->rgb[i], b->rgb[i + 1],
				       b->rgb[i + 2]);
			n++;
			x0 = x < x0 ? x : x0;
			y0 = y < y0 ? y : y0;
			x1 = x > x1 ? x : x1;
			y1 = y > y1 ? y : y1;
		}
	if (!n)
		return 0;
	printf("%" PRIu64 " of %" PRIu64 " pixels differ, within %u,%u-%u,%u\n",
	       n, (uint64_t)a->width * a->height, x0, y0, x1, y1);
	return 1;
}

int main(int argc, char **argv)
{
	struct gs_image a = {0}, b = {0};
	int rc = 2;

	if (argc != 3) {
		fputs("usage: imgcmp A.png B.png\n", stderr);
		return 2;
	}
	if (load(argv[1], &a) == 0 && load(argv[2], &b) == 0)
		rc = compare(&a, &b);
	gs_image_free(&a);
	gs_image_free(&b);
	return rc;
}
