/*
 * Tests for dev/vnc.c: where the server listens, the changed-tile counts
 * of vnc_frame (identical, one pixel, edge tiles, resolution changes), bad
 * input, what a minimal RFB client receives on the wire (the whole picture,
 * then only the changed tile, then nothing), and a real VNC client from
 * Debian (gvnccapture, package gvncviewer) capturing the published picture
 * pixel-exact through a lossless encoding; viewer keys and pointer events
 * reaching the input callback, and what a departing viewer held released.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/input-event-codes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <rfb/keysym.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/vnc.h"
#include "lib/image.h"

/* A picture that is half flat colour bands, half noise, so that encoders
 * meet both kinds of content; seed varies the noise. */
static void make_image(struct gs_image *img, uint32_t w, uint32_t h,
		       uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	ck_assert_int_eq(gs_image_alloc(img, w, h, NULL), 0);
	for (uint32_t r = 0; r < h; r++)
		for (uint32_t c = 0; c < w; c++) {
			uint8_t *p = img->rgb + ((size_t)r * w + c) * 3;

			x = x * 1103515245 + 12345;
			if (c < w / 2) {
				p[0] = (uint8_t)(r / 8 * 40);
				p[1] = (uint8_t)(c / 16 * 30);
				p[2] = 0xa5;
			} else {
				p[0] = (uint8_t)(x >> 24);
				p[1] = (uint8_t)(x >> 16);
				p[2] = (uint8_t)(x >> 8);
			}
		}
}

static void copy_image(struct gs_image *dst, const struct gs_image *src)
{
	ck_assert_int_eq(gs_image_alloc(dst, src->width, src->height, NULL), 0);
	memcpy(dst->rgb, src->rgb, (size_t)src->width * src->height * 3);
}

static struct vnc *start(void)
{
	struct vnc *v = NULL;
	struct err e = {{0}};

	ck_assert_msg(vnc_start(NULL, 0, &v, &e) == 0, "%s", e.msg);
	return v;
}

static void publish(struct vnc *v, const struct gs_image *img)
{
	struct err e = {{0}};

	ck_assert_msg(vnc_frame(v, img, &e) == 0, "%s", e.msg);
}

static uint32_t last_tiles(struct vnc *v)
{
	struct vnc_stats st;

	vnc_get_stats(v, &st);
	return st.last_tiles;
}

/* A TCP connection to addr:port with a 3 s receive timeout, or -errno. */
static int dial(const char *addr, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 3};
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void get(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		ck_assert_msg(r > 0, "recv: %s", r ? strerror(errno) : "EOF");
		p += r;
		n -= (size_t)r;
	}
}

static void put(int fd, const void *buf, size_t n)
{
	ck_assert_int_eq(send(fd, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* Minimal RFB 3.8 viewer: no authentication, shared, raw encoding only,
 * server pixel format. Returns the socket; *w and *h get the screen size
 * and shifts the server's red/green/blue shifts. */
static int rfb_connect(int port, uint32_t *w, uint32_t *h, uint8_t shifts[3])
{
	static const uint8_t set_enc[8] = {2, 0, 0, 1, 0, 0, 0, 0};
	uint8_t buf[24], n, none = 1, shared = 1;
	int fd = dial("127.0.0.1", port);

	ck_assert_int_ge(fd, 0);
	get(fd, buf, 12);
	ck_assert_int_eq(memcmp(buf, "RFB 003.008\n", 12), 0);
	put(fd, "RFB 003.008\n", 12);
	get(fd, &n, 1);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, sizeof(buf));
	get(fd, buf, n);
	ck_assert_ptr_nonnull(memchr(buf, 1, n));
	put(fd, &none, 1);
	get(fd, buf, 4);
	ck_assert_uint_eq(be32(buf), 0);
	put(fd, &shared, 1);
	get(fd, buf, 24); /* ServerInit without the name */
	*w = be16(buf);
	*h = be16(buf + 2);
	ck_assert_uint_eq(buf[4], 32); /* bits per pixel */
	ck_assert_uint_eq(buf[6], 0);  /* little-endian */
	memcpy(shifts, buf + 14, 3);
	for (uint32_t len = be32(buf + 20); len--;)
		get(fd, buf, 1);
	put(fd, set_enc, sizeof(set_enc));
	return fd;
}

static void rfb_request(int fd, int incremental, uint32_t w, uint32_t h)
{
	uint8_t m[10] = {3,
			 (uint8_t)incremental,
			 0,
			 0,
			 0,
			 0,
			 (uint8_t)(w >> 8),
			 (uint8_t)w,
			 (uint8_t)(h >> 8),
			 (uint8_t)h};

	put(fd, m, sizeof(m));
}

struct rect {
	uint32_t x, y, w, h;
};

/* Read one FramebufferUpdate of raw rectangles into pic (RGB, size of the
 * screen); returns the number of rectangles, their geometry in r[]. */
static unsigned rfb_update(int fd, const uint8_t sh[3], struct gs_image *pic,
			   struct rect *r, unsigned max)
{
	uint8_t hdr[12];
	unsigned n;

	get(fd, hdr, 4);
	ck_assert_uint_eq(hdr[0], 0); /* FramebufferUpdate */
	n = be16(hdr + 2);
	ck_assert_uint_le(n, max);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *px;

		get(fd, hdr, 12);
		r[i] = (struct rect){be16(hdr), be16(hdr + 2), be16(hdr + 4),
				     be16(hdr + 6)};
		ck_assert_uint_eq(be32(hdr + 8), 0); /* raw */
		ck_assert_uint_le(r[i].x + r[i].w, pic->width);
		ck_assert_uint_le(r[i].y + r[i].h, pic->height);
		px = malloc((size_t)r[i].w * r[i].h * 4);
		ck_assert_ptr_nonnull(px);
		get(fd, px, (size_t)r[i].w * r[i].h * 4);
		for (uint32_t k = 0; k < r[i].w * r[i].h; k++) {
			uint32_t x = r[i].x + k % r[i].w,
				 y = r[i].y + k / r[i].w;
			uint8_t *o =
				pic->rgb + ((size_t)y * pic->width + x) * 3;
			uint32_t v = (uint32_t)px[4 * k] |
				     (uint32_t)px[4 * k + 1] << 8 |
				     (uint32_t)px[4 * k + 2] << 16 |
				     (uint32_t)px[4 * k + 3] << 24;

			o[0] = (uint8_t)(v >> sh[0]);
			o[1] = (uint8_t)(v >> sh[1]);
			o[2] = (uint8_t)(v >> sh[2]);
		}
		free(px);
	}
	return n;
}

static void assert_same_image(const struct gs_image *a,
			      const struct gs_image *b)
{
	ck_assert_uint_eq(a->width, b->width);
	ck_assert_uint_eq(a->height, b->height);
	for (size_t i = 0; i < (size_t)a->width * a->height * 3; i++)
		ck_assert_msg(a->rgb[i] == b->rgb[i],
			      "pixel %zu,%zu channel %zu: %u != %u",
			      i / 3 % a->width, i / 3 / a->width, i % 3,
			      a->rgb[i], b->rgb[i]);
}

START_TEST(start_port_zero_picks_a_free_port_serving_rfb)
{
	struct vnc *v = start();
	char banner[12];
	int fd;

	ck_assert_int_gt(vnc_port(v), 0);
	fd = dial("127.0.0.1", vnc_port(v));
	ck_assert_int_ge(fd, 0);
	get(fd, banner, sizeof(banner));
	ck_assert_int_eq(memcmp(banner, "RFB 003.008\n", 12), 0);
	close(fd);
	vnc_stop(v);
}
END_TEST

/* 127.0.0.2 is loopback too: a server bound to any address would answer
 * there, one bound to 127.0.0.1 only must not. */
START_TEST(server_listens_only_on_the_given_address)
{
	struct vnc *v = start();

	ck_assert_int_eq(dial("127.0.0.2", vnc_port(v)), -ECONNREFUSED);
	vnc_stop(v);
}
END_TEST

START_TEST(start_rejects_bad_address_and_port)
{
	struct vnc *v = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(vnc_start("localhost", 0, &v, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "'localhost'"), "%s", e.msg);
	ck_assert_int_eq(vnc_start(NULL, -1, &v, &e), -EINVAL);
	ck_assert_int_eq(vnc_start(NULL, 65536, &v, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "65536"), "%s", e.msg);
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(start_on_a_busy_port_fails_with_eaddrinuse)
{
	struct vnc *a = start(), *b = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(vnc_start("127.0.0.1", vnc_port(a), &b, &e),
			 -EADDRINUSE);
	ck_assert_ptr_null(b);
	vnc_stop(a);
}
END_TEST

START_TEST(start_on_ipv6_loopback)
{
	struct vnc *v = NULL;
	struct err e = {{0}};

	ck_assert_msg(vnc_start("::1", 0, &v, &e) == 0, "%s", e.msg);
	ck_assert_int_gt(vnc_port(v), 0);
	vnc_stop(v);
}
END_TEST

START_TEST(new_resolution_marks_every_tile)
{
	struct vnc *v = start();
	struct gs_image a, b;
	struct vnc_stats st;

	make_image(&a, 1024, 768, 1);
	publish(v, &a);
	ck_assert_uint_eq(last_tiles(v), 16 * 12);
	make_image(&b, 800, 600, 1); /* 13 x 10 tiles, edges partial */
	publish(v, &b);
	ck_assert_uint_eq(last_tiles(v), 13 * 10);
	vnc_get_stats(v, &st);
	ck_assert_uint_eq(st.resizes, 2);
	ck_assert_uint_eq(st.frames, 2);
	ck_assert_uint_eq(st.tiles, 16 * 12 + 13 * 10);
	gs_image_free(&a);
	gs_image_free(&b);
	vnc_stop(v);
}
END_TEST

START_TEST(identical_frame_marks_no_tiles)
{
	struct vnc *v = start();
	struct gs_image a, same;

	make_image(&a, 1024, 768, 2);
	copy_image(&same, &a);
	publish(v, &a);
	publish(v, &same);
	ck_assert_uint_eq(last_tiles(v), 0);
	gs_image_free(&a);
	gs_image_free(&same);
	vnc_stop(v);
}
END_TEST

START_TEST(one_changed_pixel_marks_one_tile)
{
	struct vnc *v = start();
	struct gs_image a;

	make_image(&a, 1024, 768, 3);
	publish(v, &a);
	a.rgb[((size_t)300 * 1024 + 500) * 3 + 1] ^= 1;
	publish(v, &a);
	ck_assert_uint_eq(last_tiles(v), 1);
	gs_image_free(&a);
	vnc_stop(v);
}
END_TEST

START_TEST(changes_in_two_tiles_mark_two_tiles)
{
	struct vnc *v = start();
	struct gs_image a;

	make_image(&a, 1024, 768, 4);
	publish(v, &a);
	a.rgb[0] ^= 0x80;				/* tile 0,0 */
	a.rgb[((size_t)767 * 1024 + 1023) * 3] ^= 0x80; /* last tile */
	publish(v, &a);
	ck_assert_uint_eq(last_tiles(v), 2);
	gs_image_free(&a);
	vnc_stop(v);
}
END_TEST

/* 130x70 is 3x2 tiles, the right column 2 wide and the bottom row 6 high. */
START_TEST(change_in_partial_edge_tile_marks_one_tile)
{
	struct vnc *v = start();
	struct gs_image a;

	make_image(&a, 130, 70, 5);
	publish(v, &a);
	ck_assert_uint_eq(last_tiles(v), 6);
	a.rgb[((size_t)69 * 130 + 129) * 3 + 2] ^= 0x55;
	publish(v, &a);
	ck_assert_uint_eq(last_tiles(v), 1);
	gs_image_free(&a);
	vnc_stop(v);
}
END_TEST

/* Before the first frame the screen is black 640x480, so a first frame of
 * that size sends only what differs from black. */
START_TEST(first_frame_of_initial_size_marks_only_non_black_tiles)
{
	struct vnc *v = start();
	struct gs_image a;
	struct vnc_stats st;

	ck_assert_int_eq(gs_image_alloc(&a, 640, 480, NULL), 0);
	a.rgb[((size_t)200 * 640 + 330) * 3] = 0xff;
	publish(v, &a);
	vnc_get_stats(v, &st);
	ck_assert_uint_eq(st.last_tiles, 1);
	ck_assert_uint_eq(st.resizes, 0);
	gs_image_free(&a);
	vnc_stop(v);
}
END_TEST

START_TEST(bad_image_is_rejected_and_changes_nothing)
{
	struct vnc *v = start();
	struct gs_image a, bad;
	struct vnc_stats st;
	struct err e = {{0}};

	make_image(&a, 64, 64, 6);
	publish(v, &a);
	bad = a;
	bad.width = 0;
	ck_assert_int_eq(vnc_frame(v, &bad, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "0x64"), "%s", e.msg);
	bad = a;
	bad.rgb = NULL;
	ck_assert_int_eq(vnc_frame(v, &bad, &e), -EINVAL);
	bad = a;
	bad.width = 65536;
	bad.height = 1;
	ck_assert_int_eq(vnc_frame(v, &bad, &e), -EINVAL);
	vnc_get_stats(v, &st);
	ck_assert_uint_eq(st.frames, 1);
	publish(v, &a);
	ck_assert_uint_eq(last_tiles(v), 0); /* the picture stayed a */
	gs_image_free(&a);
	vnc_stop(v);
}
END_TEST

START_TEST(raw_viewer_gets_whole_picture_then_only_the_changed_tile)
{
	struct vnc *v = start();
	struct gs_image a, seen;
	struct rect r[64];
	uint8_t sh[3];
	uint32_t w, h;
	unsigned n;
	int fd;

	make_image(&a, 256, 128, 7);
	publish(v, &a);
	fd = rfb_connect(vnc_port(v), &w, &h, sh);
	ck_assert_uint_eq(w, 256);
	ck_assert_uint_eq(h, 128);
	ck_assert_int_eq(gs_image_alloc(&seen, w, h, NULL), 0);
	rfb_request(fd, 0, w, h);
	rfb_update(fd, sh, &seen, r, 64);
	assert_same_image(&seen, &a);

	a.rgb[((size_t)10 * 256 + 70) * 3] ^= 0xff; /* in tile 64,0 */
	publish(v, &a);
	rfb_request(fd, 1, w, h);
	n = rfb_update(fd, sh, &seen, r, 64);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].x, 64);
	ck_assert_uint_eq(r[0].y, 0);
	ck_assert_uint_eq(r[0].w, 64);
	ck_assert_uint_eq(r[0].h, 64);
	assert_same_image(&seen, &a);
	close(fd);
	gs_image_free(&a);
	gs_image_free(&seen);
	vnc_stop(v);
}
END_TEST

START_TEST(raw_viewer_gets_nothing_for_an_unchanged_frame)
{
	struct vnc *v = start();
	struct gs_image a, seen;
	struct rect r[64];
	struct pollfd p;
	uint8_t sh[3];
	uint32_t w, h;
	int fd;

	make_image(&a, 128, 64, 8);
	publish(v, &a);
	fd = rfb_connect(vnc_port(v), &w, &h, sh);
	ck_assert_int_eq(gs_image_alloc(&seen, w, h, NULL), 0);
	rfb_request(fd, 0, w, h);
	rfb_update(fd, sh, &seen, r, 64);
	publish(v, &a);
	rfb_request(fd, 1, w, h);
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 300), 0);
	/* ... and the pending request is answered by the next change. */
	a.rgb[0] ^= 1;
	publish(v, &a);
	ck_assert_uint_eq(rfb_update(fd, sh, &seen, r, 64), 1);
	assert_same_image(&seen, &a);
	close(fd);
	gs_image_free(&a);
	gs_image_free(&seen);
	vnc_stop(v);
}
END_TEST

START_TEST(stop_disconnects_viewers_and_closes_the_port)
{
	struct vnc *v = start();
	uint8_t sh[3], c;
	uint32_t w, h;
	int port = vnc_port(v);
	int fd = rfb_connect(port, &w, &h, sh);
	ssize_t r;

	vnc_stop(v);
	/* EOF, or a reset if the server still held unread input. */
	r = recv(fd, &c, 1, 0);
	ck_assert_msg(r == 0 || (r < 0 && errno == ECONNRESET), "recv %zd: %s",
		      r, strerror(errno));
	close(fd);
	ck_assert_int_eq(dial("127.0.0.1", port), -ECONNREFUSED);
}
END_TEST

/* ---- Viewer input ---- */

/* What the input callback received, shared with the event thread. */
struct got {
	pthread_mutex_t lock;
	struct vnc_input_ev ev[64];
	size_t n, batches;
};

static void collect(void *opaque, const struct vnc_input_ev *ev, size_t n)
{
	struct got *g = opaque;

	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < n && g->n < 64; i++)
		g->ev[g->n++] = ev[i];
	g->batches++;
	pthread_mutex_unlock(&g->lock);
}

/* Wait up to 3 s until g holds at least n events; returns how many. */
static size_t wait_events(struct got *g, size_t n)
{
	size_t have = 0;

	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&g->lock);
		have = g->n;
		pthread_mutex_unlock(&g->lock);
		if (have >= n)
			break;
		usleep(10000);
	}
	return have;
}

static void rfb_key(int fd, int down, uint32_t keysym)
{
	uint8_t m[8] = {4,
			(uint8_t)down,
			0,
			0,
			(uint8_t)(keysym >> 24),
			(uint8_t)(keysym >> 16),
			(uint8_t)(keysym >> 8),
			(uint8_t)keysym};

	put(fd, m, sizeof(m));
}

static void rfb_pointer(int fd, unsigned mask, unsigned x, unsigned y)
{
	uint8_t m[6] = {5,	    (uint8_t)mask,     (uint8_t)(x >> 8),
			(uint8_t)x, (uint8_t)(y >> 8), (uint8_t)y};

	put(fd, m, sizeof(m));
}

static void assert_got(const struct got *g, size_t i, unsigned type,
		       unsigned code, int32_t value)
{
	ck_assert_msg(g->ev[i].type == type && g->ev[i].code == code &&
			      g->ev[i].value == value,
		      "event %zu is %u %u %d, wanted %u %u %d", i,
		      g->ev[i].type, g->ev[i].code, g->ev[i].value, type, code,
		      value);
}

START_TEST(raw_viewer_keys_and_pointer_reach_the_input_callback)
{
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct vnc *v = start();
	struct gs_image img;
	uint32_t w, h;
	uint8_t sh[3];
	int fd;

	make_image(&img, 800, 600, 4);
	publish(v, &img);
	vnc_set_input(v, collect, &g);
	fd = rfb_connect(vnc_port(v), &w, &h, sh);
	ck_assert_uint_eq(w, 800);
	rfb_key(fd, 1, 'Q');
	rfb_key(fd, 0, 'q');
	rfb_key(fd, 1, 0xe9); /* eacute: not on a US keyboard, dropped */
	rfb_pointer(fd, 1, 400, 599);
	rfb_pointer(fd, 0, 799, 0);
	ck_assert_uint_eq(wait_events(&g, 12), 12);
	assert_got(&g, 0, EV_KEY, KEY_Q, 1);
	assert_got(&g, 1, EV_SYN, SYN_REPORT, 0);
	assert_got(&g, 2, EV_KEY, KEY_Q, 0);
	assert_got(&g, 3, EV_SYN, SYN_REPORT, 0);
	assert_got(&g, 4, EV_ABS, ABS_X, 400 * 32767 / 799);
	assert_got(&g, 5, EV_ABS, ABS_Y, 32767);
	assert_got(&g, 6, EV_KEY, BTN_LEFT, 1);
	assert_got(&g, 7, EV_SYN, SYN_REPORT, 0);
	assert_got(&g, 8, EV_ABS, ABS_X, 32767);
	assert_got(&g, 9, EV_ABS, ABS_Y, 0);
	assert_got(&g, 10, EV_KEY, BTN_LEFT, 0);
	assert_got(&g, 11, EV_SYN, SYN_REPORT, 0);
	close(fd);
	vnc_stop(v);
	gs_image_free(&img);
	ck_assert_uint_eq(g.n, 12); /* nothing was held at the end */
}
END_TEST

START_TEST(viewer_that_leaves_with_keys_down_has_them_released)
{
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct vnc *v = start();
	uint32_t w, h;
	uint8_t sh[3];
	int fd;

	vnc_set_input(v, collect, &g);
	fd = rfb_connect(vnc_port(v), &w, &h, sh);
	rfb_key(fd, 1, XK_Alt_L);
	rfb_pointer(fd, 4, 1, 1);
	ck_assert_uint_eq(wait_events(&g, 6), 6);
	close(fd);
	ck_assert_uint_eq(wait_events(&g, 9), 9);
	assert_got(&g, 6, EV_KEY, BTN_RIGHT, 0);
	assert_got(&g, 7, EV_KEY, KEY_LEFTALT, 0);
	assert_got(&g, 8, EV_SYN, SYN_REPORT, 0);
	vnc_stop(v);
}
END_TEST

START_TEST(input_without_a_callback_is_dropped)
{
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct vnc *v = start();
	uint32_t w, h;
	uint8_t sh[3];
	int fd = rfb_connect(vnc_port(v), &w, &h, sh);

	rfb_key(fd, 1, 'a');
	rfb_key(fd, 0, 'a');
	/* The server still answers after the dropped input. */
	rfb_request(fd, 0, w, h);
	get(fd, sh, 1);
	ck_assert_uint_eq(sh[0], 0);
	vnc_set_input(v, collect, &g);
	rfb_key(fd, 1, 'b');
	ck_assert_uint_eq(wait_events(&g, 2), 2);
	assert_got(&g, 0, EV_KEY, KEY_B, 1);
	close(fd);
	vnc_stop(v);
}
END_TEST

/* Run gvnccapture against port, saving to path; fails the test unless it
 * exits 0 within 10 s. gvnccapture takes a display number, port - 5900. */
static void capture(int port, const char *path)
{
	char target[64], log[] = "/tmp/test_vnc_log.XXXXXX";
	char *argv[] = {"gvnccapture", "-q", target, (char *)path, NULL};
	posix_spawn_file_actions_t fa;
	struct timespec nap = {0, 10 * 1000 * 1000};
	int lfd = mkstemp(log), status = 0;
	pid_t pid;

	ck_assert_int_ge(lfd, 0);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port - 5900);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, lfd, 1);
	posix_spawn_file_actions_adddup2(&fa, lfd, 2);
	ck_assert_msg(posix_spawnp(&pid, "gvnccapture", &fa, NULL, argv,
				   environ) == 0,
		      "cannot run gvnccapture (install-deps.sh installs it)");
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 1000 && !waitpid(pid, &status, WNOHANG); i++)
		nanosleep(&nap, NULL);
	if (!waitpid(pid, &status, WNOHANG)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		status = -1;
	}
	if (status) {
		char buf[1024] = "";
		ssize_t r = pread(lfd, buf, sizeof(buf) - 1, 0);

		buf[r > 0 ? r : 0] = 0;
		unlink(log);
		ck_abort_msg("gvnccapture %s failed (status %d): %s", target,
			     status, buf);
	}
	close(lfd);
	unlink(log);
}

static void check_capture(struct vnc *v, const struct gs_image *want)
{
	char dir[] = "/tmp/test_vnc.XXXXXX", path[64];
	struct gs_image got;
	struct err e = {{0}};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/shot.png", dir);
	capture(vnc_port(v), path);
	ck_assert_msg(gs_image_read_png(&got, path, &e) == 0, "%s", e.msg);
	unlink(path);
	rmdir(dir);
	assert_same_image(&got, want);
	gs_image_free(&got);
}

START_TEST(gvnccapture_sees_the_published_picture_exactly)
{
	struct vnc *v = start();
	struct gs_image a;

	make_image(&a, 320, 200, 9);
	publish(v, &a);
	check_capture(v, &a);
	gs_image_free(&a);
	vnc_stop(v);
}
END_TEST

START_TEST(gvnccapture_after_changes_and_a_resize_sees_the_latest_picture)
{
	struct vnc *v = start();
	struct gs_image a, b;

	make_image(&a, 320, 200, 10);
	publish(v, &a);
	check_capture(v, &a);
	make_image(&b, 200, 120, 11);
	publish(v, &b);
	b.rgb[((size_t)100 * 200 + 150) * 3] ^= 0x3c;
	publish(v, &b);
	ck_assert_uint_eq(last_tiles(v), 1);
	check_capture(v, &b);
	gs_image_free(&a);
	gs_image_free(&b);
	vnc_stop(v);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vnc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, start_port_zero_picks_a_free_port_serving_rfb);
	tcase_add_test(tc, server_listens_only_on_the_given_address);
	tcase_add_test(tc, start_rejects_bad_address_and_port);
	tcase_add_test(tc, start_on_a_busy_port_fails_with_eaddrinuse);
	tcase_add_test(tc, start_on_ipv6_loopback);
	tcase_add_test(tc, new_resolution_marks_every_tile);
	tcase_add_test(tc, identical_frame_marks_no_tiles);
	tcase_add_test(tc, one_changed_pixel_marks_one_tile);
	tcase_add_test(tc, changes_in_two_tiles_mark_two_tiles);
	tcase_add_test(tc, change_in_partial_edge_tile_marks_one_tile);
	tcase_add_test(tc,
		       first_frame_of_initial_size_marks_only_non_black_tiles);
	tcase_add_test(tc, bad_image_is_rejected_and_changes_nothing);
	tcase_add_test(
		tc, raw_viewer_gets_whole_picture_then_only_the_changed_tile);
	tcase_add_test(tc, raw_viewer_gets_nothing_for_an_unchanged_frame);
	tcase_add_test(tc, stop_disconnects_viewers_and_closes_the_port);
	tcase_add_test(tc,
		       raw_viewer_keys_and_pointer_reach_the_input_callback);
	tcase_add_test(tc, viewer_that_leaves_with_keys_down_has_them_released);
	tcase_add_test(tc, input_without_a_callback_is_dropped);
	tcase_add_test(tc, gvnccapture_sees_the_published_picture_exactly);
	tcase_add_test(
		tc,
		gvnccapture_after_changes_and_a_resize_sees_the_latest_picture);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
