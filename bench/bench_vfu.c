/*
 * vfio-user benchmark: gpud's engine serving a 16 MiB stdvga in a thread
 * of this process over an AF_UNIX socketpair, the client library on the
 * other end. Trapped register accesses (median and p99 of single round
 * trips) next to the same call on the model in-process; writes into VRAM
 * mapped from the server's fd next to memcpy into ordinary memory; device
 * save and load through migration, full (STOP_COPY, RESUMING) and
 * incremental (pre-copy passes, then the STOP_COPY downtime), next to the
 * chip driver working on the model directly. Medians of RUNS runs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/util.h"
#include "dev/stdvga.h"
#include "dev/vfu_server.h"
#include "lib/chip.h"
#include "lib/chip_stdvga.h"
#include "lib/snapshot.h"
#include "lib/vfio_user.h"
#include "lib/vfu_client.h"

#define RUNS  7
#define TRIPS 20000
#define VRAM  (16u << 20)

static void die(const char *what, const struct err *e)
{
	bench_die(what, e->msg);
}

/* ---- A served model ---- */

struct served {
	struct hw *model, *client;
	struct vfu_server *srv;
	pthread_t thread;
	int sock;
};

static void *serve(void *arg)
{
	struct served *s = arg;
	struct err e;

	while (vfu_server_serve_one(s->srv, s->sock, -1, &e) >= 0)
		;
	close(s->sock);
	return NULL;
}

static void start(struct served *s)
{
	struct stdvga_config cfg = {.vram_mb = VRAM >> 20};
	struct err e;
	int sv[2];

	if (stdvga_create(&cfg, &s->model, &e) ||
	    vfu_server_create(s->model, &s->srv, &e))
		die("create", &e);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		exit(1);
	s->sock = sv[0];
	pthread_create(&s->thread, NULL, serve, s);
	if (vfu_client_attach(sv[1], "bench", &s->client, &e))
		die("attach", &e);
}

static void stop(struct served *s)
{
	hw_destroy(s->client);
	pthread_join(s->thread, NULL);
	vfu_server_destroy(s->srv);
	hw_destroy(s->model);
}

/* ---- Rows ---- */

static void row(const char *op, const char *unit, double ours, double base)
{
	printf("| %-40s | %10.2f | %10.2f | %-5s | %8.1fx |\n", op, ours, base,
	       unit, ours / base);
}

/* One register access, TRIPS times; median and p99 in microseconds. */
static void trips(const char *what, struct hw *via, struct hw *direct,
		  int write)
{
	static double a[TRIPS], b[TRIPS];
	struct hw *hw[2] = {via, direct};
	double *t[2] = {a, b};
	struct err e;
	char label[64];
	uint32_t warm;

	/* Warm up: thread wake-ups and caches settle first. */
	for (int i = 0; i < TRIPS / 10; i++)
		hw_region_read(via, 2, 0x502, 2, &warm, &e);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < TRIPS; i++) {
			uint32_t v = 640;
			double t0 = bench_now();
			int rc = write ? hw_port_write(hw[k], 0x3c8, 1,
						       (uint32_t)i & 0xff, &e)
				       : hw_region_read(hw[k], 2, 0x502, 2, &v,
							&e);

			t[k][i] = (bench_now() - t0) * 1e6;
			if (rc)
				die(what, &e);
		}
	snprintf(label, sizeof(label), "%s, median", what);
	row(label, "us", bench_quantile(a, TRIPS, 0.5),
	    bench_quantile(b, TRIPS, 0.5));
	snprintf(label, sizeof(label), "%s, p99", what);
	row(label, "us", bench_quantile(a, TRIPS, 0.99),
	    bench_quantile(b, TRIPS, 0.99));
}

static void bandwidth(struct served *s)
{
	double tm[RUNS], tv[RUNS];
	uint8_t *src = malloc(VRAM), *plain = malloc(VRAM), *map;
	uint64_t size;
	struct err e;

	map = hw_region_map(s->client, HW_REGION_BAR0, &size, &e);
	if (!map)
		die("map", &e);
	bench_fill_desktop(src, VRAM);
	memset(plain, 1, VRAM);
	for (int i = 0; i < RUNS; i++) {
		double t0 = bench_now();

		memcpy(map, src, VRAM);
		tv[i] = bench_now() - t0;
		t0 = bench_now();
		memcpy(plain, src, VRAM);
		tm[i] = bench_now() - t0;
	}
	row("write 16 MiB into mapped VRAM (MB/s)", "MB/s",
	    VRAM / bench_quantile(tv, RUNS, 0.5) / 1e6,
	    VRAM / bench_quantile(tm, RUNS, 0.5) / 1e6);
	hw_region_unmap(map, size);
	free(src);
	free(plain);
}

/* Full save and load through migration, next to the driver on the model:
 * save = chip save + encode, load = decode + restore. */
static void full(struct served *a, struct served *b, uint8_t **snap,
		 size_t *snap_len, double *down, double *load)
{
	double ts[RUNS], tl[RUNS], ds[RUNS], dl[RUNS];
	struct gs_state st;
	struct err e;

	for (int i = 0; i < RUNS; i++) {
		uint8_t *buf, *enc;
		size_t len, elen;
		double t0 = bench_now();

		if (vfu_client_save(a->client, &buf, &len, &e))
			die("save", &e);
		ts[i] = bench_now() - t0;
		t0 = bench_now();
		if (vfu_client_load(b->client, buf, len, &e))
			die("load", &e);
		tl[i] = bench_now() - t0;
		t0 = bench_now();
		if (chip_stdvga.save(a->model, &st, &e) ||
		    snap_encode(&st, NULL, &enc, &elen, &e))
			die("direct save", &e);
		ds[i] = bench_now() - t0;
		gs_state_free(&st);
		t0 = bench_now();
		if (snap_decode(enc, elen, &st, &e) ||
		    chip_stdvga.restore(b->model, &st, &e))
			die("direct load", &e);
		dl[i] = bench_now() - t0;
		gs_state_free(&st);
		free(enc);
		free(*snap);
		*snap = buf;
		*snap_len = len;
	}
	*down = bench_quantile(ts, RUNS, 0.5);
	*load = bench_quantile(tl, RUNS, 0.5);
	row("save, full (STOP_COPY)", "ms", *down * 1e3,
	    bench_quantile(ds, RUNS, 0.5) * 1e3);
	row("load, full (RESUMING, validate, restore)", "ms", *load * 1e3,
	    bench_quantile(dl, RUNS, 0.5) * 1e3);
}

struct touch {
	uint8_t *vram;
	double t0;
};

/* Between pre-copy passes: a line of "text" changes (one 64 KiB chunk). */
static int touch_vram(void *ctx, unsigned pass, struct err *e)
{
	struct touch *t = ctx;

	memset(t->vram + 300 * 4096 + pass * 64, (int)pass, 4096);
	return 0;
}

static void incremental(struct served *a, struct served *b, double full_down,
			double full_load, size_t full_len)
{
	double tp[RUNS], tf[RUNS], tl[RUNS];
	size_t first = 0, last = 0, final = 0;
	struct touch t;
	uint64_t size;
	struct err e;

	t.vram = hw_region_map(a->client, HW_REGION_BAR0, &size, &e);
	for (int i = 0; i < RUNS; i++) {
		struct vfu_precopy p = {
			.passes = 1, .between = touch_vram, .ctx = &t};
		uint8_t *buf;
		size_t len;
		double t0 = bench_now();

		if (vfu_client_save_precopy(a->client, &p, &buf, &len, &e))
			die("pre-copy", &e);
		tp[i] = bench_now() - t0;
		first = p.first_bytes;
		last = p.last_bytes;
		final = p.final_bytes;
		/* The downtime alone: STOP_COPY after a pre-copy pass. */
		if (vfu_client_mig_set(a->client, VFU_STATE_PRE_COPY, &e))
			die("pre-copy", &e);
		{
			struct mig_buf mb = {0};

			if (vfu_client_mig_read(a->client, &mb, 1u << 30, &e))
				die("pre-copy read", &e);
			touch_vram(&t, 9, &e);
			t0 = bench_now();
			if (vfu_client_mig_set(a->client, VFU_STATE_STOP_COPY,
					       &e) ||
			    vfu_client_mig_read(a->client, &mb, 1u << 30, &e))
				die("stop-copy", &e);
			tf[i] = bench_now() - t0;
			if (vfu_client_mig_set(a->client, VFU_STATE_RUNNING,
					       &e))
				die("running", &e);
			mig_buf_free(&mb);
		}
		t0 = bench_now();
		if (vfu_client_load(b->client, buf, len, &e))
			die("load pre-copy stream", &e);
		tl[i] = bench_now() - t0;
		free(buf);
	}
	row("pre-copy save, whole (2 passes + final)", "ms",
	    bench_quantile(tp, RUNS, 0.5) * 1e3, full_down * 1e3);
	row("downtime: STOP_COPY after pre-copy", "ms",
	    bench_quantile(tf, RUNS, 0.5) * 1e3, full_down * 1e3);
	row("load of the pre-copy stream", "ms",
	    bench_quantile(tl, RUNS, 0.5) * 1e3, full_load * 1e3);
	printf("| %-40s | %10zu | %10zu | %-5s | %8.1f%% |\n",
	       "bytes: pass 0 / full snapshot", first, full_len, "B",
	       100.0 * (double)first / (double)full_len);
	printf("| %-40s | %10zu | %10zu | %-5s | %8.1f%% |\n",
	       "bytes: pass 1 / final part", last, final, "B",
	       100.0 * (double)last / (double)full_len);
	hw_region_unmap(t.vram, size);
}

int main(void)
{
	struct served a, b;
	uint8_t *snap = NULL, *vram;
	size_t snap_len = 0;
	double down, load;
	uint64_t size;
	struct err e;

	start(&a);
	start(&b);
	if (chip_stdvga.save == NULL)
		return 1;
	vram = hw_region_map(a.model, HW_REGION_BAR0, &size, &e);
	bench_fill_desktop(vram, VRAM);
	printf("vfio-user: engine in a thread, AF_UNIX socketpair, stdvga "
	       "16 MiB VRAM with\na 1024x768 desktop; %d register round trips, "
	       "otherwise median of %d runs.\nbaseline: the direct call on the "
	       "model, memcpy into malloc()ed memory, the\nchip driver on the "
	       "model (save+encode, decode+restore), or the full save\n"
	       "(pre-copy rows); ratio = vfio-user / baseline\n\n",
	       TRIPS, RUNS);
	printf("| %-40s | %10s | %10s | %-5s | %9s |\n", "operation",
	       "vfio-user", "baseline", "unit", "ratio");
	printf("|------------------------------------------|------------|"
	       "------------|-------|-----------|\n");
	trips("BAR2 16-bit read (DISPI XRES)", a.client, a.model, 0);
	trips("VGA port 8-bit write (0x3C8)", a.client, a.model, 1);
	bandwidth(&a);
	bench_fill_desktop(vram, VRAM);
	full(&a, &b, &snap, &snap_len, &down, &load);
	incremental(&a, &b, down, load, snap_len);
	free(snap);
	hw_region_unmap(vram, size);
	stop(&a);
	stop(&b);
	return 0;
}
