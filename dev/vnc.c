/*
 * Live display over VNC with libvncserver (see vnc.h).
 *
 * vnc_frame compares the new picture with the previous one in 64x64 tiles,
 * copies the tiles that differ into its own RGB copy and flags them dirty;
 * it never touches libvncserver, so a slow viewer cannot stall it. Each
 * server's event thread then converts the dirty tiles into the 32-bit
 * framebuffer libvncserver encodes from, marks them modified and runs
 * rfbProcessEvents (accept viewers, read requests, send updates).
 *
 * Why not rfbRunEventLoop in the background: that mode starts two threads
 * per viewer which read the framebuffer under per-viewer locks; rewriting
 * tiles safely would mean taking every viewer's lock, and a viewer accepted
 * meanwhile would escape it. Here the framebuffer has a single user, the
 * event thread. libvncserver also keeps its client-list mutex as a static
 * that every rfbGetScreen re-initialises, so all libvncserver calls of all
 * instances are made under vnc_lib_lock. Lock order: vnc_lib_lock, then a
 * server's own lock (which guards what vnc_frame shares with the thread).
 * Viewer input arrives in the same thread, inside rfbProcessEvents, and
 * goes straight to the vnc_set_input callback.
 * The price of one thread: a viewer that stops in the middle of a message
 * holds up the others until libvncserver gives up on it (rfbMaxClientWait,
 * 20 s); acceptable for a display watched over loopback.
 */
#include "vnc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <rfb/rfb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define VNC_MAX_SIDE 65535u /* RFB sends sizes as 16-bit numbers */
#define VNC_INIT_W   640u
#define VNC_INIT_H   480u

struct vnc {
	/* The event thread's, used under vnc_lib_lock. */
	rfbScreenInfoPtr screen;
	uint32_t *fb; /* screen->frameBuffer, in the server pixel format */
	int rshift, gshift, bshift;
	vnc_input_fn *input_fn;
	void *input_opaque;
	struct vnc_input_state input;

	/* Shared by vnc_frame and the event thread, under lock. */
	pthread_mutex_t lock;
	struct gs_image pic; /* the latest published picture */
	uint8_t *dirty;	     /* per tile: changed since copied into fb */
	uint32_t *new_fb; /* pic changed size: the framebuffer to switch to */
	int pending;	  /* dirty tiles or new_fb waiting */
	int stopping;
	struct vnc_stats stats;

	int port;
	int wake; /* eventfd: work for the event thread */
	pthread_t thread;
};

static pthread_mutex_t vnc_lib_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t tiles_across(uint32_t px)
{
	return (px + VNC_TILE - 1) / VNC_TILE;
}

static uint32_t tile_count(const struct gs_image *img)
{
	return tiles_across(img->width) * tiles_across(img->height);
}

/* Bind and listen on addr:port; returns the socket or a negative errno. */
static int listen_on(const char *addr, int port, int *bound, struct err *e)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int one = 1, fd, rc;

	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof(*in6);
	} else {
		return err_set(
			e, -EINVAL,
			"vnc: '%s' is not a numeric IPv4 or IPv6 address",
			addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, -errno, "vnc: socket: %s", strerror(errno));
	/* A restarted gpud must get its port back while connections of the
	 * previous one linger in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		rc = err_set(e, -errno, "vnc: listen on %s port %d: %s", addr,
			     port, strerror(errno));
		close(fd);
		return rc;
	}
	/* libvncserver waits with select(), which cannot watch higher fds. */
	if (fd >= FD_SETSIZE) {
		close(fd);
		return err_set(e, -EMFILE, "vnc: socket fd over FD_SETSIZE");
	}
	*bound =
		ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
	return fd;
}

/* Its only failure, a counter about to overflow, still means "wake up". */
static void wake(struct vnc *v)
{
	eventfd_write(v->wake, 1);
}

static uint32_t pixel(const struct vnc *v, const uint8_t *rgb)
{
	return (uint32_t)rgb[0] << v->rshift | (uint32_t)rgb[1] << v->gshift |
	       (uint32_t)rgb[2] << v->bshift;
}

/* Convert the rectangle x,y w*h of v->pic into v->fb. */
static void convert_rect(struct vnc *v, uint32_t x, uint32_t y, uint32_t w,
			 uint32_t h)
{
	const struct gs_image *p = &v->pic;

	for (uint32_t r = y; r < y + h; r++) {
		const uint8_t *src = p->rgb + ((size_t)r * p->width + x) * 3;
		uint32_t *dst = v->fb + (size_t)r * p->width + x;

		for (uint32_t c = 0; c < w; c++)
			dst[c] = pixel(v, src + (size_t)c * 3);
	}
}

/* Event thread, both locks held: bring the framebuffer up to v->pic. */
static void apply_pending(struct vnc *v)
{
	const struct gs_image *p = &v->pic;
	uint32_t across = tiles_across(p->width), n = tile_count(p);
	uint32_t x, y, w, h;

	if (v->new_fb) {
		uint32_t *old = v->fb;

		v->fb = v->new_fb;
		v->new_fb = NULL;
		convert_rect(v, 0, 0, p->width, p->height);
		memset(v->dirty, 0, n);
		/* Marks everything modified and tells DesktopSize viewers. */
		rfbNewFramebuffer(v->screen, (char *)v->fb, (int)p->width,
				  (int)p->height, 8, 3, 4);
		free(old);
		return;
	}
	for (uint32_t t = 0; t < n; t++) {
		if (!v->dirty[t])
			continue;
		v->dirty[t] = 0;
		x = t % across * VNC_TILE;
		y = t / across * VNC_TILE;
		w = p->width - x < VNC_TILE ? p->width - x : VNC_TILE;
		h = p->height - y < VNC_TILE ? p->height - y : VNC_TILE;
		convert_rect(v, x, y, w, h);
		rfbMarkRectAsModified(v->screen, (int)x, (int)y, (int)(x + w),
				      (int)(y + h));
	}
}

static void *vnc_thread(void *arg)
{
	struct vnc *v = arg;
	eventfd_t n;
	fd_set fds;
	int maxfd, stop;

	for (;;) {
		pthread_mutex_lock(&vnc_lib_lock);
		pthread_mutex_lock(&v->lock);
		stop = v->stopping;
		if (!stop && v->pending)
			apply_pending(v);
		v->pending = 0;
		pthread_mutex_unlock(&v->lock);
		if (!stop) {
			rfbProcessEvents(v->screen, 0);
			fds = v->screen->allFds;
			maxfd = v->screen->maxFd;
		}
		pthread_mutex_unlock(&vnc_lib_lock);
		if (stop)
			return NULL;

		FD_SET(v->wake, &fds);
		if (v->wake > maxfd)
			maxfd = v->wake;
		if (select(maxfd + 1, &fds, NULL, NULL, NULL) > 0 &&
		    FD_ISSET(v->wake, &fds))
			eventfd_read(v->wake, &n);
	}
}

/* Input callbacks: libvncserver calls them from rfbProcessEvents (or
 * rfbShutdownServer), so with vnc_lib_lock held. */
static void deliver(struct vnc *v, const struct vnc_input_ev *ev, size_t n)
{
	if (n && v->input_fn)
		v->input_fn(v->input_opaque, ev, n);
}

static void on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
	struct vnc *v = cl->screen->screenData;
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	deliver(v, ev, vnc_input_key(&v->input, keysym, down, ev));
}

static void on_pointer(int mask, int x, int y, rfbClientPtr cl)
{
	struct vnc *v = cl->screen->screenData;
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	deliver(v, ev,
		vnc_input_pointer(&v->input, (unsigned)mask, x, y,
				  (unsigned)cl->screen->width,
				  (unsigned)cl->screen->height, ev));
}

/* A viewer that leaves with a key or button down must not leave it
 * stuck in the guest. */
static void on_client_gone(rfbClientPtr cl)
{
	struct vnc *v = cl->screen->screenData;
	struct vnc_input_ev ev[VNC_INPUT_MAX_RELEASE];

	deliver(v, ev, vnc_input_release_all(&v->input, ev));
}

static enum rfbNewClientAction on_new_client(rfbClientPtr cl)
{
	cl->clientGoneHook = on_client_gone;
	return RFB_CLIENT_ACCEPT;
}

void vnc_set_input(struct vnc *v, vnc_input_fn *fn, void *opaque)
{
	pthread_mutex_lock(&vnc_lib_lock);
	v->input_fn = fn;
	v->input_opaque = opaque;
	pthread_mutex_unlock(&vnc_lib_lock);
}

/* libvncserver narrates every connection (and its statistics) through
 * rfbLog; errors go through rfbErr, which stays on stderr. */
static void quiet_log(const char *fmt, ...)
{
}

/* Create the libvncserver screen around v->fb, serving listen socket fd.
 * Called with vnc_lib_lock held. */
static int screen_init(struct vnc *v, int fd, struct err *e)
{
	rfbScreenInfoPtr s;

	rfbLog = quiet_log;
	s = rfbGetScreen(NULL, NULL, VNC_INIT_W, VNC_INIT_H, 8, 3, 4);
	if (!s)
		return err_set(e, -ENOMEM, "vnc: rfbGetScreen failed");
	s->frameBuffer = (char *)v->fb;
	s->desktopName = "gpud";
	s->screenData = v;
	s->kbdAddEvent = on_key;
	s->ptrAddEvent = on_pointer;
	s->newClientHook = on_new_client;
	s->alwaysShared = TRUE; /* a second viewer must not evict the first */
	s->deferUpdateTime = 0; /* our loop has no timer to flush deferrals */
	/* Without a cursor libvncserver would paint one into the picture
	 * for viewers that cannot draw it themselves. */
	s->cursor = NULL;
	/* Our socket replaces the listeners rfbInitServer would open (on
	 * every interface, and never on port 0). */
	s->port = 0;
	s->ipv6port = 0;
	rfbInitServer(s);
	s->listenSock = fd;
	FD_SET(fd, &s->allFds);
	if (fd > s->maxFd)
		s->maxFd = fd;
	v->rshift = s->serverFormat.redShift;
	v->gshift = s->serverFormat.greenShift;
	v->bshift = s->serverFormat.blueShift;
	v->screen = s;
	return 0;
}

/* Free v and everything it owns; the event thread must not be running. */
static void vnc_free(struct vnc *v)
{
	if (v->screen) {
		pthread_mutex_lock(&vnc_lib_lock);
		rfbShutdownServer(v->screen, TRUE);
		rfbScreenCleanup(v->screen);
		pthread_mutex_unlock(&vnc_lib_lock);
	}
	if (v->wake >= 0)
		close(v->wake);
	pthread_mutex_destroy(&v->lock);
	free(v->fb);
	free(v->new_fb);
	free(v->dirty);
	gs_image_free(&v->pic);
	free(v);
}

/* The state before the first frame: a black 640x480 picture. */
static int vnc_alloc(struct vnc **out, struct err *e)
{
	struct vnc *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return err_set(e, -ENOMEM, "vnc: out of memory");
	v->wake = -1;
	pthread_mutex_init(&v->lock, NULL);
	rc = gs_image_alloc(&v->pic, VNC_INIT_W, VNC_INIT_H, e);
	v->fb = calloc((size_t)VNC_INIT_W * VNC_INIT_H, sizeof(*v->fb));
	v->dirty = calloc(tile_count(&v->pic), 1);
	if (!rc && (!v->fb || !v->dirty))
		rc = err_set(e, -ENOMEM, "vnc: out of memory");
	if (rc) {
		vnc_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int vnc_start(const char *addr, int port, struct vnc **out, struct err *e)
{
	struct vnc *v = NULL;
	int fd, rc;

	if (port < 0 || port > 65535)
		return err_set(e, -EINVAL, "vnc: port %d is not in 0..65535",
			       port);
	rc = vnc_alloc(&v, e);
	if (rc)
		return rc;
	v->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->wake < 0 || v->wake >= FD_SETSIZE) {
		rc = err_set(e, v->wake < 0 ? -errno : -EMFILE,
			     "vnc: eventfd: %s",
			     v->wake < 0 ? strerror(errno) : "fd too high");
		goto fail;
	}
	fd = listen_on(addr ? addr : "127.0.0.1", port, &v->port, e);
	if (fd < 0) {
		rc = fd;
		goto fail;
	}
	pthread_mutex_lock(&vnc_lib_lock);
	rc = screen_init(v, fd, e);
	pthread_mutex_unlock(&vnc_lib_lock);
	if (rc) {
		close(fd);
		goto fail;
	}
	rc = -pthread_create(&v->thread, NULL, vnc_thread, v);
	if (rc) {
		err_set(e, rc, "vnc: pthread_create: %s", strerror(-rc));
		goto fail;
	}
	*out = v;
	return 0;
fail:
	vnc_free(v);
	return rc;
}

static int tile_differs(const struct gs_image *a, const struct gs_image *b,
			uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	size_t off;

	for (uint32_t r = y; r < y + h; r++) {
		off = ((size_t)r * a->width + x) * 3;
		if (memcmp(a->rgb + off, b->rgb + off, (size_t)w * 3))
			return 1;
	}
	return 0;
}

/* Same size as before, lock held: copy the tiles that differ into v->pic
 * and flag them; returns how many. */
static uint32_t diff_tiles(struct vnc *v, const struct gs_image *img)
{
	uint32_t n = 0, t = 0, w, h;
	size_t off;

	for (uint32_t y = 0; y < img->height; y += VNC_TILE) {
		h = img->height - y < VNC_TILE ? img->height - y : VNC_TILE;
		for (uint32_t x = 0; x < img->width; x += VNC_TILE, t++) {
			w = img->width - x < VNC_TILE ? img->width - x
						      : VNC_TILE;
			if (!tile_differs(&v->pic, img, x, y, w, h))
				continue;
			for (uint32_t r = y; r < y + h; r++) {
				off = ((size_t)r * img->width + x) * 3;
				memcpy(v->pic.rgb + off, img->rgb + off,
				       (size_t)w * 3);
			}
			v->dirty[t] = 1;
			n++;
		}
	}
	return n;
}

/* New size, lock held: new picture, tile flags and framebuffer for the
 * event thread to switch to. Nothing changes unless all allocations
 * succeed. */
static int replace_picture(struct vnc *v, const struct gs_image *img,
			   struct err *e)
{
	struct gs_image pic;
	uint32_t *fb;
	uint8_t *dirty;
	int rc;

	rc = gs_image_alloc(&pic, img->width, img->height, e);
	if (rc)
		return rc;
	fb = malloc((size_t)img->width * img->height * sizeof(*fb));
	dirty = calloc(tile_count(img), 1);
	if (!fb || !dirty) {
		free(fb);
		free(dirty);
		gs_image_free(&pic);
		return err_set(e, -ENOMEM, "vnc: no memory for a %ux%u frame",
			       img->width, img->height);
	}
	memcpy(pic.rgb, img->rgb, (size_t)img->width * img->height * 3);
	gs_image_free(&v->pic);
	free(v->dirty);
	free(v->new_fb);
	v->pic = pic;
	v->dirty = dirty;
	v->new_fb = fb;
	v->stats.resizes++;
	return 0;
}

int vnc_frame(struct vnc *v, const struct gs_image *img, struct err *e)
{
	uint32_t n = 0;
	int rc = 0;

	if (!img->rgb || !img->width || !img->height ||
	    img->width > VNC_MAX_SIDE || img->height > VNC_MAX_SIDE)
		return err_set(
			e, -EINVAL,
			"vnc: cannot show a %ux%u picture (1..%u a side)",
			img->width, img->height, VNC_MAX_SIDE);
	pthread_mutex_lock(&v->lock);
	if (img->width != v->pic.width || img->height != v->pic.height) {
		rc = replace_picture(v, img, e);
		if (!rc)
			n = tile_count(img);
	} else {
		n = diff_tiles(v, img);
	}
	if (!rc) {
		v->stats.frames++;
		v->stats.tiles += n;
		v->stats.last_tiles = n;
		v->pending |= n > 0;
	}
	pthread_mutex_unlock(&v->lock);
	if (n)
		wake(v);
	return rc;
}

int vnc_port(const struct vnc *v)
{
	return v->port;
}

void vnc_get_stats(struct vnc *v, struct vnc_stats *out)
{
	pthread_mutex_lock(&v->lock);
	*out = v->stats;
	pthread_mutex_unlock(&v->lock);
}

void vnc_stop(struct vnc *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	v->stopping = 1;
	pthread_mutex_unlock(&v->lock);
	wake(v);
	pthread_join(v->thread, NULL);
	vnc_free(v);
}
