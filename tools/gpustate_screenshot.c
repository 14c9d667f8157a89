/* gpustate screenshot: decode what the display of a snapshot shows. */
#include <getopt.h>
#include <stdio.h>

#include "gpustate.h"
#include "lib/image.h"

static const char screenshot_usage[] =
	"usage: gpustate screenshot FILE -o OUT.png\n"
	"       gpustate screenshot --server SOCK -o OUT.png\n"
	"Decode the picture the display shows in snapshot FILE, or on the\n"
	"device served at SOCK now (VBE modes 8, 15, 16, 24, 32 bpp; VGA "
	"text),\n"
	"and write it as PNG, atomically.\n" SERVER_HELP;

int cmd_screenshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"server", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const struct chip_ops *chip;
	struct gs_image img = {0};
	struct gs_state st;
	const char *out = NULL, *server = NULL;
	struct err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:s:h", opts, NULL)) != -1)
		if (c == 'o')
			out = optarg;
		else if (c == 's')
			server = optarg;
		else
			return tool_usage(screenshot_usage, c == 'h');
	if (optind != argc - (server ? 0 : 1) || !out)
		return tool_usage(screenshot_usage, 0);
	if (server ? tool_server_state(server, &st, &chip)
		   : tool_load(argv[optind], &st, &chip))
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
