/*
 * gpud's damage window: a struct hw that gpud puts between the vfio-user
 * server and the backend (any: sim, pci:, unix:). It serves a gpud
 * extension in BAR2, above everything the std VGA uses (EDID 0x000, VGA
 * ports 0x400, DISPI 0x500, QEMU extension 0x600; the rest of QEMU's 4 KiB
 * BAR2 is a hole), through which a client reports the rectangles of the
 * scanout it has drawn into (DRM dirtyfb), so the live display can refresh
 * on damage instead of polling:
 *
 *   0xF00  read 32   0x44555047 ("GPUD" little-endian): the window exists
 *   0xF04  read 32   version, 1
 *   0xF08  write 32  x | y << 16 of the damaged rectangle, scanout pixels
 *   0xF0C  write 32  w | h << 16; this write commits the rectangle, with
 *                    the x, y last written to 0xF08 (0, 0 if none)
 *
 * Every other access that touches 0xF00-0xF0F (other sizes or offsets,
 * reads of 0xF08/0xF0C, writes of 0xF00/0xF04) reads 0 and writes nothing.
 * Nothing in the window reaches the backend. The x, y latch is shared by
 * all clients; a client that reports while another does can write both
 * words in one 8-byte region write, which no other message can split.
 *
 * Rectangles are the guest's, so untrusted: one with w or h 0, or reaching
 * past 65536 pixels, is ignored; the rest is clipped to the frame the
 * display last decoded (gpud_damage_set_frame) and ignored when nothing is
 * left; before any frame is known a rectangle means the whole picture.
 * Writes that can change the picture without drawing (BAR2 registers:
 * VGA, DISPI, QEMU extension; the legacy ports; VRAM written through
 * messages; a device reset) mark the whole picture. Reads mark nothing.
 *
 * The window is served only on a device that has room for it: PCI
 * 1234:1111 (the std VGA) with a memory BAR2 of at least 4 KiB. On any
 * other device every access goes to the backend unchanged. Being gpud's,
 * not the device's, it answers whatever the PCI command register says.
 *
 * Single-threaded: gpud's loop serves the clients and runs the display.
 */
#include <errno.h>
#include <stdlib.h>

#include "gpud.h"

#define WIN_START   0xf00u
#define WIN_END	    0xf10u
#define WIN_MAGIC   0x44555047u
#define WIN_VERSION 1u
#define REG_MAGIC   0x0u
#define REG_VERSION 0x4u
#define REG_XY	    0x8u
#define REG_WH	    0xcu
#define COORD_LIMIT 0x10000u	/* x + w and y + h must not pass it */
#define STDVGA_ID   0x11111234u /* PCI vendor 1234, device 1111 */

struct gpud_damage {
	struct hw hw; /* first: what gpud hands out */
	struct hw *be;
	int window;  /* the device has room for it */
	uint32_t xy; /* latched by 0xF08 */
	uint32_t frame_w, frame_h;
	struct gpud_rect box; /* union of the rectangles pending */
	int has_box, full;
	struct gpud_damage_stats stats;
};

static struct gpud_damage *to_damage(struct hw *hw)
{
	return (struct gpud_damage *)hw;
}

/* ---- The rectangles ---- */

static void note_full(struct gpud_damage *d)
{
	d->full = 1;
}

static void add_box(struct gpud_damage *d, uint32_t x, uint32_t y, uint32_t w,
		    uint32_t h)
{
	struct gpud_rect *b = &d->box;
	uint32_t x1, y1;

	if (!d->has_box) {
		*b = (struct gpud_rect){x, y, w, h};
		d->has_box = 1;
		return;
	}
	x1 = x + w > b->x + b->w ? x + w : b->x + b->w;
	y1 = y + h > b->y + b->h ? y + h : b->y + b->h;
	b->x = x < b->x ? x : b->x;
	b->y = y < b->y ? y : b->y;
	b->w = x1 - b->x;
	b->h = y1 - b->y;
}

/* 0xF0C: check the rectangle (xy, wh) and add what is left of it. */
static void commit(struct gpud_damage *d, uint32_t wh)
{
	uint32_t x = d->xy & 0xffff, y = d->xy >> 16;
	uint32_t w = wh & 0xffff, h = wh >> 16;

	d->stats.commits++;
	if (!w || !h || x + w > COORD_LIMIT || y + h > COORD_LIMIT) {
		d->stats.ignored++;
		return;
	}
	if (!d->frame_w || !d->frame_h) {
		note_full(d);
		return;
	}
	if (x >= d->frame_w || y >= d->frame_h) {
		d->stats.ignored++;
		return;
	}
	if (w > d->frame_w - x)
		w = d->frame_w - x;
	if (h > d->frame_h - y)
		h = d->frame_h - y;
	add_box(d, x, y, w, h);
}

/* ---- The window ---- */

/* Does the access touch 0xF00-0xF0F? */
static int in_window(const struct gpud_damage *d, unsigned idx, uint64_t off,
		     unsigned size)
{
	return d->window && idx == HW_REGION_BAR2 && off < WIN_END &&
	       (off >= WIN_START || WIN_START - off < size);
}

static uint32_t window_read(uint64_t off, unsigned size)
{
	if (size != 4)
		return 0;
	if (off == WIN_START + REG_MAGIC)
		return WIN_MAGIC;
	if (off == WIN_START + REG_VERSION)
		return WIN_VERSION;
	return 0;
}

static void window_write(struct gpud_damage *d, uint64_t off, unsigned size,
			 uint32_t val)
{
	if (size != 4)
		return;
	if (off == WIN_START + REG_XY)
		d->xy = val;
	else if (off == WIN_START + REG_WH)
		commit(d, val);
}

/* ---- The ops: the window, or the backend ---- */

static int dmg_cfg_read(struct hw *hw, uint32_t off, unsigned size,
			uint32_t *val, struct err *e)
{
	return hw_cfg_read(to_damage(hw)->be, off, size, val, e);
}

static int dmg_cfg_write(struct hw *hw, uint32_t off, unsigned size,
			 uint32_t val, struct err *e)
{
	return hw_cfg_write(to_damage(hw)->be, off, size, val, e);
}

static int dmg_region_info(struct hw *hw, unsigned idx, struct hw_region *info,
			   struct err *e)
{
	return hw_region_info(to_damage(hw)->be, idx, info, e);
}

static int dmg_region_read(struct hw *hw, unsigned idx, uint64_t off,
			   unsigned size, uint32_t *val, struct err *e)
{
	struct gpud_damage *d = to_damage(hw);

	if (in_window(d, idx, off, size)) {
		*val = window_read(off, size);
		return 0;
	}
	return hw_region_read(d->be, idx, off, size, val, e);
}

static int dmg_region_write(struct hw *hw, unsigned idx, uint64_t off,
			    unsigned size, uint32_t val, struct err *e)
{
	struct gpud_damage *d = to_damage(hw);

	if (in_window(d, idx, off, size)) {
		window_write(d, off, size, val);
		return 0;
	}
	if (idx == HW_REGION_BAR0 || idx == HW_REGION_BAR2)
		note_full(d);
	return hw_region_write(d->be, idx, off, size, val, e);
}

static int dmg_port_read(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t *val, struct err *e)
{
	return hw_port_read(to_damage(hw)->be, port, size, val, e);
}

static int dmg_port_write(struct hw *hw, uint16_t port, unsigned size,
			  uint32_t val, struct err *e)
{
	struct gpud_damage *d = to_damage(hw);

	note_full(d);
	return hw_port_write(d->be, port, size, val, e);
}

static int dmg_reset(struct hw *hw, struct err *e)
{
	struct gpud_damage *d = to_damage(hw);

	note_full(d);
	d->xy = 0;
	return hw_reset(d->be, e);
}

static void dmg_destroy(struct hw *hw)
{
	struct gpud_damage *d = to_damage(hw);

	hw_destroy(d->be);
	free(d);
}

static void *dmg_keep(struct hw *hw)
{
	return hw_keep(to_damage(hw)->be);
}

static void dmg_put_back(struct hw *hw, void *kept)
{
	hw_put_back(to_damage(hw)->be, kept);
}

static const struct hw_ops damage_ops = {
	.name = "gpud-damage",
	.cfg_read = dmg_cfg_read,
	.cfg_write = dmg_cfg_write,
	.region_info = dmg_region_info,
	.region_read = dmg_region_read,
	.region_write = dmg_region_write,
	.port_read = dmg_port_read,
	.port_write = dmg_port_write,
	.reset = dmg_reset,
	.destroy = dmg_destroy,
	.keep = dmg_keep,
	.put_back = dmg_put_back,
};

/* ---- The API (gpud.h) ---- */

/* Room for the window: a std VGA with its 4 KiB register BAR. */
static int has_room(struct hw *be)
{
	struct hw_region r;
	uint32_t id = 0;

	return hw_cfg_read(be, 0, 4, &id, NULL) == 0 && id == STDVGA_ID &&
	       hw_region_info(be, HW_REGION_BAR2, &r, NULL) == 0 &&
	       (r.flags & HW_REGION_F_PRESENT) && (r.flags & HW_REGION_F_MEM) &&
	       r.size >= WIN_END;
}

int gpud_damage_wrap(struct hw *backend, struct gpud_damage **out,
		     struct err *e)
{
	struct gpud_damage *d = calloc(1, sizeof(*d));

	if (!d)
		return err_set(e, -ENOMEM, "out of memory");
	d->hw.ops = &damage_ops;
	d->be = backend;
	d->window = has_room(backend);
	*out = d;
	return 0;
}

struct hw *gpud_damage_hw(struct gpud_damage *d)
{
	return &d->hw;
}

int gpud_damage_serves_window(const struct gpud_damage *d)
{
	return d->window;
}

void gpud_damage_set_frame(struct gpud_damage *d, uint32_t w, uint32_t h)
{
	d->frame_w = w;
	d->frame_h = h;
}

int gpud_damage_pending(const struct gpud_damage *d)
{
	return d->full || d->has_box;
}

int gpud_damage_take(struct gpud_damage *d, struct gpud_rect *r)
{
	int kind = d->full	? GPUD_DAMAGE_FULL
		   : d->has_box ? GPUD_DAMAGE_RECT
				: GPUD_DAMAGE_NONE;

	if (kind == GPUD_DAMAGE_RECT)
		*r = d->box;
	d->full = 0;
	d->has_box = 0;
	return kind;
}

void gpud_damage_get_stats(const struct gpud_damage *d,
			   struct gpud_damage_stats *out)
{
	*out = d->stats;
}
