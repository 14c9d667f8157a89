/*
 * The capabilities JSON of the vfio-user VERSION message (vfio-user.rst,
 * "Version"): a strict, bounded JSON parser that validates the whole text
 * and picks out the capabilities this project uses, and the writer of our
 * own capabilities object.
 */
#ifndef GS_VFU_JSON_H
#define GS_VFU_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Which keys were present (bits of vfu_caps.present). */
enum {
	VFU_CAP_MAX_FDS = 1 << 0,
	VFU_CAP_MAX_XFER = 1 << 1,
	VFU_CAP_PGSIZES = 1 << 2,
	VFU_CAP_MAX_DMA = 1 << 3,
	VFU_CAP_MULTI = 1 << 4,
	VFU_CAP_TWIN = 1 << 5,
	VFU_CAP_MIGRATION = 1 << 6,
	VFU_CAP_ROOT = 1 << 7, /* the "capabilities" object itself */
};

struct vfu_caps {
	uint64_t max_msg_fds;	     /* spec default 1 */
	uint64_t max_data_xfer_size; /* spec default 1 MiB */
	uint64_t pgsizes;	     /* spec default 4096 */
	uint64_t max_dma_maps;	     /* spec default 65535 */
	int write_multiple;	     /* spec default false */
	int twin_socket;	     /* twin_socket.supported, default false */
	unsigned present;	     /* VFU_CAP_* of the keys given */
};

/* The values the specification assumes when a key is absent. */
void vfu_caps_defaults(struct vfu_caps *c);

/*
 * Parse the VERSION data: len bytes that must be one JSON object followed
 * by the terminating NUL (and nothing else). Known keys must have the right
 * type (non-negative integers, booleans, objects) and appear once; unknown
 * keys are validated as JSON and ignored. Depth is limited to 16. Fills c
 * (starting from the defaults); returns 0 or -EINVAL naming the problem.
 */
int vfu_caps_parse(const char *json, size_t len, struct vfu_caps *c,
		   struct err *e);

/* Write {"capabilities":{max_msg_fds, max_data_xfer_size, pgsizes,
 * max_dma_maps}} into buf; returns the length without the NUL, or -ENOSPC. */
int vfu_caps_format(const struct vfu_caps *c, char *buf, size_t len);

#endif
