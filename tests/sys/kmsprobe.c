/*
 * kmsprobe: a small KMS client run inside the vkernel guest by the tests
 * (static, raw ioctls, no libdrm in the guest's initramfs).
 *   kmsprobe info                 driver, connector, modes
 *   kmsprobe show W H RGB         modeset W x H showing a pattern: RGB
 *                                 (hex) with a white 16x16 square at
 *                                 (16,16); stays until a line (or the
 *                                 end) on stdin
 *   kmsprobe hostile              impossible requests; prints each one
 *                                 the driver wrongly accepted
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

static int open_vkgpu(void)
{
	char path[32], name[32];

	for (int i = 0; i < 8; i++) {
		struct drm_version v = {.name = name,
					.name_len = sizeof(name) - 1};
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (ioctl(fd, DRM_IOCTL_VERSION, &v) == 0 &&
		    strcmp(name, "vkgpu") == 0)
			return fd;
		close(fd);
	}
	fprintf(stderr, "kmsprobe: no vkgpu DRM device\n");
	exit(2);
}

struct pipe_ids {
	uint32_t crtc, conn;
	struct drm_mode_modeinfo modes[64];
	unsigned nmodes;
};

static void get_pipe(int fd, struct pipe_ids *p)
{
	uint32_t crtcs[4], conns[4];
	struct drm_mode_card_res res = {0};
	struct drm_mode_get_connector c = {0};

	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	res.count_crtcs = 4;
	res.count_connectors = 4;
	if (ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) < 0 ||
	    !res.count_crtcs || !res.count_connectors) {
		perror("kmsprobe: GETRESOURCES");
		exit(1);
	}
	p->crtc = crtcs[0];
	p->conn = conns[0];
	/* A first call with no room for modes makes the driver probe. */
	c.connector_id = p->conn;
	if (ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c) < 0) {
		perror("kmsprobe: GETCONNECTOR");
		exit(1);
	}
	memset(&c, 0, sizeof(c));
	c.connector_id = p->conn;
	c.count_modes = 64;
	c.modes_ptr = (uintptr_t)p->modes;
	if (ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c) < 0) {
		perror("kmsprobe: GETCONNECTOR");
		exit(1);
	}
	p->nmodes = c.count_modes < 64 ? c.count_modes : 64;
}

struct fb {
	uint32_t handle, id, pitch;
	uint64_t size;
	uint32_t *px;
};

static int make_fb(int fd, unsigned w, unsigned h, struct fb *f)
{
	struct drm_mode_create_dumb cd = {.width = w, .height = h, .bpp = 32};
	struct drm_mode_map_dumb md = {0};
	struct drm_mode_fb_cmd2 fc = {0};

	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd) < 0)
		return -errno;
	md.handle = cd.handle;
	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md) < 0)
		return -errno;
	f->px = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		     md.offset);
	if (f->px == MAP_FAILED)
		return -errno;
	fc.width = w;
	fc.height = h;
	fc.pixel_format = 0x34325258; /* XR24 */
	fc.handles[0] = cd.handle;
	fc.pitches[0] = cd.pitch;
	if (ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fc) < 0)
		return -errno;
	f->handle = cd.handle;
	f->id = fc.fb_id;
	f->pitch = cd.pitch;
	f->size = cd.size;
	return 0;
}

static int set_crtc(int fd, struct pipe_ids *p, uint32_t fb,
		    struct drm_mode_modeinfo *m)
{
	struct drm_mode_crtc sc = {0};

	sc.crtc_id = p->crtc;
	sc.fb_id = fb;
	sc.set_connectors_ptr = (uintptr_t)&p->conn;
	sc.count_connectors = 1;
	sc.mode = *m;
	sc.mode_valid = 1;
	return ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &sc) < 0 ? -errno : 0;
}

static struct drm_mode_modeinfo *find_mode(struct pipe_ids *p, unsigned w,
					   unsigned h)
{
	for (unsigned i = 0; i < p->nmodes; i++)
		if (p->modes[i].hdisplay == w && p->modes[i].vdisplay == h)
			return &p->modes[i];
	return NULL;
}

static int info(int fd)
{
	struct pipe_ids p;

	get_pipe(fd, &p);
	printf("driver vkgpu crtc %u connector %u modes %u\n", p.crtc, p.conn,
	       p.nmodes);
	for (unsigned i = 0; i < p.nmodes; i++)
		printf("mode %ux%u%s\n", p.modes[i].hdisplay,
		       p.modes[i].vdisplay,
		       p.modes[i].type & DRM_MODE_TYPE_PREFERRED ? " preferred"
								 : "");
	return 0;
}

static int show(int fd, unsigned w, unsigned h, uint32_t rgb)
{
	struct pipe_ids p;
	struct drm_mode_modeinfo *m;
	struct fb f;
	char buf[16];
	int rc;

	get_pipe(fd, &p);
	m = find_mode(&p, w, h);
	if (!m) {
		fprintf(stderr, "kmsprobe: no mode %ux%u\n", w, h);
		return 1;
	}
	rc = make_fb(fd, w, h, &f);
	if (rc == 0) {
		for (unsigned y = 0; y < h; y++)
			for (unsigned x = 0; x < w; x++)
				f.px[y * (f.pitch / 4) + x] =
					x >= 16 && x < 32 && y >= 16 && y < 32
						? 0xffffff
						: rgb;
		rc = set_crtc(fd, &p, f.id, m);
	}
	if (rc) {
		fprintf(stderr, "kmsprobe: show: %s\n", strerror(-rc));
		return 1;
	}
	printf("shown %ux%u pitch %u\n", w, h, f.pitch);
	fflush(stdout);
	/* Until a line (or the end) on stdin. */
	while (read(0, buf, sizeof(buf)) < 0 && errno == EINTR)
		;
	return 0;
}

/* A request that must fail; prints it when it did not. */
static int expect_fail(const char *what, int rc)
{
	if (rc == 0) {
		printf("ACCEPTED %s\n", what);
		return 1;
	}
	printf("refused %s (%s)\n", what, strerror(-rc));
	return 0;
}

static int ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static int hostile(int fd)
{
	struct drm_mode_create_dumb huge = {
		.width = 16000, .height = 12000, .bpp = 32};
	struct drm_mode_create_dumb wrap = {
		.width = 0xffffffff, .height = 0xffffffff, .bpp = 32};
	struct drm_mode_fb_cmd2 fc = {
		.width = 1024, .height = 768, .pixel_format = 0x34325258};
	struct pipe_ids p;
	struct fb f;
	int bad = 0;

	get_pipe(fd, &p);
	bad += expect_fail("dumb buffer larger than VRAM",
			   ioc(fd, DRM_IOCTL_MODE_CREATE_DUMB, &huge));
	bad += expect_fail("dumb buffer with overflowing size",
			   ioc(fd, DRM_IOCTL_MODE_CREATE_DUMB, &wrap));
	if (make_fb(fd, 64, 64, &f) < 0) {
		printf("ACCEPTED nothing: a 64x64 buffer failed\n");
		return 1;
	}
	fc.handles[0] = f.handle;
	fc.pitches[0] = 4096;
	bad += expect_fail("framebuffer larger than its buffer",
			   ioc(fd, DRM_IOCTL_MODE_ADDFB2, &fc));
	fc.width = 64;
	fc.height = 64;
	fc.pitches[0] = f.pitch;
	fc.offsets[0] = f.size;
	bad += expect_fail("framebuffer starting past its buffer",
			   ioc(fd, DRM_IOCTL_MODE_ADDFB2, &fc));
	fc.offsets[0] = 0;
	fc.pitches[0] = 258;
	bad += expect_fail("pitch not a whole pixel count",
			   ioc(fd, DRM_IOCTL_MODE_ADDFB2, &fc));
	if (p.nmodes)
		bad += expect_fail("1024x768 mode on a 64x64 framebuffer",
				   set_crtc(fd, &p, f.id, &p.modes[0]));
	{
		struct drm_mode_map_dumb md = {.handle = f.handle};
		void *q;

		ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md);
		q = mmap(NULL, f.size * 4, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, md.offset);
		bad += expect_fail("mapping 4x the buffer's size",
				   q == MAP_FAILED ? -errno : 0);
	}
	printf("hostile: %d accepted\n", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: kmsprobe info|show W H RGB|hostile\n");
		return 2;
	}
	fd = open_vkgpu();
	if (!strcmp(argv[1], "info"))
		return info(fd);
	if (!strcmp(argv[1], "show") && argc == 5)
		return show(fd, atoi(argv[2]), atoi(argv[3]),
			    strtoul(argv[4], NULL, 16));
	if (!strcmp(argv[1], "hostile"))
		return hostile(fd);
	fprintf(stderr, "kmsprobe: unknown command %s\n", argv[1]);
	return 2;
}
