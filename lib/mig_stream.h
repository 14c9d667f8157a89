/*
 * The pre-copy migration stream (lib/MIGRATION.md): VRAM sent in chunks
 * while the device keeps running, each later pass only the chunks whose
 * hash changed since they were last sent, then a final part with the
 * remaining changed chunks, the registers (STATE) and an END record.
 *
 * The sender (mig_tx) keeps one 64-bit hash per chunk. The receiver
 * (mig_rx) takes the stream in pieces of any size, checks every record as
 * it completes, assembles VRAM in a staging buffer and only at the end,
 * when the stream is complete and consistent, hands back a gs_state: it
 * never touches a device.
 */
#ifndef GS_MIG_STREAM_H
#define GS_MIG_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define MIG_MAGIC     "\x89GSMIG\r\n"
#define MIG_MAGIC_LEN 8
#define MIG_VERSION   1

/* A growing byte buffer. */
struct mig_buf {
	uint8_t *p;
	size_t len, cap;
};

/* Make room for n more bytes. */
int mig_buf_reserve(struct mig_buf *b, size_t n, struct err *e);
void mig_buf_free(struct mig_buf *b);

/* Does buf (len bytes, len >= MIG_MAGIC_LEN) start a pre-copy stream? */
int mig_is_stream(const uint8_t *buf, size_t len);

struct mig_tx;

/* A sender for vram_size bytes of VRAM in chunk_size chunks (a power of
 * two, 4 KiB..16 MiB; 0 = 64 KiB), zstd level (0 = 3). */
int mig_tx_create(uint64_t vram_size, uint32_t chunk_size, int level,
		  struct mig_tx **out, struct err *e);
void mig_tx_free(struct mig_tx *tx);
/* Append the stream header. */
int mig_tx_begin(struct mig_tx *tx, struct mig_buf *out, struct err *e);
/* Append a CHUNK record for every chunk of vram never sent or changed since
 * it was last sent; *nsent (may be NULL) gets their number. Each chunk is
 * copied before it is hashed and compressed, so vram may change meanwhile. */
int mig_tx_pass(struct mig_tx *tx, const uint8_t *vram, struct mig_buf *out,
		uint32_t *nsent, struct err *e);
/* The final part: a pass over st->vram, then STATE and END. */
int mig_tx_finish(struct mig_tx *tx, const struct gs_state *st,
		  struct mig_buf *out, uint32_t *nsent, struct err *e);

struct mig_rx;

/* A receiver for a device with vram_size bytes of VRAM. */
int mig_rx_create(uint64_t vram_size, struct mig_rx **out, struct err *e);
void mig_rx_free(struct mig_rx *rx);
/* Take the next len bytes of the stream; fails (-EBADMSG, -ENOTSUP for a
 * newer version) at the first byte that makes the stream invalid. */
int mig_rx_feed(struct mig_rx *rx, const uint8_t *p, size_t len, struct err *e);
/* The stream is complete (END received, every chunk at least once, a valid
 * STATE for a known chip driver): fill st (allocated here; VRAM moves from
 * the staging buffer). */
int mig_rx_finish(struct mig_rx *rx, struct gs_state *st, struct err *e);

#endif
