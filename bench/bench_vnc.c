/*
 * VNC update cost per frame (dev/vnc.c): the time vnc_frame takes for a
 * 1024x768 picture that is unchanged, has a few changed tiles, or changed
 * everywhere, and for a resolution change; and, with a minimal raw-encoding
 * viewer connected over loopback, the time from vnc_frame until that viewer
 * has the whole update (tile conversion, encoding, sending and receiving).
 * Medians of RUNS runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/util.h"
#include "dev/vnc.h"

#define RUNS 15
#define W    1024
#define H    768

static double median(double *v)
{
	return bench_quantile(v, RUNS, 0.5);
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_vnc: %s: %s\n", what, why);
	exit(1);
}

static void get(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		if (r <= 0)
			die("viewer", r ? strerror(errno) : "server hung up");
		p += r;
		n -= (size_t)r;
	}
}

static void put(int fd, const void *buf, size_t n)
{
	if (send(fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
		die("viewer", "send failed");
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* RFB 3.8 handshake without authentication, raw encoding only. */
static int viewer_connect(int port)
{
	static const uint8_t set_enc[8] = {2, 0, 0, 1, 0, 0, 0, 0};
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 5};
	uint8_t buf[24 + 256], n, one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect", strerror(errno));
	get(fd, buf, 12);
	put(fd, "RFB 003.008\n", 12);
	get(fd, &n, 1);
	get(fd, buf, n);
	put(fd, &one, 1); /* security type None */
	get(fd, buf, 4);
	put(fd, &one, 1); /* shared */
	get(fd, buf, 24);
	get(fd, buf + 24, buf[23]); /* desktop name, short */
	put(fd, set_enc, sizeof(set_enc));
	return fd;
}

static void viewer_request(int fd, int incremental)
{
	uint8_t m[10] = {3,	 (uint8_t)incremental,
			 0,	 0,
			 0,	 0,
			 W >> 8, W & 0xff,
			 H >> 8, H & 0xff};

	put(fd, m, sizeof(m));
}

/* Receive one update of raw rectangles and throw the pixels away. */
static void viewer_update(int fd, uint8_t *scratch)
{
	uint8_t hdr[12];
	unsigned n;

	get(fd, hdr, 4);
	n = be16(hdr + 2);
	for (unsigned i = 0; i < n; i++) {
		get(fd, hdr, 12);
		get(fd, scratch, (size_t)be16(hdr + 4) * be16(hdr + 6) * 4);
	}
}

static void fill(struct gs_image *img, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < (size_t)img->width * img->height * 3; i++) {
		x = x * 1103515245 + 12345;
		img->rgb[i] = (uint8_t)(x >> 16);
	}
}

/* Four changed tiles: one pixel in each of four spread-out tiles. */
static void touch_four_tiles(struct gs_image *img)
{
	static const uint32_t at[4][2] = {
		{10, 10}, {300, 200}, {700, 500}, {1000, 760}};

	for (int i = 0; i < 4; i++)
		img->rgb[((size_t)at[i][1] * W + at[i][0]) * 3] ^= 0xff;
}

enum kind { UNCHANGED, FEW, ALL };

/* Each row starts with a new picture (seed) that answers the viewer's
 * outstanding request, and ends with a request outstanding. */
static void row(struct vnc *v, int fd, uint8_t *scratch, enum kind k,
		uint32_t seed, const char *name)
{
	struct gs_image img[2];
	double tf[RUNS], tv[RUNS];
	struct vnc_stats st;
	struct err e;

	for (int i = 0; i < 2; i++) {
		if (gs_image_alloc(&img[i], W, H, &e))
			die("alloc", e.msg);
		fill(&img[i], seed + (uint32_t)i);
	}
	if (vnc_frame(v, &img[0], &e))
		die("frame", e.msg);
	viewer_update(fd, scratch);
	viewer_request(fd, 1);
	for (int r = 0; r < RUNS; r++) {
		const struct gs_image *p = &img[0];
		double t0;

		if (k == FEW)
			touch_four_tiles(&img[0]);
		else if (k == ALL)
			p = &img[(r + 1) % 2];
		t0 = bench_now();
		if (vnc_frame(v, p, &e))
			die("frame", e.msg);
		tf[r] = bench_now() - t0;
		if (k != UNCHANGED) {
			viewer_update(fd, scratch);
			tv[r] = bench_now() - t0;
			viewer_request(fd, 1);
		}
	}
	vnc_get_stats(v, &st);
	if (k == UNCHANGED)
		printf("| %-25s | %9.3f | %9s | %5u |\n", name,
		       median(tf) * 1e3, "-", st.last_tiles);
	else
		printf("| %-25s | %9.3f | %9.3f | %5u |\n", name,
		       median(tf) * 1e3, median(tv) * 1e3, st.last_tiles);
	for (int i = 0; i < 2; i++)
		gs_image_free(&img[i]);
}

static void resize_row(struct vnc *v)
{
	struct gs_image a, b;
	double t[RUNS];
	struct err e;

	if (gs_image_alloc(&a, W, H, &e) || gs_image_alloc(&b, 800, 600, &e))
		die("alloc", e.msg);
	fill(&a, 3);
	fill(&b, 4);
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now();

		if (vnc_frame(v, r % 2 ? &a : &b, &e))
			die("frame", e.msg);
		t[r] = bench_now() - t0;
	}
	printf("| %-25s | %9.3f | %9s | %5s |\n", "resize 1024x768<->800x600",
	       median(t) * 1e3, "-", "all");
	gs_image_free(&a);
	gs_image_free(&b);
}

int main(void)
{
	uint8_t *scratch = malloc((size_t)W * H * 4);
	struct gs_image base;
	struct vnc *v;
	struct err e;
	int fd;

	if (!scratch || vnc_start(NULL, 0, &v, &e))
		die("start", scratch ? e.msg : "out of memory");
	if (gs_image_alloc(&base, W, H, &e) || vnc_frame(v, &base, &e))
		die("first frame", e.msg);
	gs_image_free(&base);
	fd = viewer_connect(vnc_port(v));
	viewer_request(fd, 0);
	viewer_update(fd, scratch);
	viewer_request(fd, 1);
	printf("\nVNC update cost, %dx%d, raw-encoding viewer on loopback, "
	       "median of %d\n\n",
	       W, H, RUNS);
	printf("| %-25s | %9s | %9s | %5s |\n", "frame", "frame ms",
	       "viewer ms", "tiles");
	printf("|%.27s|%.11s|%.11s|%.7s|\n", "---------------------------",
	       "-----------", "-----------", "-------");
	row(v, fd, scratch, UNCHANGED, 1, "unchanged");
	row(v, fd, scratch, FEW, 3, "4 tiles changed");
	row(v, fd, scratch, ALL, 5, "every pixel changed");
	close(fd);
	resize_row(v);
	vnc_stop(v);
	free(scratch);
	return 0;
}
