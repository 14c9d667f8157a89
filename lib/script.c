/*
 * Access script parser and runner (see script.h and SCRIPT.md). Parsing
 * turns every line into a step and loads every PNG up front; running checks
 * every VRAM range against the device before the first access.
 */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "image.h"

#define MAX_SCRIPT_BYTES (16u << 20)
#define MAX_TOKENS	 8

enum op { OP_RESET, OP_WRITE, OP_READ, OP_FILL, OP_RANDOM, OP_BLOB };
enum space { SP_IO, SP_CFG, SP_BAR };

struct step {
	unsigned line;
	enum op op;
	enum space space;
	unsigned region; /* BAR index for SP_BAR */
	unsigned size;	 /* access bytes */
	uint64_t addr;
	uint64_t len;	 /* VRAM bytes touched (fill/random/blob) */
	uint32_t val;	 /* write value, fill pattern, random seed */
	uint32_t expect; /* expected read value under mask */
	uint32_t mask;	 /* 0: no expectation */
	uint8_t *blob;	 /* converted PNG rows for OP_BLOB */
	uint32_t rows, row_bytes, stride;
};

struct script {
	char name[PATH_MAX];
	struct step *steps;
	size_t n, cap;
};

static const char *const space_names[] = {"io", "cfg", "bar"};

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int split(char *line, char **tok)
{
	int n = 0;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = 0;
	for (char *p = strtok(line, " \t\r"); p; p = strtok(NULL, " \t\r")) {
		if (n == MAX_TOKENS)
			return -1;
		tok[n++] = p;
	}
	return n;
}

/* "io.w8", "bar2.r16", "cfg.w32" */
static int parse_access(const char *word, struct step *st)
{
	const char *dot = strchr(word, '.');
	size_t sl = dot ? (size_t)(dot - word) : 0;
	char rw;
	unsigned bits;

	if (!dot || sscanf(dot + 1, "%c%u", &rw, &bits) != 2 ||
	    (rw != 'r' && rw != 'w') || (bits != 8 && bits != 16 && bits != 32))
		return -1;
	if (snprintf(NULL, 0, "%c%u", rw, bits) != (int)strlen(dot + 1))
		return -1;
	if (sl == 2 && !strncmp(word, "io", 2))
		st->space = SP_IO;
	else if (sl == 3 && !strncmp(word, "cfg", 3))
		st->space = SP_CFG;
	else if (sl == 4 && !strncmp(word, "bar", 3) && word[3] >= '0' &&
		 word[3] <= '5') {
		st->space = SP_BAR;
		st->region = (unsigned)(word[3] - '0');
	} else
		return -1;
	st->op = rw == 'r' ? OP_READ : OP_WRITE;
	st->size = bits / 8;
	return 0;
}

static int value_fits(uint64_t v, unsigned size)
{
	return size == 4 || v < (1ull << (8 * size));
}

static int parse_rw(struct step *st, char **tok, int n, struct err *e)
{
	uint64_t v;
	char *slash;

	if (n < 2 || n > 3 || parse_u64(tok[1], &st->addr))
		return err_set(e, -EINVAL, "expected '%s ADDR %s'", tok[0],
			       st->op == OP_WRITE ? "VALUE"
						  : "[EXPECT[/MASK]]");
	if (st->op == OP_WRITE) {
		if (n != 3 || parse_u64(tok[2], &v) || !value_fits(v, st->size))
			return err_set(e, -EINVAL, "bad %u-byte value '%s'",
				       st->size, n == 3 ? tok[2] : "");
		st->val = (uint32_t)v;
		return 0;
	}
	if (n == 2)
		return 0;
	st->mask = st->size == 4 ? UINT32_MAX : (1u << (8 * st->size)) - 1;
	slash = strchr(tok[2], '/');
	if (slash) {
		*slash = 0;
		if (parse_u32(slash + 1, &st->mask) ||
		    !value_fits(st->mask, st->size) || !st->mask)
			return err_set(e, -EINVAL, "bad mask '%s'", slash + 1);
	}
	if (parse_u64(tok[2], &v) || !value_fits(v, st->size))
		return err_set(e, -EINVAL, "bad expected value '%s'", tok[2]);
	st->expect = (uint32_t)v & st->mask;
	return 0;
}

static int parse_fill(struct step *st, char **tok, int n, struct err *e)
{
	st->space = SP_BAR;
	st->region = HW_REGION_BAR0;
	if (n != 4 || parse_u64(tok[1], &st->addr) ||
	    parse_u64(tok[2], &st->len) || parse_u32(tok[3], &st->val))
		return err_set(e, -EINVAL, "expected '%s OFFSET LENGTH %s'",
			       tok[0],
			       st->op == OP_FILL ? "PATTERN32" : "SEED");
	return 0;
}

struct pixfmt {
	const char *name;
	unsigned bytes;
	uint32_t (*pack)(const uint8_t *rgb);
};

static uint32_t pack_xrgb8888(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t pack_rgb565(const uint8_t *p)
{
	return (uint32_t)(p[0] >> 3) << 11 | (uint32_t)(p[1] >> 2) << 5 |
	       p[2] >> 3;
}

static uint32_t pack_xrgb1555(const uint8_t *p)
{
	return (uint32_t)(p[0] >> 3) << 10 | (uint32_t)(p[1] >> 3) << 5 |
	       p[2] >> 3;
}

static uint32_t pack_gray8(const uint8_t *p)
{
	return (77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8;
}

static const struct pixfmt pixfmts[] = {
	{"xrgb8888", 4, pack_xrgb8888}, {"rgb888", 3, pack_xrgb8888},
	{"rgb565", 2, pack_rgb565},	{"xrgb1555", 2, pack_xrgb1555},
	{"gray8", 1, pack_gray8},
};

static const struct pixfmt *find_pixfmt(const char *name)
{
	for (size_t i = 0; i < sizeof(pixfmts) / sizeof(pixfmts[0]); i++)
		if (!strcmp(pixfmts[i].name, name))
			return &pixfmts[i];
	return NULL;
}

/* Convert img into little-endian rows of fmt. */
static int convert_png(struct step *st, const struct gs_image *img,
		       const struct pixfmt *fmt, struct err *e)
{
	uint64_t row = (uint64_t)img->width * fmt->bytes;

	if (row > st->stride)
		return err_set(e, -EINVAL,
			       "PNG rows are %" PRIu64 " bytes, wider than "
			       "the stride %u",
			       row, st->stride);
	st->rows = img->height;
	st->row_bytes = (uint32_t)row;
	st->len = (uint64_t)st->stride * (img->height - 1) + row;
	st->blob = malloc(row * img->height);
	if (!st->blob)
		return err_set(e, -ENOMEM, "out of memory");
	for (uint64_t i = 0; i < (uint64_t)img->width * img->height; i++) {
		uint32_t px = fmt->pack(&img->rgb[3 * i]);

		for (unsigned b = 0; b < fmt->bytes; b++)
			st->blob[i * fmt->bytes + b] = (uint8_t)(px >> (8 * b));
	}
	return 0;
}

static int parse_png(struct step *st, char **tok, int n, const char *base,
		     struct err *e)
{
	const struct pixfmt *fmt;
	struct gs_image img = {0};
	char path[PATH_MAX];
	int rc;

	st->space = SP_BAR;
	st->region = HW_REGION_BAR0;
	if (n != 5 || parse_u64(tok[1], &st->addr) ||
	    parse_u32(tok[2], &st->stride) || !st->stride)
		return err_set(e, -EINVAL,
			       "expected 'vram.png OFFSET STRIDE FORMAT FILE'");
	fmt = find_pixfmt(tok[3]);
	if (!fmt)
		return err_set(e, -EINVAL,
			       "unknown pixel format '%s' (xrgb8888, rgb888, "
			       "rgb565, xrgb1555, gray8)",
			       tok[3]);
	if (snprintf(path, sizeof(path), "%s/%s", tok[4][0] == '/' ? "" : base,
		     tok[4]) >= (int)sizeof(path))
		return err_set(e, -ENAMETOOLONG, "path too long");
	if ((rc = gs_image_read_png(&img, path, e)) < 0)
		return rc;
	rc = convert_png(st, &img, fmt, e);
	gs_image_free(&img);
	return rc;
}

static int parse_line(struct step *st, char **tok, int n, const char *base,
		      struct err *e)
{
	if (!strcmp(tok[0], "reset")) {
		st->op = OP_RESET;
		return n == 1 ? 0
			      : err_set(e, -EINVAL,
					"reset takes no "
					"arguments");
	}
	if (!strcmp(tok[0], "vram.fill") || !strcmp(tok[0], "vram.random")) {
		st->op = tok[0][5] == 'f' ? OP_FILL : OP_RANDOM;
		return parse_fill(st, tok, n, e);
	}
	if (!strcmp(tok[0], "vram.png")) {
		st->op = OP_BLOB;
		return parse_png(st, tok, n, base, e);
	}
	if (parse_access(tok[0], st) < 0)
		return err_set(e, -EINVAL, "unknown command '%s'", tok[0]);
	return parse_rw(st, tok, n, e);
}

static int add_step(struct script *s, const struct step *st, struct err *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct step *p = realloc(s->steps, cap * sizeof(*p));

		if (!p)
			return err_set(e, -ENOMEM, "out of memory");
		s->steps = p;
		s->cap = cap;
	}
	s->steps[s->n++] = *st;
	return 0;
}

int script_parse(const char *text, size_t len, const char *name,
		 const char *base_dir, struct script **out, struct err *e)
{
	struct script *s = calloc(1, sizeof(*s));
	char *copy = malloc(len + 1), *save = NULL, *line;
	unsigned lineno = 0;
	int rc = 0;

	if (!s || !copy) {
		free(s);
		free(copy);
		return err_set(e, -ENOMEM, "out of memory");
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	memcpy(copy, text, len);
	copy[len] = 0;
	if (memchr(text, 0, len))
		rc = err_set(e, -EINVAL, "%s: contains a NUL byte", name);
	for (line = copy; !rc && line; line = save) {
		struct step st = {.line = ++lineno};
		char *tok[MAX_TOKENS];
		int n;

		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		n = split(line, tok);
		if (n == 0)
			continue;
		if (n < 0)
			rc = err_set(e, -EINVAL, "too many words");
		else
			rc = parse_line(&st, tok, n, base_dir, e);
		if (!rc)
			rc = add_step(s, &st, e);
		else
			free(st.blob);
		if (rc)
			err_wrap(e, rc, "%s:%u", name, lineno);
	}
	free(copy);
	if (rc) {
		script_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int script_load(const char *path, struct script **out, struct err *e)
{
	unsigned char *buf;
	size_t len;
	char dir[PATH_MAX];
	int rc = read_whole_file(path, MAX_SCRIPT_BYTES, &buf, &len, e);

	if (rc < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s", path);
	rc = script_parse((const char *)buf, len, path, dirname(dir), out, e);
	free(buf);
	return rc;
}

size_t script_len(const struct script *s)
{
	return s->n;
}

void script_free(struct script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->steps[i].blob);
	free(s->steps);
	free(s);
}

static int check_step_range(const struct step *st, struct hw *hw, struct err *e)
{
	struct hw_region r;
	uint64_t limit, len = st->op == OP_READ || st->op == OP_WRITE ? st->size
								      : st->len;
	int rc;

	if (st->op == OP_RESET)
		return 0;
	if (st->space == SP_IO)
		limit = 0x10000;
	else if (st->space == SP_CFG)
		limit = 256;
	else if ((rc = hw_region_info(hw, st->region, &r, e)) < 0)
		return rc;
	else if (!(r.flags & HW_REGION_F_PRESENT))
		return err_set(e, -EINVAL,
			       "BAR%u does not exist on this device",
			       st->region);
	else
		limit = r.size;
	if (st->space == SP_CFG && limit > 256)
		limit = 256;
	if (len > limit || st->addr > limit - len)
		return err_set(e, -ERANGE,
			       "access of %" PRIu64 " bytes at 0x%" PRIx64
			       " is outside %s (0x%" PRIx64 " bytes)",
			       len, st->addr, space_names[st->space], limit);
	return 0;
}

static void fill_vram(uint8_t *dst, const struct step *st)
{
	uint64_t x = st->val ? st->val : 0x9e3779b97f4a7c15ull;

	for (uint64_t i = 0; i < st->len; i++) {
		if (st->op == OP_FILL) {
			dst[i] = (uint8_t)(st->val >>
					   (8 * ((st->addr + i) % 4)));
			continue;
		}
		x ^= x << 13; /* xorshift64: reproducible from the seed */
		x ^= x >> 7;
		x ^= x << 17;
		dst[i] = (uint8_t)x;
	}
}

static void blit(uint8_t *dst, const struct step *st)
{
	for (uint32_t y = 0; y < st->rows; y++)
		memcpy(dst + (uint64_t)y * st->stride,
		       st->blob + (uint64_t)y * st->row_bytes, st->row_bytes);
}

static const char *space_label(const struct step *st, char buf[8])
{
	if (st->space != SP_BAR)
		return space_names[st->space];
	snprintf(buf, 8, "bar%u", st->region);
	return buf;
}

static int run_access(const struct script *s, const struct step *st,
		      struct hw *hw, FILE *trace, struct err *e)
{
	char label[8];
	uint32_t v = 0;
	int rc;

	if (st->op == OP_WRITE) {
		if (st->space == SP_IO)
			return hw_port_write(hw, (uint16_t)st->addr, st->size,
					     st->val, e);
		if (st->space == SP_CFG)
			return hw_cfg_write(hw, (uint32_t)st->addr, st->size,
					    st->val, e);
		return hw_region_write(hw, st->region, st->addr, st->size,
				       st->val, e);
	}
	if (st->space == SP_IO)
		rc = hw_port_read(hw, (uint16_t)st->addr, st->size, &v, e);
	else if (st->space == SP_CFG)
		rc = hw_cfg_read(hw, (uint32_t)st->addr, st->size, &v, e);
	else
		rc = hw_region_read(hw, st->region, st->addr, st->size, &v, e);
	if (rc < 0)
		return rc;
	if (trace)
		fprintf(trace, "%u %s.r%u 0x%" PRIx64 " 0x%x\n", st->line,
			space_label(st, label), st->size * 8, st->addr, v);
	if (st->mask && (v & st->mask) != st->expect)
		return err_set(e, -EPROTO,
			       "%s:%u: read 0x%x, expected 0x%x (mask 0x%x)",
			       s->name, st->line, v, st->expect, st->mask);
	return 0;
}

static int run_step(const struct script *s, const struct step *st,
		    struct hw *hw, uint8_t **vram, uint64_t *vram_len,
		    FILE *trace, struct err *e)
{
	if (st->op == OP_RESET)
		return hw_reset(hw, e);
	if (st->op == OP_READ || st->op == OP_WRITE)
		return run_access(s, st, hw, trace, e);
	if (!*vram && !(*vram = hw_region_map(hw, HW_REGION_BAR0, vram_len, e)))
		return -EIO;
	if (st->op == OP_BLOB)
		blit(*vram + st->addr, st);
	else
		fill_vram(*vram + st->addr, st);
	return 0;
}

int script_run(const struct script *s, struct hw *hw, FILE *trace,
	       struct err *e)
{
	uint8_t *vram = NULL;
	uint64_t vram_len = 0;
	int rc = 0;

	for (size_t i = 0; i < s->n && !rc; i++)
		if ((rc = check_step_range(&s->steps[i], hw, e)) < 0)
			err_wrap(e, rc, "%s:%u", s->name, s->steps[i].line);
	for (size_t i = 0; i < s->n && !rc; i++) {
		rc = run_step(s, &s->steps[i], hw, &vram, &vram_len, trace, e);
		if (rc < 0 && rc != -EPROTO)
			err_wrap(e, rc, "%s:%u", s->name, s->steps[i].line);
	}
	hw_region_unmap(vram, vram_len);
	return rc;
}
