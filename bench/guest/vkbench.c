/*
 * vkbench: the guest side of bench/bench_vkernel.sh (bench/README.md).
 * Static, raw DRM ioctls (the guest has no libdrm headers or library).
 *
 *   vkbench fill ram|vram [-s MIB] [-n RUNS] [-r REPS]
 *       time memset and memcpy over a buffer: "ram" is malloc'd memory
 *       (the host's or the guest's), "vram" a dumb buffer of the vkgpu
 *       DRM device, mapped. Each run gets a fresh buffer: its first
 *       memset is the first touch (page faults included), then REPS
 *       memsets, memcpys into it and out of it.
 *   vkbench modeset [-n N] [--xorg PID]
 *       time N legacy SETCRTCs alternating two modes, N SETCRTCs of one
 *       mode alternating two framebuffers (a flip through SETCRTC), and N
 *       PAGE_FLIPs (ioctl return and flip event). Needs DRM master: with
 *       --xorg it borrows the X server's file (pidfd_getfd), so stop that
 *       server meanwhile; the CRTC is restored and the buffers freed after.
 *
 * Output: one line per measurement,
 *   RESULT WHERE OP BYTES MEDIAN_S MIN_S MAX_S COUNT
 * (BYTES is 0 for the modeset lines); modeset also prints
 *   MODES WxH@HZ WxH@HZ fb WxH      (mode A, mode B, framebuffer size)
 *   FAILED page_flip WHY            (when the driver refuses page flips)
 * Exit 0, or 1 with a message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#define MAX_SAMPLES 4096
#define XR24	    0x34325258 /* DRM_FORMAT_XRGB8888 */

/* Through volatile pointers, so the compiler keeps every call. */
static void *(*volatile do_memset)(void *, int, size_t) = memset;
static void *(*volatile do_memcpy)(void *, const void *, size_t) = memcpy;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "vkbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *msg)
{
	fprintf(stderr, "vkbench: %s\n", msg);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v; prints the RESULT line. */
static void report(const char *where, const char *op, size_t bytes, double *v,
		   int n)
{
	if (n <= 0)
		return;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("RESULT %s %s %zu %.9f %.9f %.9f %d\n", where, op, bytes,
	       n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1],
	       n);
	fflush(stdout);
}

static int ioc(int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

static int is_vkgpu(int fd)
{
	char name[32] = {0};
	struct drm_version v = {.name = name, .name_len = sizeof(name) - 1};

	return ioc(fd, DRM_IOCTL_VERSION, &v) == 0 && !strcmp(name, "vkgpu");
}

static int open_vkgpu(void)
{
	char path[32];

	for (int i = 0; i < 8; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_vkgpu(fd))
			return fd;
		close(fd);
	}
	fail("no vkgpu DRM device in /dev/dri");
	return -1;
}

struct dumb {
	uint32_t handle, pitch, fb;
	size_t size;
	void *px;
};

/* A dumb buffer of W x H at 32 bpp, mapped. */
static int dumb_create(int fd, uint32_t w, uint32_t h, struct dumb *d)
{
	struct drm_mode_create_dumb cd = {.width = w, .height = h, .bpp = 32};
	struct drm_mode_map_dumb md = {0};
	int rc;

	memset(d, 0, sizeof(*d));
	rc = ioc(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (rc)
		return rc;
	d->handle = cd.handle;
	d->pitch = cd.pitch;
	d->size = cd.size;
	md.handle = cd.handle;
	rc = ioc(fd, DRM_IOCTL_MODE_MAP_DUMB, &md);
	if (rc)
		return rc;
	d->px = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		     (off_t)md.offset);
	if (d->px == MAP_FAILED) {
		d->px = NULL;
		return -errno;
	}
	return 0;
}

static void dumb_destroy(int fd, struct dumb *d)
{
	struct drm_mode_destroy_dumb dd = {.handle = d->handle};

	if (d->fb)
		ioc(fd, DRM_IOCTL_MODE_RMFB, &d->fb);
	if (d->px)
		munmap(d->px, d->size);
	if (d->handle)
		ioc(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
	memset(d, 0, sizeof(*d));
}

/* ---- fill ---- */

struct fill_opts {
	int vram;
	size_t bytes;
	int runs, reps;
};

struct fill_samples {
	double first[MAX_SAMPLES], set[MAX_SAMPLES], in[MAX_SAMPLES],
		out[MAX_SAMPLES];
	int n, nrep;
};

static void *buf_get(int fd, const struct fill_opts *o, struct dumb *d)
{
	int rc;
	void *p;

	if (!o->vram) {
		p = malloc(o->bytes);
		if (!p)
			die("malloc");
		return p;
	}
	/* 1024 pixels a line: the pitch is the width, no padding. */
	rc = dumb_create(fd, 1024, (uint32_t)(o->bytes / 4096), d);
	if (rc) {
		errno = -rc;
		die("dumb buffer");
	}
	return d->px;
}

static void buf_put(int fd, const struct fill_opts *o, struct dumb *d, void *p)
{
	if (o->vram)
		dumb_destroy(fd, d);
	else
		free(p);
}

static void fill_run(int fd, const struct fill_opts *o, uint8_t *src,
		     uint8_t *dst, struct fill_samples *s)
{
	struct dumb d;
	uint8_t *p = buf_get(fd, o, &d);
	double t;

	t = now();
	do_memset(p, 0x5a, o->bytes);
	s->first[s->n++] = now() - t;
	for (int k = 0; k < o->reps; k++) {
		int i = s->nrep++;

		t = now();
		do_memset(p, k, o->bytes);
		s->set[i] = now() - t;
		t = now();
		do_memcpy(p, src, o->bytes);
		s->in[i] = now() - t;
		t = now();
		do_memcpy(dst, p, o->bytes);
		s->out[i] = now() - t;
	}
	buf_put(fd, o, &d, p);
}

static int fill(const struct fill_opts *o)
{
	static struct fill_samples s;
	const char *where = o->vram ? "vram" : "ram";
	uint8_t *src = malloc(o->bytes), *dst = malloc(o->bytes);
	int fd = o->vram ? open_vkgpu() : -1;

	if (!src || !dst)
		die("malloc");
	/* The source and destination are touched before anything is timed. */
	memset(src, 0xa5, o->bytes);
	memset(dst, 0, o->bytes);
	for (int r = 0; r < o->runs; r++)
		fill_run(fd, o, src, dst, &s);
	report(where, "first_touch", o->bytes, s.first, s.n);
	report(where, "memset", o->bytes, s.set, s.nrep);
	report(where, "memcpy_in", o->bytes, s.in, s.nrep);
	report(where, "memcpy_out", o->bytes, s.out, s.nrep);
	return 0;
}

/* ---- modeset ---- */

struct pipe {
	uint32_t crtc, conn;
	struct drm_mode_modeinfo modes[64];
	unsigned nmodes;
	struct drm_mode_crtc saved;
};

static void get_pipe(int fd, struct pipe *p)
{
	uint32_t crtcs[4], conns[4];
	struct drm_mode_card_res res = {0};
	struct drm_mode_get_connector c = {0};

	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	res.count_crtcs = 4;
	res.count_connectors = 4;
	if (ioc(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) || !res.count_crtcs ||
	    !res.count_connectors)
		fail("GETRESOURCES: no CRTC or connector");
	p->crtc = crtcs[0];
	p->conn = conns[0];
	c.connector_id = p->conn;
	c.count_modes = 64;
	c.modes_ptr = (uintptr_t)p->modes;
	if (ioc(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c))
		fail("GETCONNECTOR failed");
	p->nmodes = c.count_modes < 64 ? c.count_modes : 64;
	p->saved.crtc_id = p->crtc;
	if (ioc(fd, DRM_IOCTL_MODE_GETCRTC, &p->saved))
		fail("GETCRTC failed");
}

/* Mode A: the preferred one; mode B: 1024x768, else any other size. */
static void pick_modes(struct pipe *p, struct drm_mode_modeinfo **a,
		       struct drm_mode_modeinfo **b)
{
	*a = *b = NULL;
	for (unsigned i = 0; i < p->nmodes; i++)
		if (p->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			*a = &p->modes[i];
	if (!*a && p->nmodes)
		*a = &p->modes[0];
	if (!*a)
		fail("the connector has no modes");
	for (unsigned i = 0; i < p->nmodes; i++) {
		struct drm_mode_modeinfo *m = &p->modes[i];

		if (m->hdisplay == (*a)->hdisplay &&
		    m->vdisplay == (*a)->vdisplay)
			continue;
		if (!*b || (m->hdisplay == 1024 && m->vdisplay == 768))
			*b = m;
	}
	if (!*b)
		fail("the connector has only one mode size");
}

static int set_crtc(int fd, struct pipe *p, uint32_t fb,
		    const struct drm_mode_modeinfo *m)
{
	struct drm_mode_crtc sc = {0};

	sc.crtc_id = p->crtc;
	sc.fb_id = fb;
	if (m) {
		sc.set_connectors_ptr = (uintptr_t)&p->conn;
		sc.count_connectors = 1;
		sc.mode = *m;
		sc.mode_valid = 1;
	}
	return ioc(fd, DRM_IOCTL_MODE_SETCRTC, &sc);
}

static void make_fb(int fd, uint32_t w, uint32_t h, uint32_t rgb,
		    struct dumb *d)
{
	struct drm_mode_fb_cmd2 fc = {0};
	int rc = dumb_create(fd, w, h, d);

	if (rc) {
		errno = -rc;
		die("dumb buffer for a framebuffer");
	}
	for (size_t i = 0; i < d->size / 4; i++)
		((uint32_t *)d->px)[i] = rgb;
	fc.width = w;
	fc.height = h;
	fc.pixel_format = XR24;
	fc.handles[0] = d->handle;
	fc.pitches[0] = d->pitch;
	rc = ioc(fd, DRM_IOCTL_MODE_ADDFB2, &fc);
	if (rc) {
		errno = -rc;
		die("ADDFB2");
	}
	d->fb = fc.fb_id;
}

/* Waits up to a second for the flip event carrying DATA. */
static int wait_flip(int fd, uint64_t data)
{
	char buf[1024];
	double end = now() + 1.0;

	while (now() < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t len;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		len = read(fd, buf, sizeof(buf));
		for (ssize_t off = 0;
		     len > 0 &&
		     off + (ssize_t)sizeof(struct drm_event) <= len;) {
			struct drm_event e;
			struct drm_event_vblank vb;

			memcpy(&e, buf + off, sizeof(e));
			if (e.length < sizeof(e) || off + e.length > len)
				break;
			if (e.type == DRM_EVENT_FLIP_COMPLETE &&
			    e.length >= sizeof(vb)) {
				memcpy(&vb, buf + off, sizeof(vb));
				if (vb.user_data == data)
					return 0;
			}
			off += e.length;
		}
	}
	return -ETIMEDOUT;
}

static double samples[3][MAX_SAMPLES];

/* SETCRTC N times, alternating modes (or only framebuffers). */
static int time_setcrtc(int fd, struct pipe *p, struct dumb *fb,
			struct drm_mode_modeinfo *ma,
			struct drm_mode_modeinfo *mb, int n, double *v)
{
	for (int i = 0; i < n; i++) {
		double t = now();
		int rc = set_crtc(fd, p, fb[(i + 1) % 2].fb,
				  (i + 1) % 2 ? mb : ma);

		v[i] = now() - t;
		if (rc)
			return rc;
	}
	return 0;
}

static int time_flips(int fd, struct pipe *p, struct dumb *fb, int n,
		      double *vi, double *ve)
{
	for (int i = 0; i < n; i++) {
		struct drm_mode_crtc_page_flip pf = {
			.crtc_id = p->crtc,
			.fb_id = fb[(i + 1) % 2].fb,
			.flags = DRM_MODE_PAGE_FLIP_EVENT,
			.user_data = 0x7662000000000000ull + (uint64_t)i,
		};
		double t = now();
		int rc = ioc(fd, DRM_IOCTL_MODE_PAGE_FLIP, &pf);

		vi[i] = now() - t;
		if (rc)
			return rc;
		rc = wait_flip(fd, pf.user_data);
		ve[i] = now() - t;
		if (rc)
			return rc;
	}
	return 0;
}

/* The X server's DRM file: the fd of PID that is the current master. */
static int borrow_master(int pid)
{
	char dir[64], link[64];
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), found = -1;
	struct dirent *de;
	DIR *d;

	if (pidfd < 0)
		die("pidfd_open");
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		die(dir);
	while (found < 0 && (de = readdir(d))) {
		ssize_t len;
		int fd;

		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (strncmp(link, "/dev/dri/card", 13))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0)
			die("pidfd_getfd");
		/* SET_MASTER succeeds on the file that already is master. */
		if (is_vkgpu(fd) && ioc(fd, DRM_IOCTL_SET_MASTER, NULL) == 0)
			found = fd;
		else
			close(fd);
	}
	closedir(d);
	close(pidfd);
	if (found < 0)
		fail("the X server holds no vkgpu master file");
	return found;
}

static void restore(int fd, struct pipe *p)
{
	int rc = p->saved.mode_valid
			 ? set_crtc(fd, p, p->saved.fb_id, &p->saved.mode)
			 : set_crtc(fd, p, 0, NULL);

	if (rc)
		fprintf(stderr, "vkbench: restoring the CRTC: %s\n",
			strerror(-rc));
}

static int modeset(int n, int xorg)
{
	static struct pipe p;
	struct drm_mode_modeinfo *ma, *mb;
	struct dumb fb[2];
	int fd = xorg ? borrow_master(xorg) : open_vkgpu();
	uint32_t w, h;
	int rc;

	get_pipe(fd, &p);
	pick_modes(&p, &ma, &mb);
	w = ma->hdisplay > mb->hdisplay ? ma->hdisplay : mb->hdisplay;
	h = ma->vdisplay > mb->vdisplay ? ma->vdisplay : mb->vdisplay;
	make_fb(fd, w, h, 0x204a87, &fb[0]);
	make_fb(fd, w, h, 0xe08020, &fb[1]);
	printf("MODES %ux%u@%u %ux%u@%u fb %ux%u\n", ma->hdisplay, ma->vdisplay,
	       ma->vrefresh, mb->hdisplay, mb->vdisplay, mb->vrefresh, w, h);
	rc = set_crtc(fd, &p, fb[0].fb, ma);
	if (!rc)
		rc = time_setcrtc(fd, &p, fb, ma, mb, n, samples[0]);
	if (!rc)
		report("kms", "setcrtc_modeset", 0, samples[0], n);
	if (!rc)
		rc = time_setcrtc(fd, &p, fb, ma, ma, n, samples[0]);
	if (!rc)
		report("kms", "setcrtc_flip", 0, samples[0], n);
	if (!rc) {
		rc = time_flips(fd, &p, fb, n, samples[1], samples[2]);
		if (rc)
			printf("FAILED page_flip %s\n", strerror(-rc));
		else {
			report("kms", "page_flip_ioctl", 0, samples[1], n);
			report("kms", "page_flip_event", 0, samples[2], n);
		}
		rc = 0;
	}
	restore(fd, &p);
	dumb_destroy(fd, &fb[0]);
	dumb_destroy(fd, &fb[1]);
	if (rc) {
		errno = -rc;
		die("SETCRTC");
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vkbench fill ram|vram [-s MIB] [-n RUNS] [-r REPS]\n"
		"       vkbench modeset [-n N] [--xorg PID]\n"
		"Prints RESULT WHERE OP BYTES MEDIAN_S MIN_S MAX_S COUNT lines "
		"(bench/README.md).\n");
}

/* A number in [lo, hi] or exit. */
static int num(const char *s, int lo, int hi)
{
	char *end;
	long v = strtol(s ? s : "", &end, 10);

	if (!s || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "vkbench: %s: not a number in %d..%d\n",
			s ? s : "(missing)", lo, hi);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	struct fill_opts fo = {.bytes = 4u << 20, .runs = 5, .reps = 5};
	int n = 20, xorg = 0, i = 2;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* Big blocks straight from mmap, every time: a fresh buffer. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (!strcmp(argv[1], "fill")) {
		if (argc < 3 ||
		    (strcmp(argv[2], "ram") && strcmp(argv[2], "vram")))
			return usage(stderr), 2;
		fo.vram = !strcmp(argv[2], "vram");
		for (i = 3; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "-s"))
				fo.bytes = (size_t)num(argv[i + 1], 1, 64)
					   << 20;
			else if (!strcmp(argv[i], "-n"))
				fo.runs = num(argv[i + 1], 1, 64);
			else if (!strcmp(argv[i], "-r"))
				fo.reps = num(argv[i + 1], 1, 64);
			else
				break;
		}
		if (i != argc)
			return usage(stderr), 2;
		return fill(&fo);
	}
	if (!strcmp(argv[1], "modeset")) {
		for (; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "-n"))
				n = num(argv[i + 1], 1, MAX_SAMPLES);
			else if (!strcmp(argv[i], "--xorg"))
				xorg = num(argv[i + 1], 2, 1 << 22);
			else
				break;
		}
		if (i != argc)
			return usage(stderr), 2;
		return modeset(n, xorg);
	}
	fprintf(stderr, "vkbench: unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}
