/*
 * The pre-copy migration stream, sender and receiver (lib/MIGRATION.md).
 * Integers are little-endian and written byte by byte; every header and
 * payload carries a CRC-32C, every zstd frame its own checksum.
 */
#include "mig_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "chip.h"
#include "crc32c.h"

enum {
	HDR_SIZE = 32, /* magic, version, header_size, vram_size, chunk, crc */
	H_VERSION = 8,
	H_HSIZE = 12,
	H_VRAM = 16,
	H_CHUNK = 24,
	H_CRC = 28,
	REC_SIZE = 16, /* type, length, payload crc, header crc */
	CHUNK_HDR = 8, /* index, kind */
	ID_SIZE = 48,  /* IDENTITY layout of SNAPSHOT.md 3.1 */
	STATE_FIXED = ID_SIZE + 256,
	STATE_MAX = STATE_FIXED + 65536,
};

enum rec_type { REC_CHUNK = 1, REC_STATE = 2, REC_END = 3 };
enum chunk_kind { K_ZERO = 0, K_ZSTD = 1, K_RAW = 2 };

#define CHUNK_MIN     (4u << 10)
#define CHUNK_MAX     (16u << 20)
#define CHUNK_DEFAULT (64u << 10)
#define VRAM_MAX      (512ull << 20)

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int mig_buf_reserve(struct mig_buf *b, size_t n, struct err *e)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	if (n > SIZE_MAX / 2 - b->len)
		return err_set(e, -ENOMEM, "migration buffer too large");
	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return err_set(e, -ENOMEM,
			       "out of memory for %zu bytes of migration data",
			       cap);
	b->p = p;
	b->cap = cap;
	return 0;
}

void mig_buf_free(struct mig_buf *b)
{
	free(b->p);
	*b = (struct mig_buf){0};
}

int mig_is_stream(const uint8_t *buf, size_t len)
{
	return len >= MIG_MAGIC_LEN && !memcmp(buf, MIG_MAGIC, MIG_MAGIC_LEN);
}

/*
 * 64-bit chunk hash: four multiply-rotate lanes over 8-byte words (the
 * structure of xxHash64), folded and avalanched. Not cryptographic: a
 * changed chunk is missed with probability about 2^-64.
 */
#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static uint64_t lane(uint64_t h, uint64_t w)
{
	return rotl(h + w * P2, 31) * P1;
}

static uint64_t chunk_hash(const uint8_t *p, size_t n)
{
	uint64_t h[4] = {P1 + P2, P2, 0, -P1}, r = n * P3, w;
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		for (int k = 0; k < 4; k++) {
			memcpy(&w, p + i + 8 * k, 8);
			h[k] = lane(h[k], w);
		}
	for (; i < n; i++)
		h[0] = lane(h[0], p[i]);
	for (int k = 0; k < 4; k++)
		r = (r ^ lane(0, h[k])) * P1 + P3;
	r ^= r >> 33;
	r *= P2;
	r ^= r >> 29;
	return r;
}

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* ---- Sender ---- */

struct mig_tx {
	uint64_t vram_size;
	uint32_t chunk_size, cb, n;
	uint64_t *hash;
	uint8_t *sent; /* chunk sent at least once */
	uint8_t *tmp;  /* one chunk, copied before hashing */
	ZSTD_CCtx *cc;
};

void mig_tx_free(struct mig_tx *tx)
{
	if (!tx)
		return;
	free(tx->hash);
	free(tx->sent);
	free(tx->tmp);
	ZSTD_freeCCtx(tx->cc);
	free(tx);
}

static int check_geometry(uint64_t vram_size, uint32_t chunk_size,
			  struct err *e)
{
	if (!is_pow2(vram_size) || vram_size > VRAM_MAX)
		return err_set(e, -EINVAL,
			       "VRAM size %llu is not a power of two up to "
			       "512 MiB",
			       (unsigned long long)vram_size);
	if (!is_pow2(chunk_size) || chunk_size < CHUNK_MIN ||
	    chunk_size > CHUNK_MAX)
		return err_set(e, -EINVAL,
			       "chunk size %u is not a power of two in "
			       "4 KiB..16 MiB",
			       chunk_size);
	return 0;
}

static int tx_zstd(struct mig_tx *tx, int level, struct err *e)
{
	tx->cc = ZSTD_createCCtx();
	if (!tx->cc)
		return err_set(e, -ENOMEM, "out of memory for zstd");
	if (ZSTD_isError(ZSTD_CCtx_setParameter(tx->cc, ZSTD_c_compressionLevel,
						level)) ||
	    ZSTD_isError(
		    ZSTD_CCtx_setParameter(tx->cc, ZSTD_c_checksumFlag, 1)))
		return err_set(e, -EINVAL, "zstd level %d refused", level);
	return 0;
}

int mig_tx_create(uint64_t vram_size, uint32_t chunk_size, int level,
		  struct mig_tx **out, struct err *e)
{
	struct mig_tx *tx;
	int rc;

	chunk_size = chunk_size ? chunk_size : CHUNK_DEFAULT;
	if ((rc = check_geometry(vram_size, chunk_size, e)) < 0)
		return rc;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return err_set(e, -ENOMEM, "out of memory");
	tx->vram_size = vram_size;
	tx->chunk_size = chunk_size;
	tx->cb = vram_size < chunk_size ? (uint32_t)vram_size : chunk_size;
	tx->n = (uint32_t)(vram_size / tx->cb);
	tx->hash = calloc(tx->n, sizeof(*tx->hash));
	tx->sent = calloc(tx->n, 1);
	tx->tmp = malloc(tx->cb);
	if (!tx->hash || !tx->sent || !tx->tmp) {
		mig_tx_free(tx);
		return err_set(e, -ENOMEM, "out of memory");
	}
	if ((rc = tx_zstd(tx, level ? level : 3, e)) < 0) {
		mig_tx_free(tx);
		return rc;
	}
	*out = tx;
	return 0;
}

int mig_tx_begin(struct mig_tx *tx, struct mig_buf *out, struct err *e)
{
	uint8_t *h;
	int rc = mig_buf_reserve(out, HDR_SIZE, e);

	if (rc < 0)
		return rc;
	h = out->p + out->len;
	memcpy(h, MIG_MAGIC, MIG_MAGIC_LEN);
	put32(h + H_VERSION, MIG_VERSION);
	put32(h + H_HSIZE, HDR_SIZE);
	put64(h + H_VRAM, tx->vram_size);
	put32(h + H_CHUNK, tx->chunk_size);
	put32(h + H_CRC, crc32c(0, h, H_CRC));
	out->len += HDR_SIZE;
	return 0;
}

/* Fill in the record header in front of the len payload bytes at rec. */
static void seal_record(uint8_t *rec, uint32_t type, uint32_t len)
{
	put32(rec, type);
	put32(rec + 4, len);
	put32(rec + 8, crc32c(0, rec + REC_SIZE, len));
	put32(rec + 12, crc32c(0, rec, 12));
}

/* Append the CHUNK record of chunk i, whose bytes are in tx->tmp. */
static int emit_chunk(struct mig_tx *tx, uint32_t i, struct mig_buf *out,
		      struct err *e)
{
	size_t bound = ZSTD_compressBound(tx->cb), len = 0;
	uint32_t kind = K_ZERO;
	uint8_t *rec, *data;
	int rc = mig_buf_reserve(out, REC_SIZE + CHUNK_HDR + bound, e);

	if (rc < 0)
		return rc;
	rec = out->p + out->len;
	data = rec + REC_SIZE + CHUNK_HDR;
	if (!all_zero(tx->tmp, tx->cb)) {
		len = ZSTD_compress2(tx->cc, data, bound, tx->tmp, tx->cb);
		if (ZSTD_isError(len))
			return err_set(e, -EIO, "zstd: %s",
				       ZSTD_getErrorName(len));
		kind = K_ZSTD;
		if (len >= tx->cb) {
			memcpy(data, tx->tmp, tx->cb);
			len = tx->cb;
			kind = K_RAW;
		}
	}
	put32(rec + REC_SIZE, i);
	put32(rec + REC_SIZE + 4, kind);
	seal_record(rec, REC_CHUNK, (uint32_t)(CHUNK_HDR + len));
	out->len += REC_SIZE + CHUNK_HDR + len;
	return 0;
}

int mig_tx_pass(struct mig_tx *tx, const uint8_t *vram, struct mig_buf *out,
		uint32_t *nsent, struct err *e)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < tx->n; i++) {
		uint64_t h;
		int rc;

		memcpy(tx->tmp, vram + (size_t)i * tx->cb, tx->cb);
		h = chunk_hash(tx->tmp, tx->cb);
		if (tx->sent[i] && tx->hash[i] == h)
			continue;
		if ((rc = emit_chunk(tx, i, out, e)) < 0)
			return rc;
		tx->hash[i] = h;
		tx->sent[i] = 1;
		count++;
	}
	if (nsent)
		*nsent = count;
	return 0;
}

static void put_identity(uint8_t *p, const struct gs_identity *id)
{
	memset(p, 0, ID_SIZE);
	p[0] = (uint8_t)id->vendor;
	p[1] = (uint8_t)(id->vendor >> 8);
	p[2] = (uint8_t)id->device;
	p[3] = (uint8_t)(id->device >> 8);
	p[4] = (uint8_t)id->subvendor;
	p[5] = (uint8_t)(id->subvendor >> 8);
	p[6] = (uint8_t)id->subdevice;
	p[7] = (uint8_t)(id->subdevice >> 8);
	put32(p + 8, id->class_code);
	p[12] = id->revision;
	put64(p + 16, id->vram_size);
	memcpy(p + 24, id->chip, strnlen(id->chip, GS_CHIP_NAME_MAX - 1));
	put32(p + 40, id->chip_version);
}

int mig_tx_finish(struct mig_tx *tx, const struct gs_state *st,
		  struct mig_buf *out, uint32_t *nsent, struct err *e)
{
	size_t len = STATE_FIXED + st->regs_len;
	uint8_t *rec;
	int rc;

	if (st->id.vram_size != tx->vram_size ||
	    st->regs_len > STATE_MAX - STATE_FIXED)
		return err_set(e, -EINVAL,
			       "state does not fit the migration stream");
	if ((rc = mig_tx_pass(tx, st->vram, out, nsent, e)) < 0 ||
	    (rc = mig_buf_reserve(out, 2 * REC_SIZE + len, e)) < 0)
		return rc;
	rec = out->p + out->len;
	put_identity(rec + REC_SIZE, &st->id);
	memcpy(rec + REC_SIZE + ID_SIZE, st->pcicfg, 256);
	memcpy(rec + REC_SIZE + STATE_FIXED, st->regs, st->regs_len);
	seal_record(rec, REC_STATE, (uint32_t)len);
	rec += REC_SIZE + len;
	seal_record(rec, REC_END, 0);
	out->len += 2 * REC_SIZE + len;
	return 0;
}

/* ---- Receiver ---- */

struct mig_rx {
	uint64_t vram_size;
	uint32_t cb, n;
	uint8_t *vram;	  /* staging VRAM */
	uint8_t *have;	  /* chunk received at least once */
	uint32_t missing; /* chunks never received */
	uint8_t *pend;	  /* the header or record being assembled */
	size_t pend_len;  /* bytes of it received */
	size_t pend_cap;  /* room in pend */
	size_t want;	  /* bytes the current item needs */
	uint64_t pos;	  /* stream offset of pend[0], for messages */
	int header_done, state_done, end_done, failed;
	uint8_t state[STATE_MAX];
	size_t state_len;
	ZSTD_DCtx *dc;
};

void mig_rx_free(struct mig_rx *rx)
{
	if (!rx)
		return;
	gs_vram_free(rx->vram, rx->vram_size);
	free(rx->have);
	free(rx->pend);
	ZSTD_freeDCtx(rx->dc);
	free(rx);
}

int mig_rx_create(uint64_t vram_size, struct mig_rx **out, struct err *e)
{
	struct mig_rx *rx;
	int rc = check_geometry(vram_size, CHUNK_MIN, e);

	if (rc < 0)
		return rc;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return err_set(e, -ENOMEM, "out of memory");
	rx->vram_size = vram_size;
	rx->want = HDR_SIZE;
	rx->pend_cap = HDR_SIZE;
	rx->pend = malloc(rx->pend_cap);
	rx->dc = ZSTD_createDCtx();
	if (!rx->pend || !rx->dc) {
		mig_rx_free(rx);
		return err_set(e, -ENOMEM, "out of memory");
	}
	*out = rx;
	return 0;
}

static int rx_bad(struct mig_rx *rx, struct err *e, const char *what)
{
	rx->failed = 1;
	return err_set(e, -EBADMSG, "migration stream at byte %llu: %s",
		       (unsigned long long)rx->pos, what);
}

static int rx_header(struct mig_rx *rx, struct err *e)
{
	const uint8_t *h = rx->pend;
	uint64_t vram = get64(h + H_VRAM);
	uint32_t chunk = get32(h + H_CHUNK);
	size_t cap;

	if (memcmp(h, MIG_MAGIC, MIG_MAGIC_LEN))
		return rx_bad(rx, e, "bad magic");
	if (get32(h + H_CRC) != crc32c(0, h, H_CRC))
		return rx_bad(rx, e, "header checksum mismatch");
	if (get32(h + H_VERSION) != MIG_VERSION) {
		rx->failed = 1;
		return err_set(e, -ENOTSUP,
			       "migration stream version %u (this reader "
			       "knows version %u)",
			       get32(h + H_VERSION), MIG_VERSION);
	}
	if (get32(h + H_HSIZE) != HDR_SIZE)
		return rx_bad(rx, e, "header size is not 32");
	if (vram != rx->vram_size)
		return rx_bad(rx, e, "VRAM size differs from the device's");
	if (check_geometry(vram, chunk, e) < 0)
		return rx_bad(rx, e, "bad chunk size");
	rx->cb = vram < chunk ? (uint32_t)vram : chunk;
	rx->n = (uint32_t)(vram / rx->cb);
	rx->missing = rx->n;
	cap = REC_SIZE + (CHUNK_HDR + (size_t)rx->cb > STATE_MAX
				  ? CHUNK_HDR + (size_t)rx->cb
				  : STATE_MAX);
	free(rx->pend);
	rx->pend = malloc(cap);
	rx->vram = gs_vram_alloc(vram);
	rx->have = calloc(rx->n, 1);
	if (!rx->pend || !rx->vram || !rx->have) {
		rx->failed = 1;
		return err_set(e, -ENOMEM,
			       "out of memory for the staging "
			       "VRAM");
	}
	rx->pend_cap = cap;
	rx->header_done = 1;
	return 0;
}

/* A record header is complete: check it and set how much payload follows. */
static int rx_record_header(struct mig_rx *rx, struct err *e)
{
	const uint8_t *r = rx->pend;
	uint32_t type = get32(r), len = get32(r + 4);
	size_t max = type == REC_CHUNK	 ? CHUNK_HDR + (size_t)rx->cb
		     : type == REC_STATE ? STATE_MAX
					 : 0;

	if (get32(r + 12) != crc32c(0, r, 12))
		return rx_bad(rx, e, "record header checksum mismatch");
	if (type < REC_CHUNK || type > REC_END)
		return rx_bad(rx, e, "unknown record type");
	if (len > max)
		return rx_bad(rx, e, "record longer than its type allows");
	if (rx->state_done && type != REC_END)
		return rx_bad(rx, e, "record after STATE other than END");
	rx->want = REC_SIZE + len;
	return 0;
}

static int rx_chunk(struct mig_rx *rx, const uint8_t *p, size_t len,
		    struct err *e)
{
	uint32_t i, kind;
	uint8_t *dst;
	size_t n, got;

	if (len < CHUNK_HDR)
		return rx_bad(rx, e, "chunk record too short");
	i = get32(p);
	kind = get32(p + 4);
	n = len - CHUNK_HDR;
	if (i >= rx->n)
		return rx_bad(rx, e, "chunk index out of range");
	dst = rx->vram + (size_t)i * rx->cb;
	p += CHUNK_HDR;
	if (kind == K_ZERO && n == 0) {
		memset(dst, 0, rx->cb);
	} else if (kind == K_RAW && n == rx->cb) {
		memcpy(dst, p, n);
	} else if (kind == K_ZSTD && n > 0) {
		if (ZSTD_getFrameContentSize(p, n) != rx->cb ||
		    ZSTD_findFrameCompressedSize(p, n) != n)
			return rx_bad(rx, e, "zstd chunk of the wrong size");
		got = ZSTD_decompressDCtx(rx->dc, dst, rx->cb, p, n);
		if (ZSTD_isError(got) || got != rx->cb)
			return rx_bad(rx, e, "zstd chunk does not decode");
	} else {
		return rx_bad(rx, e, "bad chunk kind or length");
	}
	rx->missing -= !rx->have[i];
	rx->have[i] = 1;
	return 0;
}

/* A whole record is in pend: check its payload and apply it. */
static int rx_record(struct mig_rx *rx, struct err *e)
{
	const uint8_t *r = rx->pend, *p = r + REC_SIZE;
	uint32_t type = get32(r), len = get32(r + 4);

	if (get32(r + 8) != crc32c(0, p, len))
		return rx_bad(rx, e, "record payload checksum mismatch");
	if (type == REC_CHUNK)
		return rx_chunk(rx, p, len, e);
	if (type == REC_STATE) {
		if (len < STATE_FIXED)
			return rx_bad(rx, e, "STATE record too short");
		memcpy(rx->state, p, len);
		rx->state_len = len;
		rx->state_done = 1;
		return 0;
	}
	if (!rx->state_done || len)
		return rx_bad(rx, e, "END before STATE");
	rx->end_done = 1;
	return 0;
}

/* The item in pend is complete: process it and expect the next one. */
static int rx_item(struct mig_rx *rx, struct err *e)
{
	int rc;

	if (!rx->header_done) {
		rc = rx_header(rx, e);
	} else if (rx->want == REC_SIZE && rx->pend_len == REC_SIZE) {
		if ((rc = rx_record_header(rx, e)) < 0 || rx->want > REC_SIZE)
			return rc;
		rc = rx_record(rx, e);
	} else {
		rc = rx_record(rx, e);
	}
	if (rc < 0)
		return rc;
	rx->pos += rx->pend_len;
	rx->pend_len = 0;
	rx->want = REC_SIZE;
	return 0;
}

int mig_rx_feed(struct mig_rx *rx, const uint8_t *p, size_t len, struct err *e)
{
	if (rx->failed)
		return err_set(e, -EBADMSG,
			       "migration stream already found invalid");
	while (len) {
		size_t take = rx->want - rx->pend_len;
		int rc;

		if (rx->end_done)
			return rx_bad(rx, e, "data after END");
		take = take < len ? take : len;
		memcpy(rx->pend + rx->pend_len, p, take);
		rx->pend_len += take;
		p += take;
		len -= take;
		if (rx->pend_len == rx->want && (rc = rx_item(rx, e)) < 0)
			return rc;
	}
	return 0;
}

/* STATE: the IDENTITY rules of SNAPSHOT.md section 5 step 7. */
static int parse_identity(struct mig_rx *rx, struct gs_identity *id,
			  const struct chip_ops **chip, struct err *e)
{
	const uint8_t *p = rx->state;
	size_t nul;

	memset(id, 0, sizeof(*id));
	id->vendor = (uint16_t)(p[0] | p[1] << 8);
	id->device = (uint16_t)(p[2] | p[3] << 8);
	id->subvendor = (uint16_t)(p[4] | p[5] << 8);
	id->subdevice = (uint16_t)(p[6] | p[7] << 8);
	id->class_code = get32(p + 8);
	id->revision = p[12];
	id->vram_size = get64(p + 16);
	id->chip_version = get32(p + 40);
	nul = strnlen((const char *)p + 24, GS_CHIP_NAME_MAX);
	if (p[13] || p[14] || p[15] || get32(p + 44) || id->class_code >> 24)
		return rx_bad(rx, e, "STATE: reserved bits set");
	if (nul == GS_CHIP_NAME_MAX ||
	    !all_zero(p + 24 + nul, GS_CHIP_NAME_MAX - nul))
		return rx_bad(rx, e, "STATE: chip name not NUL-padded");
	memcpy(id->chip, p + 24, nul);
	if (id->vram_size != rx->vram_size)
		return rx_bad(rx, e, "STATE: VRAM size differs from header");
	*chip = chip_by_name(id->chip);
	if (!*chip || (*chip)->version != id->chip_version)
		return err_set(e, -ENOTSUP,
			       "migration stream: chip \"%s\" version %u is "
			       "not supported",
			       id->chip, id->chip_version);
	if (rx->state_len - STATE_FIXED != chip_regs_len(*chip))
		return rx_bad(rx, e,
			      "STATE: register block size differs "
			      "from the chip driver's");
	return 0;
}

int mig_rx_finish(struct mig_rx *rx, struct gs_state *st, struct err *e)
{
	const struct chip_ops *chip;
	struct gs_identity id;
	int rc;

	if (rx->failed)
		return err_set(e, -EBADMSG, "migration stream is invalid");
	if (!rx->end_done || rx->pend_len)
		return rx_bad(rx, e, "stream ends before its END record");
	if (rx->missing)
		return rx_bad(rx, e, "stream lacks some VRAM chunks");
	if ((rc = parse_identity(rx, &id, &chip, e)) < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->regs_len = rx->state_len - STATE_FIXED;
	st->regs = malloc(st->regs_len ? st->regs_len : 1);
	if (!st->regs)
		return err_set(e, -ENOMEM, "out of memory");
	memcpy(st->pcicfg, rx->state + ID_SIZE, 256);
	memcpy(st->regs, rx->state + STATE_FIXED, st->regs_len);
	st->vram = rx->vram;
	rx->vram = NULL;
	rx->failed = 1; /* the staging VRAM is gone */
	return 0;
}
