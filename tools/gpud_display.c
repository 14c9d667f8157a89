/*
 * gpud --vnc: the live display. For a frame the chip driver reads the
 * registers (save_regs, no VRAM copy), the scanout is decoded with VRAM
 * read in place from the mapped BAR0, and the picture goes to the VNC
 * server of dev/vnc.c, which sends only the tiles that changed.
 *
 * When: periodically, every FRAME_MS, while no client reports damage; on
 * damage (gpud_damage.c) once one does: a frame FRAME_MS after the
 * previous one at the earliest, as soon as damage is pending, and
 * otherwise every IDLE_MS, for what nobody reported (another client
 * drawing into the mapped VRAM). Every frame decodes the whole picture:
 * the chip's scanout has no partial decode, and the VNC side's tile
 * comparison keeps what is sent to the tiles that changed.
 *
 * ---- Display hook: dev/vnc.c (vnc_start, vnc_frame, vnc_stop) is written
 * by the display engineer; this file only calls the API of dev/vnc.h. ----
 *
 * Hazard: reading registers has side effects the driver puts back, except
 * the DAC sub-index (stdvga.md 9.1 item 11). A frame decoded between two
 * writes of a palette entry would disturb the guest's palette update, so
 * gpud only calls gpud_display_tick when the client has been quiet for a
 * while (see gpud.c); a guest may still be descheduled mid-sequence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev/vnc.h"
#include "gpud.h"
#include "lib/chip.h"

#define FRAME_MS 33
#define IDLE_MS	 1000

struct gpud_display {
	struct hw *hw;
	struct gpud_damage *dmg; /* NULL: periodic only */
	const struct chip_ops *chip;
	struct gs_state st; /* regs owned here, vram is the mapped BAR0 */
	uint64_t vram_len;
	struct vnc *vnc;
	long long last_ms;	   /* the latest frame */
	unsigned long long frames; /* decodes tried */
	char last_err[sizeof(((struct err *)0)->msg)];
};

long long gpud_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gpud_display_stop(struct gpud_display *d)
{
	if (!d)
		return;
	vnc_stop(d->vnc);
	hw_region_unmap(d->st.vram, d->vram_len);
	free(d->st.regs);
	free(d);
}

static int display_setup(struct gpud_display *d, struct err *e)
{
	d->chip = chip_probe(d->hw, &d->st.id, e);
	if (!d->chip)
		return -ENODEV;
	if (!d->chip->save_regs || !d->chip->scanout)
		return err_set(e, -ENOTSUP,
			       "chip %s cannot decode a live "
			       "picture",
			       d->chip->name);
	d->st.regs_len = chip_regs_len(d->chip);
	d->st.regs = calloc(1, d->st.regs_len);
	if (!d->st.regs)
		return err_set(e, -ENOMEM, "out of memory");
	d->st.vram = hw_region_map(d->hw, HW_REGION_BAR0, &d->vram_len, e);
	return d->st.vram ? 0 : -EIO;
}

int gpud_display_start(struct hw *hw, struct gpud_damage *dmg, const char *addr,
		       int port, struct gpud_display **out, struct err *e)
{
	struct gpud_display *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return err_set(e, -ENOMEM, "out of memory");
	d->hw = hw;
	d->dmg = dmg;
	d->last_ms = gpud_now_ms() - IDLE_MS; /* the first frame is due */
	if ((rc = display_setup(d, e)) < 0 ||
	    (rc = vnc_start(addr, port, &d->vnc, e)) < 0) {
		gpud_display_stop(d);
		return err_wrap(e, rc, "display");
	}
	*out = d;
	return 0;
}

void gpud_display_set_input(struct gpud_display *d, vnc_input_fn *fn,
			    void *opaque)
{
	vnc_set_input(d->vnc, fn, opaque);
}

int gpud_display_port(const struct gpud_display *d)
{
	return vnc_port(d->vnc);
}

int gpud_display_due_ms(const struct gpud_display *d, long long now_ms,
			int on_damage)
{
	int idle = d->dmg && on_damage && !gpud_damage_pending(d->dmg);
	long long left = d->last_ms + (idle ? IDLE_MS : FRAME_MS) - now_ms;

	return left <= 0 ? 0 : (int)left;
}

/* Log a decoding problem once, not 30 times a second. */
static void note(struct gpud_display *d, const struct err *e)
{
	if (!strcmp(d->last_err, e->msg))
		return;
	fprintf(stderr, "gpud: display: %s\n", e->msg);
	snprintf(d->last_err, sizeof(d->last_err), "%s", e->msg);
}

/* The registers for a frame, leaving the device exactly as it was: a
 * client may be in the middle of a sequence (the DAC's colour sub-index
 * cannot be put back through the registers). */
static int save_regs_quietly(struct gpud_display *d, struct err *e)
{
	void *kept = hw_keep(d->hw);
	int rc = d->chip->save_regs(d->hw, d->st.regs, e);

	hw_put_back(d->hw, kept);
	return rc;
}

void gpud_display_tick(struct gpud_display *d, long long now_ms, int on_damage)
{
	struct gs_image img = {0};
	struct gpud_rect r;
	struct err e = {{0}};

	if (gpud_display_due_ms(d, now_ms, on_damage))
		return;
	d->last_ms = now_ms;
	d->frames++;
	/* Damage from now on goes into the next frame. */
	if (d->dmg)
		gpud_damage_take(d->dmg, &r);
	if (save_regs_quietly(d, &e) < 0 ||
	    d->chip->scanout(&d->st, &img, &e) < 0 ||
	    vnc_frame(d->vnc, &img, &e) < 0) {
		note(d, &e);
	} else {
		d->last_err[0] = 0;
		if (d->dmg)
			gpud_damage_set_frame(d->dmg, img.width, img.height);
	}
	gs_image_free(&img);
}

void gpud_display_log_stats(struct gpud_display *d, int on_damage)
{
	struct gpud_damage_stats ds = {0, 0};
	struct vnc_stats vs;

	vnc_get_stats(d->vnc, &vs);
	if (d->dmg)
		gpud_damage_get_stats(d->dmg, &ds);
	fprintf(stderr,
		"gpud: display: %llu frames decoded, %llu tiles sent; refresh "
		"%s; %lu damage rectangles reported, %lu ignored\n",
		d->frames, (unsigned long long)vs.tiles,
		on_damage ? "on damage" : "periodic", ds.commits, ds.ignored);
}
