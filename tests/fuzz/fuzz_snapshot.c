/*
 * libFuzzer target for the snapshot reader (lib/snapshot.c). The first input
 * byte picks a mode: bit 0 clear decodes the rest as it is; bit 0 set first
 * recomputes every checksum in it, so mutations get past the CRCs and reach
 * the semantic checks (SNAPSHOT.md "Validation"). A file that decodes must
 * list, and re-encode to one that decodes to the same state.
 *
 * With FUZZ_SEED_DIR=DIR set, LLVMFuzzerInitialize writes seed snapshots
 * there (tests/run-fuzz.sh runs the binary once with -runs=0 for that).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chip_stdvga.h"
#include "lib/crc32c.h"
#include "lib/snap_format.h"
#include "lib/snapshot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reseal(uint8_t *buf, size_t len)
{
	size_t off = SNAP_HDR_SIZE;

	while (len >= SNAP_SEC_HDR_SIZE && off <= len - SNAP_SEC_HDR_SIZE) {
		uint8_t *h = buf + off;
		uint64_t n = snap_get64(h + SNAP_S_LEN);
		int fits = n <= len - off - SNAP_SEC_HDR_SIZE;

		if (fits)
			snap_put32(h + SNAP_S_DATA_CRC,
				   crc32c(0, h + SNAP_SEC_HDR_SIZE, n));
		snap_put32(h + SNAP_S_HDR_CRC, crc32c(0, h, SNAP_S_HDR_CRC));
		if (!fits)
			break;
		off += SNAP_SEC_HDR_SIZE + n;
	}
	if (len >= SNAP_HDR_SIZE)
		snap_put32(buf + SNAP_H_CRC, crc32c(0, buf, SNAP_H_CRC));
}

static int same_state(const struct gs_state *a, const struct gs_state *b)
{
	return a->id.vendor == b->id.vendor && a->id.device == b->id.device &&
	       a->id.subvendor == b->id.subvendor &&
	       a->id.subdevice == b->id.subdevice &&
	       a->id.revision == b->id.revision &&
	       a->id.class_code == b->id.class_code &&
	       a->id.vram_size == b->id.vram_size &&
	       !strcmp(a->id.chip, b->id.chip) &&
	       a->id.chip_version == b->id.chip_version &&
	       !memcmp(a->pcicfg, b->pcicfg, sizeof(a->pcicfg)) &&
	       a->regs_len == b->regs_len &&
	       !memcmp(a->regs, b->regs, a->regs_len) &&
	       !memcmp(a->vram, b->vram, a->id.vram_size);
}

/* Properties of a file that decoded: it lists, and survives re-encoding.
 * Large VRAM is skipped to keep executions fast. */
static void check_valid(const uint8_t *buf, size_t len,
			const struct gs_state *st)
{
	static FILE *null;
	struct gs_state again;
	struct err e;
	uint8_t *enc;
	size_t elen;

	if (!null)
		null = fopen("/dev/null", "w");
	if (snap_list(buf, len, null, &e))
		abort();
	if (st->id.vram_size > (1u << 20))
		return;
	if (snap_encode(st, NULL, &enc, &elen, &e) ||
	    snap_decode(enc, elen, &again, &e))
		abort();
	if (!same_state(st, &again))
		abort();
	gs_state_free(&again);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_state st;
	struct err e;
	uint8_t *buf;

	if (size < 1)
		return 0;
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		reseal(buf, size - 1);
	if (snap_decode(buf, size - 1, &st, &e) == 0) {
		check_valid(buf, size - 1, &st);
		gs_state_free(&st);
	}
	free(buf);
	return 0;
}

/* ---- Seeds ---- */

static void fill(uint8_t *p, size_t n, unsigned kind, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = kind == 0   ? 0
		       : kind == 1 ? (uint8_t)(seed >> 16)
				   : (uint8_t)(i / 64);
	}
}

static void write_seed(const char *dir, int n, int mode, const uint8_t *buf,
		       size_t len)
{
	char path[4096];
	uint8_t m = (uint8_t)mode;
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%02d-%d", dir, n, mode);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(&m, 1, 1, f);
	fwrite(buf, 1, len, f);
	fclose(f);
}

/* Small states covering every section and chunk kind. */
static void write_seeds(const char *dir)
{
	static const struct {
		uint64_t vram;
		uint32_t chunk;
		int raw;
	} cfg[] = {
		{4096, 4096, 0},	 {4096, 4096, 1},
		{64 << 10, 4096, 0},	 {64 << 10, 4096, 1},
		{64 << 10, 64 << 10, 0}, {1024, 4096, 0},
	};
	struct gs_identity id = {.vendor = STDVGA_VENDOR,
				 .device = STDVGA_DEVICE,
				 .revision = 2,
				 .class_code = 0x030000,
				 .chip_version = chip_stdvga.version};
	struct err e;

	snprintf(id.chip, sizeof(id.chip), "%s", chip_stdvga.name);
	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct snap_opts o = {.chunk_size = cfg[i].chunk,
				      .raw_vram = cfg[i].raw};
		struct gs_state st;
		uint8_t *buf;
		size_t len;

		id.vram_size = cfg[i].vram;
		if (gs_state_alloc(&st, &id, chip_regs_len(&chip_stdvga), &e))
			continue;
		fill(st.pcicfg, sizeof(st.pcicfg), 1, (uint32_t)i);
		fill(st.regs, st.regs_len, 1, (uint32_t)i + 100);
		for (uint64_t c = 0; c * 4096 < cfg[i].vram; c++)
			fill(st.vram + c * 4096,
			     cfg[i].vram < 4096 ? cfg[i].vram : 4096,
			     (unsigned)(c + i) % 3, (uint32_t)c);
		if (!snap_encode(&st, &o, &buf, &len, &e)) {
			write_seed(dir, (int)i, 0, buf, len);
			write_seed(dir, (int)i, 1, buf, len);
			free(buf);
		}
		gs_state_free(&st);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_SEED_DIR");

	if (dir && *dir)
		write_seeds(dir);
	return 0;
}
