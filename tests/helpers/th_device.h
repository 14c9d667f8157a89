/* Test helpers: models, scripts, save/restore round trips (Check-based). */
#ifndef GS_TH_DEVICE_H
#define GS_TH_DEVICE_H

#include <check.h>

#include "dev/hw.h"
#include "lib/chip_stdvga.h"
#include "lib/state.h"

/* A fresh stdvga model with vram_mb MiB of VRAM; fails the test on error. */
struct hw *th_model(unsigned vram_mb);
/* Run script text on hw; fails the test (with the script's message). */
void th_run(struct hw *hw, const char *script);
/* Run a script file from tests/data. */
void th_run_file(struct hw *hw, const char *name);
/* Save hw into st; fails the test on error. */
void th_save(struct hw *hw, struct gs_state *st);
/* Decode the register blob of st. */
void th_regs(const struct gs_state *st, struct stdvga_regs *r);
/* Fail unless a and b are equal in identity, config, registers and VRAM,
 * naming the first difference. */
void th_assert_states_equal(const struct gs_state *a, const struct gs_state *b);
/* Save a, restore onto a fresh model b (scribbled first), save b, compare. */
void th_roundtrip(struct hw *a);
/* Scribble over a device's VRAM and registers (a "used" device). */
void th_scribble(struct hw *hw, unsigned seed);
/* th_roundtrip, handing back the original state (sa) and the state saved
 * from the restored model (sb); the caller frees both. */
void th_roundtrip_keep(struct hw *a, struct gs_state *sa, struct gs_state *sb);
/* Decode a and b (chip_stdvga.scanout): fail unless both succeed or fail
 * with the same code, and unless the pictures are bit-identical. Returns
 * that code; on 0, img (if non-NULL) gets a's picture for the caller to
 * free, otherwise img is left empty. */
int th_assert_scanouts_equal(const struct gs_state *a, const struct gs_state *b,
			     struct gs_image *img);

/* Run a suite, print Check's summary; returns the process exit code. */
int th_run_suite(Suite *s);

#endif
