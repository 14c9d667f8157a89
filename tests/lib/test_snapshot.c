/*
 * Tests of the snapshot format (lib/snapshot.c, lib/snap_vram.c,
 * lib/SNAPSHOT.md): round trips, elided zero chunks, the raw VRAM copy's
 * alignment, atomic writes, listing, and rejection of truncated, corrupted
 * and inconsistent files. Inconsistent files are made by editing a valid one
 * and then recomputing its checksums (reseal, build), so that the semantic
 * checks are what rejects them, not the CRCs.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include "lib/chip_stdvga.h"
#include "lib/crc32c.h"
#include "lib/snap_format.h"
#include "lib/snapshot.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

enum fill { FILL_RANDOM, FILL_ZERO, FILL_MIXED, FILL_FLAT };

/* ---- Building states ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = rng();

		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* A blank 32 bpp screen: one colour, a different line every 256 pixels. */
static void fill_flat(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 4) {
		uint32_t px = (i / 4) % 256 ? 0x00336699u : 0x00ffffffu;

		memcpy(p + i, &px, n - i < 4 ? n - i : 4);
	}
}

/* Regions in turn: zero, random, flat, and zero but for one byte. */
static void fill_mixed(uint8_t *p, size_t n)
{
	size_t region = n >= 256 * KiB ? 64 * KiB : n / 4;

	for (size_t r = 0; r * region < n; r++) {
		uint8_t *q = p + r * region;

		memset(q, 0, region);
		if (r % 4 == 1)
			fill_random(q, region);
		if (r % 4 == 2)
			fill_flat(q, region);
		if (r % 4 == 3)
			q[5] = 1;
	}
}

static void fill_vram(uint8_t *v, size_t n, enum fill f)
{
	if (f == FILL_RANDOM)
		fill_random(v, n);
	else if (f == FILL_ZERO)
		memset(v, 0, n);
	else if (f == FILL_MIXED)
		fill_mixed(v, n);
	else
		fill_flat(v, n);
}

static void make_state(struct gs_state *st, uint64_t vram_size, enum fill f,
		       uint64_t seed)
{
	struct gs_identity id = {
		.vendor = STDVGA_VENDOR,
		.device = STDVGA_DEVICE,
		.subvendor = 0x1af4,
		.subdevice = 0x1100,
		.revision = 2,
		.class_code = 0x030000,
		.vram_size = vram_size,
		.chip_version = chip_stdvga.version,
	};
	struct err e = {{0}};

	rng_state = seed * 0x9E3779B97F4A7C15ull | 1;
	snprintf(id.chip, sizeof(id.chip), "%s", chip_stdvga.name);
	ck_assert_int_eq(
		gs_state_alloc(st, &id, chip_regs_len(&chip_stdvga), &e), 0);
	fill_random(st->pcicfg, sizeof(st->pcicfg));
	fill_random(st->regs, st->regs_len);
	fill_vram(st->vram, vram_size, f);
}

static void assert_states_equal(const struct gs_state *a,
				const struct gs_state *b)
{
	ck_assert_uint_eq(a->id.vendor, b->id.vendor);
	ck_assert_uint_eq(a->id.device, b->id.device);
	ck_assert_uint_eq(a->id.subvendor, b->id.subvendor);
	ck_assert_uint_eq(a->id.subdevice, b->id.subdevice);
	ck_assert_uint_eq(a->id.revision, b->id.revision);
	ck_assert_uint_eq(a->id.class_code, b->id.class_code);
	ck_assert_uint_eq(a->id.vram_size, b->id.vram_size);
	ck_assert_str_eq(a->id.chip, b->id.chip);
	ck_assert_uint_eq(a->id.chip_version, b->id.chip_version);
	ck_assert_mem_eq(a->pcicfg, b->pcicfg, sizeof(a->pcicfg));
	ck_assert_uint_eq(a->regs_len, b->regs_len);
	ck_assert_mem_eq(a->regs, b->regs, a->regs_len);
	ck_assert(memcmp(a->vram, b->vram, a->id.vram_size) == 0);
}

static uint8_t *encode(const struct gs_state *st, uint32_t chunk, int raw,
		       size_t *len)
{
	struct snap_opts o = {.chunk_size = chunk, .raw_vram = raw};
	struct err e = {{0}};
	uint8_t *buf = NULL;
	int r = snap_encode(st, &o, &buf, len, &e);

	ck_assert_msg(r == 0, "encode: %s", e.msg);
	return buf;
}

static void decode_ok(const uint8_t *buf, size_t len, struct gs_state *st)
{
	struct err e = {{0}};
	int r = snap_decode(buf, len, st, &e);

	ck_assert_msg(r == 0, "decode: %s", e.msg);
}

static void assert_decodes(const uint8_t *buf, size_t len)
{
	struct gs_state st;

	decode_ok(buf, len, &st);
	gs_state_free(&st);
}

static void roundtrip(const struct gs_state *st, uint32_t chunk, int raw)
{
	struct gs_state back;
	size_t len;
	uint8_t *buf = encode(st, chunk, raw, &len);

	decode_ok(buf, len, &back);
	assert_states_equal(st, &back);
	gs_state_free(&back);
	free(buf);
}

/* ---- Editing encoded files ---- */

/* Offset of the first section header of type t. */
static size_t find_sec(const uint8_t *buf, size_t len, uint32_t t)
{
	size_t off = SNAP_HDR_SIZE;

	while (off + SNAP_SEC_HDR_SIZE <= len) {
		if (snap_get32(buf + off + SNAP_S_TYPE) == t)
			return off;
		off += SNAP_SEC_HDR_SIZE + snap_get64(buf + off + SNAP_S_LEN);
	}
	ck_abort_msg("no section of type %u", t);
	return 0;
}

static uint8_t *sec_data(uint8_t *buf, size_t len, uint32_t t)
{
	return buf + find_sec(buf, len, t) + SNAP_SEC_HDR_SIZE;
}

/* Recompute every checksum after an edit, trusting the lengths as far as
 * they stay inside the buffer. */
static void reseal(uint8_t *buf, size_t len)
{
	size_t off = SNAP_HDR_SIZE;

	while (off + SNAP_SEC_HDR_SIZE <= len) {
		uint8_t *h = buf + off;
		uint64_t n = snap_get64(h + SNAP_S_LEN);

		if (n <= len - off - SNAP_SEC_HDR_SIZE)
			snap_put32(h + SNAP_S_DATA_CRC,
				   crc32c(0, h + SNAP_SEC_HDR_SIZE, n));
		snap_put32(h + SNAP_S_HDR_CRC, crc32c(0, h, SNAP_S_HDR_CRC));
		if (n > len - off - SNAP_SEC_HDR_SIZE)
			break;
		off += SNAP_SEC_HDR_SIZE + n;
	}
	snap_put32(buf + SNAP_H_CRC, crc32c(0, buf, SNAP_H_CRC));
}

struct tsec {
	uint32_t type;
	const uint8_t *data;
	size_t len;
};

/* The sections of a valid file, in order; returns their number. */
static size_t split(const uint8_t *buf, size_t len, struct tsec *s, size_t max)
{
	size_t off = SNAP_HDR_SIZE, n = 0;

	while (off < len && n < max) {
		s[n].type = snap_get32(buf + off + SNAP_S_TYPE);
		s[n].len = snap_get64(buf + off + SNAP_S_LEN);
		s[n].data = buf + off + SNAP_SEC_HDR_SIZE;
		off += SNAP_SEC_HDR_SIZE + s[n++].len;
	}
	return n;
}

/* A file of the given sections with a correct header and checksums, laid
 * out from the SNAPSHOT.md tables independently of the library's writer. */
static uint8_t *build(const struct tsec *s, size_t n, size_t *len)
{
	size_t total = SNAP_HDR_SIZE, off = SNAP_HDR_SIZE;
	uint8_t *out;

	for (size_t i = 0; i < n; i++)
		total += SNAP_SEC_HDR_SIZE + s[i].len;
	out = calloc(1, total);
	ck_assert_ptr_nonnull(out);
	memcpy(out, SNAP_MAGIC, SNAP_MAGIC_LEN);
	snap_put32(out + SNAP_H_VERSION, 1);
	snap_put32(out + SNAP_H_HSIZE, 40);
	snap_put32(out + SNAP_H_NSECT, (uint32_t)n);
	snap_put64(out + SNAP_H_FILELEN, total);
	for (size_t i = 0; i < n; i++) {
		snap_put32(out + off + SNAP_S_TYPE, s[i].type);
		snap_put64(out + off + SNAP_S_LEN, s[i].len);
		memcpy(out + off + SNAP_SEC_HDR_SIZE, s[i].data, s[i].len);
		off += SNAP_SEC_HDR_SIZE + s[i].len;
	}
	reseal(out, total);
	*len = total;
	return out;
}

/* Decoding must fail, name the problem (if what) and leave st alone. */
static void expect_reject(const uint8_t *buf, size_t len, const char *what)
{
	struct gs_state st, before;
	struct err e = {{0}};
	int r;

	memset(&st, 0xa5, sizeof(st));
	before = st;
	r = snap_decode(buf, len, &st, &e);
	ck_assert_msg(r < 0, "accepted a bad file (expected \"%s\")",
		      what ? what : "any error");
	ck_assert(memcmp(&st, &before, sizeof(st)) == 0);
	ck_assert(e.msg[0] != 0);
	if (what)
		ck_assert_msg(strstr(e.msg, what), "expected \"%s\" in \"%s\"",
			      what, e.msg);
}

/* Small valid files for the exhaustive corruption tests. */
static uint8_t *small_snapshot(int raw, size_t *len)
{
	struct gs_state st;
	uint8_t *buf;

	make_state(&st, 4 * KiB, FILL_MIXED, 7);
	buf = encode(&st, 4 * KiB, raw, len);
	gs_state_free(&st);
	return buf;
}

static uint8_t *mib_snapshot(enum fill f, int raw, size_t *len)
{
	struct gs_state st;
	uint8_t *buf;

	make_state(&st, 1 * MiB, f, 11);
	buf = encode(&st, 64 * KiB, raw, len);
	gs_state_free(&st);
	return buf;
}

/* ---- Round trips ---- */

START_TEST(roundtrip_random_vram)
{
	struct gs_state st;

	make_state(&st, 1 * MiB, FILL_RANDOM, 1);
	roundtrip(&st, 0, 0);
	gs_state_free(&st);
}
END_TEST

START_TEST(roundtrip_zero_vram)
{
	struct gs_state st;

	make_state(&st, 1 * MiB, FILL_ZERO, 2);
	roundtrip(&st, 0, 0);
	gs_state_free(&st);
}
END_TEST

START_TEST(roundtrip_mixed_vram)
{
	struct gs_state st;

	make_state(&st, 1 * MiB, FILL_MIXED, 3);
	roundtrip(&st, 0, 0);
	gs_state_free(&st);
}
END_TEST

START_TEST(roundtrip_highly_compressible_vram_is_small)
{
	struct gs_state st, back;
	size_t len;
	uint8_t *buf;

	make_state(&st, 1 * MiB, FILL_FLAT, 4);
	buf = encode(&st, 0, 0, &len);
	ck_assert_uint_lt(len, 16 * KiB);
	decode_ok(buf, len, &back);
	assert_states_equal(&st, &back);
	gs_state_free(&back);
	gs_state_free(&st);
	free(buf);
}
END_TEST

START_TEST(roundtrip_every_chunk_size_with_and_without_raw)
{
	struct gs_state st;

	make_state(&st, 1 * MiB, FILL_MIXED, 5);
	for (uint32_t cs = 4 * KiB; cs <= 16 * MiB; cs *= 2) {
		roundtrip(&st, cs, 0);
		roundtrip(&st, cs, 1);
	}
	gs_state_free(&st);
}
END_TEST

START_TEST(roundtrip_vram_smaller_than_chunk)
{
	struct gs_state st;

	make_state(&st, 2 * KiB, FILL_RANDOM, 6);
	roundtrip(&st, 64 * KiB, 0);
	roundtrip(&st, 4 * KiB, 1);
	gs_state_free(&st);
}
END_TEST

START_TEST(raw_vram_section_is_page_aligned_and_equal_to_vram)
{
	struct gs_state st;

	make_state(&st, 1 * MiB, FILL_MIXED, 8);
	for (uint32_t cs = 4 * KiB; cs <= 1 * MiB; cs *= 4) {
		size_t len, off;
		uint8_t *buf = encode(&st, cs, 1, &len);

		off = find_sec(buf, len, SNAP_VRAM_RAW);
		ck_assert_uint_eq((off + SNAP_SEC_HDR_SIZE) % 4096, 0);
		ck_assert_uint_eq(snap_get64(buf + off + SNAP_S_LEN), 1 * MiB);
		ck_assert(memcmp(buf + off + SNAP_SEC_HDR_SIZE, st.vram,
				 1 * MiB) == 0);
		free(buf);
	}
	gs_state_free(&st);
}
END_TEST

START_TEST(roundtrip_16mib_vram_with_and_without_raw)
{
	struct gs_state st;

	make_state(&st, 16 * MiB, FILL_MIXED, 9);
	roundtrip(&st, 0, 0);
	roundtrip(&st, 0, 1);
	gs_state_free(&st);
}
END_TEST

/* ---- Layout ---- */

START_TEST(zero_chunks_are_elided)
{
	struct gs_state st;
	size_t len, want;
	uint8_t *buf;

	make_state(&st, 1 * MiB, FILL_ZERO, 10);
	buf = encode(&st, 64 * KiB, 0, &len);
	/* Headers, identity, config, registers and a 16-entry chunk table:
	 * not one byte of chunk data. */
	want = SNAP_HDR_SIZE + 4 * SNAP_SEC_HDR_SIZE + SNAP_ID_SIZE + 256 +
	       st.regs_len + SNAP_V_TABLE + 16 * SNAP_V_ENTRY_SIZE;
	ck_assert_uint_eq(len, want);
	gs_state_free(&st);
	free(buf);
}
END_TEST

START_TEST(chunk_kinds_follow_content)
{
	static const uint32_t kinds[4] = {SNAP_CHUNK_ZERO, SNAP_CHUNK_RAW,
					  SNAP_CHUNK_ZSTD, SNAP_CHUNK_ZSTD};
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);
	const uint8_t *v = sec_data(buf, len, SNAP_VRAM);

	ck_assert_uint_eq(snap_get32(v + SNAP_V_CHUNK_SIZE), 64 * KiB);
	ck_assert_uint_eq(snap_get32(v + SNAP_V_NCHUNKS), 16);
	for (int i = 0; i < 16; i++) {
		const uint8_t *ent = v + SNAP_V_TABLE + i * SNAP_V_ENTRY_SIZE;

		ck_assert_uint_eq(snap_get32(ent), kinds[i % 4]);
		if (kinds[i % 4] == SNAP_CHUNK_RAW)
			ck_assert_uint_eq(snap_get32(ent + 4), 64 * KiB);
	}
	free(buf);
}
END_TEST

START_TEST(encode_rejects_bad_chunk_size_and_level)
{
	static const uint32_t bad[] = {1, 2 * KiB, 12 * KiB, 65535, 32 * MiB};
	struct gs_state st;
	struct err e;
	uint8_t *buf;
	size_t len;

	make_state(&st, 64 * KiB, FILL_RANDOM, 12);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snap_opts o = {.chunk_size = bad[i]};

		ck_assert_int_eq(snap_encode(&st, &o, &buf, &len, &e), -EINVAL);
		ck_assert_ptr_nonnull(strstr(e.msg, "chunk size"));
	}
	struct snap_opts lv = {.level = 1000};

	ck_assert_int_eq(snap_encode(&st, &lv, &buf, &len, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "level 1000"));
	gs_state_free(&st);
}
END_TEST

START_TEST(encode_rejects_inconsistent_state)
{
	struct gs_state st, bad;
	struct err e;
	uint8_t *buf;
	size_t len;

	make_state(&st, 64 * KiB, FILL_RANDOM, 13);
	bad = st;
	snprintf(bad.id.chip, sizeof(bad.id.chip), "nosuchchip");
	ck_assert_int_lt(snap_encode(&bad, NULL, &buf, &len, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "nosuchchip"));
	bad = st;
	bad.id.chip_version = 77;
	ck_assert_int_lt(snap_encode(&bad, NULL, &buf, &len, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "version 77"));
	bad = st;
	bad.regs_len--;
	ck_assert_int_lt(snap_encode(&bad, NULL, &buf, &len, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "register blob"));
	bad = st;
	bad.id.vram_size = 48 * KiB;
	ck_assert_int_lt(snap_encode(&bad, NULL, &buf, &len, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "VRAM size 49152"));
	gs_state_free(&st);
}
END_TEST

/* ---- Files ---- */

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/test_snapshot.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void remove_tmpdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n ? (size_t)n : 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

START_TEST(write_then_read_roundtrips_and_leaves_no_temp_file)
{
	struct gs_state st, back;
	struct snap_opts o = {.raw_vram = 1};
	struct err e = {{0}};
	char *dir = make_tmpdir(), path[256];

	snprintf(path, sizeof(path), "%s/a.snap", dir);
	make_state(&st, 1 * MiB, FILL_MIXED, 14);
	ck_assert_msg(snap_write(path, &st, &o, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_msg(snap_read(path, &back, &e) == 0, "%s", e.msg);
	assert_states_equal(&st, &back);
	gs_state_free(&back);
	gs_state_free(&st);
	remove_tmpdir(dir);
}
END_TEST

START_TEST(write_replaces_existing_file)
{
	struct gs_state a, b, back;
	struct err e = {{0}};
	char *dir = make_tmpdir(), path[256];

	snprintf(path, sizeof(path), "%s/a.snap", dir);
	make_state(&a, 64 * KiB, FILL_RANDOM, 15);
	make_state(&b, 128 * KiB, FILL_MIXED, 16);
	ck_assert_int_eq(snap_write(path, &a, NULL, &e), 0);
	ck_assert_int_eq(snap_write(path, &b, NULL, &e), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_int_eq(snap_read(path, &back, &e), 0);
	assert_states_equal(&b, &back);
	gs_state_free(&back);
	gs_state_free(&a);
	gs_state_free(&b);
	remove_tmpdir(dir);
}
END_TEST

START_TEST(write_into_missing_directory_fails_naming_path)
{
	struct gs_state st;
	struct err e = {{0}};
	char *dir = make_tmpdir(), path[256];

	snprintf(path, sizeof(path), "%s/nodir/a.snap", dir);
	make_state(&st, 64 * KiB, FILL_RANDOM, 17);
	ck_assert_int_lt(snap_write(path, &st, NULL, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	ck_assert_int_eq(count_entries(dir), 0);
	gs_state_free(&st);
	remove_tmpdir(dir);
}
END_TEST

/* A write that fails half-way (file size limit; root ignores permissions,
 * not RLIMIT_FSIZE) must leave the old file and no temp file. */
START_TEST(failed_write_leaves_existing_file_unchanged)
{
	struct gs_state a, b;
	struct err e = {{0}};
	char *dir = make_tmpdir(), path[256];
	uint8_t *before, *after;
	size_t nb, na;
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/a.snap", dir);
	make_state(&a, 64 * KiB, FILL_RANDOM, 18);
	make_state(&b, 1 * MiB, FILL_RANDOM, 19);
	ck_assert_int_eq(snap_write(path, &a, NULL, &e), 0);
	before = slurp(path, &nb);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit rl = {256 * KiB, 256 * KiB};

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(snap_write(path, &b, NULL, &e) < 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	after = slurp(path, &na);
	ck_assert_uint_eq(na, nb);
	ck_assert_mem_eq(after, before, nb);
	ck_assert_int_eq(count_entries(dir), 1);
	/* An invalid state fails before anything is written. */
	b.id.chip_version = 99;
	ck_assert_int_lt(snap_write(path, &b, NULL, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	free(after);
	after = slurp(path, &na);
	ck_assert_mem_eq(after, before, nb);
	ck_assert_int_eq(count_entries(dir), 1);
	free(before);
	free(after);
	gs_state_free(&a);
	gs_state_free(&b);
	remove_tmpdir(dir);
}
END_TEST

START_TEST(read_errors_name_the_file)
{
	struct gs_state st;
	struct err e = {{0}};
	char *dir = make_tmpdir(), path[256];
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);

	snprintf(path, sizeof(path), "%s/bad.snap", dir);
	buf[len - 1] ^= 1;
	spit(path, buf, len);
	ck_assert_int_lt(snap_read(path, &st, &e), 0);
	ck_assert_msg(!strncmp(e.msg, path, strlen(path)), "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(e.msg, "checksum"));
	snprintf(path, sizeof(path), "%s/missing.snap", dir);
	ck_assert_int_eq(snap_read(path, &st, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	free(buf);
	remove_tmpdir(dir);
}
END_TEST

START_TEST(read_refuses_file_larger_than_cap_without_reading_it)
{
	struct gs_state st;
	struct err e = {{0}};
	char *dir = make_tmpdir(), path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/huge.snap", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	/* Sparse: no disk space used, the size alone must be refused. */
	ck_assert_int_eq(ftruncate(fd, (off_t)SNAP_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(snap_read(path, &st, &e), -EFBIG);
	remove_tmpdir(dir);
}
END_TEST

/* ---- Listing ---- */

START_TEST(list_prints_header_sections_and_chunk_stats)
{
	size_t len, olen;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 1, &len);
	struct err e = {{0}};
	char *text = NULL;
	FILE *out = open_memstream(&text, &olen);

	ck_assert_msg(snap_list(buf, len, out, &e) == 0, "%s", e.msg);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "format version 1"));
	ck_assert_ptr_nonnull(strstr(text, "6 sections"));
	ck_assert_ptr_nonnull(strstr(text, "IDENTITY"));
	ck_assert_ptr_nonnull(strstr(text, "stdvga"));
	ck_assert_ptr_nonnull(strstr(text, "PCICFG"));
	ck_assert_ptr_nonnull(strstr(text, "REGS"));
	ck_assert_ptr_nonnull(strstr(text, "PAD"));
	ck_assert_ptr_nonnull(strstr(text, "VRAM_RAW"));
	ck_assert_ptr_nonnull(
		strstr(text, "16 chunks of 64 KiB: 4 zero, 8 zstd, 4 raw"));
	free(text);
	free(buf);
}
END_TEST

START_TEST(list_rejects_corrupt_input_and_prints_nothing)
{
	size_t len, olen;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);
	struct err e = {{0}};
	char *text = NULL;
	FILE *out = open_memstream(&text, &olen);

	buf[len / 2] ^= 0x10;
	ck_assert_int_lt(snap_list(buf, len, out, &e), 0);
	fclose(out);
	ck_assert_uint_eq(olen, 0);
	free(text);
	free(buf);
}
END_TEST

/* ---- Corruption: truncation and bit flips ---- */

START_TEST(every_truncation_is_rejected)
{
	for (int raw = 0; raw <= 1; raw++) {
		size_t len;
		uint8_t *buf = small_snapshot(raw, &len);

		for (size_t n = 0; n < len; n++)
			expect_reject(buf, n, NULL);
		free(buf);
	}
}
END_TEST

/* The file length field is made to agree, so the section walk has to
 * notice the cut. */
START_TEST(truncation_with_consistent_header_is_rejected)
{
	size_t len;
	uint8_t *buf = small_snapshot(1, &len);
	uint8_t *cut = malloc(len);

	for (size_t n = SNAP_HDR_SIZE; n < len; n++) {
		memcpy(cut, buf, n);
		snap_put64(cut + SNAP_H_FILELEN, n);
		snap_put32(cut + SNAP_H_CRC, crc32c(0, cut, SNAP_H_CRC));
		expect_reject(cut, n, NULL);
	}
	free(cut);
	free(buf);
}
END_TEST

START_TEST(truncated_large_file_is_rejected)
{
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);

	for (size_t n = 0; n < len; n += 997)
		expect_reject(buf, n, n < SNAP_HDR_SIZE ? NULL : "truncated");
	free(buf);
}
END_TEST

static void flip(uint8_t *buf, size_t bit)
{
	buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

START_TEST(every_bit_flip_in_small_file_is_rejected)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);

	for (size_t bit = 0; bit < len * 8; bit++) {
		flip(buf, bit);
		expect_reject(buf, len, NULL);
		flip(buf, bit);
	}
	free(buf);
}
END_TEST

START_TEST(every_header_bit_flip_and_sampled_flips_are_rejected)
{
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 1, &len);

	for (size_t bit = 0; bit < SNAP_HDR_SIZE * 8; bit++) {
		flip(buf, bit);
		expect_reject(buf, len, NULL);
		flip(buf, bit);
	}
	/* Every bit of every section header. */
	for (size_t off = SNAP_HDR_SIZE; off < len;
	     off += SNAP_SEC_HDR_SIZE + snap_get64(buf + off + SNAP_S_LEN))
		for (size_t bit = 0; bit < SNAP_SEC_HDR_SIZE * 8; bit++) {
			flip(buf, off * 8 + bit);
			expect_reject(buf, len, NULL);
			flip(buf, off * 8 + bit);
		}
	rng_state = 99;
	for (int i = 0; i < 600; i++) {
		size_t bit = rng() % (len * 8);

		flip(buf, bit);
		expect_reject(buf, len, NULL);
		flip(buf, bit);
	}
	free(buf);
}
END_TEST

START_TEST(trailing_garbage_is_rejected)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);
	uint8_t *big = calloc(1, len + 8);

	memcpy(big, buf, len);
	expect_reject(big, len + 1, "trailing");
	expect_reject(big, len + 8, "trailing");
	/* Even when the header's length covers it. */
	snap_put64(big + SNAP_H_FILELEN, len + 8);
	reseal(big, len + 8);
	expect_reject(big, len + 8, "8 bytes after the last of 4 sections");
	free(big);
	free(buf);
}
END_TEST

/* ---- Header semantics (checksums recomputed) ---- */

START_TEST(wrong_magic_is_rejected)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);

	buf[1] = 'X';
	reseal(buf, len);
	expect_reject(buf, len, "magic");
	free(buf);
}
END_TEST

START_TEST(newer_version_is_rejected_naming_both_versions)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);
	struct gs_state st;
	struct err e;

	snap_put32(buf + SNAP_H_VERSION, 2);
	reseal(buf, len);
	expect_reject(buf, len, "version 2 is newer");
	ck_assert_int_eq(snap_decode(buf, len, &st, &e), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(e.msg, "version 1"));
	snap_put32(buf + SNAP_H_VERSION, 0);
	reseal(buf, len);
	expect_reject(buf, len, "version 0");
	free(buf);
}
END_TEST

START_TEST(header_flags_size_and_section_count_are_checked)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);

	snap_put32(buf + SNAP_H_FLAGS, 1);
	reseal(buf, len);
	expect_reject(buf, len, "flags 0x1");
	snap_put32(buf + SNAP_H_FLAGS, 0);
	snap_put32(buf + SNAP_H_RESERVED, 4);
	reseal(buf, len);
	expect_reject(buf, len, "reserved");
	snap_put32(buf + SNAP_H_RESERVED, 0);
	snap_put32(buf + SNAP_H_NSECT, 5);
	reseal(buf, len);
	expect_reject(buf, len, "section 4 at offset");
	snap_put32(buf + SNAP_H_NSECT, 3);
	reseal(buf, len);
	expect_reject(buf, len, "after the last of 3 sections");
	snap_put32(buf + SNAP_H_NSECT, 4);
	reseal(buf, len);
	assert_decodes(buf, len);
	free(buf);
}
END_TEST

/* ---- Section structure ---- */

START_TEST(unknown_section_type_is_rejected)
{
	static const uint8_t junk[8] = {1, 2, 3};
	struct tsec s[8];
	size_t len, n, blen;
	uint8_t *buf = small_snapshot(0, &len), *b;

	n = split(buf, len, s, 8);
	s[n++] = (struct tsec){99, junk, sizeof(junk)};
	b = build(s, n, &blen);
	expect_reject(b, blen, "unknown section type 99");
	free(b);
	free(buf);
}
END_TEST

START_TEST(section_flags_are_rejected)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);

	snap_put32(buf + find_sec(buf, len, SNAP_REGS) + SNAP_S_FLAGS, 2);
	reseal(buf, len);
	expect_reject(buf, len, "REGS section at offset");
	free(buf);
}
END_TEST

START_TEST(missing_required_section_is_rejected)
{
	static const char *const names[] = {"", "IDENTITY", "PCICFG", "REGS",
					    "VRAM"};
	struct tsec s[8], t[8];
	size_t len, n, blen;
	uint8_t *buf = small_snapshot(0, &len), *b;
	char want[64];

	n = split(buf, len, s, 8);
	for (uint32_t type = SNAP_IDENTITY; type <= SNAP_VRAM; type++) {
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (s[i].type != type)
				t[m++] = s[i];
		b = build(t, m, &blen);
		snprintf(want, sizeof(want), "required %s section is missing",
			 names[type]);
		expect_reject(b, blen, want);
		free(b);
	}
	free(buf);
}
END_TEST

START_TEST(duplicate_section_is_rejected)
{
	struct tsec s[8];
	size_t len, n, blen;
	uint8_t *buf = small_snapshot(0, &len), *b;

	n = split(buf, len, s, 8);
	s[n] = s[1];
	b = build(s, n + 1, &blen);
	expect_reject(b, blen, "duplicate");
	free(b);
	free(buf);
}
END_TEST

START_TEST(sections_in_any_order_and_extra_pad_are_accepted)
{
	static const uint8_t pad[13];
	struct gs_state st, back;
	struct tsec s[8], t[8];
	size_t len, n, blen;
	uint8_t *buf, *b;

	make_state(&st, 4 * KiB, FILL_MIXED, 7);
	buf = encode(&st, 4 * KiB, 0, &len);
	n = split(buf, len, s, 8);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		t[i] = s[n - 1 - i];
	t[n] = (struct tsec){SNAP_PAD, pad, sizeof(pad)};
	t[n + 1] = t[n];
	b = build(t, n + 2, &blen);
	decode_ok(b, blen, &back);
	assert_states_equal(&st, &back);
	gs_state_free(&back);
	gs_state_free(&st);
	free(b);
	free(buf);
}
END_TEST

/* ---- Identity, config space, registers ---- */

START_TEST(identity_layout_violations_are_rejected)
{
	struct tsec s[8];
	size_t len, n, blen;
	uint8_t *buf = small_snapshot(0, &len), *b, *id;

	n = split(buf, len, s, 8);
	s[0].len--;
	b = build(s, n, &blen);
	expect_reject(b, blen, "IDENTITY section at offset 40: 47 bytes");
	free(b);
	id = sec_data(buf, len, SNAP_IDENTITY);
	id[SNAP_ID_RESERVED + 1] = 1;
	reseal(buf, len);
	expect_reject(buf, len, "reserved");
	id[SNAP_ID_RESERVED + 1] = 0;
	memcpy(id + SNAP_ID_CHIP, "stdvga\0x", 8);
	reseal(buf, len);
	expect_reject(buf, len, "NUL-padded");
	memset(id + SNAP_ID_CHIP, 'a', GS_CHIP_NAME_MAX);
	reseal(buf, len);
	expect_reject(buf, len, "NUL-terminated");
	memset(id + SNAP_ID_CHIP, 0, GS_CHIP_NAME_MAX);
	memcpy(id + SNAP_ID_CHIP, "stdvga", 6);
	snap_put32(id + SNAP_ID_CLASS, 0x01030000);
	reseal(buf, len);
	expect_reject(buf, len, "24 bits");
	free(buf);
}
END_TEST

START_TEST(unknown_chip_name_is_rejected_naming_it)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);
	uint8_t *id = sec_data(buf, len, SNAP_IDENTITY);

	memset(id + SNAP_ID_CHIP, 0, GS_CHIP_NAME_MAX);
	memcpy(id + SNAP_ID_CHIP, "cirrus", 6);
	reseal(buf, len);
	expect_reject(buf, len, "unknown chip \"cirrus\"");
	free(buf);
}
END_TEST

START_TEST(wrong_chip_version_is_rejected_naming_it)
{
	size_t len;
	uint8_t *buf = small_snapshot(0, &len);
	uint8_t *id = sec_data(buf, len, SNAP_IDENTITY);

	snap_put32(id + SNAP_ID_CHIP_VERSION, chip_stdvga.version + 1);
	reseal(buf, len);
	expect_reject(buf, len, "register layout version");
	free(buf);
}
END_TEST

START_TEST(regs_and_pcicfg_length_mismatch_is_rejected)
{
	struct tsec s[8];
	size_t len, n, blen;
	uint8_t *buf = small_snapshot(0, &len), *b;
	char want[64];

	n = split(buf, len, s, 8);
	snprintf(want, sizeof(want), "has %zu", chip_regs_len(&chip_stdvga));
	for (int d = -1; d <= 1; d += 2) {
		s[2].len += d;
		b = build(s, n, &blen);
		expect_reject(b, blen, want);
		free(b);
		s[2].len -= d;
	}
	s[1].len = 255;
	b = build(s, n, &blen);
	expect_reject(b, blen, "PCICFG section at offset");
	free(b);
	free(buf);
}
END_TEST

START_TEST(bad_vram_size_is_rejected)
{
	static const uint64_t bad[] = {0, 3 * MiB, 1024ull * MiB, 1ull << 40,
				       (1ull << 20) + 1};
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);
	uint8_t *id = sec_data(buf, len, SNAP_IDENTITY);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gs_state st;
		struct err e;

		snap_put64(id + SNAP_ID_VRAM_SIZE, bad[i]);
		reseal(buf, len);
		expect_reject(buf, len, "VRAM size");
		ck_assert_int_eq(snap_decode(buf, len, &st, &e), -EBADMSG);
	}
	/* A valid size that disagrees with the chunk table. */
	snap_put64(id + SNAP_ID_VRAM_SIZE, 2 * MiB);
	reseal(buf, len);
	expect_reject(buf, len, "16 chunks, but 2097152 bytes");
	free(buf);
}
END_TEST

/* ---- VRAM chunk table ---- */

static uint8_t *vram_entry(uint8_t *buf, size_t len, uint32_t i)
{
	return sec_data(buf, len, SNAP_VRAM) + SNAP_V_TABLE +
	       i * SNAP_V_ENTRY_SIZE;
}

START_TEST(chunk_geometry_inconsistencies_are_rejected)
{
	static const uint32_t bad_cs[] = {2 * KiB, 12 * KiB, 32 * MiB};
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);
	uint8_t *v = sec_data(buf, len, SNAP_VRAM);

	for (size_t i = 0; i < sizeof(bad_cs) / sizeof(bad_cs[0]); i++) {
		snap_put32(v + SNAP_V_CHUNK_SIZE, bad_cs[i]);
		reseal(buf, len);
		expect_reject(buf, len, "chunk size");
	}
	/* Power of two, but the count no longer matches. */
	snap_put32(v + SNAP_V_CHUNK_SIZE, 128 * KiB);
	reseal(buf, len);
	expect_reject(buf, len, "16 chunks, but");
	snap_put32(v + SNAP_V_CHUNK_SIZE, 64 * KiB);
	snap_put32(v + SNAP_V_NCHUNKS, 17);
	reseal(buf, len);
	expect_reject(buf, len, "17 chunks, but");
	snap_put32(v + SNAP_V_NCHUNKS, 0xffffffffu);
	reseal(buf, len);
	expect_reject(buf, len, "chunks, but");
	free(buf);
}
END_TEST

START_TEST(chunk_entry_inconsistencies_are_rejected)
{
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);
	uint8_t *e0 = vram_entry(buf, len, 0), *e1 = vram_entry(buf, len, 1);
	uint8_t *e2 = vram_entry(buf, len, 2);
	uint32_t l2 = snap_get32(e2 + 4);

	snap_put32(e0 + 4, 4);
	reseal(buf, len);
	expect_reject(buf, len, "chunk 0: zero chunk with 4 stored bytes");
	snap_put32(e0 + 4, 0);
	snap_put32(e1 + 4, 64 * KiB - 1);
	reseal(buf, len);
	expect_reject(buf, len, "chunk 1: raw chunk of 65535 bytes");
	snap_put32(e1 + 4, 64 * KiB);
	snap_put32(e0, 7);
	reseal(buf, len);
	expect_reject(buf, len, "chunk 0: unknown chunk kind 7");
	snap_put32(e0, SNAP_CHUNK_ZERO);
	snap_put32(e2 + 4, 0xfffffff0u);
	reseal(buf, len);
	expect_reject(buf, len, "chunk 2:");
	expect_reject(buf, len, "run past the section end");
	snap_put32(e2 + 4, 0);
	reseal(buf, len);
	expect_reject(buf, len, "chunk 2: empty zstd chunk");
	/* Shorter than the frame: the frame no longer fits its bytes. */
	snap_put32(e2 + 4, l2 - 1);
	reseal(buf, len);
	expect_reject(buf, len, "chunk 2:");
	snap_put32(e2 + 4, l2);
	reseal(buf, len);
	assert_decodes(buf, len);
	free(buf);
}
END_TEST

START_TEST(chunk_lengths_must_sum_to_section)
{
	struct tsec s[8];
	size_t len, n, blen;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len), *b, *longer;

	n = split(buf, len, s, 8);
	longer = calloc(1, s[3].len + 5);
	memcpy(longer, s[3].data, s[3].len);
	s[3].data = longer;
	s[3].len += 5;
	b = build(s, n, &blen);
	expect_reject(b, blen, "the section holds");
	free(b);
	/* Cut inside the table. */
	s[3].len = SNAP_V_TABLE + 3 * SNAP_V_ENTRY_SIZE;
	b = build(s, n, &blen);
	expect_reject(b, blen, "chunk table of 16 entries");
	free(b);
	s[3].len = 5;
	b = build(s, n, &blen);
	expect_reject(b, blen, "too short");
	free(b);
	free(longer);
	free(buf);
}
END_TEST

/* A VRAM section of one 64 KiB chunk holding the given zstd frame. */
static uint8_t *one_frame_file(const void *frame, size_t flen, size_t *blen)
{
	struct gs_state st;
	struct tsec s[8];
	size_t len, n;
	uint8_t *buf, *v, *out;

	make_state(&st, 64 * KiB, FILL_FLAT, 20);
	buf = encode(&st, 64 * KiB, 0, &len);
	n = split(buf, len, s, 8);
	v = calloc(1, SNAP_V_TABLE + SNAP_V_ENTRY_SIZE + flen);
	snap_put32(v + SNAP_V_CHUNK_SIZE, 64 * KiB);
	snap_put32(v + SNAP_V_NCHUNKS, 1);
	snap_put32(v + SNAP_V_TABLE, SNAP_CHUNK_ZSTD);
	snap_put32(v + SNAP_V_TABLE + 4, (uint32_t)flen);
	memcpy(v + SNAP_V_TABLE + SNAP_V_ENTRY_SIZE, frame, flen);
	s[3] = (struct tsec){SNAP_VRAM, v,
			     SNAP_V_TABLE + SNAP_V_ENTRY_SIZE + flen};
	out = build(s, n, blen);
	free(v);
	free(buf);
	gs_state_free(&st);
	return out;
}

/* A frame of n bytes of 'x', optionally with a content checksum. */
static size_t make_frame(uint8_t *dst, size_t cap, size_t n, int checksum)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	uint8_t *src = malloc(n);
	size_t r;

	memset(src, 'x', n);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum);
	r = ZSTD_compress2(cc, dst, cap, src, n);
	ck_assert(!ZSTD_isError(r));
	ZSTD_freeCCtx(cc);
	free(src);
	return r;
}

START_TEST(zstd_frame_inconsistencies_are_rejected)
{
	uint8_t frame[1024], *b;
	size_t fl, blen;

	fl = make_frame(frame, sizeof(frame), 64 * KiB, 1);
	b = one_frame_file(frame, fl, &blen);
	assert_decodes(b, blen);
	free(b);
	fl = make_frame(frame, sizeof(frame), 4 * KiB, 1);
	b = one_frame_file(frame, fl, &blen);
	expect_reject(b, blen, "chunk 0: zstd frame declares 4096 bytes");
	free(b);
	fl = make_frame(frame, sizeof(frame), 64 * KiB, 0);
	b = one_frame_file(frame, fl, &blen);
	expect_reject(b, blen, "chunk 0: zstd frame has no checksum");
	free(b);
	fl = make_frame(frame, sizeof(frame), 64 * KiB, 1);
	frame[fl] = 0;
	b = one_frame_file(frame, fl + 1, &blen);
	expect_reject(b, blen, "not exactly");
	free(b);
	memset(frame, 0x5a, 64);
	b = one_frame_file(frame, 64, &blen);
	expect_reject(b, blen, "not a zstd frame");
	free(b);
	/* A wrong content checksum is only found by decompressing. */
	fl = make_frame(frame, sizeof(frame), 64 * KiB, 1);
	frame[fl - 1] ^= 0x40;
	b = one_frame_file(frame, fl, &blen);
	expect_reject(b, blen, "VRAM section at offset");
	expect_reject(b, blen, "chunk 0: zstd:");
	free(b);
}
END_TEST

START_TEST(corrupt_chunk_data_under_valid_crc_is_rejected)
{
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 0, &len);
	uint8_t *v = sec_data(buf, len, SNAP_VRAM);
	uint8_t *data = v + SNAP_V_TABLE + 16 * SNAP_V_ENTRY_SIZE;
	/* Chunk 0 is zero, chunk 1 raw (64 KiB), chunk 2 the first frame. */
	uint8_t *frame = data + 64 * KiB;
	uint32_t fl = snap_get32(vram_entry(buf, len, 2) + 4);

	frame[fl / 2] ^= 0x08;
	reseal(buf, len);
	expect_reject(buf, len, "chunk 2");
	free(buf);
}
END_TEST

/* ---- The raw VRAM copy ---- */

START_TEST(raw_copy_must_match_compressed_vram)
{
	size_t len;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 1, &len);
	uint8_t *raw = sec_data(buf, len, SNAP_VRAM_RAW);

	raw[5 * 64 * KiB + 77] ^= 1;
	reseal(buf, len);
	expect_reject(buf, len, "VRAM_RAW section at offset");
	expect_reject(buf, len, "differs from the compressed VRAM in chunk 5");
	free(buf);
}
END_TEST

START_TEST(raw_copy_length_and_alignment_are_checked)
{
	struct tsec s[8], t[8];
	size_t len, n, blen;
	uint8_t *buf = mib_snapshot(FILL_MIXED, 1, &len), *b;

	n = split(buf, len, s, 8);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(s[4].type, SNAP_PAD);
	/* Without the PAD the raw data is misaligned. */
	memcpy(t, s, 4 * sizeof(t[0]));
	t[4] = s[5];
	b = build(t, 5, &blen);
	expect_reject(b, blen, "not 4096-byte aligned");
	free(b);
	s[5].len -= 4096;
	b = build(s, n, &blen);
	expect_reject(b, blen, "VRAM is 1048576");
	free(b);
	free(buf);
}
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *rt = tcase_create("roundtrip");
	TCase *fl = tcase_create("files");
	TCase *bad = tcase_create("bad_input");

	tcase_set_timeout(rt, 60);
	tcase_add_test(rt, roundtrip_random_vram);
	tcase_add_test(rt, roundtrip_zero_vram);
	tcase_add_test(rt, roundtrip_mixed_vram);
	tcase_add_test(rt, roundtrip_highly_compressible_vram_is_small);
	tcase_add_test(rt, roundtrip_every_chunk_size_with_and_without_raw);
	tcase_add_test(rt, roundtrip_vram_smaller_than_chunk);
	tcase_add_test(rt, raw_vram_section_is_page_aligned_and_equal_to_vram);
	tcase_add_test(rt, roundtrip_16mib_vram_with_and_without_raw);
	tcase_add_test(rt, zero_chunks_are_elided);
	tcase_add_test(rt, chunk_kinds_follow_content);
	tcase_add_test(rt, encode_rejects_bad_chunk_size_and_level);
	tcase_add_test(rt, encode_rejects_inconsistent_state);
	suite_add_tcase(s, rt);

	tcase_set_timeout(fl, 30);
	tcase_add_test(fl, write_then_read_roundtrips_and_leaves_no_temp_file);
	tcase_add_test(fl, write_replaces_existing_file);
	tcase_add_test(fl, write_into_missing_directory_fails_naming_path);
	tcase_add_test(fl, failed_write_leaves_existing_file_unchanged);
	tcase_add_test(fl, read_errors_name_the_file);
	tcase_add_test(fl,
		       read_refuses_file_larger_than_cap_without_reading_it);
	tcase_add_test(fl, list_prints_header_sections_and_chunk_stats);
	tcase_add_test(fl, list_rejects_corrupt_input_and_prints_nothing);
	suite_add_tcase(s, fl);

	tcase_set_timeout(bad, 120);
	tcase_add_test(bad, every_truncation_is_rejected);
	tcase_add_test(bad, truncation_with_consistent_header_is_rejected);
	tcase_add_test(bad, truncated_large_file_is_rejected);
	tcase_add_test(bad, every_bit_flip_in_small_file_is_rejected);
	tcase_add_test(bad,
		       every_header_bit_flip_and_sampled_flips_are_rejected);
	tcase_add_test(bad, trailing_garbage_is_rejected);
	tcase_add_test(bad, wrong_magic_is_rejected);
	tcase_add_test(bad, newer_version_is_rejected_naming_both_versions);
	tcase_add_test(bad, header_flags_size_and_section_count_are_checked);
	tcase_add_test(bad, unknown_section_type_is_rejected);
	tcase_add_test(bad, section_flags_are_rejected);
	tcase_add_test(bad, missing_required_section_is_rejected);
	tcase_add_test(bad, duplicate_section_is_rejected);
	tcase_add_test(bad, sections_in_any_order_and_extra_pad_are_accepted);
	tcase_add_test(bad, identity_layout_violations_are_rejected);
	tcase_add_test(bad, unknown_chip_name_is_rejected_naming_it);
	tcase_add_test(bad, wrong_chip_version_is_rejected_naming_it);
	tcase_add_test(bad, regs_and_pcicfg_length_mismatch_is_rejected);
	tcase_add_test(bad, bad_vram_size_is_rejected);
	tcase_add_test(bad, chunk_geometry_inconsistencies_are_rejected);
	tcase_add_test(bad, chunk_entry_inconsistencies_are_rejected);
	tcase_add_test(bad, chunk_lengths_must_sum_to_section);
	tcase_add_test(bad, zstd_frame_inconsistencies_are_rejected);
	tcase_add_test(bad, corrupt_chunk_data_under_valid_crc_is_rejected);
	tcase_add_test(bad, raw_copy_must_match_compressed_vram);
	tcase_add_test(bad, raw_copy_length_and_alignment_are_checked);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(snapshot_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
