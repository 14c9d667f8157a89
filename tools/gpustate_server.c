/*
 * gpustate on a live server (gpud or any vfio-user server): the device
 * state is taken through VFIO migration (STOP_COPY: the server saves and
 * streams a snapshot) and put back through RESUMING; reset is the
 * protocol's DEVICE_RESET. Shared by dump, restore, show and screenshot
 * --server, and the reset command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpustate.h"
#include "lib/atomic_file.h"
#include "lib/snapshot.h"
#include "lib/vfu_client.h"

static const char reset_usage[] =
	"usage: gpustate reset --server SOCK\n"
	"Reset the device served at SOCK (vfio-user DEVICE_RESET), as the "
	"bus\n"
	"would: registers to their power-on values; VRAM is "
	"kept.\n" SERVER_HELP;

int tool_server_state(const char *sock, struct gs_state *st,
		      const struct chip_ops **chip)
{
	struct hw *hw = NULL;
	struct err e;
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if ((rc = vfu_client_open(sock, &hw, &e)) == 0 &&
	    (rc = vfu_client_save(hw, &buf, &len, &e)) == 0 &&
	    (rc = snap_decode(buf, len, st, &e)) < 0)
		err_wrap(&e, rc, "%s: the server sent a bad snapshot", sock);
	free(buf);
	hw_destroy(hw);
	if (rc < 0)
		return tool_fail(&e);
	*chip = chip_by_name(st->id.chip);
	return EXIT_OK;
}

/* Read path and validate it completely before anything is sent. */
static int load_file(const char *path, uint8_t **buf, size_t *len,
		     struct gs_state *st, struct err *e)
{
	int rc = read_whole_file(path, SIZE_MAX, buf, len, e);

	if (rc < 0)
		return rc;
	if ((rc = snap_decode(*buf, *len, st, e)) < 0) {
		free(*buf);
		return err_wrap(e, rc, "%s", path);
	}
	return 0;
}

int tool_server_restore(const char *sock, const char *path, const char *after,
			const struct snap_opts *o)
{
	const struct chip_ops *chip;
	struct gs_state st, back;
	struct hw *hw = NULL;
	uint8_t *buf = NULL;
	size_t len;
	struct err e;
	int rc;

	if (load_file(path, &buf, &len, &st, &e) < 0)
		return tool_fail(&e);
	chip = chip_by_name(st.id.chip);
	/* The identity check first: a snapshot of another device is refused
	 * here with the field that differs, before the server sees it. */
	if ((rc = vfu_client_open(sock, &hw, &e)) == 0 &&
	    (rc = chip->check(hw, &st, &e)) == 0 &&
	    (rc = vfu_client_load(hw, buf, len, &e)) == 0 && after) {
		free(buf);
		buf = NULL;
		if ((rc = vfu_client_save(hw, &buf, &len, &e)) == 0 &&
		    (rc = snap_decode(buf, len, &back, &e)) == 0) {
			rc = snap_write(after, &back, o, &e);
			gs_state_free(&back);
		}
	}
	if (rc == 0)
		fprintf(stderr, "gpustate: %s restored onto %s and verified\n",
			path, sock);
	free(buf);
	gs_state_free(&st);
	hw_destroy(hw);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}

int cmd_reset(int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const char *sock = NULL;
	struct hw *hw = NULL;
	struct err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1)
		if (c == 's')
			sock = optarg;
		else
			return tool_usage(reset_usage, c == 'h');
	if (optind != argc || !sock)
		return tool_usage(reset_usage, 0);
	if ((rc = vfu_client_open(sock, &hw, &e)) == 0)
		rc = hw_reset(hw, &e);
	hw_destroy(hw);
	if (rc == 0)
		fprintf(stderr, "gpustate: device at %s reset\n", sock);
	return rc < 0 ? tool_fail(&e) : EXIT_OK;
}
