/* Sticky-error register access for the stdvga driver (see stdvga_io.h). */
#include "stdvga_io.h"

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

static void port_wr(struct vio *v, uint16_t port, unsigned size, uint32_t val)
{
	if (!v->rc)
		v->rc = hw_port_write(v->hw, port, size, val, v->e);
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
	if (!v->rc)
		v->rc = hw_region_write(v->hw, HW_REGION_BAR2, off, size, val,
					v->e);
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
	if (!v->rc)
		v->rc = hw_cfg_write(v->hw, off, size, val, v->e);
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
