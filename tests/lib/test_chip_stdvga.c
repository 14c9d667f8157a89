/*
 * The stdvga save/restore driver on the model: identity, save without side
 * effects, every hazard of stdvga.md section 9 through a save -> restore onto
 * a fresh (scribbled) device -> save round trip, refusal of states that do
 * not fit, and verification that names the first mismatch.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/th_device.h"
#include "dev/stdvga.h"
#include "lib/chip.h"
#include "lib/chip_stdvga.h"

#define FIRMWARE                                                               \
	"cfg.w32 0x10 0xfd000008\ncfg.w32 0x18 0xfebf0000\ncfg.w16 0x04 3\n"

/* A 640x480x32 VBE mode through the DISPI ports, colour decode, unblanked. */
#define VBE_MODE                                                               \
	FIRMWARE "io.w8 0x3c2 0x01\nio.r8 0x3da\nio.w8 0x3c0 0x20\n"           \
		 "io.w16 0x1ce 3\nio.w16 0x1cf 32\n"                           \
		 "io.w16 0x1ce 1\nio.w16 0x1cf 640\n"                          \
		 "io.w16 0x1ce 2\nio.w16 0x1cf 480\n"                          \
		 "io.w16 0x1ce 4\nio.w16 0x1cf 0x41\n"

START_TEST(save_reads_identity_of_fresh_model)
{
	struct hw *hw = th_model(16);
	struct stdvga_regs r;
	struct gs_state st;

	th_save(hw, &st);
	th_regs(&st, &r);
	ck_assert_uint_eq(st.id.vendor, 0x1234);
	ck_assert_uint_eq(st.id.device, 0x1111);
	ck_assert_uint_eq(st.id.revision, 2);
	ck_assert_uint_eq(st.id.vram_size, 16u << 20);
	ck_assert_str_eq(st.id.chip, "stdvga");
	ck_assert_uint_eq(r.dispi[DISPI_ID], 0xb0c5);
	ck_assert_uint_eq(r.dispi[DISPI_VIDEO_MEMORY_64K], 0x100);
	ck_assert_uint_eq(r.msr, 0);
	gs_state_free(&st);
	hw_destroy(hw);
}
END_TEST

/* Saving twice gives the same state: save puts back every latch it moves. */
static void assert_save_idempotent(const char *setup)
{
	struct hw *hw = th_model(4);
	struct gs_state a, b;

	th_run(hw, setup);
	th_save(hw, &a);
	th_save(hw, &b);
	th_assert_states_equal(&a, &b);
	gs_state_free(&a);
	gs_state_free(&b);
	hw_destroy(hw);
}

START_TEST(save_leaves_latches_as_found)
{
	static const char *const setups[] = {
		VBE_MODE,
		/* attribute flip-flop in the data phase, index 0x31 */
		FIRMWARE "io.w8 0x3c2 1\nio.r8 0x3da\nio.w8 0x3c0 0x31\n",
		/* DAC read index written last (state 3), write index 9 */
		FIRMWARE "io.w8 0x3c8 9\nio.w8 0x3c7 4\n",
		/* GETCAPS set while enabled, BANK 3 */
		VBE_MODE "io.w16 0x1ce 5\nio.w16 0x1cf 3\n"
			 "io.w16 0x1ce 4\nio.w16 0x1cf 0x43\n"
			 "io.w16 0x1ce 5\nio.w16 0x1cf 3\nio.w16 0x1ce 9\n",
		/* mono decode with indices set */
		FIRMWARE "io.w8 0x3b4 0x0e\nio.w8 0x3c4 2\nio.w8 0x3ce 5\n",
	};

	assert_save_idempotent(setups[_i]);
}
END_TEST

START_TEST(roundtrip_bochs_drm_modeset)
{
	struct hw *hw = th_model(16);

	th_run_file(hw, "bochs-modeset.gs");
	th_roundtrip(hw);
	hw_destroy(hw);
}
END_TEST

/* One setup per hazard of stdvga.md 9.1; each must survive the round trip. */
static const char *const hazards[] = {
	/* 1: enabled without NOCLEARMEM, content in the visible area */
	VBE_MODE "vram.random 0 0x12c000 5\n",
	/* 2: pan registers and a virtual width larger than XRES */
	VBE_MODE "io.w16 0x1ce 6\nio.w16 0x1cf 800\n"
		 "io.w16 0x1ce 8\nio.w16 0x1cf 16\n"
		 "io.w16 0x1ce 9\nio.w16 0x1cf 100\n",
	/* 3: BANK nonzero while enabled */
	VBE_MODE "io.w16 0x1ce 5\nio.w16 0x1cf 2\n",
	/* 4: GETCAPS set in the saved ENABLE */
	VBE_MODE "io.w16 0x1ce 4\nio.w16 0x1cf 0x43\n",
	/* 6: DISPI index latch left at 3 */
	VBE_MODE "io.w16 0x1ce 3\n",
	/* 7: mono decode after CRTC programming in colour mode */
	FIRMWARE "io.w8 0x3c2 0x01\nio.w16 0x3d4 0x4f09\nio.w16 0x3d4 0x0e0a\n"
		 "io.w8 0x3c2 0x66\n",
	/* 8: CRTC protect set with CR00-CR07 programmed */
	FIRMWARE "io.w8 0x3c2 0x01\nio.w16 0x3d4 0x5f00\nio.w16 0x3d4 0x1f07\n"
		 "io.w16 0x3d4 0x8e11\n",
	/* 9: saved while disabled, with forced bits left from a VBE session */
	VBE_MODE "io.w16 0x1ce 4\nio.w16 0x1cf 0\n",
	/* 10: attribute flip-flop in the data phase with PAS set */
	FIRMWARE "io.w8 0x3c2 1\nio.r8 0x3da\nio.w8 0x3c0 0x10\n"
		 "io.w8 0x3c0 0x0c\nio.w8 0x3c0 0x32\n",
	/* 11: DAC mid-palette: write index 0x40, state 3, 8-bit values */
	FIRMWARE "io.w8 0x3c8 0x3e\nio.w8 0x3c9 0xff\nio.w8 0x3c9 0x80\n"
		 "io.w8 0x3c9 0x01\nio.w8 0x3c8 0x40\nio.w8 0x3c7 0x05\n",
	/* 12: sequencer reset held (SR00 = 1) */
	FIRMWARE "io.w16 0x3c4 0x0100\nio.w16 0x3c4 0x2101\n",
	/* 15: big-endian framebuffer */
	VBE_MODE "bar2.w32 0x604 0xbebebebe\n",
	/* 2: raw geometry stored while disabled (no fixups apply) */
	FIRMWARE "io.w16 0x1ce 1\nio.w16 0x1cf 1023\nio.w16 0x1ce 3\n"
		 "io.w16 0x1cf 7\nio.w16 0x1ce 6\nio.w16 0x1cf 5\n",
	/* 8-bit DAC in an 8 bpp mode */
	FIRMWARE "io.w16 0x1ce 3\nio.w16 0x1cf 8\nio.w16 0x1ce 1\n"
		 "io.w16 0x1cf 320\nio.w16 0x1ce 2\nio.w16 0x1cf 200\n"
		 "io.w16 0x1ce 4\nio.w16 0x1cf 0xe1\n",
};

START_TEST(roundtrip_hazard)
{
	struct hw *hw = th_model(4);

	th_run(hw, hazards[_i]);
	th_roundtrip(hw);
	hw_destroy(hw);
}
END_TEST

/* Hazard 16 and 15: the target's VRAM and endianness survive its reset, so
 * the restore must write them anyway. */
START_TEST(restore_overwrites_what_survives_reset)
{
	struct hw *a = th_model(4), *b = th_model(4);
	struct gs_state sa, sb;
	struct err e;

	th_run(a, FIRMWARE);
	th_save(a, &sa);
	th_run(b, FIRMWARE "bar2.w32 0x604 0xbebebebe\n"
			   "vram.fill 0 0x400000 0xdeadbeef\n");
	ck_assert_msg(chip_stdvga.restore(b, &sa, &e) == 0, "%s", e.msg);
	th_save(b, &sb);
	th_assert_states_equal(&sa, &sb);
	gs_state_free(&sa);
	gs_state_free(&sb);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

/* A device without a bus reset: every op passes through but reset. */
struct noreset {
	struct hw hw;
	struct hw *inner;
};

static struct hw *inner(struct hw *hw)
{
	return ((struct noreset *)hw)->inner;
}

static int nr_cfg_read(struct hw *hw, uint32_t off, unsigned size,
		       uint32_t *val, struct err *e)
{
	return hw_cfg_read(inner(hw), off, size, val, e);
}

static int nr_cfg_write(struct hw *hw, uint32_t off, unsigned size,
			uint32_t val, struct err *e)
{
	return hw_cfg_write(inner(hw), off, size, val, e);
}

static int nr_region_info(struct hw *hw, unsigned idx, struct hw_region *info,
			  struct err *e)
{
	return hw_region_info(inner(hw), idx, info, e);
}

static int nr_region_read(struct hw *hw, unsigned idx, uint64_t off,
			  unsigned size, uint32_t *val, struct err *e)
{
	return hw_region_read(inner(hw), idx, off, size, val, e);
}

static int nr_region_write(struct hw *hw, unsigned idx, uint64_t off,
			   unsigned size, uint32_t val, struct err *e)
{
	return hw_region_write(inner(hw), idx, off, size, val, e);
}

static int nr_port_read(struct hw *hw, uint16_t port, unsigned size,
			uint32_t *val, struct err *e)
{
	return hw_port_read(inner(hw), port, size, val, e);
}

static int nr_port_write(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t val, struct err *e)
{
	return hw_port_write(inner(hw), port, size, val, e);
}

static int nr_reset(struct hw *hw, struct err *e)
{
	return err_set(e, -ENOTSUP, "no reset");
}

static void nr_destroy(struct hw *hw)
{
	hw_destroy(inner(hw));
}

static const struct hw_ops noreset_ops = {
	.name = "noreset",
	.cfg_read = nr_cfg_read,
	.cfg_write = nr_cfg_write,
	.region_info = nr_region_info,
	.region_read = nr_region_read,
	.region_write = nr_region_write,
	.port_read = nr_port_read,
	.port_write = nr_port_write,
	.reset = nr_reset,
	.destroy = nr_destroy,
};

/* Restore onto a device that cannot be reset and is mid-VBE-session, with
 * other geometry, a locked CRTC and a half-written DAC: every hazard setup
 * must still come back exactly. */
START_TEST(restore_without_bus_reset_rewrites_everything)
{
	struct noreset nr = {.hw = {.ops = &noreset_ops}, .inner = th_model(4)};
	struct hw *a = th_model(4);
	struct gs_state sa, sb;
	struct err e = {{0}};

	th_run(a, hazards[_i]);
	th_save(a, &sa);
	th_run(&nr.hw, VBE_MODE "io.w16 0x1ce 1\nio.w16 0x1cf 800\n"
				"io.w16 0x1ce 6\nio.w16 0x1cf 16000\n"
				"io.w16 0x3d4 0x8e11\nio.w8 0x3c9 7\n"
				"vram.random 0 0x100000 4\n");
	ck_assert_msg(chip_stdvga.restore(&nr.hw, &sa, &e) == 0, "%s", e.msg);
	th_save(&nr.hw, &sb);
	th_assert_states_equal(&sa, &sb);
	gs_state_free(&sa);
	gs_state_free(&sb);
	hw_destroy(a);
	nr_destroy(&nr.hw);
}
END_TEST

/* A state that does not fit is refused and the target is left untouched. */
static void assert_refused(struct gs_state *st, struct hw *target,
			   const char *want)
{
	struct gs_state before, after;
	struct err e = {{0}};

	th_save(target, &before);
	ck_assert_int_eq(chip_stdvga.restore(target, st, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, want), "message '%s' lacks '%s'", e.msg,
		      want);
	th_save(target, &after);
	th_assert_states_equal(&before, &after);
	gs_state_free(&before);
	gs_state_free(&after);
}

START_TEST(restore_refuses_other_vram_size)
{
	struct hw *a = th_model(16), *b = th_model(8);
	struct gs_state st;

	th_save(a, &st);
	th_run(b, VBE_MODE "vram.random 0 0x1000 3\n");
	assert_refused(&st, b, "vram_size");
	gs_state_free(&st);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

START_TEST(restore_refuses_other_identity)
{
	struct hw *a = th_model(4), *b = th_model(4);
	struct gs_state st;

	th_save(a, &st);
	th_run(b, VBE_MODE);
	st.id.revision = 0;
	assert_refused(&st, b, "revision");
	st.id.revision = 2;
	st.id.chip_version = 99;
	assert_refused(&st, b, "chip_version");
	st.id.chip_version = STDVGA_CHIP_VERSION;
	st.id.device = 0x1112;
	assert_refused(&st, b, "device");
	st.id.device = 0x1111;
	strcpy(st.id.chip, "other");
	assert_refused(&st, b, "chip driver");
	gs_state_free(&st);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

START_TEST(restore_refuses_model_without_ext_regs)
{
	struct stdvga_config cfg = {.vram_mb = 4, .no_ext_regs = 1};
	struct hw *a = th_model(4), *b = NULL;
	struct gs_state st;
	struct err e;

	ck_assert(stdvga_create(&cfg, &b, &e) == 0);
	th_save(a, &st);
	assert_refused(&st, b, "revision");
	gs_state_free(&st);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

/* A register value the hardware cannot hold fails verification by name. */
START_TEST(restore_verify_names_first_mismatch_and_rolls_back)
{
	struct hw *a = th_model(4), *b = th_model(4);
	struct gs_state st, before, after;
	struct stdvga_regs r;
	struct err e = {{0}};

	th_run(a, FIRMWARE);
	th_save(a, &st);
	th_regs(&st, &r);
	r.sr[1] = 0xff; /* SR01 keeps only 0x3d */
	chip_encode(&chip_stdvga, &r, st.regs);
	th_run(b, VBE_MODE "vram.random 0 0x10000 8\n");
	th_save(b, &before);
	ck_assert_int_eq(chip_stdvga.restore(b, &st, &e), -EIO);
	ck_assert_msg(strstr(e.msg, "SR01"), "message: %s", e.msg);
	ck_assert_msg(strstr(e.msg, "put back as it was"), "message: %s",
		      e.msg);
	th_save(b, &after);
	th_assert_states_equal(&before, &after);
	gs_state_free(&st);
	gs_state_free(&before);
	gs_state_free(&after);
	hw_destroy(a);
	hw_destroy(b);
}
END_TEST

/* rewrite (for a thaw) restores like restore, but a failure leaves the
 * device as the failed write left it: nothing is put back. */
START_TEST(rewrite_restores_and_does_not_roll_back)
{
	struct hw *a = th_model(4), *b = th_model(4), *c = th_model(8);
	struct gs_state st, back, before, after;
	struct stdvga_regs r;
	struct err e = {{0}};

	th_run(a, VBE_MODE "vram.random 0 0x10000 3\n");
	th_save(a, &st);
	ck_assert_msg(chip_stdvga.rewrite(b, &st, &e) == 0, "%s", e.msg);
	th_save(b, &back);
	th_assert_states_equal(&st, &back);
	ck_assert_int_eq(chip_stdvga.rewrite(c, &st, &e), -EINVAL);
	th_regs(&st, &r);
	r.sr[1] = 0xff; /* SR01 keeps only 0x3d */
	chip_encode(&chip_stdvga, &r, st.regs);
	th_run(b, FIRMWARE);
	th_save(b, &before);
	ck_assert_int_eq(chip_stdvga.rewrite(b, &st, &e), -EIO);
	ck_assert_msg(strstr(e.msg, "SR01") && !strstr(e.msg, "put back"),
		      "message: %s", e.msg);
	th_save(b, &after);
	ck_assert_int_ne(memcmp(before.regs, after.regs, before.regs_len), 0);
	gs_state_free(&st);
	gs_state_free(&back);
	gs_state_free(&before);
	gs_state_free(&after);
	hw_destroy(a);
	hw_destroy(b);
	hw_destroy(c);
}
END_TEST

/* Palette entry 5 after a client wrote its red and green, a save ran
 * (kept: with hw_keep / hw_put_back around it), then the client wrote blue. */
static void dac_entry_across_a_save(int kept, uint8_t rgb[3])
{
	struct hw *m = th_model(4);
	struct gs_state st;
	struct stdvga_regs r;
	struct err e = {{0}};
	void *k;

	th_run(m, "io.w8 0x3c8 5\nio.w8 0x3c9 0x11\nio.w8 0x3c9 0x22\n");
	k = kept ? hw_keep(m) : NULL;
	ck_assert_msg(chip_stdvga.save(m, &st, &e) == 0, "%s", e.msg);
	gs_state_free(&st);
	hw_put_back(m, k);
	th_run(m, "io.w8 0x3c9 0x33\n");
	th_save(m, &st);
	th_regs(&st, &r);
	memcpy(rgb, &r.palette[5 * 3], 3);
	gs_state_free(&st);
	hw_destroy(m);
}

/* A save moves the DAC's hidden colour sub-index (the registers cannot put
 * it back); the model's keep / put_back undoes every trace. */
START_TEST(keep_and_put_back_hide_a_save_from_a_dac_sequence)
{
	static const uint8_t want[3] = {0x11, 0x22, 0x33};
	uint8_t got[3];

	dac_entry_across_a_save(0, got);
	ck_assert_msg(memcmp(got, want, 3),
		      "a plain save no longer disturbs "
		      "the DAC: this test proves nothing");
	dac_entry_across_a_save(1, got);
	ck_assert_msg(!memcmp(got, want, 3), "entry 5 is %02x %02x %02x",
		      got[0], got[1], got[2]);
}
END_TEST

START_TEST(chip_probe_finds_stdvga)
{
	struct hw *hw = th_model(4);
	struct gs_identity id;
	struct err e = {{0}};

	ck_assert_ptr_eq(chip_probe(hw, &id, &e), &chip_stdvga);
	ck_assert_uint_eq(id.vram_size, 4u << 20);
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("chip_stdvga");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, save_reads_identity_of_fresh_model);
	tcase_add_loop_test(tc, save_leaves_latches_as_found, 0, 5);
	tcase_add_test(tc, roundtrip_bochs_drm_modeset);
	tcase_add_loop_test(tc, roundtrip_hazard, 0,
			    sizeof(hazards) / sizeof(hazards[0]));
	tcase_add_test(tc, restore_overwrites_what_survives_reset);
	tcase_add_loop_test(tc, restore_without_bus_reset_rewrites_everything,
			    0, sizeof(hazards) / sizeof(hazards[0]));
	tcase_add_test(tc, restore_refuses_other_vram_size);
	tcase_add_test(tc, restore_refuses_other_identity);
	tcase_add_test(tc, restore_refuses_model_without_ext_regs);
	tcase_add_test(tc, restore_verify_names_first_mismatch_and_rolls_back);
	tcase_add_test(tc, rewrite_restores_and_does_not_roll_back);
	tcase_add_test(tc, keep_and_put_back_hide_a_save_from_a_dac_sequence);
	tcase_add_test(tc, chip_probe_finds_stdvga);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
