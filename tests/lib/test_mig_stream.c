/*
 * Tests of the pre-copy migration stream (lib/mig_stream.c, MIGRATION.md):
 * passes send only chunks whose contents changed, the receiver takes the
 * stream in pieces of any size, and every kind of damage or inconsistency
 * (checksums, record order, missing chunks, sizes, unknown chips, newer
 * versions) is refused before a state is handed back.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/th_device.h"
#include "lib/chip.h"
#include "lib/crc32c.h"
#include "lib/mig_stream.h"

#define VRAM  (64u << 10) /* 16 chunks of 4 KiB */
#define CHUNK 4096u

static struct gs_state st;
static struct mig_buf buf;

static void make_state(void)
{
	struct gs_identity id = {.vendor = 0x1234,
				 .device = 0x1111,
				 .subvendor = 0x1af4,
				 .subdevice = 0x1100,
				 .revision = 2,
				 .class_code = 0x030000,
				 .vram_size = VRAM,
				 .chip_version = STDVGA_CHIP_VERSION};
	uint32_t x = 12345;

	strcpy(id.chip, "stdvga");
	ck_assert(gs_state_alloc(&st, &id, chip_regs_len(&chip_stdvga), NULL) ==
		  0);
	for (size_t i = 0; i < st.regs_len; i++)
		st.regs[i] = (uint8_t)(i * 31);
	for (size_t i = 0; i < 256; i++)
		st.pcicfg[i] = (uint8_t)(255 - i);
	memset(st.vram, 0, VRAM);
	for (size_t i = 0; i < 3 * CHUNK; i++) { /* noise: stored raw */
		x = x * 1103515245 + 12345;
		st.vram[5 * CHUNK + i] = (uint8_t)(x >> 16);
	}
	memset(st.vram + 9 * CHUNK, 0x77, CHUNK); /* compresses */
}

static void setup(void)
{
	make_state();
	buf = (struct mig_buf){0};
}

static void teardown(void)
{
	gs_state_free(&st);
	mig_buf_free(&buf);
}

static struct mig_tx *sender(void)
{
	struct mig_tx *tx;
	struct err e = {{0}};

	ck_assert_msg(mig_tx_create(VRAM, CHUNK, 1, &tx, &e) == 0, "%s", e.msg);
	ck_assert(mig_tx_begin(tx, &buf, &e) == 0);
	return tx;
}

/* Feed p in pieces of step bytes; the first failure's code. */
static int feed(struct mig_rx *rx, const uint8_t *p, size_t n, size_t step,
		struct err *e)
{
	for (size_t off = 0; off < n; off += step) {
		int rc = mig_rx_feed(rx, p + off,
				     n - off < step ? n - off : step, e);

		if (rc)
			return rc;
	}
	return 0;
}

/* Receive p whole in pieces of step; 0 and *out, or the error. */
static int receive(const uint8_t *p, size_t n, size_t step,
		   struct gs_state *out, struct err *e)
{
	struct mig_rx *rx;
	int rc;

	ck_assert(mig_rx_create(VRAM, &rx, e) == 0);
	rc = feed(rx, p, n, step, e);
	if (rc == 0)
		rc = mig_rx_finish(rx, out, e);
	mig_rx_free(rx);
	return rc;
}

/* Recompute a record's checksums after a deliberate change at rec. */
static void reseal(uint8_t *rec)
{
	uint32_t len =
		rec[4] | rec[5] << 8 | rec[6] << 16 | (uint32_t)rec[7] << 24;
	uint32_t c = crc32c(0, rec + 16, len);

	memcpy(rec + 8, &c, 4);
	c = crc32c(0, rec, 12);
	memcpy(rec + 12, &c, 4);
}

START_TEST(passes_send_only_changed_chunks)
{
	struct mig_tx *tx = sender();
	uint32_t n0, n1, n2, nf;
	size_t after0;

	ck_assert(mig_tx_pass(tx, st.vram, &buf, &n0, NULL) == 0);
	after0 = buf.len;
	ck_assert(mig_tx_pass(tx, st.vram, &buf, &n1, NULL) == 0);
	ck_assert_uint_eq(n0, 16);
	ck_assert_uint_eq(n1, 0);
	ck_assert_uint_eq(buf.len, after0);
	st.vram[3 * CHUNK + 17] = 1;
	st.vram[15 * CHUNK] = 2;
	ck_assert(mig_tx_pass(tx, st.vram, &buf, &n2, NULL) == 0);
	ck_assert_uint_eq(n2, 2);
	st.vram[0] = 9;
	ck_assert(mig_tx_finish(tx, &st, &buf, &nf, NULL) == 0);
	ck_assert_uint_eq(nf, 1);
	mig_tx_free(tx);
}
END_TEST

START_TEST(stream_in_pieces_of_any_size_gives_the_state)
{
	static const size_t steps[] = {1, 7, 4096, 1 << 20};
	struct mig_tx *tx = sender();
	struct gs_state got;
	struct err e = {{0}};

	ck_assert(mig_tx_pass(tx, st.vram, &buf, NULL, NULL) == 0);
	memset(st.vram + 2 * CHUNK, 0x11, 100);
	ck_assert(mig_tx_pass(tx, st.vram, &buf, NULL, NULL) == 0);
	st.vram[12 * CHUNK] = 0x42;
	ck_assert(mig_tx_finish(tx, &st, &buf, NULL, NULL) == 0);
	ck_assert(mig_is_stream(buf.p, buf.len));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ck_assert_msg(receive(buf.p, buf.len, steps[i], &got, &e) == 0,
			      "%s", e.msg);
		th_assert_states_equal(&st, &got);
		gs_state_free(&got);
	}
	mig_tx_free(tx);
}
END_TEST

START_TEST(every_flipped_byte_is_refused)
{
	struct mig_tx *tx = sender();
	struct gs_state got;
	struct err e;

	ck_assert(mig_tx_finish(tx, &st, &buf, NULL, NULL) == 0);
	for (size_t i = 0; i < buf.len; i += 1 + i / 64) {
		buf.p[i] ^= 0x20;
		ck_assert_msg(receive(buf.p, buf.len, 4096, &got, &e) < 0,
			      "flip at %zu accepted", i);
		buf.p[i] ^= 0x20;
	}
	mig_tx_free(tx);
}
END_TEST

START_TEST(incomplete_or_disordered_streams_are_refused)
{
	struct mig_tx *tx = sender();
	struct gs_state got;
	struct err e = {{0}};
	size_t hdr = buf.len, first;
	uint8_t *copy;

	ck_assert(mig_tx_pass(tx, st.vram, &buf, NULL, NULL) == 0);
	first = buf.len;
	ck_assert(mig_tx_finish(tx, &st, &buf, NULL, NULL) == 0);
	/* Header, STATE, END without any chunk: VRAM missing. */
	copy = malloc(buf.len);
	memcpy(copy, buf.p, hdr);
	memcpy(copy + hdr, buf.p + first, buf.len - first);
	ck_assert_int_eq(receive(copy, hdr + buf.len - first, 100, &got, &e),
			 -EBADMSG);
	ck_assert_msg(strstr(e.msg, "lacks"), "%s", e.msg);
	/* No END. */
	ck_assert_int_eq(receive(buf.p, buf.len - 16, 100, &got, &e), -EBADMSG);
	/* Anything after END. */
	memcpy(copy, buf.p, buf.len);
	ck_assert_int_eq(receive(copy, buf.len, buf.len, &got, &e), 0);
	gs_state_free(&got);
	copy = realloc(copy, buf.len + 1);
	copy[buf.len] = 0;
	ck_assert_int_eq(receive(copy, buf.len + 1, 100, &got, &e), -EBADMSG);
	/* A chunk record after STATE (swap END for a chunk). */
	memcpy(copy, buf.p, buf.len);
	memcpy(copy + buf.len - 16, buf.p + hdr, 16);
	ck_assert_int_eq(receive(copy, buf.len, 100, &got, &e), -EBADMSG);
	free(copy);
	mig_tx_free(tx);
}
END_TEST

START_TEST(wrong_sizes_versions_and_chips_are_refused)
{
	struct mig_tx *tx = sender();
	struct mig_rx *rx;
	struct gs_state got;
	struct err e = {{0}};
	uint8_t *state;
	uint32_t crc;

	ck_assert(mig_tx_finish(tx, &st, &buf, NULL, NULL) == 0);
	/* A receiver for another VRAM size. */
	ck_assert(mig_rx_create(2 * VRAM, &rx, &e) == 0);
	ck_assert_int_eq(mig_rx_feed(rx, buf.p, buf.len, &e), -EBADMSG);
	mig_rx_free(rx);
	/* A newer version, header resealed. */
	buf.p[8] = 2;
	crc = crc32c(0, buf.p, 28);
	memcpy(buf.p + 28, &crc, 4);
	ck_assert_int_eq(receive(buf.p, buf.len, 64, &got, &e), -ENOTSUP);
	buf.p[8] = 1;
	crc = crc32c(0, buf.p, 28);
	memcpy(buf.p + 28, &crc, 4);
	/* An unknown chip in STATE, record resealed. */
	state = buf.p + buf.len - 16 - (48 + 256 + st.regs_len) - 16;
	ck_assert_uint_eq(state[0], 2); /* the STATE record */
	memcpy(state + 16 + 24, "nochip", 7);
	reseal(state);
	ck_assert_int_eq(receive(buf.p, buf.len, 64, &got, &e), -ENOTSUP);
	memcpy(state + 16 + 24, "stdvga", 7);
	state[16 + 13] = 1; /* a reserved byte */
	reseal(state);
	ck_assert_int_eq(receive(buf.p, buf.len, 64, &got, &e), -EBADMSG);
	state[16 + 13] = 0;
	reseal(state);
	ck_assert_int_eq(receive(buf.p, buf.len, 64, &got, &e), 0);
	gs_state_free(&got);
	mig_tx_free(tx);
}
END_TEST

START_TEST(damaged_zstd_chunk_is_refused_even_resealed)
{
	struct mig_tx *tx = sender();
	struct gs_state got;
	struct err e = {{0}};
	size_t off = buf.len;

	ck_assert(mig_tx_pass(tx, st.vram, &buf, NULL, NULL) == 0);
	ck_assert(mig_tx_finish(tx, &st, &buf, NULL, NULL) == 0);
	/* Find the zstd chunk 9 (kind 1) and damage its frame. */
	while (off < buf.len) {
		uint8_t *r = buf.p + off;
		uint32_t len = r[4] | r[5] << 8 | r[6] << 16;

		if (r[0] == 1 && r[16] == 9 && r[20] == 1) {
			r[16 + 8 + len / 2 - 4] ^= 0xff;
			reseal(r);
			break;
		}
		off += 16 + len;
	}
	ck_assert_uint_lt(off, buf.len);
	ck_assert_int_eq(receive(buf.p, buf.len, 4096, &got, &e), -EBADMSG);
	ck_assert_msg(strstr(e.msg, "zstd"), "%s", e.msg);
	mig_tx_free(tx);
}
END_TEST

START_TEST(bad_sender_geometry_is_refused)
{
	struct mig_tx *tx;
	struct mig_rx *rx;

	ck_assert_int_eq(mig_tx_create(VRAM, 1000, 0, &tx, NULL), -EINVAL);
	ck_assert_int_eq(mig_tx_create(VRAM, 2048, 0, &tx, NULL), -EINVAL);
	ck_assert_int_eq(mig_tx_create(3 << 20, 0, 0, &tx, NULL), -EINVAL);
	ck_assert_int_eq(mig_rx_create(0, &rx, NULL), -EINVAL);
	ck_assert_int_eq(mig_rx_create(1ull << 40, &rx, NULL), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mig_stream");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, passes_send_only_changed_chunks);
	tcase_add_test(tc, stream_in_pieces_of_any_size_gives_the_state);
	tcase_add_test(tc, every_flipped_byte_is_refused);
	tcase_add_test(tc, incomplete_or_disordered_streams_are_refused);
	tcase_add_test(tc, wrong_sizes_versions_and_chips_are_refused);
	tcase_add_test(tc, damaged_zstd_chunk_is_refused_even_resealed);
	tcase_add_test(tc, bad_sender_geometry_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
