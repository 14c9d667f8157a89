/*
 * gpustate: inspect, compare, decode and replay GPU state.
 *   gpustate COMMAND [OPTIONS] ...     gpustate COMMAND --help
 */
#include "gpustate.h"

#include <stdio.h>
#include <string.h>

#include "lib/snapshot.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{"show", cmd_show,
	 "print registers and the display mode of a snapshot"},
	{"diff", cmd_diff, "compare two snapshots (exit 1 when they differ)"},
	{"screenshot", cmd_screenshot, "decode what the display shows to PNG"},
	{"verify", cmd_verify, "check a snapshot file completely"},
	{"replay", cmd_replay, "run an access script on a fresh device"},
	{"dump", cmd_dump, "save a device's state to a snapshot"},
	{"restore", cmd_restore, "restore a snapshot onto a device and verify"},
	{"list", cmd_list, "list the devices of this host that -d can name"},
	{"reset", cmd_reset, "reset the device served by gpud"},
};

static void usage(FILE *out)
{
	fputs("usage: gpustate COMMAND [OPTIONS] ARGS...\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name,
			commands[i].what);
	fputs("\n'gpustate COMMAND --help' describes each command.\n", out);
}

int tool_fail(const struct err *e)
{
	fprintf(stderr, "gpustate: %s\n", e->msg);
	return EXIT_FAIL;
}

int tool_usage(const char *text, int help)
{
	fputs(text, help ? stdout : stderr);
	return help ? EXIT_OK : EXIT_USAGE;
}

int tool_load(const char *path, struct gs_state *st,
	      const struct chip_ops **chip)
{
	struct err e;

	if (snap_read(path, st, &e) < 0)
		return tool_fail(&e);
	*chip = chip_by_name(st->id.chip);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "gpustate: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
