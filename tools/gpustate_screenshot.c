/* gpustate screenshot: decode what the display of a snapshot shows. */
#include <getopt.h>
#include <stdio.h>

#include "gpustate.h"
#include "lib/image.h"

static const char screenshot_usage[] =
	"usage: gpustate screenshot FILE -o OUT.png\n"
	"Decode the picture the display shows in snapshot FILE (VBE modes 8,\n"
	"15, 16, 24, 32 bpp; VGA text) and write it as PNG, atomically.\n";

int cmd_screenshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const struct chip_ops *chip;
	struct gs_image img = {0};
	struct gs_state st;
	const char *out = NULL;
	struct err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1)
		if (c == 'o')
			out = optarg;
		else
			return tool_usage(screenshot_usage, c == 'h');
	if (optind != argc - 1 || !out)
		return tool_usage(screenshot_usage, 0);
	if (tool_load(argv[optind], &st, &chip))
		return EXIT_FAIL;
	rc = chip->scanout(&st, &img, &e);
	gs_state_free(&st);
	if (rc == 0)
		rc = gs_image_write_png(&img, out, &e);
	if (rc == 0)
		printf("%s: %ux%u\n", out, img.width, img.height);
	gs_image_free(&img);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}
