/*
 * Tests of the VERSION capabilities JSON (lib/vfu_json.c): QEMU's own
 * capabilities parse, defaults hold for absent keys, JSON syntax is
 * checked completely (also inside unknown keys), known keys are
 * type-checked, and our reply is valid JSON that parses back.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../helpers/th_device.h"
#include "lib/vfu_json.h"

static int parse(const char *s, struct vfu_caps *c)
{
	return vfu_caps_parse(s, strlen(s) + 1, c, NULL);
}

START_TEST(qemu_capabilities_parse)
{
	/* What QEMU 10's vfio-user client sends (hw/vfio-user/proxy.c). */
	struct vfu_caps c;

	ck_assert_int_eq(parse("{\"capabilities\": {\"migration\": {\"pgsize\":"
			       " 4096, \"max_bitmap_size\": 268435456}, "
			       "\"max_msg_fds\": 16, \"max_data_xfer_size\":"
			       " 1048576, \"pgsizes\": 4096, \"max_dma_maps\":"
			       " 65535, \"write_multiple\": true}}",
			       &c),
			 0);
	ck_assert_uint_eq(c.max_msg_fds, 16);
	ck_assert_uint_eq(c.max_data_xfer_size, 1048576);
	ck_assert_uint_eq(c.pgsizes, 4096);
	ck_assert_uint_eq(c.max_dma_maps, 65535);
	ck_assert_int_eq(c.write_multiple, 1);
	ck_assert(c.present & VFU_CAP_MIGRATION);
}
END_TEST

START_TEST(absent_keys_keep_the_spec_defaults)
{
	struct vfu_caps c;

	ck_assert_int_eq(parse("{}", &c), 0);
	ck_assert_uint_eq(c.max_msg_fds, 1);
	ck_assert_uint_eq(c.max_data_xfer_size, 1 << 20);
	ck_assert_uint_eq(c.max_dma_maps, 65535);
	ck_assert_uint_eq(c.present, 0);
	ck_assert_int_eq(parse(" {\"capabilities\":{\"twin_socket\":{"
			       "\"supported\":true,\"fd_index\":0}}} \n",
			       &c),
			 0);
	ck_assert_int_eq(c.twin_socket, 1);
}
END_TEST

START_TEST(keys_with_escapes_or_long_names_are_not_known_keys)
{
	struct vfu_caps c;

	ck_assert_int_eq(parse("{\"capabilities\":{\"max_msg_fd\\u0073\":"
			       "\"x\",\"max_msg_fds_and_a_very_long_tail_"
			       "beyond_the_key_buffer\":[]}}",
			       &c),
			 0);
	ck_assert_uint_eq(c.max_msg_fds, 1);
}
END_TEST

START_TEST(malformed_json_is_refused)
{
	static const char *const bad[] = {
		"{",
		"}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{,}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":1e}",
		"{\"a\":-}",
		"{\"a\":\"\\u12g4\"}",
		"{\"a\":\"abc}",
		"{\"a\":[1,]}",
		"{\"a\":nul}",
		"{a:1}",
		"{\"a\":1} {}",
		"[1]",
		"\"s\"",
		"{\"capabilities\":{\"pgsizes\":true}}",
		"{\"capabilities\":{\"twin_socket\":{\"supported\":1}}}",
		"{\"capabilities\":{\"migration\":7}}",
		"{\"capabilities\":{},\"capabilities\":{}}",
	};
	struct vfu_caps c;
	char embedded[] = "{}\0{}";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &c) == -EINVAL, "accepted %s",
			      bad[i]);
	ck_assert_int_eq(vfu_caps_parse(embedded, sizeof(embedded), &c, NULL),
			 -EINVAL);
	ck_assert_int_eq(vfu_caps_parse("{}", 2, &c, NULL), -EINVAL);
	ck_assert_int_eq(vfu_caps_parse("", 0, &c, NULL), -EINVAL);
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char deep[200];
	struct vfu_caps c;
	size_t n = 0;

	deep[n++] = '{';
	deep[n++] = '"';
	deep[n++] = 'a';
	deep[n++] = '"';
	deep[n++] = ':';
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	for (int i = 0; i < 40; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = 0;
	ck_assert_int_eq(parse(deep, &c), -EINVAL);
}
END_TEST

START_TEST(our_reply_parses_back)
{
	struct vfu_caps ours = {3, 65536, 4096, 10, 0, 0, 0}, back;
	char buf[256];
	int n = vfu_caps_format(&ours, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(vfu_caps_parse(buf, (size_t)n + 1, &back, NULL), 0);
	ck_assert_uint_eq(back.max_msg_fds, 3);
	ck_assert_uint_eq(back.max_data_xfer_size, 65536);
	ck_assert_uint_eq(back.max_dma_maps, 10);
	ck_assert_int_eq(vfu_caps_format(&ours, buf, 20), -ENOSPC);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vfu_json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, qemu_capabilities_parse);
	tcase_add_test(tc, absent_keys_keep_the_spec_defaults);
	tcase_add_test(tc, keys_with_escapes_or_long_names_are_not_known_keys);
	tcase_add_test(tc, malformed_json_is_refused);
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, our_reply_parses_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
