/* Chip driver registry and the register blob codec (see chip.h). */
#include "chip.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chip_stdvga.h"

static const struct chip_ops *const chips[] = {
	&chip_stdvga,
};

const struct chip_ops *chip_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (!strcmp(chips[i]->name, name))
			return chips[i];
	return NULL;
}

const struct chip_ops *chip_probe(struct hw *hw, struct gs_identity *id,
				  struct err *e)
{
	uint32_t ids = 0;
	int r = hw_cfg_read(hw, 0, 4, &ids, e);

	if (r < 0)
		return NULL;
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (chips[i]->probe(hw, id, NULL) == 0)
			return chips[i];
	err_set(e, -ENODEV,
		"no save/restore driver for PCI device %04x:%04x "
		"(supported: stdvga 1234:1111)",
		ids & 0xffff, ids >> 16);
	return NULL;
}

static uint32_t get_le(const uint8_t *p, unsigned width)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, unsigned width, uint32_t v)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t load(const uint8_t *p, unsigned width)
{
	uint16_t v16;
	uint32_t v32;

	if (width == 1)
		return *p;
	if (width == 2) {
		memcpy(&v16, p, 2);
		return v16;
	}
	memcpy(&v32, p, 4);
	return v32;
}

static void store(uint8_t *p, unsigned width, uint32_t v)
{
	uint16_t v16 = (uint16_t)v;

	if (width == 1)
		*p = (uint8_t)v;
	else if (width == 2)
		memcpy(p, &v16, 2);
	else
		memcpy(p, &v, 4);
}

void chip_encode(const struct chip_ops *c, const void *decoded, uint8_t *blob)
{
	const uint8_t *src = decoded;

	for (size_t f = 0; f < c->nfields; f++) {
		const struct chip_field *fd = &c->fields[f];

		for (unsigned i = 0; i < fd->count; i++) {
			put_le(blob, fd->width,
			       load(src + fd->offset + i * fd->width,
				    fd->width));
			blob += fd->width;
		}
	}
}

void chip_decode(const struct chip_ops *c, const uint8_t *blob, void *decoded)
{
	uint8_t *dst = decoded;

	for (size_t f = 0; f < c->nfields; f++) {
		const struct chip_field *fd = &c->fields[f];

		for (unsigned i = 0; i < fd->count; i++) {
			store(dst + fd->offset + i * fd->width, fd->width,
			      get_le(blob, fd->width));
			blob += fd->width;
		}
	}
}

uint32_t chip_field_get(const struct chip_field *f, const uint8_t *blob,
			size_t pos, unsigned i)
{
	return get_le(blob + pos + (size_t)i * f->width, f->width);
}

size_t chip_regs_len(const struct chip_ops *c)
{
	size_t n = 0;

	for (size_t f = 0; f < c->nfields; f++)
		n += (size_t)c->fields[f].count * c->fields[f].width;
	return n;
}

void chip_field_name(const struct chip_field *f, unsigned i, char *buf,
		     size_t len)
{
	if (f->names)
		snprintf(buf, len, "%s", f->names[i]);
	else if (f->count > 1)
		snprintf(buf, len, f->name, i);
	else
		snprintf(buf, len, "%s", f->name);
}

int chip_regs_diff(const struct chip_ops *c, const uint8_t *a, const uint8_t *b,
		   chip_diff_fn fn, void *ctx)
{
	size_t pos = 0;
	char name[32];
	int rc;

	for (size_t f = 0; f < c->nfields; f++) {
		const struct chip_field *fd = &c->fields[f];

		for (unsigned i = 0; i < fd->count; i++) {
			uint32_t va = chip_field_get(fd, a, pos, i);
			uint32_t vb = chip_field_get(fd, b, pos, i);

			if (va == vb)
				continue;
			chip_field_name(fd, i, name, sizeof(name));
			if ((rc = fn(ctx, name, fd->width, va, vb)))
				return rc;
		}
		pos += (size_t)fd->count * fd->width;
	}
	return 0;
}
