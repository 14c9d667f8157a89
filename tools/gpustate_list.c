/* gpustate list: the devices this host offers and which ones can be saved. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "dev/backend.h"
#include "dev/pci.h"
#include "gpustate.h"

static const char list_usage[] =
	"usage: gpustate list [-a]\n"
	"List the devices gpustate can name with -d: the stdvga model 'sim'\n"
	"and this host's display-class PCI devices (class 03xxxx), each with\n"
	"its vendor:device ID, class and the save/restore driver that handles\n"
	"it ('none': opening it is refused). Reads identities only, so it\n"
	"needs no root.\n"
	"  -a, --all         every PCI device, not only display devices\n";

static void row(const char *device, uint16_t vendor, uint16_t id,
		uint32_t class_code, const char *chip)
{
	printf("%-18s %04x:%04x  %06x  %-28s %s\n", device, vendor, id,
	       class_code, pci_class_name(class_code), chip ? chip : "none");
}

static int list_sim(struct err *e)
{
	const struct chip_ops *chip;
	struct gs_identity id;
	struct hw *hw;
	int rc = backend_open("sim", &hw, e);

	if (rc < 0)
		return rc;
	chip = chip_probe(hw, &id, e);
	if (chip)
		row("sim", id.vendor, id.device, id.class_code, chip->name);
	hw_destroy(hw);
	return chip ? 0 : -ENODEV;
}

static int list_pci(void *ctx, const struct pci_info *d)
{
	char name[24];
	unsigned *n = ctx;

	snprintf(name, sizeof(name), "pci:%04x:%02x:%02x.%x", d->addr.domain,
		 d->addr.bus, d->addr.dev, d->addr.func);
	row(name, d->vendor, d->device, d->class_code, d->chip);
	++*n;
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, 0, 'a'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	unsigned flags = 0, n = 0;
	struct err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1)
		if (c == 'a')
			flags |= PCI_LIST_ALL;
		else
			return tool_usage(list_usage, c == 'h');
	if (optind != argc)
		return tool_usage(list_usage, 0);
	printf("%-18s %-9s  %-6s  %-28s %s\n", "DEVICE", "ID", "CLASS",
	       "DESCRIPTION", "SAVE/RESTORE");
	if (list_sim(&e) < 0)
		return tool_fail(&e);
	rc = pci_list(flags, list_pci, &n, &e);
	/* A host without a PCI bus has nothing more to list. */
	if (rc < 0) {
		tool_fail(&e);
		return rc == -ENOENT ? EXIT_OK : EXIT_FAIL;
	}
	if (!n && !(flags & PCI_LIST_ALL))
		fprintf(stderr, "gpustate: no display-class PCI devices on "
				"this host (--all lists every device)\n");
	return EXIT_OK;
}
