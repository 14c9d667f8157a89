/*
 * Property test of the stdvga save/restore driver (stdvga.md section 9):
 * random reachable device states, each made by a random sequence of legal
 * accesses through the access interface on a fresh model, must come through
 * save -> restore onto a used model -> save unchanged: PCI config, every
 * register, VRAM and the decoded picture. Some states travel through the
 * snapshot format on the way. Afterwards the original and the restored model
 * get the same further accesses and must still agree, which catches device
 * state that a save misses but a later access would reveal.
 *
 * Each state is generated as an access script (lib/SCRIPT.md). While a state
 * is checked its script sits in $TMPDIR (or /tmp) and is deleted once the
 * state passes, so a failure or a crash leaves a reproducer that
 * `gpustate replay` runs. The run's seed comes from TH_SEED or the clock and
 * is printed first; TH_SEED=N repeats a run exactly.
 *
 * What cannot be read is not expected to survive (stdvga.md 9.1 hazards 10,
 * 11, 14 and section 4): the DAC read index, sub-index and cache, the
 * planar latch, IS1 parity, sr_vbe, bank_offset (seen only through the
 * legacy window, which the model lacks) and the attribute flip-flop phase
 * while the index is 0 (0x3C0 then reads 0 in both phases). So the accesses
 * made after the restore start every DAC transfer with an index write and
 * every attribute access with an IS1 read, as drivers do.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/stdvga.h"
#include "lib/chip.h"
#include "lib/chip_stdvga.h"
#include "lib/image.h"
#include "lib/snapshot.h"

#define STATES_PER_CASE 125
#define SMALL_CASES	8  /* 1000 states with 1 or 2 MiB of VRAM */
#define LARGE_STATES	24 /* with 16 MiB */
#define PLAIN_STATES	60 /* without extended registers or without EDID */
#define SNAPSHOT_EVERY	4  /* every 4th state goes through snap_encode */

static uint64_t base_seed;

/* ---- Random access scripts ---- */

struct gen {
	uint64_t s;    /* splitmix64 state */
	FILE *f;       /* the script being written */
	uint64_t vram; /* VRAM bytes */
	uint8_t msr;   /* last MSR written: which CRTC/IS1 ports are live */
	bool tame;     /* only accesses that no unobservable latch steers */
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct gen *g, uint64_t n)
{
	return (uint32_t)(rnd(g) % n);
}

static bool chance(struct gen *g, unsigned percent)
{
	return below(g, 100) < percent;
}

static uint32_t pick(struct gen *g, const uint32_t *v, size_t n)
{
	return v[below(g, n)];
}

#define ONE_OF(g, ...)                                                         \
	pick(g, (const uint32_t[]){__VA_ARGS__},                               \
	     sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

#define emit(g, ...) fprintf((g)->f, __VA_ARGS__)

/* The live port of a colour/mono pair most of the time, the dead one (whose
 * accesses the device drops) sometimes. */
static uint16_t crtc_port(struct gen *g)
{
	uint16_t live = (g->msr & 1) ? 0x3d4 : 0x3b4;

	return chance(g, 85) ? live : live ^ 0x60;
}

static uint16_t is1_port(struct gen *g)
{
	uint16_t live = (g->msr & 1) ? 0x3da : 0x3ba;

	return chance(g, 85) ? live : live ^ 0x60;
}

/*
 * An IS1 read, which resets the attribute flip-flop when it reaches the
 * live port. After the restore the generator does not know the MSR, nor
 * whether BAR2 decodes, so it reads both ports to be sure of the reset.
 */
static void is1_read(struct gen *g)
{
	uint16_t port = is1_port(g);

	if (g->tame) {
		emit(g, "io.r8 0x3da\nio.r8 0x3ba\n");
		return;
	}
	/* The BAR2 alias only reaches the colour block 0x3C0-0x3DF. */
	if (port == 0x3da && chance(g, 25))
		emit(g, "bar2.r8 0x41a\n");
	else
		emit(g, "io.r8 0x%x\n", port);
}

/* Index then data, as one of the forms drivers use: two byte writes, one
 * 16-bit port write, the BAR2 alias (0x400 + port - 0x3C0) or a mix. */
static void indexed_write(struct gen *g, uint16_t port, uint8_t idx,
			  uint8_t val)
{
	unsigned alias = 0x400 + port - 0x3c0;

	switch (below(g, port >= 0x3c0 ? 4 : 2)) {
	case 0:
		emit(g, "io.w8 0x%x 0x%x\nio.w8 0x%x 0x%x\n", port, idx,
		     port + 1, val);
		break;
	case 1:
		emit(g, "io.w16 0x%x 0x%x\n", port, idx | val << 8);
		break;
	case 2:
		emit(g, "bar2.w16 0x%x 0x%x\n", alias, idx | val << 8);
		break;
	default:
		emit(g, "bar2.w8 0x%x 0x%x\nio.w8 0x%x 0x%x\n", alias, idx,
		     port + 1, val);
		break;
	}
}

/* An indexed register access: mostly a write, sometimes a read or a data
 * write to whatever index is current. */
static void indexed_op(struct gen *g, uint16_t port, uint8_t idx, uint8_t val)
{
	unsigned r = below(g, 10);

	if (r < 7)
		indexed_write(g, port, idx, val);
	else if (r < 9)
		emit(g, "io.w8 0x%x 0x%x\nio.r8 0x%x\n", port, idx, port + 1);
	else
		emit(g, "io.w8 0x%x 0x%x\n", port + 1, val);
}

static void op_msr(struct gen *g)
{
	g->msr = (uint8_t)ONE_OF(g, 0x01, 0x67, 0x63, 0xe3, 0x00, 0x66,
				 below(g, 256));
	if (chance(g, 20))
		emit(g, "bar2.w8 0x402 0x%x\n", g->msr);
	else
		emit(g, "io.w8 0x3c2 0x%x\n", g->msr);
}

/* Attribute controller: IS1, index (with or without PAS), data. */
static void op_attr(struct gen *g)
{
	uint8_t idx = (uint8_t)below(g, 0x40), val = (uint8_t)below(g, 256);

	if (!g->tame && chance(g, 20)) {
		/* A lone write: index or data, whatever the flip-flop says. */
		emit(g,
		     chance(g, 50) ? "io.w8 0x3c0 0x%x\n"
				   : "bar2.w8 0x400 0x%x\n",
		     val);
		return;
	}
	is1_read(g);
	if (chance(g, 25))
		emit(g, "bar2.w16 0x400 0x%x\n", idx | val << 8);
	else if (chance(g, 85))
		emit(g, "io.w8 0x3c0 0x%x\nio.w8 0x3c0 0x%x\n", idx, val);
	else
		emit(g, "io.w8 0x3c0 0x%x\n", idx);
	if (chance(g, 20))
		emit(g, "io.r8 0x3c1\n");
}

static void op_seq(struct gen *g)
{
	uint8_t idx = (uint8_t)(chance(g, 90) ? below(g, 8) : below(g, 256));

	indexed_op(g, 0x3c4, idx, (uint8_t)below(g, 256));
}

static void op_gr(struct gen *g)
{
	uint8_t idx = (uint8_t)(chance(g, 90) ? below(g, 16) : below(g, 256));

	indexed_op(g, 0x3ce, idx, (uint8_t)below(g, 256));
}

/* Mode 3's CRTC values: plausible geometry keeps most pictures small. */
static const uint8_t mode3_crtc[25] = {
	0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
	0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
	0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};

static void op_crtc(struct gen *g)
{
	unsigned r = below(g, 10);
	uint8_t idx = (uint8_t)(r < 6	? below(g, 25)
				: r < 7 ? 0x11
					: below(g, 256));
	uint8_t val = (uint8_t)below(g, 256);

	if (idx < 25 && chance(g, 50))
		val = mode3_crtc[idx];
	if (idx == 0x11 && chance(g, 50))
		val &= 0x7f; /* unlock CR00-CR07 */
	indexed_op(g, crtc_port(g), idx, val);
}

static void op_dac_write(struct gen *g)
{
	unsigned n = below(g, 13);

	emit(g, "io.w8 0x3c8 0x%x\n", below(g, 256));
	for (unsigned i = 0; i < n; i++)
		emit(g, "io.w8 0x3c9 0x%x\n",
		     chance(g, 50) ? below(g, 64) : below(g, 256));
}

static void op_dac_read(struct gen *g)
{
	unsigned n = below(g, 8);

	emit(g, "io.w8 0x3c7 0x%x\n", below(g, 256));
	for (unsigned i = 0; i < n; i++)
		emit(g, "io.r8 0x3c9\n");
}

/* DAC data without an index write first: rides on the sub-index. */
static void op_dac_raw(struct gen *g)
{
	unsigned n = 1 + below(g, 4);

	for (unsigned i = 0; i < n; i++)
		emit(g, chance(g, 50) ? "io.w8 0x3c9 0x%x\n" : "io.r8 0x3c9\n",
		     below(g, 256));
	emit(g, "io.r8 0x3c7\nio.r8 0x3c8\n");
}

static void op_misc_vga(struct gen *g)
{
	switch (below(g, 4)) {
	case 0:
		is1_read(g);
		break;
	case 1: /* feature control */
		emit(g, "io.w8 0x%x 0x%x\n", is1_port(g), below(g, 256));
		break;
	case 2: /* PEL mask (absent in QEMU) and other dead ports */
		emit(g, "io.w8 0x%x 0x%x\n",
		     ONE_OF(g, 0x3c6, 0x3c3, 0x3cb, 0x3cd, 0x3b0),
		     below(g, 256));
		break;
	default:
		emit(g, "io.r8 0x%x\n",
		     ONE_OF(g, 0x3c2, 0x3c4, 0x3c5, 0x3c6, 0x3c7, 0x3c8, 0x3ca,
			    0x3cc, 0x3ce, 0x3cf, 0x3d4, 0x3d5, 0x3b4, 0x3b5,
			    0x3c0, 0x3c1));
		break;
	}
}

static uint16_t dispi_value(struct gen *g, unsigned idx)
{
	uint32_t r16 = below(g, 0x10000);

	switch (idx) {
	case DISPI_ID:
		return (uint16_t)ONE_OF(g, 0xb0c0, 0xb0c2, 0xb0c4, 0xb0c5,
					0x1234, r16);
	case DISPI_XRES:
		return (uint16_t)ONE_OF(g, 8 * below(g, 129), 640, 800, 1024, 0,
					1023, 16000, 16008, r16);
	case DISPI_YRES:
		return (uint16_t)ONE_OF(g, below(g, 769), 480, 600, 0, 12000,
					r16);
	case DISPI_BPP:
		return (uint16_t)ONE_OF(g, 4, 8, 15, 16, 24, 32, 0, 7, r16);
	case DISPI_ENABLE:
		return (uint16_t)ONE_OF(g, 0, 0x01, 0x41, 0xc1, 0x21, 0xa1,
					0xe1, 0x43, 0x03, 0x02, 0x20, 0x80,
					0x81, 0xe3, r16);
	case DISPI_BANK:
		return (uint16_t)ONE_OF(g, 0, below(g, 16), below(g, 256), r16);
	case DISPI_VIRT_WIDTH:
		return (uint16_t)ONE_OF(g, 0, 8 * below(g, 257), r16);
	case DISPI_X_OFFSET:
	case DISPI_Y_OFFSET:
		return (uint16_t)ONE_OF(g, 0, below(g, 64), below(g, 1024),
					r16);
	default:
		return (uint16_t)r16;
	}
}

/* One DISPI register write through the ports or the flat BAR2 window. */
static void dispi_write(struct gen *g, bool mmio, unsigned idx, uint16_t val)
{
	if (mmio)
		emit(g, "bar2.w16 0x%x 0x%x\n", 0x500 + 2 * idx, val);
	else
		emit(g, "io.w16 0x1ce 0x%x\nio.w16 0x%x 0x%x\n", idx,
		     chance(g, 80) ? 0x1cf : 0x1d0, val);
}

static void op_dispi(struct gen *g)
{
	unsigned idx = below(g, 11), r = below(g, 20);

	if (r < 8)
		dispi_write(g, false, idx, dispi_value(g, idx));
	else if (r < 14)
		dispi_write(g, true, idx, dispi_value(g, idx));
	else if (r < 15) /* a byte write replaces the whole register */
		emit(g, "bar2.w8 0x%x 0x%x\n", 0x500 + 2 * idx, below(g, 256));
	else if (r < 16) /* a 32-bit write is two registers */
		emit(g, "bar2.w32 0x%x 0x%x\n", 0x500 + 4 * below(g, 5),
		     (uint32_t)rnd(g));
	else if (r < 17) /* data to whatever the index latch holds */
		emit(g, "io.w16 0x1cf 0x%x\n", dispi_value(g, idx));
	else if (r < 18) /* the index latch alone, any 16-bit value */
		emit(g, "io.w16 0x1ce 0x%x\n",
		     chance(g, 50) ? idx : below(g, 0x10000));
	else if (r < 19)
		emit(g, "io.w16 0x1ce 0x%x\nio.r16 0x1cf\n", idx);
	else
		emit(g, "bar2.r16 0x%x\n", 0x500 + 2 * idx);
}

static uint32_t mode_flags(struct gen *g)
{
	return ONE_OF(g, 0x41, 0xc1, 0x01, 0x81, 0xe1, 0x61, 0x43, 0xc3, 0xa1);
}

/* A whole VBE mode set, the way bochs-drm or SeaVGABIOS does it, sometimes
 * panned, banked and unblanked. */
static void op_modeset(struct gen *g)
{
	bool mmio = chance(g, 50);
	uint32_t bpp = ONE_OF(g, 4, 8, 15, 16, 24, 32, 8, 32);
	uint32_t bits = bpp == 15 ? 16 : bpp;
	uint32_t xres = 8 * (1 + below(g, 128)), vw = xres;
	uint64_t maxy;

	if (chance(g, 30))
		vw += 8 * below(g, 64);
	maxy = g->vram * 8 / ((uint64_t)vw * bits);
	dispi_write(g, mmio, DISPI_ENABLE, 0);
	dispi_write(g, mmio, DISPI_BPP, (uint16_t)bpp);
	dispi_write(g, mmio, DISPI_XRES, (uint16_t)xres);
	dispi_write(g, mmio, DISPI_YRES,
		    (uint16_t)(1 + below(g, maxy < 768 ? maxy : 768)));
	dispi_write(g, mmio, DISPI_BANK, 0);
	dispi_write(g, mmio, DISPI_ENABLE, (uint16_t)mode_flags(g));
	dispi_write(g, mmio, DISPI_VIRT_WIDTH, (uint16_t)vw);
	if (chance(g, 40)) {
		dispi_write(g, mmio, DISPI_X_OFFSET, (uint16_t)below(g, 64));
		dispi_write(g, mmio, DISPI_Y_OFFSET, (uint16_t)below(g, 256));
	}
	if (chance(g, 20))
		dispi_write(g, mmio, DISPI_BANK, (uint16_t)below(g, 32));
	if (chance(g, 60)) {
		g->msr = 0x01;
		emit(g, "io.w8 0x3c2 0x01\nio.r8 0x3da\nio.w8 0x3c0 0x20\n");
	}
}

static void op_endian(struct gen *g)
{
	emit(g, "bar2.w32 0x604 0x%x\n",
	     ONE_OF(g, STDVGA_ENDIAN_LE, STDVGA_ENDIAN_BE, (uint32_t)rnd(g)));
	if (chance(g, 30))
		emit(g, "bar2.r32 0x604\nbar2.r32 0x600\n");
}

static void op_pci(struct gen *g)
{
	switch (below(g, 5)) {
	case 0:
		emit(g, "cfg.w32 0x10 0x%x\n", (uint32_t)rnd(g));
		break;
	case 1:
		emit(g, "cfg.w32 0x18 0x%x\n", (uint32_t)rnd(g));
		break;
	case 2:
		emit(g, "cfg.w16 0x04 0x%x\n",
		     ONE_OF(g, 3, 3, 7, 0x103, 0, 1, 2, 0x507,
			    below(g, 0x10000)));
		break;
	case 3:
		emit(g, "cfg.w8 0x3c 0x%x\n", below(g, 256));
		break;
	default: /* read-only places */
		emit(g, "cfg.w8 0x%x 0x%x\n", ONE_OF(g, 0x0c, 0x0d, 0x30, 0x40),
		     below(g, 256));
		break;
	}
}

static void op_vram(struct gen *g)
{
	uint64_t off, len;

	switch (below(g, 4)) {
	case 0: /* random pages */
		off = (uint64_t)below(g, g->vram / 4096) * 4096;
		len = (uint64_t)(1 + below(g, 16)) * 4096;
		if (len > g->vram - off)
			len = g->vram - off;
		emit(g, "vram.random 0x%" PRIx64 " 0x%" PRIx64 " %u\n", off,
		     len, 1 + below(g, 1u << 31));
		break;
	case 1: /* a fill at any byte */
		off = below(g, g->vram);
		len = 1 + below(g, 65536);
		if (len > g->vram - off)
			len = g->vram - off;
		emit(g, "vram.fill 0x%" PRIx64 " 0x%" PRIx64 " 0x%x\n", off,
		     len, (uint32_t)rnd(g));
		break;
	case 2: /* the planar / text area */
		emit(g, "vram.random 0 0x40000 %u\n", 1 + below(g, 1u << 31));
		break;
	default: /* a few bytes through BAR0 */
		emit(g, "bar0.w32 0x%" PRIx64 " 0x%x\n",
		     (uint64_t)below(g, g->vram / 4) * 4, (uint32_t)rnd(g));
		break;
	}
}

static void op_bar2_read(struct gen *g)
{
	uint32_t off = below(g, 4096 / 4) * 4;

	/* 0x408-0x40B holds the DAC data port, whose reads move the latch. */
	if (g->tame && off == 0x408)
		off = 0x600;
	emit(g, "bar2.r32 0x%x\n", off);
}

static void op_reset(struct gen *g)
{
	g->msr = 0;
	emit(g, "reset\n");
}

struct op {
	void (*fn)(struct gen *g);
	unsigned weight;
	bool tame; /* allowed after the restore */
};

static const struct op ops[] = {
	{.fn = op_msr, .weight = 3, .tame = true},
	{.fn = op_attr, .weight = 6, .tame = true},
	{.fn = op_seq, .weight = 4, .tame = true},
	{.fn = op_gr, .weight = 4, .tame = true},
	{.fn = op_crtc, .weight = 7, .tame = true},
	{.fn = op_dac_write, .weight = 3, .tame = true},
	{.fn = op_dac_read, .weight = 2, .tame = true},
	{.fn = op_dac_raw, .weight = 1, .tame = false},
	{.fn = op_misc_vga, .weight = 3, .tame = true},
	{.fn = op_dispi, .weight = 8, .tame = true},
	{.fn = op_modeset, .weight = 3, .tame = true},
	{.fn = op_endian, .weight = 2, .tame = true},
	{.fn = op_pci, .weight = 3, .tame = true},
	{.fn = op_vram, .weight = 4, .tame = true},
	{.fn = op_bar2_read, .weight = 1, .tame = true},
	{.fn = op_reset, .weight = 1, .tame = true},
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void random_op(struct gen *g)
{
	unsigned total = 0, r;

	for (size_t i = 0; i < NOPS; i++)
		total += (!g->tame || ops[i].tame) ? ops[i].weight : 0;
	r = below(g, total);
	for (size_t i = 0; i < NOPS; i++) {
		unsigned w = (!g->tame || ops[i].tame) ? ops[i].weight : 0;

		if (r < w) {
			ops[i].fn(g);
			return;
		}
		r -= w;
	}
}

/* A script of n random accesses; the caller frees it. Most states end
 * decoded and unblanked, so that there is a picture to compare. */
static char *random_script(uint64_t seed, uint64_t vram, bool tame, unsigned n)
{
	struct gen g = {.s = seed, .vram = vram, .tame = tame};
	char *text = NULL;
	size_t len = 0;

	g.f = open_memstream(&text, &len);
	ck_assert(g.f);
	if (!tame)
		emit(&g, "cfg.w32 0x10 0xfd000008\ncfg.w32 0x18 0xfebf0000\n");
	/* Firmware turns memory decode on. After the restore, turning it on
	 * shows whether BAR2 state saved with decode off came through. */
	if (!tame || chance(&g, 50))
		emit(&g, "cfg.w16 0x04 0x0003\n");
	for (unsigned i = 0; i < n; i++)
		random_op(&g);
	if (!tame && chance(&g, 85))
		emit(&g, "cfg.w16 0x04 0x0003\n");
	if (!tame && chance(&g, 75)) {
		is1_read(&g);
		emit(&g, "io.w8 0x3c0 0x%x\n", 0x20 | below(&g, 0x20));
	}
	ck_assert(fclose(g.f) == 0);
	return text;
}

/* ---- One state ---- */

/* What kinds of state a run reached, for the coverage test. */
struct reach {
	unsigned vbe, vbe_pan, getcaps, mono, pas, text, graphic, blank,
		scanout_err, dac8, big_endian, decode_off, ar_data, crtc_lock,
		dac_read_state;
};

struct trial {
	uint64_t seed;
	struct stdvga_config cfg; /* of both models */
	bool via_snapshot;
	char *state, *scribble, *after;
	char path[256];
};

static void write_reproducer(struct trial *t)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;

	snprintf(t->path, sizeof(t->path),
		 "%s/roundtrip-random-%016" PRIx64 ".gs",
		 dir && *dir ? dir : "/tmp", t->seed);
	f = fopen(t->path, "w");
	ck_assert_msg(f, "cannot write %s", t->path);
	fprintf(f,
		"# test_roundtrip_random, TH_SEED=%" PRIu64 ", state seed "
		"0x%016" PRIx64 ", %u MiB VRAM%s%s%s.\n"
		"# Replay: gpustate replay -d sim:vram=%u -o a.snap THIS; "
		"gpustate restore -d sim:vram=%u a.snap\n",
		base_seed, t->seed, t->cfg.vram_mb,
		t->cfg.no_ext_regs ? ", no extended registers" : "",
		t->cfg.no_edid ? ", no EDID" : "",
		t->via_snapshot ? ", through the snapshot format" : "",
		t->cfg.vram_mb, t->cfg.vram_mb);
	fputs(t->state, f);
	fprintf(f, "# The restore target got th_scribble(%u), then:\n",
		(unsigned)t->seed);
	for (char *p = t->scribble; *p; p = strchr(p, '\n') + 1)
		fprintf(f, "#  %.*s\n", (int)(strchr(p, '\n') - p), p);
	fputs("# Then both devices got:\n", f);
	for (char *p = t->after; *p; p = strchr(p, '\n') + 1)
		fprintf(f, "#  %.*s\n", (int)(strchr(p, '\n') - p), p);
	ck_assert(fclose(f) == 0);
}

static bool ids_equal(const struct gs_identity *a, const struct gs_identity *b)
{
	return a->vendor == b->vendor && a->device == b->device &&
	       a->subvendor == b->subvendor && a->subdevice == b->subdevice &&
	       a->revision == b->revision && a->class_code == b->class_code &&
	       a->vram_size == b->vram_size && !strcmp(a->chip, b->chip) &&
	       a->chip_version == b->chip_version;
}

/* Equal states, or a failure naming the first difference and the
 * reproducer. */
static void assert_same(const struct trial *t, const char *what,
			const struct gs_state *a, const struct gs_state *b)
{
	if (ids_equal(&a->id, &b->id) && !memcmp(a->pcicfg, b->pcicfg, 256) &&
	    a->regs_len == b->regs_len &&
	    !memcmp(a->regs, b->regs, a->regs_len) &&
	    !memcmp(a->vram, b->vram, a->id.vram_size))
		return;
	fprintf(stderr, "%s differs; reproducer: %s\n", what, t->path);
	th_assert_states_equal(a, b);
	ck_abort_msg("%s: identities differ; reproducer: %s", what, t->path);
}

static struct hw *model(const struct trial *t)
{
	struct hw *hw = NULL;
	struct err e = {{0}};

	ck_assert_msg(stdvga_create(&t->cfg, &hw, &e) == 0, "create: %s",
		      e.msg);
	return hw;
}

static void restore(const struct trial *t, struct hw *hw,
		    const struct gs_state *st)
{
	struct err e = {{0}};
	int rc = chip_stdvga.restore(hw, st, &e);

	ck_assert_msg(rc == 0, "restore: %d %s; reproducer: %s", rc, e.msg,
		      t->path);
}

/* st through snap_encode and snap_decode, with varied options. */
static void through_snapshot(const struct trial *t, const struct gs_state *st,
			     struct gs_state *out)
{
	struct snap_opts o = {.chunk_size = 4096u << (t->seed % 5),
			      .raw_vram = (t->seed >> 8) & 1};
	struct err e = {{0}};
	uint8_t *buf = NULL;
	size_t len = 0;

	ck_assert_msg(snap_encode(st, &o, &buf, &len, &e) == 0, "encode: %s",
		      e.msg);
	ck_assert_msg(snap_decode(buf, len, out, &e) == 0, "decode: %s", e.msg);
	free(buf);
	assert_same(t, "state after the snapshot format", st, out);
}

static void count(struct reach *r, const struct gs_state *st, int scan_rc)
{
	struct stdvga_regs g;
	uint16_t en;

	th_regs(st, &g);
	en = g.dispi[DISPI_ENABLE];
	r->vbe += (en & DISPI_ENABLED) != 0;
	r->vbe_pan += (en & DISPI_ENABLED) &&
		      (g.dispi[DISPI_X_OFFSET] || g.dispi[DISPI_Y_OFFSET]);
	r->getcaps += (en & DISPI_GETCAPS) != 0;
	r->dac8 += (en & DISPI_8BIT_DAC) != 0;
	r->mono += !(g.msr & 1);
	r->pas += (g.ar_index & 0x20) != 0;
	r->text += scan_rc == 0 && (g.ar_index & 0x20) && !(g.gr[6] & 1);
	r->graphic += scan_rc == 0 && (g.ar_index & 0x20) && (g.gr[6] & 1);
	r->blank += scan_rc == 0 && !(g.ar_index & 0x20);
	r->scanout_err += scan_rc != 0;
	r->big_endian += g.endian == STDVGA_ENDIAN_BE;
	r->decode_off += !(st->pcicfg[4] & 2);
	r->ar_data += g.ar_phase == AR_PHASE_DATA;
	r->crtc_lock += (g.cr[0x11] & 0x80) != 0;
	r->dac_read_state += g.dac_state == 3;
}

/*
 * Save a (twice: saving has no effect), restore onto b, save b; states and
 * pictures must be equal.
 */
static void check_roundtrip(const struct trial *t, struct hw *a, struct hw *b,
			    struct reach *r)
{
	struct gs_state s1, s1again, s2, via, *src = &s1;

	th_save(a, &s1);
	th_save(a, &s1again);
	assert_same(t, "second save", &s1, &s1again);
	if (t->via_snapshot) {
		through_snapshot(t, &s1, &via);
		src = &via;
	}
	restore(t, b, src);
	th_save(b, &s2);
	assert_same(t, "restored state", &s1, &s2);
	count(r, &s1, th_assert_scanouts_equal(&s1, &s2, NULL));
	gs_state_free(&s1);
	gs_state_free(&s1again);
	gs_state_free(&s2);
	if (t->via_snapshot)
		gs_state_free(&via);
}

/* The same further accesses to a and b; they must still agree. */
static void check_continuation(const struct trial *t, struct hw *a,
			       struct hw *b)
{
	struct gs_state s1, s2;

	th_run(a, t->after);
	th_run(b, t->after);
	th_save(a, &s1);
	th_save(b, &s2);
	assert_same(t, "state after further accesses", &s1, &s2);
	th_assert_scanouts_equal(&s1, &s2, NULL);
	gs_state_free(&s1);
	gs_state_free(&s2);
}

/* A random state on a fresh model a, another on b (scribbled first), then
 * the round trip from a onto b and the accesses after it. */
static void check_state(struct trial *t, struct reach *r)
{
	uint64_t vram = (uint64_t)t->cfg.vram_mb << 20;
	struct hw *a = model(t), *b = model(t);

	t->state = random_script(t->seed, vram, false, 20 + t->seed % 100);
	t->scribble = random_script(t->seed ^ 0x5eed, vram, false, 20);
	t->after = random_script(t->seed ^ 0xafe7, vram, true, 30);
	write_reproducer(t);
	th_run(a, t->state);
	th_scribble(b, (unsigned)t->seed);
	th_run(b, t->scribble);
	check_roundtrip(t, a, b, r);
	check_continuation(t, a, b);
	hw_destroy(a);
	hw_destroy(b);
	unlink(t->path);
	free(t->state);
	free(t->scribble);
	free(t->after);
}

static uint64_t state_seed(unsigned tcase, unsigned i)
{
	struct gen g = {.s = base_seed ^ ((uint64_t)tcase << 32 | i)};

	return rnd(&g);
}

static void run_states(unsigned tcase, unsigned n,
		       const struct stdvga_config *cfg, struct reach *r)
{
	for (unsigned i = 0; i < n; i++) {
		struct trial t = {.seed = state_seed(tcase, i),
				  .cfg = *cfg,
				  .via_snapshot = i % SNAPSHOT_EVERY == 0};

		check_state(&t, r);
	}
}

/* ---- Tests ---- */

START_TEST(random_states_roundtrip_small_vram)
{
	struct stdvga_config cfg = {.vram_mb = 1 + _i % 2};
	struct reach r = {0};

	run_states((unsigned)_i, STATES_PER_CASE, &cfg, &r);
}
END_TEST

START_TEST(random_states_roundtrip_16mib_vram)
{
	struct stdvga_config cfg = {.vram_mb = 16};
	struct reach r = {0};

	run_states(SMALL_CASES, LARGE_STATES, &cfg, &r);
}
END_TEST

/* Revision 0 (no QEMU extended registers: the endianness writes go to a
 * hole) and a device without EDID. */
START_TEST(random_states_roundtrip_without_ext_regs_or_edid)
{
	struct stdvga_config cfg = {
		.vram_mb = 1, .no_ext_regs = _i == 0, .no_edid = _i == 1};
	struct reach r = {0};

	run_states(SMALL_CASES + 2 + (unsigned)_i, PLAIN_STATES / 2, &cfg, &r);
}
END_TEST

/*
 * The property above is only worth as much as the states it reaches: in
 * every case's worth of states, each kind of state the hazards of 9.1 are
 * about must occur.
 */
START_TEST(random_states_reach_every_hazard)
{
	struct stdvga_config cfg = {.vram_mb = 1};
	struct reach r = {0};

	run_states(SMALL_CASES + 1, STATES_PER_CASE, &cfg, &r);
	printf("reached in %u states: vbe %u pan %u getcaps %u 8bit-dac %u "
	       "mono %u pas %u text %u graphic %u blank %u scanout-error %u "
	       "big-endian %u decode-off %u ar-data %u crtc-lock %u "
	       "dac-read %u\n",
	       STATES_PER_CASE, r.vbe, r.vbe_pan, r.getcaps, r.dac8, r.mono,
	       r.pas, r.text, r.graphic, r.blank, r.scanout_err, r.big_endian,
	       r.decode_off, r.ar_data, r.crtc_lock, r.dac_read_state);
	ck_assert_uint_gt(r.vbe, 0);
	ck_assert_uint_gt(r.vbe_pan, 0);
	ck_assert_uint_gt(r.getcaps, 0);
	ck_assert_uint_gt(r.dac8, 0);
	ck_assert_uint_gt(r.mono, 0);
	ck_assert_uint_gt(r.text, 0);
	ck_assert_uint_gt(r.graphic, 0);
	ck_assert_uint_gt(r.blank, 0);
	ck_assert_uint_gt(r.big_endian, 0);
	ck_assert_uint_gt(r.decode_off, 0);
	ck_assert_uint_gt(r.ar_data, 0);
	ck_assert_uint_gt(r.crtc_lock, 0);
	ck_assert_uint_gt(r.dac_read_state, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("roundtrip_random");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, random_states_roundtrip_small_vram, 0,
			    SMALL_CASES);
	tcase_add_test(tc, random_states_roundtrip_16mib_vram);
	tcase_add_loop_test(
		tc, random_states_roundtrip_without_ext_regs_or_edid, 0, 2);
	tcase_add_test(tc, random_states_reach_every_hazard);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("TH_SEED");

	base_seed = env && *env
			    ? strtoull(env, NULL, 0)
			    : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	printf("test_roundtrip_random: TH_SEED=%" PRIu64 " (set it to repeat "
	       "this run)\n",
	       base_seed);
	fflush(stdout);
	return th_run_suite(suite());
}
