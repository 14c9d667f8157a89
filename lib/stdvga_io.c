/* Sticky-error register access for the stdvga driver (see stdvga_io.h). */
#include "stdvga_io.h"

#include <string.h>

#define DISPI_INDEX_PORT 0x1ce
#define DISPI_DATA_PORT	 0x1cf

static uint32_t port_rd(struct vio *v, uint16_t port, unsigned size)
{
	uint32_t val = 0;

	if (v->rc)
		return 0;
	v->rc = hw_port_read(v->hw, port, size, &val, v->e);
	return val;
}

static void queue(struct vio *v, enum hw_space sp, uint64_t off, unsigned size,
		  uint32_t val)
{
	struct hw_access a = {.space = sp,
			      .region = HW_REGION_BAR2,
			      .off = off,
			      .size = size,
			      .write = 1};

	if (!v->rc)
		v->rc = hw_queue(v->hw, &a, &val, v->e);
}

static void port_wr(struct vio *v, uint16_t port, unsigned size, uint32_t val)
{
	queue(v, HW_SPACE_PORT, port, size, val);
}

/* A read into the next slot; dst (width bytes) gets it at vio_flush. */
static void queue_read(struct vio *v, enum hw_space sp, uint64_t off,
		       unsigned size, void *dst, unsigned width)
{
	struct hw_access a = {.space = sp,
			      .region = HW_REGION_BAR2,
			      .off = off,
			      .size = size};

	if (v->n == VIO_SLOTS)
		vio_flush(v);
	if (v->rc)
		return;
	v->dst[v->n] = dst;
	v->width[v->n] = (uint8_t)width;
	v->rc = hw_queue(v->hw, &a, &v->val[v->n], v->e);
	v->n++;
}

int vio_flush(struct vio *v)
{
	int rc = hw_flush(v->hw, v->e);

	if (!v->rc)
		v->rc = rc;
	for (unsigned i = 0; i < v->n && !v->rc; i++) {
		uint8_t b = (uint8_t)v->val[i];
		uint16_t w = (uint16_t)v->val[i];

		if (!v->dst[i])
			continue;
		if (v->width[i] == 1)
			memcpy(v->dst[i], &b, 1);
		else if (v->width[i] == 2)
			memcpy(v->dst[i], &w, 2);
		else if (v->width[i] == 4)
			memcpy(v->dst[i], &v->val[i], 4);
	}
	v->n = 0;
	return v->rc;
}

void vio_in_to(struct vio *v, uint16_t port, uint8_t *dst)
{
	queue_read(v, HW_SPACE_PORT, port, 1, dst, 1);
}

void vio_touch(struct vio *v, uint16_t port)
{
	queue_read(v, HW_SPACE_PORT, port, 1, NULL, 1);
}

void vio_idx_read_to(struct vio *v, uint16_t port, uint8_t idx, uint8_t *dst)
{
	vio_out(v, port, idx);
	vio_in_to(v, (uint16_t)(port + 1), dst);
}

void vio_dispi_read_to(struct vio *v, unsigned idx, uint16_t *dst)
{
	vio_out16(v, DISPI_INDEX_PORT, (uint16_t)idx);
	queue_read(v, HW_SPACE_PORT, DISPI_DATA_PORT, 2, dst, 2);
}

void vio_mmio_read_to(struct vio *v, uint32_t off, void *dst)
{
	queue_read(v, HW_SPACE_REGION, off, 4, dst, 4);
}

void vio_cfg_read_to(struct vio *v, uint32_t off, void *dst)
{
	queue_read(v, HW_SPACE_CFG, off, 4, dst, 4);
}

uint8_t vio_in(struct vio *v, uint16_t port)
{
	return (uint8_t)port_rd(v, port, 1);
}

void vio_out(struct vio *v, uint16_t port, uint8_t val)
{
	port_wr(v, port, 1, val);
}

uint16_t vio_in16(struct vio *v, uint16_t port)
{
	return (uint16_t)port_rd(v, port, 2);
}

void vio_out16(struct vio *v, uint16_t port, uint16_t val)
{
	port_wr(v, port, 2, val);
}

uint32_t vio_mmio_read(struct vio *v, uint32_t off, unsigned size)
{
	uint32_t val = 0;

	if (!v->rc)
		v->rc = hw_region_read(v->hw, HW_REGION_BAR2, off, size, &val,
				       v->e);
	return val;
}

void vio_mmio_write(struct vio *v, uint32_t off, unsigned size, uint32_t val)
{
	queue(v, HW_SPACE_REGION, off, size, val);
}

uint32_t vio_cfg_read(struct vio *v, uint32_t off, unsigned size)
{
	uint32_t val = 0;

	if (!v->rc)
		v->rc = hw_cfg_read(v->hw, off, size, &val, v->e);
	return val;
}

void vio_cfg_write(struct vio *v, uint32_t off, unsigned size, uint32_t val)
{
	queue(v, HW_SPACE_CFG, off, size, val);
}

uint8_t vio_idx_read(struct vio *v, uint16_t port, uint8_t idx)
{
	vio_out(v, port, idx);
	return vio_in(v, (uint16_t)(port + 1));
}

void vio_idx_write(struct vio *v, uint16_t port, uint8_t idx, uint8_t val)
{
	vio_out(v, port, idx);
	vio_out(v, (uint16_t)(port + 1), val);
}

uint16_t vio_dispi_read(struct vio *v, unsigned idx)
{
	vio_out16(v, DISPI_INDEX_PORT, (uint16_t)idx);
	return vio_in16(v, DISPI_DATA_PORT);
}

void vio_dispi_write(struct vio *v, unsigned idx, uint16_t val)
{
	vio_out16(v, DISPI_INDEX_PORT, (uint16_t)idx);
	vio_out16(v, DISPI_DATA_PORT, val);
}
