/* gpustate replay, dump and restore: commands that work on a device. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "dev/backend.h"
#include "gpustate.h"
#include "lib/script.h"
#include "lib/snapshot.h"

#define DEVICE_HELP                                                            \
	"  -d, --device DEV  the device (default sim): sim (the stdvga "       \
	"model,\n"                                                             \
	"                    16 MiB VRAM), sim:vram=MB, unix:SOCK (the live\n" \
	"                    device gpud serves at SOCK, through trapped\n"    \
	"                    accesses) or pci:DDDD:BB:DD.F (real hardware,\n"  \
	"                    needs root; see gpustate list)\n"
#define SNAP_HELP                                                              \
	"  --raw             also store VRAM uncompressed, page-aligned\n"     \
	"  --level N         zstd level (default 3)\n"

static const char replay_usage[] =
	"usage: gpustate replay [-d DEV | --server SOCK] [-o SNAPSHOT] [-t] "
	"SCRIPT\n"
	"Run an access script (lib/SCRIPT.md) on a freshly created device and\n"
	"optionally save the resulting state. A read that does not match its\n"
	"expected value stops the run and names the line.\n" DEVICE_HELP
	"  -o, --output FILE save the device state afterwards\n"
	"  -t, --trace       print every read as 'LINE SPACE.rN ADDR "
	"VALUE'\n" SERVER_HELP "                    (the same as -d unix:SOCK: "
	"the live device, not a\n                    fresh one)\n" SNAP_HELP;

static const char dump_usage[] =
	"usage: gpustate dump [-d DEV | --server SOCK] -o SNAPSHOT\n"
	"Save the complete state of a device to a snapshot file. With "
	"--server the\n"
	"server saves its device through vfio-user migration "
	"(STOP_COPY).\n" DEVICE_HELP SERVER_HELP
	"  -o, --output FILE where to write (replaced atomically)\n" SNAP_HELP;

static const char restore_usage[] =
	"usage: gpustate restore [-d DEV | --server SOCK] [-o AFTER] "
	"SNAPSHOT\n"
	"Check that SNAPSHOT fits the device, reset the device, write the\n"
	"state in the safe order and read everything back to verify. With\n"
	"--server the file is checked here first, then loaded through "
	"vfio-user\n"
	"migration (RESUMING); the server validates it again and leaves its\n"
	"device untouched when it refuses it.\n" DEVICE_HELP SERVER_HELP
	"  -o, --output FILE save the device state after the restore\n";

struct dev_args {
	const char *device, *output, *server;
	int trace, device_given;
	struct snap_opts snap;
};

enum { OPT_RAW = 256, OPT_LEVEL };

/* Parse options and expect nargs operands; returns -1 to go on, else the
 * exit code. */
static int setup(int argc, char **argv, const char *usage, int nargs,
		 struct dev_args *a)
{
	static const struct option opts[] = {
		{"device", required_argument, 0, 'd'},
		{"output", required_argument, 0, 'o'},
		{"trace", no_argument, 0, 't'},
		{"raw", no_argument, 0, OPT_RAW},
		{"level", required_argument, 0, OPT_LEVEL},
		{"server", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	char *end;
	int c;

	*a = (struct dev_args){.device = "sim"};
	while ((c = getopt_long(argc, argv, "d:o:ts:h", opts, NULL)) != -1) {
		if (c == 'd') {
			a->device = optarg;
			a->device_given = 1;
		} else if (c == 'o')
			a->output = optarg;
		else if (c == 't')
			a->trace = 1;
		else if (c == 's')
			a->server = optarg;
		else if (c == OPT_RAW)
			a->snap.raw_vram = 1;
		else if (c == OPT_LEVEL) {
			a->snap.level = (int)strtol(optarg, &end, 10);
			if (*end || a->snap.level < 1 || a->snap.level > 19) {
				fprintf(stderr, "gpustate: --level must be "
						"1..19\n");
				return EXIT_USAGE;
			}
		} else
			return tool_usage(usage, c == 'h');
	}
	if (optind != argc - nargs || (a->server && a->device_given))
		return tool_usage(usage, 0);
	return -1;
}

static int save_device(struct hw *hw, const struct dev_args *a, struct err *e)
{
	const struct chip_ops *chip;
	struct gs_identity id;
	struct gs_state st;
	int rc;

	chip = chip_probe(hw, &id, e);
	if (!chip)
		return -ENODEV;
	if ((rc = chip->save(hw, &st, e)) < 0)
		return rc;
	rc = snap_write(a->output, &st, &a->snap, e);
	gs_state_free(&st);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	char spec[4096 + 8];
	struct script *s = NULL;
	struct hw *hw = NULL;
	struct dev_args a;
	struct err e;
	int rc = setup(argc, argv, replay_usage, 1, &a);

	if (rc >= 0)
		return rc;
	if (a.server) {
		snprintf(spec, sizeof(spec), "unix:%s", a.server);
		a.device = spec;
	}
	if ((rc = script_load(argv[optind], &s, &e)) == 0 &&
	    (rc = backend_open(a.device, &hw, &e)) == 0 &&
	    (rc = script_run(s, hw, a.trace ? stdout : NULL, &e)) == 0 &&
	    a.output)
		rc = save_device(hw, &a, &e);
	if (rc == 0)
		fprintf(stderr, "gpustate: %s: %zu steps ok%s%s\n",
			argv[optind], script_len(s),
			a.output ? ", saved to " : "",
			a.output ? a.output : "");
	script_free(s);
	hw_destroy(hw);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}

static int dump_server(const struct dev_args *a)
{
	const struct chip_ops *chip;
	struct gs_state st;
	struct err e;
	int rc;

	if (tool_server_state(a->server, &st, &chip))
		return EXIT_FAIL;
	rc = snap_write(a->output, &st, &a->snap, &e);
	gs_state_free(&st);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}

int cmd_dump(int argc, char **argv)
{
	struct hw *hw = NULL;
	struct dev_args a;
	struct err e;
	int rc = setup(argc, argv, dump_usage, 0, &a);

	if (rc >= 0)
		return rc;
	if (!a.output)
		return tool_usage(dump_usage, 0);
	if (a.server)
		return dump_server(&a);
	if ((rc = backend_open(a.device, &hw, &e)) == 0)
		rc = save_device(hw, &a, &e);
	hw_destroy(hw);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}

int cmd_restore(int argc, char **argv)
{
	const struct chip_ops *chip;
	struct hw *hw = NULL;
	struct gs_state st;
	struct dev_args a;
	struct err e;
	int rc = setup(argc, argv, restore_usage, 1, &a);

	if (rc >= 0)
		return rc;
	if (a.server)
		return tool_server_restore(a.server, argv[optind], a.output,
					   &a.snap);
	if (tool_load(argv[optind], &st, &chip))
		return EXIT_FAIL;
	if ((rc = backend_open(a.device, &hw, &e)) == 0 &&
	    (rc = chip->restore(hw, &st, &e)) == 0 && a.output)
		rc = save_device(hw, &a, &e);
	if (rc == 0)
		fprintf(stderr, "gpustate: %s restored onto %s and verified\n",
			argv[optind], a.device);
	gs_state_free(&st);
	hw_destroy(hw);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}
