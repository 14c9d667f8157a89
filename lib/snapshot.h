/*
 * The libgpustate snapshot format (lib/SNAPSHOT.md): a versioned container
 * of typed, length-prefixed, checksummed sections: identity, PCI config,
 * chip registers, VRAM in independently zstd-compressed chunks (zero chunks
 * elided) and optionally a page-aligned raw VRAM copy that can be mmap()ed.
 *
 * Readers validate everything before returning anything; writers replace the
 * target file atomically.
 */
#ifndef GS_SNAPSHOT_H
#define GS_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state.h"

struct snap_opts {
	uint32_t chunk_size; /* VRAM chunk, power of two 4 KiB..16 MiB; 0 = 64
				KiB */
	int level;	     /* zstd level; 0 = default (3) */
	int raw_vram; /* also store a page-aligned uncompressed VRAM copy */
};

/* Serialise st into a malloc()ed buffer. */
int snap_encode(const struct gs_state *st, const struct snap_opts *o,
		uint8_t **buf, size_t *len, struct err *e);
/* Validate buf completely, then fill st (allocated here). */
int snap_decode(const uint8_t *buf, size_t len, struct gs_state *st,
		struct err *e);

/* Write st to path atomically: temp file in the same directory, fsync,
 * rename, fsync the directory. */
int snap_write(const char *path, const struct gs_state *st,
	       const struct snap_opts *o, struct err *e);
/* Read and fully validate path; errors name the file and the problem. */
int snap_read(const char *path, struct gs_state *st, struct err *e);

/* Print the section list of a valid snapshot (for gpustate verify -v). */
int snap_list(const uint8_t *buf, size_t len, FILE *out, struct err *e);

#endif
