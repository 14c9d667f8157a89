/*
 * The vfio-user client: a backend of the access interface (dev/hw.h) that
 * reaches a device served by gpud (or any vfio-user server) over its UNIX
 * socket, so chip drivers, access scripts and gpustate work on a live
 * server unchanged. Device name: "unix:PATH" (dev/backend.c).
 *
 * Config space, BARs and legacy ports (the VGA region) are REGION_READ /
 * REGION_WRITE messages; BAR0 is mapped from the fd the server hands out.
 * Save and load drive VFIO migration v2 (STOP_COPY, RESUMING, PRE_COPY);
 * the data is a libgpustate snapshot, or for pre-copy the stream of
 * lib/MIGRATION.md.
 */
#ifndef GS_VFU_CLIENT_H
#define GS_VFU_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "../dev/hw.h"
#include "mig_stream.h"

/* Connect to the server at path and negotiate; *out is a struct hw. */
int vfu_client_open(const char *path, struct hw **out, struct err *e);
/* The same over an already connected socket (taken over, closed by
 * hw_destroy); name is used in messages. */
int vfu_client_attach(int sock, const char *name, struct hw **out,
		      struct err *e);
/* Is hw a vfio-user client? */
int vfu_client_is(const struct hw *hw);

/* Migration state (VFU_STATE_*): get, set (the server walks the path). */
int vfu_client_mig_get(struct hw *hw, uint32_t *state, struct err *e);
int vfu_client_mig_set(struct hw *hw, uint32_t state, struct err *e);
/* Read migration data until the server returns less than asked (the end
 * of the data, or of a pre-copy pass), appending to b; at most max bytes
 * in b. */
int vfu_client_mig_read(struct hw *hw, struct mig_buf *b, size_t max,
			struct err *e);
/* Write len bytes of migration data (state RESUMING). */
int vfu_client_mig_write(struct hw *hw, const uint8_t *p, size_t len,
			 struct err *e);

/* Save the device: RUNNING -> STOP_COPY, read the snapshot, -> RUNNING.
 * *buf (malloc()ed, *len bytes) is a libgpustate snapshot. */
int vfu_client_save(struct hw *hw, uint8_t **buf, size_t *len, struct err *e);
/* Load a snapshot or pre-copy stream: -> RESUMING, write it, -> RUNNING.
 * If the server refuses the data, the device is left untouched and
 * running, and the server's reason is returned. */
int vfu_client_load(struct hw *hw, const uint8_t *buf, size_t len,
		    struct err *e);

/* A pre-copy save: pass 0 is all of VRAM, read while the device runs;
 * before each further pass, between (may be NULL) is called and may change
 * the device; then STOP_COPY gives the final part and the device runs
 * again. The whole stream goes to *buf; sizes are reported. */
struct vfu_precopy {
	unsigned passes; /* further passes after pass 0 */
	int (*between)(void *ctx, unsigned pass, struct err *e);
	void *ctx;
	size_t first_bytes; /* out: stream bytes of pass 0 (with header) */
	size_t last_bytes;  /* out: of the last further pass */
	size_t final_bytes; /* out: of the STOP_COPY part */
};

int vfu_client_save_precopy(struct hw *hw, struct vfu_precopy *p, uint8_t **buf,
			    size_t *len, struct err *e);

#endif
