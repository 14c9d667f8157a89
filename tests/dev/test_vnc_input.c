/*
 * Tests for dev/vnc_input.c: X keysyms to KEY_* of a US layout (letters in
 * both cases, digits and the symbols above them, punctuation, editing and
 * function keys, modifiers, unmapped keysyms), key batches, pointer
 * scaling to 0..32767 at the corners and inside, button changes, wheel
 * steps, positions outside the framebuffer, releasing what a departed
 * viewer held, and the little-endian record.
 */
#include <check.h>
#include <linux/input-event-codes.h>
#include <rfb/keysym.h>
#include <string.h>

#include "../helpers/th_device.h"
#include "dev/vnc_input.h"

static void assert_ev(const struct vnc_input_ev *ev, unsigned type,
		      unsigned code, int32_t value)
{
	ck_assert_uint_eq(ev->type, type);
	ck_assert_uint_eq(ev->code, code);
	ck_assert_int_eq(ev->value, value);
}

START_TEST(letters_map_to_their_key_in_both_cases)
{
	static const char qwerty[] = "qwertyuiopasdfghjklzxcvbnm";
	static const unsigned keys[] = {
		KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O,
		KEY_P, KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K,
		KEY_L, KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M};

	for (unsigned i = 0; i < 26; i++) {
		ck_assert_uint_eq(vnc_input_key_code((uint32_t)qwerty[i]),
				  keys[i]);
		ck_assert_uint_eq(
			vnc_input_key_code((uint32_t)qwerty[i] - 'a' + 'A'),
			keys[i]);
	}
}
END_TEST

START_TEST(digits_and_shifted_digits_map_to_the_digit_keys)
{
	static const char shifted[] = ")!@#$%^&*(";
	static const unsigned keys[] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
					KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};

	for (unsigned i = 0; i < 10; i++) {
		ck_assert_uint_eq(vnc_input_key_code('0' + i), keys[i]);
		ck_assert_uint_eq(vnc_input_key_code((uint32_t)shifted[i]),
				  keys[i]);
	}
}
END_TEST

START_TEST(punctuation_and_its_shifted_symbol_share_a_key)
{
	static const struct {
		char plain, shifted;
		unsigned key;
	} t[] = {{'-', '_', KEY_MINUS},	      {'=', '+', KEY_EQUAL},
		 {'[', '{', KEY_LEFTBRACE},   {']', '}', KEY_RIGHTBRACE},
		 {'\\', '|', KEY_BACKSLASH},  {';', ':', KEY_SEMICOLON},
		 {'\'', '"', KEY_APOSTROPHE}, {'`', '~', KEY_GRAVE},
		 {',', '<', KEY_COMMA},	      {'.', '>', KEY_DOT},
		 {'/', '?', KEY_SLASH}};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_uint_eq(vnc_input_key_code((uint32_t)t[i].plain),
				  t[i].key);
		ck_assert_uint_eq(vnc_input_key_code((uint32_t)t[i].shifted),
				  t[i].key);
	}
	ck_assert_uint_eq(vnc_input_key_code(XK_space), KEY_SPACE);
}
END_TEST

START_TEST(editing_navigation_and_function_keys_map)
{
	static const struct {
		uint32_t sym;
		unsigned key;
	} t[] = {{XK_Return, KEY_ENTER},
		 {XK_BackSpace, KEY_BACKSPACE},
		 {XK_Tab, KEY_TAB},
		 {XK_ISO_Left_Tab, KEY_TAB},
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
		 {XK_F1, KEY_F1},
		 {XK_F10, KEY_F10},
		 {XK_F11, KEY_F11},
		 {XK_F12, KEY_F12}};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_uint_eq(vnc_input_key_code(t[i].sym), t[i].key);
	for (unsigned f = 0; f < 10; f++)
		ck_assert_uint_eq(vnc_input_key_code(XK_F1 + f), KEY_F1 + f);
}
END_TEST

START_TEST(modifiers_map_left_and_right)
{
	ck_assert_uint_eq(vnc_input_key_code(XK_Shift_L), KEY_LEFTSHIFT);
	ck_assert_uint_eq(vnc_input_key_code(XK_Shift_R), KEY_RIGHTSHIFT);
	ck_assert_uint_eq(vnc_input_key_code(XK_Control_L), KEY_LEFTCTRL);
	ck_assert_uint_eq(vnc_input_key_code(XK_Control_R), KEY_RIGHTCTRL);
	ck_assert_uint_eq(vnc_input_key_code(XK_Alt_L), KEY_LEFTALT);
	ck_assert_uint_eq(vnc_input_key_code(XK_Alt_R), KEY_RIGHTALT);
	ck_assert_uint_eq(vnc_input_key_code(XK_Meta_L), KEY_LEFTALT);
	ck_assert_uint_eq(vnc_input_key_code(XK_Super_L), KEY_LEFTMETA);
	ck_assert_uint_eq(vnc_input_key_code(XK_Super_R), KEY_RIGHTMETA);
}
END_TEST

START_TEST(unmapped_keysyms_give_no_events)
{
	static const uint32_t t[] = {0,		  XK_Caps_Lock, XK_KP_1,
				     XK_eacute,	  XK_F13,	0x1000041,
				     0xffffffffu, XK_Num_Lock};
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_uint_eq(vnc_input_key_code(t[i]), KEY_RESERVED);
		ck_assert_uint_eq(vnc_input_key(&st, t[i], 1, ev), 0);
	}
}
END_TEST

START_TEST(key_press_and_release_end_in_syn_report)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(vnc_input_key(&st, 'H', 1, ev), 2);
	assert_ev(&ev[0], EV_KEY, KEY_H, 1);
	assert_ev(&ev[1], EV_SYN, SYN_REPORT, 0);
	/* Shift let go first: the release comes as lower case. */
	ck_assert_uint_eq(vnc_input_key(&st, 'h', 0, ev), 2);
	assert_ev(&ev[0], EV_KEY, KEY_H, 0);
	assert_ev(&ev[1], EV_SYN, SYN_REPORT, 0);
}
END_TEST

/* A pointer event on a 1024x768 framebuffer; returns the count. */
static size_t ptr(struct vnc_input_state *st, unsigned mask, int x, int y,
		  struct vnc_input_ev *ev)
{
	return vnc_input_pointer(st, mask, x, y, 1024, 768, ev);
}

START_TEST(pointer_corners_scale_to_0_and_32767)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(ptr(&st, 0, 0, 0, ev), 3);
	assert_ev(&ev[0], EV_ABS, ABS_X, 0);
	assert_ev(&ev[1], EV_ABS, ABS_Y, 0);
	assert_ev(&ev[2], EV_SYN, SYN_REPORT, 0);
	ck_assert_uint_eq(ptr(&st, 0, 1023, 767, ev), 3);
	assert_ev(&ev[0], EV_ABS, ABS_X, 32767);
	assert_ev(&ev[1], EV_ABS, ABS_Y, 32767);
}
END_TEST

START_TEST(pointer_inside_scales_as_x_times_32767_over_w_minus_1)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(ptr(&st, 0, 100, 60, ev), 3);
	assert_ev(&ev[0], EV_ABS, ABS_X, 100 * 32767 / 1023);
	assert_ev(&ev[1], EV_ABS, ABS_Y, 60 * 32767 / 767);
	ck_assert_uint_eq(vnc_input_pointer(&st, 0, 65534, 1, 65535, 2, ev), 3);
	assert_ev(&ev[0], EV_ABS, ABS_X, 32767);
	assert_ev(&ev[1], EV_ABS, ABS_Y, 32767);
	/* A one-pixel side has nowhere to move. */
	ck_assert_uint_eq(vnc_input_pointer(&st, 0, 0, 0, 1, 1, ev), 3);
	assert_ev(&ev[0], EV_ABS, ABS_X, 0);
	assert_ev(&ev[1], EV_ABS, ABS_Y, 0);
}
END_TEST

START_TEST(buttons_are_reported_when_they_change)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(ptr(&st, 1, 10, 10, ev), 4);
	assert_ev(&ev[2], EV_KEY, BTN_LEFT, 1);
	assert_ev(&ev[3], EV_SYN, SYN_REPORT, 0);
	/* Held: only the position. */
	ck_assert_uint_eq(ptr(&st, 1, 11, 10, ev), 3);
	ck_assert_uint_eq(ptr(&st, 1 | 2 | 4, 11, 10, ev), 5);
	assert_ev(&ev[2], EV_KEY, BTN_MIDDLE, 1);
	assert_ev(&ev[3], EV_KEY, BTN_RIGHT, 1);
	ck_assert_uint_eq(ptr(&st, 0, 11, 10, ev), 6);
	assert_ev(&ev[2], EV_KEY, BTN_LEFT, 0);
	assert_ev(&ev[3], EV_KEY, BTN_MIDDLE, 0);
	assert_ev(&ev[4], EV_KEY, BTN_RIGHT, 0);
	assert_ev(&ev[5], EV_SYN, SYN_REPORT, 0);
}
END_TEST

START_TEST(wheel_steps_once_per_press)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(ptr(&st, 8, 5, 5, ev), 4);
	assert_ev(&ev[2], EV_REL, REL_WHEEL, 1);
	ck_assert_uint_eq(ptr(&st, 8, 5, 5, ev), 3); /* still down */
	ck_assert_uint_eq(ptr(&st, 0, 5, 5, ev), 3); /* release: nothing */
	ck_assert_uint_eq(ptr(&st, 16, 5, 5, ev), 4);
	assert_ev(&ev[2], EV_REL, REL_WHEEL, -1);
	/* Buttons 6 and 7 (horizontal wheel) are not reported. */
	ck_assert_uint_eq(ptr(&st, 32 | 64, 5, 5, ev), 3);
}
END_TEST

START_TEST(position_outside_the_framebuffer_is_not_reported)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_BATCH];

	ck_assert_uint_eq(ptr(&st, 0, 1024, 10, ev), 0);
	ck_assert_uint_eq(ptr(&st, 0, 10, 768, ev), 0);
	ck_assert_uint_eq(ptr(&st, 0, -1, 10, ev), 0);
	/* The button still is, so it cannot stick. */
	ck_assert_uint_eq(ptr(&st, 1, 5000, 5000, ev), 2);
	assert_ev(&ev[0], EV_KEY, BTN_LEFT, 1);
	assert_ev(&ev[1], EV_SYN, SYN_REPORT, 0);
	ck_assert_uint_eq(vnc_input_pointer(&st, 0, 0, 0, 0, 0, ev), 2);
	assert_ev(&ev[0], EV_KEY, BTN_LEFT, 0);
}
END_TEST

START_TEST(release_all_lets_go_of_held_keys_and_buttons)
{
	struct vnc_input_state st = {0};
	struct vnc_input_ev ev[VNC_INPUT_MAX_RELEASE];

	ck_assert_uint_eq(vnc_input_release_all(&st, ev), 0);
	vnc_input_key(&st, XK_Control_L, 1, ev);
	vnc_input_key(&st, 'c', 1, ev);
	vnc_input_key(&st, 'x', 1, ev);
	vnc_input_key(&st, 'x', 0, ev);
	ptr(&st, 4, 1, 1, ev);
	ck_assert_uint_eq(vnc_input_release_all(&st, ev), 4);
	assert_ev(&ev[0], EV_KEY, BTN_RIGHT, 0);
	assert_ev(&ev[1], EV_KEY, KEY_LEFTCTRL, 0);
	assert_ev(&ev[2], EV_KEY, KEY_C, 0);
	assert_ev(&ev[3], EV_SYN, SYN_REPORT, 0);
	ck_assert_uint_eq(vnc_input_release_all(&st, ev), 0);
}
END_TEST

START_TEST(record_is_le16_type_le16_code_le32_value)
{
	static const uint8_t want[2][8] = {
		{0x03, 0x00, 0x01, 0x00, 0xff, 0x7f, 0x00, 0x00},
		{0x02, 0x00, 0x08, 0x00, 0xff, 0xff, 0xff, 0xff}};
	struct vnc_input_ev a = {EV_ABS, ABS_Y, 32767};
	struct vnc_input_ev b = {EV_REL, REL_WHEEL, -1};
	uint8_t rec[VNC_INPUT_REC_SIZE];

	vnc_input_encode(&a, rec);
	ck_assert_mem_eq(rec, want[0], 8);
	vnc_input_encode(&b, rec);
	ck_assert_mem_eq(rec, want[1], 8);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vnc_input");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, letters_map_to_their_key_in_both_cases);
	tcase_add_test(tc, digits_and_shifted_digits_map_to_the_digit_keys);
	tcase_add_test(tc, punctuation_and_its_shifted_symbol_share_a_key);
	tcase_add_test(tc, editing_navigation_and_function_keys_map);
	tcase_add_test(tc, modifiers_map_left_and_right);
	tcase_add_test(tc, unmapped_keysyms_give_no_events);
	tcase_add_test(tc, key_press_and_release_end_in_syn_report);
	tcase_add_test(tc, pointer_corners_scale_to_0_and_32767);
	tcase_add_test(tc,
		       pointer_inside_scales_as_x_times_32767_over_w_minus_1);
	tcase_add_test(tc, buttons_are_reported_when_they_change);
	tcase_add_test(tc, wheel_steps_once_per_press);
	tcase_add_test(tc, position_outside_the_framebuffer_is_not_reported);
	tcase_add_test(tc, release_all_lets_go_of_held_keys_and_buttons);
	tcase_add_test(tc, record_is_le16_type_le16_code_le32_value);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
