/* gpustate show and verify: a snapshot, readable by a person. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gpustate.h"
#include "lib/atomic_file.h"
#include "lib/snapshot.h"

static const char show_usage[] =
	"usage: gpustate show [-a] FILE | show [-a] --server SOCK\n"
	"Print a snapshot, or the live state of the device served at SOCK\n"
	"(through vfio-user migration): device identity, PCI configuration, "
	"the\n"
	"decoded display mode and every register by name.\n" SERVER_HELP
	"  -a, --all   also print arrays of 256+ entries in full (palette, "
	"EDID;\n"
	"              by default only their first 16 entries)\n";

static const char verify_usage[] =
	"usage: gpustate verify [-v] FILE\n"
	"Check a snapshot completely (structure, checksums, sizes, every VRAM\n"
	"chunk). Exit 0 when valid, 1 with the reason when not.\n"
	"  -v, --verbose   list the sections\n";

static void print_identity(const struct gs_state *st)
{
	const struct gs_identity *id = &st->id;
	uint32_t bar0, bar2;

	memcpy(&bar0, st->pcicfg + 0x10, 4);
	memcpy(&bar2, st->pcicfg + 0x18, 4);
	printf("device:  %04x:%04x subsystem %04x:%04x rev %u class %06x\n",
	       id->vendor, id->device, id->subvendor, id->subdevice,
	       id->revision, id->class_code);
	printf("chip:    %s (register layout v%u), VRAM %" PRIu64 " KiB\n",
	       id->chip, id->chip_version, id->vram_size >> 10);
	printf("pci:     command 0x%04x BAR0 0x%08x BAR2 0x%08x "
	       "interrupt line %u\n",
	       st->pcicfg[4] | st->pcicfg[5] << 8, bar0, bar2,
	       st->pcicfg[0x3c]);
}

static void print_field(const struct chip_field *f, const uint8_t *blob,
			size_t pos, int all)
{
	unsigned n = f->count >= 256 && !all ? 16 : f->count;
	char name[32];

	if (f->count == 1 || f->names) {
		for (unsigned i = 0; i < f->count; i++) {
			chip_field_name(f, i, name, sizeof(name));
			printf("  %-18s 0x%0*x\n", name, 2 * f->width,
			       chip_field_get(f, blob, pos, i));
		}
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (i % 16 == 0) {
			chip_field_name(f, i, name, sizeof(name));
			printf("  %-8s", name);
		}
		printf(" %0*x", 2 * f->width, chip_field_get(f, blob, pos, i));
		if (i % 16 == 15 || i == n - 1)
			putchar('\n');
	}
	if (n < f->count)
		printf("  ... %u more (use -a)\n", f->count - n);
}

static void print_vram_summary(const struct gs_state *st)
{
	const uint64_t page = 4096;
	uint64_t used = 0;

	for (uint64_t off = 0; off < st->id.vram_size; off += page) {
		const uint8_t *p = st->vram + off;

		if (p[0] || memcmp(p, p + 1, page - 1))
			used++;
	}
	printf("vram:    %" PRIu64 " of %" PRIu64 " 4 KiB pages nonzero\n",
	       used, st->id.vram_size / page);
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, 0, 'a'},
		{"server", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const struct chip_ops *chip;
	const char *server = NULL;
	struct gs_state st;
	int c, all = 0;
	size_t pos = 0;

	while ((c = getopt_long(argc, argv, "as:h", opts, NULL)) != -1)
		if (c == 'a')
			all = 1;
		else if (c == 's')
			server = optarg;
		else
			return tool_usage(show_usage, c == 'h');
	if (optind != argc - (server ? 0 : 1))
		return tool_usage(show_usage, 0);
	if (server ? tool_server_state(server, &st, &chip)
		   : tool_load(argv[optind], &st, &chip))
		return EXIT_FAIL;
	if (server)
		printf("server:  %s (live)\n", server);
	else
		printf("snapshot: %s\n", argv[optind]);
	print_identity(&st);
	chip->describe(&st, stdout);
	print_vram_summary(&st);
	printf("registers:\n");
	for (size_t f = 0; f < chip->nfields; f++) {
		print_field(&chip->fields[f], st.regs, pos, all);
		pos += (size_t)chip->fields[f].count * chip->fields[f].width;
	}
	gs_state_free(&st);
	return EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"verbose", no_argument, 0, 'v'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	const struct chip_ops *chip;
	struct gs_state st;
	int c, verbose = 0;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1)
		if (c == 'v')
			verbose = 1;
		else
			return tool_usage(verify_usage, c == 'h');
	if (optind != argc - 1)
		return tool_usage(verify_usage, 0);
	if (tool_load(argv[optind], &st, &chip))
		return EXIT_FAIL;
	printf("%s: valid snapshot of %s %04x:%04x, VRAM %" PRIu64 " KiB\n",
	       argv[optind], st.id.chip, st.id.vendor, st.id.device,
	       st.id.vram_size >> 10);
	gs_state_free(&st);
	if (verbose) {
		unsigned char *buf;
		size_t len;
		struct err e;
		int rc =
			read_whole_file(argv[optind], SIZE_MAX, &buf, &len, &e);

		if (rc == 0) {
			rc = snap_list(buf, len, stdout, &e);
			free(buf);
		}
		if (rc < 0)
			return tool_fail(&e);
	}
	return EXIT_OK;
}
