/* Test helpers shared by the test binaries (see th_device.h). */
#include "th_device.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/stdvga.h"
#include "lib/chip.h"
#include "lib/image.h"
#include "lib/script.h"

struct hw *th_model(unsigned vram_mb)
{
	struct stdvga_config cfg = {.vram_mb = vram_mb};
	struct hw *hw = NULL;
	struct err e = {{0}};

	ck_assert_msg(stdvga_create(&cfg, &hw, &e) == 0, "create: %s", e.msg);
	return hw;
}

void th_run(struct hw *hw, const char *text)
{
	struct script *s = NULL;
	struct err e = {{0}};

	ck_assert_msg(script_parse(text, strlen(text), "test", ".", &s, &e) ==
			      0,
		      "parse: %s", e.msg);
	ck_assert_msg(script_run(s, hw, NULL, &e) == 0, "run: %s", e.msg);
	script_free(s);
}

void th_run_file(struct hw *hw, const char *name)
{
	struct script *s = NULL;
	struct err e = {{0}};
	char path[256];

	snprintf(path, sizeof(path), "tests/data/%s", name);
	ck_assert_msg(script_load(path, &s, &e) == 0, "load: %s", e.msg);
	ck_assert_msg(script_run(s, hw, NULL, &e) == 0, "run: %s", e.msg);
	script_free(s);
}

void th_save(struct hw *hw, struct gs_state *st)
{
	struct err e = {{0}};

	ck_assert_msg(chip_stdvga.save(hw, st, &e) == 0, "save: %s", e.msg);
}

void th_regs(const struct gs_state *st, struct stdvga_regs *r)
{
	chip_decode(&chip_stdvga, st->regs, r);
}

static void assert_regs_equal(const uint8_t *a, const uint8_t *b)
{
	size_t pos = 0;
	char name[32];

	for (size_t f = 0; f < chip_stdvga.nfields; f++) {
		const struct chip_field *fd = &chip_stdvga.fields[f];

		for (unsigned i = 0; i < fd->count; i++) {
			uint32_t va = chip_field_get(fd, a, pos, i);
			uint32_t vb = chip_field_get(fd, b, pos, i);

			chip_field_name(fd, i, name, sizeof(name));
			ck_assert_msg(va == vb, "register %s: 0x%x vs 0x%x",
				      name, va, vb);
		}
		pos += (size_t)fd->count * fd->width;
	}
}

void th_assert_states_equal(const struct gs_state *a, const struct gs_state *b)
{
	ck_assert(!memcmp(&a->id, &b->id, sizeof(a->id)));
	for (unsigned i = 0; i < 256; i++)
		ck_assert_msg(a->pcicfg[i] == b->pcicfg[i],
			      "pci config 0x%02x: 0x%02x vs 0x%02x", i,
			      a->pcicfg[i], b->pcicfg[i]);
	assert_regs_equal(a->regs, b->regs);
	for (uint64_t i = 0; i < a->id.vram_size; i++)
		if (a->vram[i] != b->vram[i])
			ck_abort_msg("VRAM differs at 0x%" PRIx64, i);
}

void th_scribble(struct hw *hw, unsigned seed)
{
	struct hw_region r;
	char text[512];

	ck_assert(hw_region_info(hw, HW_REGION_BAR0, &r, NULL) == 0);
	snprintf(text, sizeof(text),
		 "io.w8 0x3c2 0x01\n"
		 "io.w16 0x3d4 0x5a13\nio.w16 0x3c4 0x0f02\n"
		 "io.w16 0x3ce 0x0505\nio.w8 0x3c8 7\nio.w8 0x3c9 0x3f\n"
		 "io.w16 0x1ce 4\nio.w16 0x1cf 0x41\n"
		 "vram.random 0 0x10000 %u\n"
		 "vram.random 0x%" PRIx64 " 0x10000 %u\n",
		 seed + 1, r.size - 0x10000, seed + 2);
	th_run(hw, text);
}

void th_roundtrip_keep(struct hw *a, struct gs_state *sa, struct gs_state *sb)
{
	struct hw *b;
	struct err e = {{0}};
	uint64_t mb;

	th_save(a, sa);
	mb = sa->id.vram_size >> 20;
	b = th_model((unsigned)mb);
	th_scribble(b, 99);
	ck_assert_msg(chip_stdvga.restore(b, sa, &e) == 0, "restore: %s",
		      e.msg);
	th_save(b, sb);
	th_assert_states_equal(sa, sb);
	hw_destroy(b);
}

void th_roundtrip(struct hw *a)
{
	struct gs_state sa, sb;

	th_roundtrip_keep(a, &sa, &sb);
	gs_state_free(&sa);
	gs_state_free(&sb);
}

/* Fail naming the first pixel where two same-sized pictures differ. */
static void assert_pixels_equal(const struct gs_image *a,
				const struct gs_image *b)
{
	size_t n = (size_t)a->width * a->height * 3;

	if (!memcmp(a->rgb, b->rgb, n))
		return;
	for (size_t i = 0; i < n; i++)
		if (a->rgb[i] != b->rgb[i])
			ck_abort_msg("scanout differs at pixel %zu,%zu",
				     i / 3 % a->width, i / 3 / a->width);
}

int th_assert_scanouts_equal(const struct gs_state *a, const struct gs_state *b,
			     struct gs_image *img)
{
	struct gs_image ia = {0}, ib = {0};
	struct err ea = {{0}}, eb = {{0}};
	int ra = chip_stdvga.scanout(a, &ia, &ea);
	int rb = chip_stdvga.scanout(b, &ib, &eb);

	ck_assert_msg(ra == rb, "scanout: %d (%s) vs %d (%s)", ra, ea.msg, rb,
		      eb.msg);
	if (ra == 0) {
		ck_assert_msg(ia.width == ib.width && ia.height == ib.height,
			      "scanout size %ux%u vs %ux%u", ia.width,
			      ia.height, ib.width, ib.height);
		assert_pixels_equal(&ia, &ib);
	}
	gs_image_free(&ib);
	if (img)
		*img = ia;
	else
		gs_image_free(&ia);
	return ra;
}

int th_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
