/*
 * Save/restore benchmark of a 16 MiB-VRAM stdvga (the model): device save,
 * device restore (reset, write, read-back verify), snapshot encode/decode
 * and file write/read, for three VRAM contents, each next to a plain memcpy
 * of the same 16 MiB (the physical limit) as a ratio. Medians of RUNS runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/util.h"
#include "dev/stdvga.h"
#include "lib/chip.h"
#include "lib/chip_stdvga.h"
#include "lib/script.h"
#include "lib/snapshot.h"

#define RUNS 7
#define VRAM (16u << 20)

static double median(double *v)
{
	return bench_quantile(v, RUNS, 0.5);
}

static void die(const char *what, const struct err *e)
{
	bench_die(what, e->msg);
}

static void fill_desktop(uint8_t *v)
{
	bench_fill_desktop(v, VRAM);
}

static void fill_random(uint8_t *v)
{
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < VRAM; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(v + i, &x, 8);
	}
}

static void print_row(const char *content, const char *op, double t,
		      double base)
{
	printf("| %-9s | %-24s | %9.2f | %8.0f | %6.2fx |\n", content, op,
	       t * 1e3, VRAM / t / 1e6, t / base);
}

static void bench_content(const char *content, void (*fill)(uint8_t *),
			  int few_pages)
{
	struct stdvga_config cfg = {.vram_mb = 16};
	struct hw *a, *b;
	struct gs_state st, back;
	struct snap_opts o = {0};
	double tc[RUNS], ts[RUNS], tr[RUNS], te[RUNS], td[RUNS], tw[RUNS],
		tl[RUNS];
	uint8_t *src = malloc(VRAM), *dst = malloc(VRAM), *buf = NULL;
	char path[] = "/tmp/bench-snapXXXXXX";
	size_t len = 0;
	uint64_t size;
	uint8_t *vram;
	struct err e;
	int fd = mkstemp(path);

	close(fd);
	if (stdvga_create(&cfg, &a, &e) || stdvga_create(&cfg, &b, &e))
		die("create", &e);
	vram = hw_region_map(a, HW_REGION_BAR0, &size, &e);
	fill(vram);
	memcpy(src, vram, VRAM);
	for (int i = 0; i < RUNS; i++) {
		double t0 = bench_now();

		memcpy(dst, src, VRAM);
		tc[i] = bench_now() - t0;
		if (few_pages) /* four pages touched since the last round */
			for (int p = 0; p < 4; p++)
				vram[(size_t)(p * 997 + i) * 4096] ^= 0x5a;
		t0 = bench_now();
		if (chip_stdvga.save(a, &st, &e))
			die("save", &e);
		ts[i] = bench_now() - t0;
		t0 = bench_now();
		if (chip_stdvga.restore(b, &st, &e))
			die("restore", &e);
		tr[i] = bench_now() - t0;
		free(buf);
		t0 = bench_now();
		if (snap_encode(&st, &o, &buf, &len, &e))
			die("encode", &e);
		te[i] = bench_now() - t0;
		t0 = bench_now();
		if (snap_decode(buf, len, &back, &e))
			die("decode", &e);
		td[i] = bench_now() - t0;
		gs_state_free(&back);
		t0 = bench_now();
		if (snap_write(path, &st, &o, &e))
			die("write", &e);
		tw[i] = bench_now() - t0;
		t0 = bench_now();
		if (snap_read(path, &back, &e))
			die("read", &e);
		tl[i] = bench_now() - t0;
		gs_state_free(&back);
		gs_state_free(&st);
	}
	double base = median(tc);

	print_row(content, "memcpy 16 MiB (limit)", base, base);
	print_row(content, "save (device -> state)", median(ts), base);
	print_row(content, "restore+verify", median(tr), base);
	print_row(content, "encode (zstd chunks)", median(te), base);
	print_row(content, "decode (check+unzstd)", median(td), base);
	print_row(content, "write file (fsync)", median(tw), base);
	print_row(content, "read file", median(tl), base);
	printf("| %-9s | %-24s | %9s | %8s | %6.1f%% |\n", content,
	       "snapshot size", "", "", 100.0 * (double)len / VRAM);
	hw_region_unmap(vram, size);
	unlink(path);
	free(buf);
	free(src);
	free(dst);
	hw_destroy(a);
	hw_destroy(b);
}

static void fill_zero(uint8_t *v)
{
	memset(v, 0, VRAM);
}

int main(void)
{
	printf("stdvga 16 MiB VRAM, median of %d runs; ratio = time / memcpy "
	       "time\n\n",
	       RUNS);
	printf("| VRAM      | operation                |   ms      |  MB/s    "
	       "| ratio   |\n");
	printf("|-----------|--------------------------|-----------|----------"
	       "|---------|\n");
	bench_content("desktop", fill_desktop, 0);
	bench_content("4 pages", fill_desktop, 1);
	bench_content("random", fill_random, 0);
	bench_content("zero", fill_zero, 0);
	return 0;
}
