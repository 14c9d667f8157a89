/*
 * The snapshot container (lib/SNAPSHOT.md): a gs_state encoded as a file
 * header and checksummed sections, and a decoder that validates every byte of
 * a buffer before it returns any state. The VRAM chunk codec is in
 * snap_vram.c, the byte layout in snap_format.h.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "atomic_file.h"
#include "chip.h"
#include "crc32c.h"
#include "snap_format.h"

/* A buffer that passed every check short of decompressing VRAM. */
struct parsed {
	const uint8_t *buf;
	size_t len;
	uint32_t nsect;
	struct snap_sec sec[SNAP_NTYPES]; /* the last PAD for PAD */
	unsigned have[SNAP_NTYPES];
	struct gs_identity id;
	const struct chip_ops *chip;
	struct snap_vram_stats vs;
};

struct enc_params {
	uint32_t chunk_size;
	int level;
	int raw;
};

static const char *const type_names[SNAP_NTYPES] = {
	[SNAP_IDENTITY] = "IDENTITY", [SNAP_PCICFG] = "PCICFG",
	[SNAP_REGS] = "REGS",	      [SNAP_VRAM] = "VRAM",
	[SNAP_PAD] = "PAD",	      [SNAP_VRAM_RAW] = "VRAM_RAW",
};

const char *snap_type_name(uint32_t type)
{
	if (type >= SNAP_NTYPES || !type_names[type])
		return "unknown";
	return type_names[type];
}

int snap_sec_err(struct err *e, int code, uint32_t type, size_t off,
		 const char *fmt, ...)
{
	char msg[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, code, "%s section at offset %zu: %s",
		       snap_type_name(type), off, msg);
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* The identity rules of SNAPSHOT.md, applied by the writer and the reader
 * alike so that nothing is written that cannot be read back. */
static int check_identity(const struct gs_identity *id,
			  const struct chip_ops **chip, struct err *e)
{
	const struct chip_ops *c;

	if (!is_pow2(id->vram_size) || id->vram_size > SNAP_VRAM_MAX)
		return err_set(e, -EINVAL,
			       "VRAM size %llu is not a power of two from 1 "
			       "to 512 MiB",
			       (unsigned long long)id->vram_size);
	if (id->class_code > 0xffffff)
		return err_set(e, -EINVAL,
			       "class code 0x%x is wider than 24 bits",
			       id->class_code);
	if (!memchr(id->chip, 0, sizeof(id->chip)))
		return err_set(e, -EINVAL,
			       "chip name is not NUL-terminated within %d "
			       "bytes",
			       GS_CHIP_NAME_MAX);
	c = chip_by_name(id->chip);
	if (!c)
		return err_set(e, -ENOTSUP, "unknown chip \"%s\"", id->chip);
	if (id->chip_version != c->version)
		return err_set(e, -ENOTSUP,
			       "chip %s register layout version %u is not "
			       "supported (this build has version %u)",
			       c->name, id->chip_version, c->version);
	*chip = c;
	return 0;
}

/* ---- Encoding ---- */

static int get_opts(const struct snap_opts *o, struct enc_params *p,
		    struct err *e)
{
	p->chunk_size = o && o->chunk_size ? o->chunk_size : SNAP_CHUNK_DEFAULT;
	p->level = o && o->level ? o->level : SNAP_LEVEL_DEFAULT;
	p->raw = o && o->raw_vram;
	if (!is_pow2(p->chunk_size) || p->chunk_size < SNAP_CHUNK_MIN ||
	    p->chunk_size > SNAP_CHUNK_MAX)
		return err_set(e, -EINVAL,
			       "chunk size %u is not a power of two from 4 KiB "
			       "to 16 MiB",
			       p->chunk_size);
	if (p->level < ZSTD_minCLevel() || p->level > ZSTD_maxCLevel())
		return err_set(e, -EINVAL, "zstd level %d is outside %d..%d",
			       p->level, ZSTD_minCLevel(), ZSTD_maxCLevel());
	return 0;
}

static int check_state(const struct gs_state *st, struct err *e)
{
	const struct chip_ops *c;
	int r = check_identity(&st->id, &c, e);

	if (r)
		return r;
	if (st->regs_len != chip_regs_len(c))
		return err_set(e, -EINVAL,
			       "register blob is %zu bytes, chip %s version %u "
			       "needs %zu",
			       st->regs_len, c->name, c->version,
			       chip_regs_len(c));
	if (!st->regs || !st->vram)
		return err_set(e, -EINVAL, "state has no registers or VRAM");
	return 0;
}

static void put_identity(uint8_t *p, const struct gs_identity *id)
{
	memset(p, 0, SNAP_ID_SIZE);
	snap_put16(p + SNAP_ID_VENDOR, id->vendor);
	snap_put16(p + SNAP_ID_DEVICE, id->device);
	snap_put16(p + SNAP_ID_SUBVENDOR, id->subvendor);
	snap_put16(p + SNAP_ID_SUBDEVICE, id->subdevice);
	snap_put32(p + SNAP_ID_CLASS, id->class_code);
	p[SNAP_ID_REVISION] = id->revision;
	snap_put64(p + SNAP_ID_VRAM_SIZE, id->vram_size);
	memcpy(p + SNAP_ID_CHIP, id->chip, strlen(id->chip));
	snap_put32(p + SNAP_ID_CHIP_VERSION, id->chip_version);
}

/* The section's data is already in place after its header at off: fill in
 * the header and return where the next section starts. */
static size_t finish_section(uint8_t *out, size_t off, uint32_t type,
			     size_t len)
{
	uint8_t *h = out + off;

	snap_put32(h + SNAP_S_TYPE, type);
	snap_put32(h + SNAP_S_FLAGS, 0);
	snap_put64(h + SNAP_S_LEN, len);
	snap_put32(h + SNAP_S_DATA_CRC, crc32c(0, h + SNAP_SEC_HDR_SIZE, len));
	snap_put32(h + SNAP_S_HDR_CRC, crc32c(0, h, SNAP_S_HDR_CRC));
	return off + SNAP_SEC_HDR_SIZE + len;
}

/* PAD data length that puts the data of the VRAM_RAW section following a PAD
 * section at off on a SNAP_RAW_ALIGN boundary. */
static size_t raw_pad_len(size_t off)
{
	size_t data = off + 2 * SNAP_SEC_HDR_SIZE;

	return (SNAP_RAW_ALIGN - data % SNAP_RAW_ALIGN) % SNAP_RAW_ALIGN;
}

static size_t encode_bound(const struct gs_state *st,
			   const struct enc_params *p)
{
	size_t n = SNAP_HDR_SIZE + 4 * SNAP_SEC_HDR_SIZE + SNAP_ID_SIZE +
		   SNAP_PCICFG_SIZE + st->regs_len +
		   snap_vram_bound(st->id.vram_size, p->chunk_size);

	if (p->raw)
		n += 2 * SNAP_SEC_HDR_SIZE + SNAP_RAW_ALIGN +
		     (size_t)st->id.vram_size;
	return n;
}

static size_t append_raw(uint8_t *out, size_t off, const struct gs_state *st)
{
	size_t pad = raw_pad_len(off);

	memset(out + off + SNAP_SEC_HDR_SIZE, 0, pad);
	off = finish_section(out, off, SNAP_PAD, pad);
	memcpy(out + off + SNAP_SEC_HDR_SIZE, st->vram,
	       (size_t)st->id.vram_size);
	return finish_section(out, off, SNAP_VRAM_RAW,
			      (size_t)st->id.vram_size);
}

/* Write every section after the file header; returns the file length. */
static int encode_sections(uint8_t *out, const struct gs_state *st,
			   const struct enc_params *p, size_t *len,
			   struct err *e)
{
	size_t off = SNAP_HDR_SIZE, vlen;
	int r;

	put_identity(out + off + SNAP_SEC_HDR_SIZE, &st->id);
	off = finish_section(out, off, SNAP_IDENTITY, SNAP_ID_SIZE);
	memcpy(out + off + SNAP_SEC_HDR_SIZE, st->pcicfg, SNAP_PCICFG_SIZE);
	off = finish_section(out, off, SNAP_PCICFG, SNAP_PCICFG_SIZE);
	memcpy(out + off + SNAP_SEC_HDR_SIZE, st->regs, st->regs_len);
	off = finish_section(out, off, SNAP_REGS, st->regs_len);
	r = snap_vram_encode(st->vram, st->id.vram_size, p->chunk_size,
			     p->level, out + off + SNAP_SEC_HDR_SIZE, &vlen, e);
	if (r)
		return r;
	off = finish_section(out, off, SNAP_VRAM, vlen);
	if (p->raw)
		off = append_raw(out, off, st);
	*len = off;
	return 0;
}

static void put_header(uint8_t *out, uint32_t nsect, size_t len)
{
	memcpy(out + SNAP_H_MAGIC, SNAP_MAGIC, SNAP_MAGIC_LEN);
	snap_put32(out + SNAP_H_VERSION, SNAP_VERSION);
	snap_put32(out + SNAP_H_HSIZE, SNAP_HDR_SIZE);
	snap_put32(out + SNAP_H_FLAGS, 0);
	snap_put32(out + SNAP_H_NSECT, nsect);
	snap_put64(out + SNAP_H_FILELEN, len);
	snap_put32(out + SNAP_H_RESERVED, 0);
	snap_put32(out + SNAP_H_CRC, crc32c(0, out, SNAP_H_CRC));
}

int snap_encode(const struct gs_state *st, const struct snap_opts *o,
		uint8_t **buf, size_t *len, struct err *e)
{
	struct enc_params p;
	uint8_t *out, *shrunk;
	size_t n;
	int r = get_opts(o, &p, e);

	if (!r)
		r = check_state(st, e);
	if (r)
		return r;
	out = malloc(encode_bound(st, &p));
	if (!out)
		return err_set(e, -ENOMEM, "out of memory for the snapshot");
	r = encode_sections(out, st, &p, &n, e);
	if (r) {
		free(out);
		return r;
	}
	put_header(out, p.raw ? 6 : 4, n);
	/* Compression usually leaves most of the worst-case buffer unused. */
	shrunk = realloc(out, n);
	*buf = shrunk ? shrunk : out;
	*len = n;
	return 0;
}

/* ---- Decoding: every check happens before any allocation ---- */

/* Bytes 0..15 and the CRC's place are the same in every version, so the
 * checksum is checked before the version is believed. */
static int parse_header(struct parsed *p, struct err *e)
{
	const uint8_t *b = p->buf;
	uint32_t ver, hsize;
	uint64_t flen;

	if (p->len < SNAP_MAGIC_LEN || memcmp(b, SNAP_MAGIC, SNAP_MAGIC_LEN))
		return err_set(e, -EBADMSG,
			       "not a gpustate snapshot (bad magic)");
	if (p->len < SNAP_H_FLAGS)
		return err_set(e, -EBADMSG,
			       "truncated: %zu bytes, shorter than the file "
			       "header",
			       p->len);
	ver = snap_get32(b + SNAP_H_VERSION);
	hsize = snap_get32(b + SNAP_H_HSIZE);
	if (hsize < SNAP_H_FLAGS + 4 || hsize > SNAP_HDR_MAX || hsize % 4)
		return err_set(e, -EBADMSG, "file header size %u is invalid",
			       hsize);
	if (hsize > p->len)
		return err_set(e, -EBADMSG,
			       "truncated: %zu bytes, shorter than the %u-byte "
			       "file header",
			       p->len, hsize);
	if (crc32c(0, b, hsize - 4) != snap_get32(b + hsize - 4))
		return err_set(e, -EBADMSG,
			       "file header checksum mismatch (stored 0x%08x, "
			       "computed 0x%08x)",
			       snap_get32(b + hsize - 4),
			       crc32c(0, b, hsize - 4));
	if (ver > SNAP_VERSION)
		return err_set(e, -ENOTSUP,
			       "snapshot format version %u is newer than this "
			       "reader, which reads version %u",
			       ver, SNAP_VERSION);
	if (ver < 1 || hsize != SNAP_HDR_SIZE)
		return err_set(e, -EBADMSG,
			       "format version %u with a %u-byte header is "
			       "invalid (version 1 has 40 bytes)",
			       ver, hsize);
	if (snap_get32(b + SNAP_H_FLAGS) || snap_get32(b + SNAP_H_RESERVED))
		return err_set(e, -EBADMSG,
			       "unknown file header flags 0x%x or reserved "
			       "field 0x%x not zero",
			       snap_get32(b + SNAP_H_FLAGS),
			       snap_get32(b + SNAP_H_RESERVED));
	flen = snap_get64(b + SNAP_H_FILELEN);
	if (flen > p->len)
		return err_set(e, -EBADMSG,
			       "truncated: %zu bytes, the header says %llu",
			       p->len, (unsigned long long)flen);
	if (flen < p->len)
		return err_set(e, -EBADMSG,
			       "%zu bytes of trailing data after the %llu-byte "
			       "snapshot",
			       p->len - (size_t)flen, (unsigned long long)flen);
	p->nsect = snap_get32(b + SNAP_H_NSECT);
	return 0;
}

/* One section header at off (< len) and its data's checksum. */
static int read_section(const struct parsed *p, uint32_t i, size_t off,
			struct snap_sec *s, uint32_t *type, struct err *e)
{
	const uint8_t *h = p->buf + off;
	uint32_t flags, crc;

	if (SNAP_SEC_HDR_SIZE > p->len - off)
		return err_set(e, -EBADMSG,
			       "section %u at offset %zu: header runs past the "
			       "end of the %zu-byte file",
			       i, off, p->len);
	if (crc32c(0, h, SNAP_S_HDR_CRC) != snap_get32(h + SNAP_S_HDR_CRC))
		return err_set(e, -EBADMSG,
			       "section %u at offset %zu: header checksum "
			       "mismatch",
			       i, off);
	*type = snap_get32(h + SNAP_S_TYPE);
	flags = snap_get32(h + SNAP_S_FLAGS);
	if (*type == 0 || *type >= SNAP_NTYPES)
		return err_set(e, -EBADMSG,
			       "section %u at offset %zu: unknown section type "
			       "%u (version 1 readers reject unknown sections)",
			       i, off, *type);
	if (flags)
		return snap_sec_err(e, -EBADMSG, *type, off,
				    "unknown flags 0x%x", flags);
	s->off = off;
	s->data = h + SNAP_SEC_HDR_SIZE;
	s->len = snap_get64(h + SNAP_S_LEN);
	if (s->len > p->len - off - SNAP_SEC_HDR_SIZE)
		return snap_sec_err(e, -EBADMSG, *type, off,
				    "%llu data bytes run past the end of the "
				    "%zu-byte file",
				    (unsigned long long)s->len, p->len);
	crc = crc32c(0, s->data, (size_t)s->len);
	if (crc != snap_get32(h + SNAP_S_DATA_CRC))
		return snap_sec_err(e, -EBADMSG, *type, off,
				    "data checksum mismatch (stored 0x%08x, "
				    "computed 0x%08x)",
				    snap_get32(h + SNAP_S_DATA_CRC), crc);
	return 0;
}

static int walk_sections(struct parsed *p, struct err *e)
{
	static const uint32_t required[] = {SNAP_IDENTITY, SNAP_PCICFG,
					    SNAP_REGS, SNAP_VRAM};
	size_t off = SNAP_HDR_SIZE;

	for (uint32_t i = 0; i < p->nsect; i++) {
		struct snap_sec s;
		uint32_t t = 0;
		int r = read_section(p, i, off, &s, &t, e);

		if (r)
			return r;
		if (t != SNAP_PAD && p->have[t])
			return snap_sec_err(e, -EBADMSG, t, off,
					    "duplicate section (the first is "
					    "at offset %zu)",
					    p->sec[t].off);
		p->have[t]++;
		p->sec[t] = s;
		off += SNAP_SEC_HDR_SIZE + (size_t)s.len;
	}
	if (off != p->len)
		return err_set(e, -EBADMSG,
			       "%zu bytes after the last of %u sections at "
			       "offset %zu",
			       p->len - off, p->nsect, off);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!p->have[required[i]])
			return err_set(e, -EBADMSG,
				       "required %s section is missing",
				       snap_type_name(required[i]));
	return 0;
}

static int get_identity(struct parsed *p, struct err *e)
{
	const struct snap_sec *s = &p->sec[SNAP_IDENTITY];
	const uint8_t *d = s->data, *name = d + SNAP_ID_CHIP;
	struct gs_identity *id = &p->id;
	size_t n;
	int r;

	if (s->len != SNAP_ID_SIZE)
		return snap_sec_err(e, -EBADMSG, SNAP_IDENTITY, s->off,
				    "%llu bytes, expected %d",
				    (unsigned long long)s->len, SNAP_ID_SIZE);
	if (d[SNAP_ID_RESERVED] || d[SNAP_ID_RESERVED + 1] ||
	    d[SNAP_ID_RESERVED + 2] || snap_get32(d + SNAP_ID_RESERVED2))
		return snap_sec_err(e, -EBADMSG, SNAP_IDENTITY, s->off,
				    "reserved bytes are not zero");
	n = strnlen((const char *)name, GS_CHIP_NAME_MAX);
	for (size_t i = n; i < GS_CHIP_NAME_MAX; i++)
		if (name[i])
			return snap_sec_err(e, -EBADMSG, SNAP_IDENTITY, s->off,
					    "chip name is not NUL-padded");
	if (n == GS_CHIP_NAME_MAX)
		return snap_sec_err(e, -EBADMSG, SNAP_IDENTITY, s->off,
				    "chip name is not NUL-terminated");
	memset(id, 0, sizeof(*id));
	id->vendor = snap_get16(d + SNAP_ID_VENDOR);
	id->device = snap_get16(d + SNAP_ID_DEVICE);
	id->subvendor = snap_get16(d + SNAP_ID_SUBVENDOR);
	id->subdevice = snap_get16(d + SNAP_ID_SUBDEVICE);
	id->class_code = snap_get32(d + SNAP_ID_CLASS);
	id->revision = d[SNAP_ID_REVISION];
	id->vram_size = snap_get64(d + SNAP_ID_VRAM_SIZE);
	memcpy(id->chip, name, n);
	id->chip_version = snap_get32(d + SNAP_ID_CHIP_VERSION);
	/* The writer's -EINVAL (bad argument) is corruption in a file. */
	r = check_identity(id, &p->chip, e);
	if (r)
		return err_wrap(e, r == -EINVAL ? -EBADMSG : r,
				"IDENTITY section at offset %zu", s->off);
	return 0;
}

static int check_raw(const struct parsed *p, struct err *e)
{
	const struct snap_sec *s = &p->sec[SNAP_VRAM_RAW];
	size_t data_off = s->off + SNAP_SEC_HDR_SIZE;

	if (s->len != p->id.vram_size)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM_RAW, s->off,
				    "%llu bytes, VRAM is %llu",
				    (unsigned long long)s->len,
				    (unsigned long long)p->id.vram_size);
	if (data_off % SNAP_RAW_ALIGN)
		return snap_sec_err(e, -EBADMSG, SNAP_VRAM_RAW, s->off,
				    "data at file offset %zu is not %d-byte "
				    "aligned",
				    data_off, SNAP_RAW_ALIGN);
	return 0;
}

static int check_contents(struct parsed *p, struct err *e)
{
	const struct snap_sec *pc = &p->sec[SNAP_PCICFG];
	const struct snap_sec *rg = &p->sec[SNAP_REGS];
	int r = get_identity(p, e);

	if (r)
		return r;
	if (pc->len != SNAP_PCICFG_SIZE)
		return snap_sec_err(e, -EBADMSG, SNAP_PCICFG, pc->off,
				    "%llu bytes, expected %d",
				    (unsigned long long)pc->len,
				    SNAP_PCICFG_SIZE);
	if (rg->len != chip_regs_len(p->chip))
		return snap_sec_err(e, -EBADMSG, SNAP_REGS, rg->off,
				    "%llu bytes, chip %s version %u has %zu",
				    (unsigned long long)rg->len, p->chip->name,
				    p->chip->version, chip_regs_len(p->chip));
	r = snap_vram_check(&p->sec[SNAP_VRAM], p->id.vram_size, &p->vs, e);
	if (!r && p->have[SNAP_VRAM_RAW])
		r = check_raw(p, e);
	return r;
}

static int parse(const uint8_t *buf, size_t len, struct parsed *p,
		 struct err *e)
{
	int r;

	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = len;
	r = parse_header(p, e);
	if (!r)
		r = walk_sections(p, e);
	if (!r)
		r = check_contents(p, e);
	return r;
}

/* The raw copy must be the same VRAM as the chunks, or one of them is
 * wrong and the file cannot be trusted. */
static int compare_raw(const struct parsed *p, const uint8_t *vram,
		       struct err *e)
{
	const struct snap_sec *s = &p->sec[SNAP_VRAM_RAW];
	size_t cb = (size_t)snap_chunk_bytes(p->id.vram_size, p->vs.chunk_size);

	for (uint32_t i = 0; i < p->vs.nchunks; i++)
		if (memcmp(vram + (size_t)i * cb, s->data + (size_t)i * cb, cb))
			return snap_sec_err(e, -EBADMSG, SNAP_VRAM_RAW, s->off,
					    "differs from the compressed VRAM "
					    "in chunk %u",
					    i);
	return 0;
}

static int decode_state(const struct parsed *p, struct gs_state *out,
			struct err *e)
{
	struct gs_state st;
	int r = gs_state_alloc(&st, &p->id, (size_t)p->sec[SNAP_REGS].len, e);

	if (r)
		return r;
	memcpy(st.pcicfg, p->sec[SNAP_PCICFG].data, SNAP_PCICFG_SIZE);
	memcpy(st.regs, p->sec[SNAP_REGS].data, st.regs_len);
	r = snap_vram_decode(&p->sec[SNAP_VRAM], st.vram, p->id.vram_size, e);
	if (!r && p->have[SNAP_VRAM_RAW])
		r = compare_raw(p, st.vram, e);
	if (r) {
		gs_state_free(&st);
		return r;
	}
	*out = st;
	return 0;
}

int snap_decode(const uint8_t *buf, size_t len, struct gs_state *st,
		struct err *e)
{
	struct parsed p;
	int r = parse(buf, len, &p, e);

	return r ? r : decode_state(&p, st, e);
}

int snap_write(const char *path, const struct gs_state *st,
	       const struct snap_opts *o, struct err *e)
{
	uint8_t *buf;
	size_t len;
	int r = snap_encode(st, o, &buf, &len, e);

	if (r)
		return err_wrap(e, r, "%s", path);
	r = atomic_write_file(path, buf, len, e);
	free(buf);
	return r;
}

int snap_read(const char *path, struct gs_state *st, struct err *e)
{
	unsigned char *buf;
	size_t len;
	int r = read_whole_file(path, SNAP_FILE_MAX, &buf, &len, e);

	if (r)
		return r;
	r = snap_decode(buf, len, st, e);
	free(buf);
	return r ? err_wrap(e, r, "%s", path) : 0;
}

/* ---- Listing ---- */

static void print_section(const struct parsed *p, const uint8_t *h, size_t off,
			  FILE *out)
{
	uint32_t type = snap_get32(h + SNAP_S_TYPE);

	fprintf(out, "  %-8s at %-10zu data %-10zu %10llu bytes  crc32c %08x",
		snap_type_name(type), off, off + SNAP_SEC_HDR_SIZE,
		(unsigned long long)snap_get64(h + SNAP_S_LEN),
		snap_get32(h + SNAP_S_DATA_CRC));
	if (type == SNAP_IDENTITY)
		fprintf(out, "  %s v%u %04x:%04x rev %u, %llu KiB VRAM",
			p->id.chip, p->id.chip_version, p->id.vendor,
			p->id.device, p->id.revision,
			(unsigned long long)(p->id.vram_size >> 10));
	if (type == SNAP_VRAM)
		fprintf(out,
			"  %u chunks of %u KiB: %u zero, %u zstd, %u raw, "
			"%llu bytes stored",
			p->vs.nchunks, p->vs.chunk_size >> 10, p->vs.nzero,
			p->vs.nzstd, p->vs.nraw,
			(unsigned long long)p->vs.stored);
	fputc('\n', out);
}

int snap_list(const uint8_t *buf, size_t len, FILE *out, struct err *e)
{
	struct parsed p;
	struct gs_state st;
	size_t off = SNAP_HDR_SIZE;
	int r = parse(buf, len, &p, e);

	/* Decompressing is the only way to know every chunk is sound. */
	if (!r)
		r = decode_state(&p, &st, e);
	if (r)
		return r;
	gs_state_free(&st);
	fprintf(out,
		"snapshot format version %u, header %u bytes, flags 0x%x, "
		"%u sections, %zu bytes\n",
		SNAP_VERSION, SNAP_HDR_SIZE, 0u, p.nsect, len);
	for (uint32_t i = 0; i < p.nsect; i++) {
		print_section(&p, buf + off, off, out);
		off += SNAP_SEC_HDR_SIZE +
		       (size_t)snap_get64(buf + off + SNAP_S_LEN);
	}
	return 0;
}
