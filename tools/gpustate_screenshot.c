/* gpustate screenshot: decode what the display of a snapshot shows. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpustate.h"
#include "lib/image.h"

static const char screenshot_usage[] =
	"usage: gpustate screenshot FILE -o OUT.png [--probe X,Y=RRGGBB]...\n"
	"       gpustate screenshot --server SOCK -o OUT.png [--probe ...]\n"
	"Decode the picture the display shows in snapshot FILE, or on the\n"
	"device served at SOCK now (VBE modes 8, 15, 16, 24, 32 bpp; VGA "
	"text),\n"
	"and write it as PNG, atomically.\n"
	"  --probe X,Y=RRGGBB  check that pixel (X,Y) has that colour (hex);\n"
	"                      exit 1 when any probe differs\n" SERVER_HELP;

#define MAX_PROBES 32

struct probe {
	unsigned x, y;
	unsigned long rgb;
};

static int parse_probe(const char *s, struct probe *p)
{
	char end;

	if (sscanf(s, "%u,%u=%lx%c", &p->x, &p->y, &p->rgb, &end) != 3 ||
	    p->rgb > 0xffffff) {
		fprintf(stderr, "gpustate: --probe %s: want X,Y=RRGGBB\n", s);
		return -1;
	}
	return 0;
}

/* Print each probe's pixel; returns how many differ. */
static int check_probes(const struct gs_image *img, const struct probe *p,
			unsigned n)
{
	int bad = 0;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *px;
		unsigned long got;

		if (p[i].x >= img->width || p[i].y >= img->height) {
			printf("probe %u,%u: outside the %ux%u picture\n",
			       p[i].x, p[i].y, img->width, img->height);
			bad++;
			continue;
		}
		px = img->rgb + ((size_t)p[i].y * img->width + p[i].x) * 3;
		got = (unsigned long)px[0] << 16 | px[1] << 8 | px[2];
		printf("probe %u,%u: %06lx%s\n", p[i].x, p[i].y, got,
		       got == p[i].rgb ? "" : " (differs)");
		bad += got != p[i].rgb;
	}
	return bad;
}

int cmd_screenshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"server", required_argument, 0, 's'},
		{"probe", required_argument, 0, 'p'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const struct chip_ops *chip;
	struct gs_image img = {0};
	struct gs_state st;
	const char *out = NULL, *server = NULL;
	struct probe probes[MAX_PROBES];
	unsigned nprobes = 0;
	struct err e;
	int c, rc, bad = 0;

	while ((c = getopt_long(argc, argv, "o:s:h", opts, NULL)) != -1)
		if (c == 'o')
			out = optarg;
		else if (c == 's')
			server = optarg;
		else if (c == 'p' && nprobes < MAX_PROBES)
			bad |= parse_probe(optarg, &probes[nprobes++]);
		else
			return tool_usage(screenshot_usage, c == 'h');
	if (bad)
		return tool_usage(screenshot_usage, 0);
	if (optind != argc - (server ? 0 : 1) || !out)
		return tool_usage(screenshot_usage, 0);
	if (server ? tool_server_state(server, &st, &chip)
		   : tool_load(argv[optind], &st, &chip))
		return EXIT_FAIL;
	rc = chip->scanout(&st, &img, &e);
	gs_state_free(&st);
	if (rc == 0)
		rc = gs_image_write_png(&img, out, &e);
	if (rc == 0) {
		printf("%s: %ux%u\n", out, img.width, img.height);
		bad = check_probes(&img, probes, nprobes);
	}
	gs_image_free(&img);
	if (rc < 0)
		return tool_fail(&e);
	return bad ? EXIT_FAIL : EXIT_OK;
}
