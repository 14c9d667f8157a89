/*
 * A strict JSON reader for the VERSION capabilities (see vfu_json.h),
 * following RFC 8259's grammar: objects, arrays, strings with escapes,
 * numbers, true/false/null. It never allocates; nesting is bounded, every
 * read is bounds-checked against the end of the text.
 */
#include "vfu_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 16
#define KEY_MAX	  32

/* Where an object sits: the only objects whose keys mean something. */
enum where { W_IGNORED, W_ROOT, W_CAPS, W_TWIN };

struct jp {
	const char *start, *p, *end;
	struct vfu_caps *c;
	struct err *e;
	int depth;
};

static int bad(struct jp *j, const char *what)
{
	return err_set(j->e, -EINVAL, "capabilities JSON: %s at byte %td", what,
		       j->p - j->start);
}

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int expect(struct jp *j, char ch)
{
	skip_ws(j);
	if (j->p >= j->end || *j->p != ch)
		return -EINVAL;
	j->p++;
	return 0;
}

static int hex4(struct jp *j)
{
	for (int i = 0; i < 4; i++, j->p++)
		if (j->p >= j->end ||
		    !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
			return -EINVAL;
	return 0;
}

/* A string; its first KEY_MAX-1 bytes go to key (if non-NULL), *odd tells
 * whether it was longer or held escapes (then it matches no known key). */
static int parse_string(struct jp *j, char *key, int *odd)
{
	size_t n = 0;

	*odd = 0;
	if (expect(j, '"'))
		return bad(j, "expected a string");
	for (;;) {
		unsigned char ch;

		if (j->p >= j->end)
			return bad(j, "unterminated string");
		ch = (unsigned char)*j->p++;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return bad(j, "control character in a string");
		if (ch == '\\') {
			*odd = 1;
			if (j->p >= j->end)
				return bad(j, "unterminated escape");
			ch = (unsigned char)*j->p++;
			if (ch == 'u') {
				if (hex4(j))
					return bad(j, "bad \\u escape");
			} else if (!strchr("\"\\/bfnrt", ch) || !ch) {
				return bad(j, "bad escape");
			}
			continue;
		}
		if (key && n < KEY_MAX - 1)
			key[n++] = (char)ch;
		else
			*odd = 1;
	}
	if (key)
		key[n] = 0;
	return 0;
}

static int digits(struct jp *j)
{
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? 0 : -EINVAL;
}

/* A number; *is_uint and *v tell whether it is a non-negative integer that
 * fits 64 bits, and its value. */
static int parse_number(struct jp *j, int *is_uint, uint64_t *v)
{
	const char *start = j->p;
	int neg = 0, frac = 0, ovf = 0;

	*v = 0;
	if (j->p < j->end && *j->p == '-') {
		neg = 1;
		j->p++;
	}
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (digits(j))
		return bad(j, "bad number");
	for (const char *q = start + neg; q < j->p; q++) {
		uint64_t d = (uint64_t)(*q - '0');

		if (*v > (UINT64_MAX - d) / 10)
			ovf = 1;
		else
			*v = *v * 10 + d;
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		frac = 1;
		if (digits(j))
			return bad(j, "bad fraction");
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		frac = 1;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (digits(j))
			return bad(j, "bad exponent");
	}
	*is_uint = !neg && !frac && !ovf;
	return 0;
}

static int parse_word(struct jp *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return bad(j, "unexpected character");
	j->p += n;
	return 0;
}

static int parse_value(struct jp *j, enum where w);

static int parse_array(struct jp *j)
{
	int rc;

	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		if ((rc = parse_value(j, W_IGNORED)) < 0)
			return rc;
		skip_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		if (expect(j, ','))
			return bad(j, "expected ',' or ']'");
	}
}

struct known {
	enum where in;
	const char *key;
	unsigned bit;
	char type; /* 'u' integer, 'b' boolean, 'o' object */
	enum where inner;
};

static const struct known known_keys[] = {
	{W_ROOT, "capabilities", VFU_CAP_ROOT, 'o', W_CAPS},
	{W_CAPS, "max_msg_fds", VFU_CAP_MAX_FDS, 'u', W_IGNORED},
	{W_CAPS, "max_data_xfer_size", VFU_CAP_MAX_XFER, 'u', W_IGNORED},
	{W_CAPS, "pgsizes", VFU_CAP_PGSIZES, 'u', W_IGNORED},
	{W_CAPS, "max_dma_maps", VFU_CAP_MAX_DMA, 'u', W_IGNORED},
	{W_CAPS, "write_multiple", VFU_CAP_MULTI, 'b', W_IGNORED},
	{W_CAPS, "twin_socket", VFU_CAP_TWIN, 'o', W_TWIN},
	{W_CAPS, "migration", VFU_CAP_MIGRATION, 'o', W_IGNORED},
	{W_TWIN, "supported", 0, 'b', W_IGNORED},
};

static const struct known *lookup(enum where w, const char *key, int odd)
{
	if (odd || w == W_IGNORED)
		return NULL;
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (known_keys[i].in == w && !strcmp(known_keys[i].key, key))
			return &known_keys[i];
	return NULL;
}

static void store_uint(struct vfu_caps *c, unsigned bit, uint64_t v)
{
	if (bit == VFU_CAP_MAX_FDS)
		c->max_msg_fds = v;
	else if (bit == VFU_CAP_MAX_XFER)
		c->max_data_xfer_size = v;
	else if (bit == VFU_CAP_PGSIZES)
		c->pgsizes = v;
	else
		c->max_dma_maps = v;
}

/* The value of a known key: its type is checked, then stored. */
static int parse_known(struct jp *j, const struct known *k)
{
	int is_uint;
	uint64_t v;

	skip_ws(j);
	if (k->bit & j->c->present)
		return bad(j, "duplicate key");
	j->c->present |= k->bit;
	if (k->type == 'o') {
		if (j->p >= j->end || *j->p != '{')
			return bad(j, "expected an object");
		return parse_value(j, k->inner);
	}
	if (k->type == 'b') {
		int t = j->p < j->end && *j->p == 't';

		if (parse_word(j, t ? "true" : "false"))
			return bad(j, "expected true or false");
		if (k->bit == VFU_CAP_MULTI)
			j->c->write_multiple = t;
		else
			j->c->twin_socket = t;
		return 0;
	}
	if (j->p >= j->end || !(*j->p == '-' || (*j->p >= '0' && *j->p <= '9')))
		return bad(j, "expected a number");
	if (parse_number(j, &is_uint, &v) < 0)
		return -EINVAL;
	if (!is_uint)
		return bad(j, "expected a non-negative integer");
	store_uint(j->c, k->bit, v);
	return 0;
}

static int parse_member(struct jp *j, enum where w)
{
	char key[KEY_MAX];
	const struct known *k;
	int odd, rc;

	if ((rc = parse_string(j, key, &odd)) < 0)
		return rc;
	if (expect(j, ':'))
		return bad(j, "expected ':'");
	k = lookup(w, key, odd);
	return k ? parse_known(j, k) : parse_value(j, W_IGNORED);
}

static int parse_object(struct jp *j, enum where w)
{
	int rc;

	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		skip_ws(j);
		if ((rc = parse_member(j, w)) < 0)
			return rc;
		skip_ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		if (expect(j, ','))
			return bad(j, "expected ',' or '}'");
	}
}

static int parse_value(struct jp *j, enum where w)
{
	int rc, is_uint, odd;
	uint64_t v;

	skip_ws(j);
	if (j->p >= j->end)
		return bad(j, "unexpected end");
	if (++j->depth > MAX_DEPTH)
		return bad(j, "nesting too deep");
	switch (*j->p) {
	case '{':
		rc = parse_object(j, w);
		break;
	case '[':
		rc = parse_array(j);
		break;
	case '"':
		rc = parse_string(j, NULL, &odd);
		break;
	case 't':
		rc = parse_word(j, "true");
		break;
	case 'f':
		rc = parse_word(j, "false");
		break;
	case 'n':
		rc = parse_word(j, "null");
		break;
	default:
		rc = parse_number(j, &is_uint, &v);
		break;
	}
	j->depth--;
	return rc;
}

void vfu_caps_defaults(struct vfu_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->max_msg_fds = 1;
	c->max_data_xfer_size = 1u << 20;
	c->pgsizes = 4096;
	c->max_dma_maps = 65535;
}

int vfu_caps_parse(const char *json, size_t len, struct vfu_caps *c,
		   struct err *e)
{
	struct jp j = {
		.start = json, .p = json, .end = json + len, .c = c, .e = e};
	int rc;

	vfu_caps_defaults(c);
	if (len == 0 || json[len - 1] || memchr(json, 0, len - 1))
		return err_set(e, -EINVAL,
			       "capabilities JSON: not a NUL-terminated "
			       "string of %zu bytes",
			       len);
	j.end = json + len - 1;
	skip_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return bad(&j, "not a JSON object");
	if ((rc = parse_value(&j, W_ROOT)) < 0)
		return rc;
	skip_ws(&j);
	if (j.p != j.end)
		return bad(&j, "text after the object");
	return 0;
}

int vfu_caps_format(const struct vfu_caps *c, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "{\"capabilities\":{\"max_msg_fds\":%" PRIu64
			 ",\"max_data_xfer_size\":%" PRIu64
			 ",\"pgsizes\":%" PRIu64 ",\"max_dma_maps\":%" PRIu64
			 "}}",
			 c->max_msg_fds, c->max_data_xfer_size, c->pgsizes,
			 c->max_dma_maps);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
