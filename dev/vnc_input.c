/*
 * VNC key and pointer events as Linux input events (see vnc_input.h).
 */
#include "vnc_input.h"

#include <linux/input-event-codes.h>
#include <rfb/keysym.h>
#include <string.h>

/* RFB pointer button mask bits (RFB 7.5.5: button N is bit N-1). */
#define RFB_LEFT       (1u << 0)
#define RFB_MIDDLE     (1u << 1)
#define RFB_RIGHT      (1u << 2)
#define RFB_WHEEL_UP   (1u << 3)
#define RFB_WHEEL_DOWN (1u << 4)
#define RFB_BUTTONS    (RFB_LEFT | RFB_MIDDLE | RFB_RIGHT)
#define RFB_KNOWN      (RFB_BUTTONS | RFB_WHEEL_UP | RFB_WHEEL_DOWN)

static const uint8_t letter_keys[26] = {
	KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I,
	KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R,
	KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};

/* Digits, and the shifted symbols above them on a US keyboard, 0 to 9. */
static const uint8_t digit_keys[10] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
				       KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
static const uint32_t digit_shifted[10] = {
	XK_parenright, XK_exclam,   XK_at,	    XK_numbersign,
	XK_dollar,     XK_percent,  XK_asciicircum, XK_ampersand,
	XK_asterisk,   XK_parenleft};

static const struct {
	uint32_t keysym;
	uint16_t key;
} other_keys[] = {
	/* Punctuation, unshifted and shifted. */
	{XK_minus, KEY_MINUS},
	{XK_underscore, KEY_MINUS},
	{XK_equal, KEY_EQUAL},
	{XK_plus, KEY_EQUAL},
	{XK_bracketleft, KEY_LEFTBRACE},
	{XK_braceleft, KEY_LEFTBRACE},
	{XK_bracketright, KEY_RIGHTBRACE},
	{XK_braceright, KEY_RIGHTBRACE},
	{XK_backslash, KEY_BACKSLASH},
	{XK_bar, KEY_BACKSLASH},
	{XK_semicolon, KEY_SEMICOLON},
	{XK_colon, KEY_SEMICOLON},
	{XK_apostrophe, KEY_APOSTROPHE},
	{XK_quotedbl, KEY_APOSTROPHE},
	{XK_grave, KEY_GRAVE},
	{XK_asciitilde, KEY_GRAVE},
	{XK_comma, KEY_COMMA},
	{XK_less, KEY_COMMA},
	{XK_period, KEY_DOT},
	{XK_greater, KEY_DOT},
	{XK_slash, KEY_SLASH},
	{XK_question, KEY_SLASH},
	{XK_space, KEY_SPACE},
	/* Editing and navigation. */
	{XK_Return, KEY_ENTER},
	{XK_KP_Enter, KEY_ENTER},
	{XK_BackSpace, KEY_BACKSPACE},
	{XK_Tab, KEY_TAB},
	{XK_ISO_Left_Tab, KEY_TAB}, /* what X makes of Shift+Tab */
	{XK_Escape, KEY_ESC},
	{XK_Delete, KEY_DELETE},
	{XK_Insert, KEY_INSERT},
	{XK_Home, KEY_HOME},
	{XK_End, KEY_END},
	{XK_Page_Up, KEY_PAGEUP},
	{XK_Page_Down, KEY_PAGEDOWN},
	{XK_Left, KEY_LEFT},
	{XK_Right, KEY_RIGHT},
	{XK_Up, KEY_UP},
	{XK_Down, KEY_DOWN},
	/* Function keys. */
	{XK_F1, KEY_F1},
	{XK_F2, KEY_F2},
	{XK_F3, KEY_F3},
	{XK_F4, KEY_F4},
	{XK_F5, KEY_F5},
	{XK_F6, KEY_F6},
	{XK_F7, KEY_F7},
	{XK_F8, KEY_F8},
	{XK_F9, KEY_F9},
	{XK_F10, KEY_F10},
	{XK_F11, KEY_F11},
	{XK_F12, KEY_F12},
	/* Modifiers. X puts Meta on the Alt keys (Shift+Alt gives Meta_L)
	 * and AltGr is ISO_Level3_Shift. */
	{XK_Shift_L, KEY_LEFTSHIFT},
	{XK_Shift_R, KEY_RIGHTSHIFT},
	{XK_Control_L, KEY_LEFTCTRL},
	{XK_Control_R, KEY_RIGHTCTRL},
	{XK_Alt_L, KEY_LEFTALT},
	{XK_Alt_R, KEY_RIGHTALT},
	{XK_Meta_L, KEY_LEFTALT},
	{XK_Meta_R, KEY_RIGHTALT},
	{XK_ISO_Level3_Shift, KEY_RIGHTALT},
	{XK_Super_L, KEY_LEFTMETA},
	{XK_Super_R, KEY_RIGHTMETA},
};

unsigned vnc_input_key_code(uint32_t keysym)
{
	if (keysym >= XK_a && keysym <= XK_z)
		return letter_keys[keysym - XK_a];
	if (keysym >= XK_A && keysym <= XK_Z)
		return letter_keys[keysym - XK_A];
	if (keysym >= XK_0 && keysym <= XK_9)
		return digit_keys[keysym - XK_0];
	for (unsigned i = 0; i < 10; i++)
		if (digit_shifted[i] == keysym)
			return digit_keys[i];
	for (size_t i = 0; i < sizeof(other_keys) / sizeof(other_keys[0]); i++)
		if (other_keys[i].keysym == keysym)
			return other_keys[i].key;
	return KEY_RESERVED;
}

static size_t put(struct vnc_input_ev *out, size_t n, unsigned type,
		  unsigned code, int32_t value)
{
	out[n] = (struct vnc_input_ev){(uint16_t)type, (uint16_t)code, value};
	return n + 1;
}

static size_t syn(struct vnc_input_ev *out, size_t n)
{
	return put(out, n, EV_SYN, SYN_REPORT, 0);
}

size_t vnc_input_key(struct vnc_input_state *st, uint32_t keysym, int down,
		     struct vnc_input_ev *out)
{
	unsigned key = vnc_input_key_code(keysym);
	uint8_t bit;

	if (key == KEY_RESERVED)
		return 0;
	/* Every code of the table is below 256, the bitmap's size. */
	bit = (uint8_t)(1u << (key % 8));
	if (down)
		st->keys[key / 8] |= bit;
	else
		st->keys[key / 8] &= (uint8_t)~bit;
	return syn(out, put(out, 0, EV_KEY, key, down ? 1 : 0));
}

/* x on a side of len pixels, 0..len-1, to 0..VNC_INPUT_ABS_MAX. */
static int32_t scale(int x, unsigned len)
{
	if (len < 2)
		return 0;
	return (int32_t)((uint64_t)x * VNC_INPUT_ABS_MAX / (len - 1));
}

static size_t buttons(unsigned old, unsigned mask, struct vnc_input_ev *out,
		      size_t n)
{
	static const struct {
		unsigned bit, code;
	} map[] = {{RFB_LEFT, BTN_LEFT},
		   {RFB_MIDDLE, BTN_MIDDLE},
		   {RFB_RIGHT, BTN_RIGHT}};

	for (unsigned i = 0; i < 3; i++)
		if ((old ^ mask) & map[i].bit)
			n = put(out, n, EV_KEY, map[i].code,
				(mask & map[i].bit) != 0);
	return n;
}

size_t vnc_input_pointer(struct vnc_input_state *st, unsigned mask, int x,
			 int y, unsigned w, unsigned h,
			 struct vnc_input_ev *out)
{
	unsigned pressed;
	size_t n = 0;

	mask &= RFB_KNOWN;
	pressed = mask & ~st->buttons;
	if (x >= 0 && y >= 0 && (unsigned)x < w && (unsigned)y < h) {
		n = put(out, n, EV_ABS, ABS_X, scale(x, w));
		n = put(out, n, EV_ABS, ABS_Y, scale(y, h));
	}
	n = buttons(st->buttons, mask, out, n);
	if (pressed & RFB_WHEEL_UP)
		n = put(out, n, EV_REL, REL_WHEEL, 1);
	if (pressed & RFB_WHEEL_DOWN)
		n = put(out, n, EV_REL, REL_WHEEL, -1);
	st->buttons = mask;
	return n ? syn(out, n) : 0;
}

size_t vnc_input_release_all(struct vnc_input_state *st,
			     struct vnc_input_ev *out)
{
	size_t n = buttons(st->buttons, 0, out, 0);

	for (unsigned key = 0; key < 256; key++)
		if (st->keys[key / 8] & (1u << (key % 8)))
			n = put(out, n, EV_KEY, key, 0);
	memset(st, 0, sizeof(*st));
	return n ? syn(out, n) : 0;
}

void vnc_input_encode(const struct vnc_input_ev *ev,
		      uint8_t out[VNC_INPUT_REC_SIZE])
{
	uint32_t v = (uint32_t)ev->value;

	out[0] = (uint8_t)ev->type;
	out[1] = (uint8_t)(ev->type >> 8);
	out[2] = (uint8_t)ev->code;
	out[3] = (uint8_t)(ev->code >> 8);
	out[4] = (uint8_t)v;
	out[5] = (uint8_t)(v >> 8);
	out[6] = (uint8_t)(v >> 16);
	out[7] = (uint8_t)(v >> 24);
}
