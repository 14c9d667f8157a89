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

/* Run a suite, print Check's summary; returns the process exit code. */
int th_run_suite(Suite *s);

#endif
