/*
 * Tests of lib/crc32c.c: published CRC-32C check values (RFC 3720 appendix
 * B.4), continuation across splits, and the dispatched (SSE4.2) path against
 * the portable one at every alignment.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"

START_TEST(crc32c_matches_published_check_values)
{
	uint8_t buf[32];

	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xE3069283u);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(crc32c(0, buf, sizeof(buf)), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(crc32c(0, buf, sizeof(buf)), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(crc32c(0, buf, sizeof(buf)), 0x46DD794Eu);
	ck_assert_uint_eq(crc32c(0, buf, 0), 0);
}
END_TEST

START_TEST(crc32c_continues_across_any_split)
{
	uint8_t buf[300];
	uint32_t whole;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	whole = crc32c(0, buf, sizeof(buf));
	for (size_t cut = 0; cut <= sizeof(buf); cut++)
		ck_assert_uint_eq(crc32c(crc32c(0, buf, cut), buf + cut,
					 sizeof(buf) - cut),
				  whole);
}
END_TEST

START_TEST(crc32c_fast_path_equals_portable_at_every_alignment)
{
	size_t n = 70000;
	uint8_t *buf = malloc(n);
	uint64_t x = 0x9E3779B97F4A7C15ull;

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len < 80; len++)
			ck_assert_uint_eq(crc32c(7, buf + off, len),
					  crc32c_sw(7, buf + off, len));
	ck_assert_uint_eq(crc32c(0, buf + 3, n - 3),
			  crc32c_sw(0, buf + 3, n - 3));
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("crc32c");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, crc32c_matches_published_check_values);
	tcase_add_test(tc, crc32c_continues_across_any_split);
	tcase_add_test(tc, crc32c_fast_path_equals_portable_at_every_alignment);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
