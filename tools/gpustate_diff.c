/* gpustate diff: register-level and VRAM-region-level differences. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gpustate.h"

#define DIFF_PAGE 4096u

static const char diff_usage[] =
	"usage: gpustate diff A B\n"
	"Compare two snapshots: identity, PCI configuration, every register "
	"by\n"
	"name, and VRAM as ranges of differing 4 KiB pages.\n"
	"Exit 0 when identical, 1 when they differ, 2 on error.\n";

static unsigned diff_identity(const struct gs_identity *a,
			      const struct gs_identity *b)
{
	unsigned n = 0;

#define ID(f, fmt)                                                             \
	if (a->f != b->f && ++n)                                               \
		printf("identity %-12s " fmt " -> " fmt "\n", #f, a->f, b->f);
	ID(vendor, "%04x");
	ID(device, "%04x");
	ID(subvendor, "%04x");
	ID(subdevice, "%04x");
	ID(revision, "%u");
	ID(class_code, "%06x");
	ID(vram_size, "%" PRIu64);
	ID(chip_version, "%u");
#undef ID
	if (strcmp(a->chip, b->chip) && ++n)
		printf("identity chip         %s -> %s\n", a->chip, b->chip);
	return n;
}

static unsigned diff_pcicfg(const uint8_t *a, const uint8_t *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 256; i++)
		if (a[i] != b[i] && ++n)
			printf("pci config 0x%02x       0x%02x -> 0x%02x\n", i,
			       a[i], b[i]);
	return n;
}

static int print_reg(void *ctx, const char *name, unsigned width, uint32_t a,
		     uint32_t b)
{
	printf("register %-20s 0x%0*x -> 0x%0*x\n", name, 2 * width, a,
	       2 * width, b);
	++*(unsigned *)ctx;
	return 0;
}

static int page_differs(const uint8_t *a, const uint8_t *b, uint64_t off,
			uint64_t size)
{
	uint64_t len = size - off < DIFF_PAGE ? size - off : DIFF_PAGE;

	return memcmp(a + off, b + off, len) != 0;
}

/* Coalesce runs of differing pages into ranges. */
static unsigned diff_vram(const uint8_t *a, const uint8_t *b, uint64_t size)
{
	unsigned ranges = 0;
	uint64_t off = 0;

	while (off < size) {
		uint64_t start;

		if (!page_differs(a, b, off, size)) {
			off += DIFF_PAGE;
			continue;
		}
		start = off;
		while (off < size && page_differs(a, b, off, size))
			off += DIFF_PAGE;
		printf("vram 0x%08" PRIx64 "-0x%08" PRIx64 " differs "
		       "(%" PRIu64 " pages)\n",
		       start, (off < size ? off : size) - 1,
		       (off - start) / DIFF_PAGE);
		ranges++;
	}
	return ranges;
}

static unsigned diff_states(const struct chip_ops *chip,
			    const struct gs_state *a, const struct gs_state *b)
{
	unsigned n = diff_identity(&a->id, &b->id);

	n += diff_pcicfg(a->pcicfg, b->pcicfg);
	if (strcmp(a->id.chip, b->id.chip) ||
	    a->id.chip_version != b->id.chip_version) {
		printf("registers not compared: different chip drivers\n");
		return n + 1;
	}
	chip_regs_diff(chip, a->regs, b->regs, print_reg, &n);
	if (a->id.vram_size != b->id.vram_size) {
		printf("vram not compared: different sizes\n");
		return n + 1;
	}
	return n + diff_vram(a->vram, b->vram, a->id.vram_size);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	const struct chip_ops *chip, *chip_b;
	struct gs_state a, b;
	unsigned n;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return tool_usage(diff_usage, c == 'h');
	if (optind != argc - 2)
		return tool_usage(diff_usage, 0);
	if (tool_load(argv[optind], &a, &chip))
		return EXIT_USAGE;
	if (tool_load(argv[optind + 1], &b, &chip_b)) {
		gs_state_free(&a);
		return EXIT_USAGE;
	}
	n = diff_states(chip, &a, &b);
	gs_state_free(&a);
	gs_state_free(&b);
	if (n)
		printf("%u difference%s\n", n, n == 1 ? "" : "s");
	return n ? EXIT_FAIL : EXIT_OK;
}
