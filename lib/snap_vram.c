/*
 * The VRAM section of a snapshot (SNAPSHOT.md, "VRAM"): VRAM cut into
 * power-of-two chunks, each stored as ZERO (elided), ZSTD (one zstd frame with
 * content size and checksum) or RAW (when zstd did not shrink it), so chunks
 * can be checked and decompressed independently.
 */
#include <errno.h>
#include <string.h>
#include <zstd.h>

#include "snap_format.h"

static uint32_t nchunks(uint64_t vram_size, uint32_t chunk_size)
{
	return vram_size <= chunk_size ? 1 : (uint32_t)(vram_size / chunk_size);
}

/* Word-wide OR over 64-byte blocks: the compiler vectorises it, and most
 * non-zero chunks are rejected within the first block. */
static int all_zero(const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		uint64_t w[8], acc = 0;

		memcpy(w, p + i, sizeof(w));
		for (int k = 0; k < 8; k++)
			acc |= w[k];
		if (acc)
			return 0;
	}
	for (; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

size_t snap_vram_bound(uint64_t vram_size, uint32_t chunk_size)
{
	uint32_t n = nchunks(vram_size, chunk_size);
	size_t cb = (size_t)snap_chunk_bytes(vram_size, chunk_size);

	return SNAP_V_TABLE + (size_t)n * SNAP_V_ENTRY_SIZE +
	       (size_t)n * ZSTD_compressBound(cb);
}

static int make_cctx(int level, ZSTD_CCtx **out, struct err *e)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	if (!cc)
		return err_set(e, -ENOMEM,
			       "out of memory for the zstd context");
	/* The frame checksum catches corruption inside a chunk even when the
	 * section CRC was recomputed over it; ZSTD_compressCCtx would ignore
	 * this parameter, ZSTD_compress2 honours it. */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel,
						level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1))) {
		ZSTD_freeCCtx(cc);
		return err_set(e, -EINVAL, "zstd rejected compression level %d",
			       level);
	}
	*out = cc;
	return 0;
}

/* Store one chunk at dst; returns its kind and sets *slen, or -1. */
static int encode_chunk(ZSTD_CCtx *cc, const uint8_t *src, size_t cb,
			uint8_t *dst, size_t *slen)
{
	size_t r;

	if (all_zero(src, cb)) {
		*slen = 0;
		return SNAP_CHUNK_ZERO;
	}
	r = ZSTD_compress2(cc, dst, ZSTD_compressBound(cb), src, cb);
	if (ZSTD_isError(r))
		return -1;
	if (r >= cb) {
		memcpy(dst, src, cb);
		*slen = cb;
		return SNAP_CHUNK_RAW;
	}
	*slen = r;
	return SNAP_CHUNK_ZSTD;
}

int snap_vram_encode(const uint8_t *vram, uint64_t vram_size,
		     uint32_t chunk_size, int level, uint8_t *out, size_t *len,
		     struct err *e)
{
	uint32_t n = nchunks(vram_size, chunk_size);
	size_t cb = (size_t)snap_chunk_bytes(vram_size, chunk_size);
	uint8_t *entry = out + SNAP_V_TABLE;
	uint8_t *dst = entry + (size_t)n * SNAP_V_ENTRY_SIZE;
	ZSTD_CCtx *cc = NULL;
	int r = make_cctx(level, &cc, e);

	if (r)
		return r;
	snap_put32(out + SNAP_V_CHUNK_SIZE, chunk_size);
	snap_put32(out + SNAP_V_NCHUNKS, n);
	for (uint32_t i = 0; i < n; i++, entry += SNAP_V_ENTRY_SIZE) {
		size_t slen = 0;
		int kind =
			encode_chunk(cc, vram + (size_t)i * cb, cb, dst, &slen);

		if (kind < 0) {
			ZSTD_freeCCtx(cc);
			return err_set(e, -EIO, "zstd failed on VRAM chunk %u",
				       i);
		}
		snap_put32(entry, (uint32_t)kind);
		snap_put32(entry + 4, (uint32_t)slen);
		dst += slen;
	}
	ZSTD_freeCCtx(cc);
	*len = (size_t)(dst - out);
	return 0;
}

/* Frame header descriptor byte after the 4-byte magic, and its content
 * checksum bit (RFC 8878 section 3.1.1.1.1); read directly because libzstd
 * offers ZSTD_getFrameHeader only in its unstable static-linking API. */
#define FRAME_DESC_OFF	    4
#define FRAME_DESC_CHECKSUM 0x04

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Frame-level checks of a ZSTD chunk, before anything is decompressed. */
static int check_frame(const struct snap_sec *s, uint32_t i, const uint8_t *p,
		       uint32_t slen, uint64_t cb, struct err *e)
{
	unsigned long long fcs = ZSTD_getFrameContentSize(p, slen);
	size_t fsz;

	if (fcs == ZSTD_CONTENTSIZE_ERROR || slen < FRAME_DESC_OFF + 1)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: not a zstd frame", i);
	if (fcs != cb)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: zstd frame declares %s%llu "
				    "bytes, chunks hold %llu",
				    i,
				    fcs == ZSTD_CONTENTSIZE_UNKNOWN ? "?" : "",
				    fcs == ZSTD_CONTENTSIZE_UNKNOWN ? 0 : fcs,
				    (unsigned long long)cb);
	if (!(p[FRAME_DESC_OFF] & FRAME_DESC_CHECKSUM))
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: zstd frame has no checksum", i);
	fsz = ZSTD_findFrameCompressedSize(p, slen);
	if (ZSTD_isError(fsz) || fsz != slen)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: zstd frame is not exactly its "
				    "%u stored bytes",
				    i, slen);
	return 0;
}

static int check_entry(const struct snap_sec *s, uint32_t i, uint32_t kind,
		       uint32_t slen, uint64_t cb, struct err *e)
{
	if (kind == SNAP_CHUNK_ZERO && slen != 0)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: zero chunk with %u stored bytes",
				    i, slen);
	if (kind == SNAP_CHUNK_RAW && slen != cb)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: raw chunk of %u bytes, chunks "
				    "hold %llu",
				    i, slen, (unsigned long long)cb);
	if (kind == SNAP_CHUNK_ZSTD && slen == 0)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: empty zstd chunk", i);
	if (kind > SNAP_CHUNK_RAW)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: unknown chunk kind %u", i, kind);
	return 0;
}

/* Header of the section: chunk size and count against vram_size. */
static int check_geometry(const struct snap_sec *s, uint64_t vram_size,
			  uint32_t *chunk_size, uint32_t *n, struct err *e)
{
	if (s->len < SNAP_V_TABLE)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "%llu bytes, too short for the chunk "
				    "header",
				    (unsigned long long)s->len);
	*chunk_size = snap_get32(s->data + SNAP_V_CHUNK_SIZE);
	*n = snap_get32(s->data + SNAP_V_NCHUNKS);
	if (!is_pow2(*chunk_size) || *chunk_size < SNAP_CHUNK_MIN ||
	    *chunk_size > SNAP_CHUNK_MAX)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk size %u is not a power of two from "
				    "4 KiB to 16 MiB",
				    *chunk_size);
	if (*n != nchunks(vram_size, *chunk_size))
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "%u chunks, but %llu bytes of VRAM in "
				    "%u-byte chunks make %u",
				    *n, (unsigned long long)vram_size,
				    *chunk_size,
				    nchunks(vram_size, *chunk_size));
	if ((uint64_t)*n * SNAP_V_ENTRY_SIZE > s->len - SNAP_V_TABLE)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk table of %u entries runs past the "
				    "section end",
				    *n);
	return 0;
}

int snap_vram_check(const struct snap_sec *s, uint64_t vram_size,
		    struct snap_vram_stats *st, struct err *e)
{
	struct snap_vram_stats t = {0};
	const uint8_t *entry = s->data + SNAP_V_TABLE, *chunks;
	uint64_t avail, pos = 0, cb;
	int r = check_geometry(s, vram_size, &t.chunk_size, &t.nchunks, e);

	if (r)
		return r;
	cb = snap_chunk_bytes(vram_size, t.chunk_size);
	chunks = entry + (size_t)t.nchunks * SNAP_V_ENTRY_SIZE;
	avail = s->len - SNAP_V_TABLE - (uint64_t)t.nchunks * SNAP_V_ENTRY_SIZE;
	for (uint32_t i = 0; i < t.nchunks; i++, entry += SNAP_V_ENTRY_SIZE) {
		uint32_t kind = snap_get32(entry), slen = snap_get32(entry + 4);

		r = check_entry(s, i, kind, slen, cb, e);
		if (r)
			return r;
		if (slen > avail - pos)
			return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
					    "chunk %u: %u bytes at chunk data "
					    "offset %llu run past the section "
					    "end",
					    i, slen, (unsigned long long)pos);
		if (kind == SNAP_CHUNK_ZSTD) {
			r = check_frame(s, i, chunks + pos, slen, cb, e);
			if (r)
				return r;
		}
		t.nzero += kind == SNAP_CHUNK_ZERO;
		t.nzstd += kind == SNAP_CHUNK_ZSTD;
		t.nraw += kind == SNAP_CHUNK_RAW;
		pos += slen;
	}
	if (pos != avail)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk lengths sum to %llu bytes, the "
				    "section holds %llu",
				    (unsigned long long)pos,
				    (unsigned long long)avail);
	t.stored = pos;
	if (st)
		*st = t;
	return 0;
}

static int decode_chunk(ZSTD_DCtx *dc, const struct snap_sec *s, uint32_t i,
			uint32_t kind, const uint8_t *src, uint32_t slen,
			uint8_t *dst, size_t cb, struct err *e)
{
	size_t r;

	if (kind == SNAP_CHUNK_ZERO) {
		memset(dst, 0, cb);
		return 0;
	}
	if (kind == SNAP_CHUNK_RAW) {
		memcpy(dst, src, cb);
		return 0;
	}
	r = ZSTD_decompressDCtx(dc, dst, cb, src, slen);
	if (ZSTD_isError(r))
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: zstd: %s", i,
				    ZSTD_getErrorName(r));
	if (r != cb)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM, s->off,
				    "chunk %u: decompressed to %zu bytes, "
				    "chunks hold %zu",
				    i, r, cb);
	return 0;
}

int snap_vram_decode(const struct snap_sec *s, uint8_t *vram,
		     uint64_t vram_size, struct err *e)
{
	uint32_t chunk_size = snap_get32(s->data + SNAP_V_CHUNK_SIZE);
	uint32_t n = snap_get32(s->data + SNAP_V_NCHUNKS);
	size_t cb = (size_t)snap_chunk_bytes(vram_size, chunk_size);
	const uint8_t *entry = s->data + SNAP_V_TABLE;
	const uint8_t *src = entry + (size_t)n * SNAP_V_ENTRY_SIZE;
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	int r = 0;

	if (!dc)
		return err_set(e, -ENOMEM,
			       "out of memory for the zstd context");
	for (uint32_t i = 0; i < n && !r; i++, entry += SNAP_V_ENTRY_SIZE) {
		uint32_t slen = snap_get32(entry + 4);

		r = decode_chunk(dc, s, i, snap_get32(entry), src, slen,
				 vram + (size_t)i * cb, cb, e);
		src += slen;
	}
	ZSTD_freeDCtx(dc);
	return r;
}
