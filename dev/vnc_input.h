/*
 * VNC (RFB) keyboard and pointer events as Linux input events: the records
 * gpud sends on its input socket (vkernel contract, "gpud input socket").
 * Keys: X keysyms to KEY_* of a US layout, a shifted symbol to its base key
 * (viewers send Shift themselves). Pointer: ABS_X/ABS_Y scaled to
 * 0..VNC_INPUT_ABS_MAX over the framebuffer, BTN_LEFT/MIDDLE/RIGHT, the
 * wheel (RFB buttons 4 and 5) as REL_WHEEL +1/-1. Every batch ends in
 * SYN_REPORT. Pure functions; the caller keeps the state between events.
 */
#ifndef GS_VNC_INPUT_H
#define GS_VNC_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define VNC_INPUT_ABS_MAX  32767
#define VNC_INPUT_REC_SIZE 8 /* le16 type, le16 code, le32 value */
/* Most events one key or pointer event becomes (ABS_X, ABS_Y, three
 * buttons, a wheel step, SYN_REPORT). */
#define VNC_INPUT_MAX_BATCH 8

struct vnc_input_ev {
	uint16_t type, code; /* EV_*, and KEY_* / BTN_* / ABS_* / REL_* */
	int32_t value;
};

/* What one server's viewers hold down; zero-initialise. */
struct vnc_input_state {
	unsigned buttons; /* the previous RFB button mask */
	uint8_t keys[32]; /* bitmap of pressed KEY_* codes (all below 256) */
};

/* Most events vnc_input_release_all can produce: every key, three
 * buttons, SYN_REPORT. */
#define VNC_INPUT_MAX_RELEASE (256 + 3 + 1)

/* The KEY_* code of an X keysym, or 0 (KEY_RESERVED) when unmapped. */
unsigned vnc_input_key_code(uint32_t keysym);

/* A key press (down != 0) or release: the key's event and SYN_REPORT in
 * out; returns 2, or 0 for an unmapped keysym (out untouched). */
size_t vnc_input_key(struct vnc_input_state *st, uint32_t keysym, int down,
		     struct vnc_input_ev *out);

/*
 * A pointer event: RFB button mask (bit 0 left, 1 middle, 2 right, 3 wheel
 * up, 4 wheel down; higher bits ignored) at x,y on a w*h framebuffer.
 * Buttons are reported when they change, a wheel step when its bit goes
 * from 0 to 1. A position outside the framebuffer is not reported (buttons
 * still are). Fills up to VNC_INPUT_MAX_BATCH events into out; returns how
 * many (0 when there is nothing to report).
 */
size_t vnc_input_pointer(struct vnc_input_state *st, unsigned mask, int x,
			 int y, unsigned w, unsigned h,
			 struct vnc_input_ev *out);

/* Release every key and button held in st (its viewer went away): up to
 * VNC_INPUT_MAX_RELEASE events into out, count returned (0: none held);
 * st is left empty. */
size_t vnc_input_release_all(struct vnc_input_state *st,
			     struct vnc_input_ev *out);

/* The 8-byte little-endian record of one event. */
void vnc_input_encode(const struct vnc_input_ev *ev,
		      uint8_t out[VNC_INPUT_REC_SIZE]);

#endif
