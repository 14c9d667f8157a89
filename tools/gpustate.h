/* gpustate: the command-line tool. One file per group of subcommands. */
#ifndef GS_TOOL_GPUSTATE_H
#define GS_TOOL_GPUSTATE_H

#include "lib/chip.h"
#include "lib/state.h"

/* Exit codes: 0 success (or "same" for diff), 1 failure or "differ",
 * 2 usage error. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_screenshot(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_reset(int argc, char **argv);

/* Print "gpustate: msg" to stderr; returns EXIT_FAIL. */
int tool_fail(const struct err *e);
/* Standard handling of -h/--help and bad options for a subcommand. */
int tool_usage(const char *usage, int help);
/* Load a snapshot and find its chip driver; prints errors itself. */
int tool_load(const char *path, struct gs_state *st,
	      const struct chip_ops **chip);

#define SERVER_HELP                                                            \
	"  -s, --server SOCK the device served by gpud (vfio-user) at "        \
	"socket SOCK\n"

struct snap_opts;
/* The state of the device served at sock, through migration (STOP_COPY);
 * prints errors itself. */
int tool_server_state(const char *sock, struct gs_state *st,
		      const struct chip_ops **chip);
/* Validate the snapshot at path, check it fits the device at sock, load it
 * through migration (RESUMING); optionally save the result to after. */
int tool_server_restore(const char *sock, const char *path, const char *after,
			const struct snap_opts *o);

#endif
