// SPDX-License-Identifier: GPL-2.0
/*
 * Register access through gpud. BAR2 holds the EDID blob at 0, the VGA
 * ports 0x3c0-0x3df at 0x400 and the DISPI registers at 0x500 (16 bits
 * each), the layout the Linux bochs driver uses. A failed access (gpud
 * gone, or refusing) is logged once and marks the device lost: later
 * writes are dropped and reads return all ones, as on a missing device.
 */
#include <drm/drm_print.h>

#include "vkgpu.h"

#define VKGPU_MMIO_VGA 0x400
#define VKGPU_MMIO_DISPI 0x500
/*
 * gpud's damage window (not part of the stdvga): magic, version, x|y<<16,
 * w|h<<16; the last write commits the rectangle.
 */
#define VKGPU_MMIO_DAMAGE 0xf00
#define VKGPU_DAMAGE_MAGIC 0x44555047 /* "GPUD" */

static void vkgpu_lost(struct vkgpu_device *vk, int rc)
{
	if (vk->lost)
		return;
	vk->lost = true;
	drm_err(&vk->drm, "graphics device lost (%d): %s\n", rc,
		vkgpu_host_error(vk->host));
}

/*
 * One access under the connection lock; while frozen it waits for the
 * thaw. Returns 0 or a negative errno.
 */
static int vkgpu_access(struct vkgpu_device *vk, bool write, unsigned int off,
			unsigned int size, u32 *val)
{
	unsigned int v = *val;
	int rc;

	down_read(&vk->host_sem);
	while (READ_ONCE(vk->frozen)) {
		up_read(&vk->host_sem);
		if (vkgpu_wait_thawed(vk))
			return -EINTR;
		down_read(&vk->host_sem);
	}
	if (vk->lost)
		rc = -ENODEV;
	else if (write)
		rc = vkgpu_host_write(vk->host, VKGPU_BAR_MMIO, off, size, v);
	else
		rc = vkgpu_host_read(vk->host, VKGPU_BAR_MMIO, off, size, &v);
	if (rc < 0 && rc != -ENODEV)
		vkgpu_lost(vk, rc);
	up_read(&vk->host_sem);
	*val = v;
	return rc;
}

int vkgpu_mmio_read(struct vkgpu_device *vk, unsigned int off,
		    unsigned int size, u32 *val)
{
	return vkgpu_access(vk, false, off, size, val);
}

static void vkgpu_mmio_write(struct vkgpu_device *vk, unsigned int off,
			     unsigned int size, u32 val)
{
	vkgpu_access(vk, true, off, size, &val);
}

u16 vkgpu_dispi_read(struct vkgpu_device *vk, unsigned int index)
{
	u32 v;

	if (vkgpu_mmio_read(vk, VKGPU_MMIO_DISPI + 2 * index, 2, &v) < 0)
		return 0xffff;
	return v;
}

void vkgpu_dispi_write(struct vkgpu_device *vk, unsigned int index, u16 val)
{
	vkgpu_mmio_write(vk, VKGPU_MMIO_DISPI + 2 * index, 2, val);
}

u8 vkgpu_vga_read(struct vkgpu_device *vk, unsigned int port)
{
	u32 v;

	if (vkgpu_mmio_read(vk, VKGPU_MMIO_VGA + port - 0x3c0, 1, &v) < 0)
		return 0xff;
	return v;
}

void vkgpu_vga_write(struct vkgpu_device *vk, unsigned int port, u8 val)
{
	vkgpu_mmio_write(vk, VKGPU_MMIO_VGA + port - 0x3c0, 1, val);
}

bool vkgpu_host_takes_damage(struct vkgpu_device *vk)
{
	unsigned int magic, version;

	return !vkgpu_host_read(vk->host, VKGPU_BAR_MMIO, VKGPU_MMIO_DAMAGE, 4,
				&magic) &&
	       magic == VKGPU_DAMAGE_MAGIC &&
	       !vkgpu_host_read(vk->host, VKGPU_BAR_MMIO,
				VKGPU_MMIO_DAMAGE + 4, 4, &version) &&
	       version == 1;
}

void vkgpu_report_damage(struct vkgpu_device *vk, const struct drm_rect *r)
{
	if (!READ_ONCE(vk->damage) || drm_rect_width(r) <= 0 ||
	    drm_rect_height(r) <= 0)
		return;
	vkgpu_mmio_write(vk, VKGPU_MMIO_DAMAGE + 8, 4,
			 (r->x1 & 0xffff) | (u32)r->y1 << 16);
	vkgpu_mmio_write(vk, VKGPU_MMIO_DAMAGE + 12, 4,
			 (drm_rect_width(r) & 0xffff) |
				 (u32)drm_rect_height(r) << 16);
}
