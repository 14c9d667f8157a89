// SPDX-License-Identifier: GPL-2.0
/*
 * The vkgpu device: created at boot when vkgpu.socket= names the gpud
 * socket. Probe connects, checks that the device is a standard VGA with
 * DISPI registers and mappable VRAM whose size agrees with what the
 * device says, gives VRAM a physical range and registers the DRM device.
 */
#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <mem.h>

#include "vkgpu.h"

#define VKGPU_VENDOR 0x1234
#define VKGPU_DEVICE 0x1111
#define VKGPU_MMIO_DISPI 0x500
#define DISPI_ID 0x0
#define DISPI_ID0 0xb0c0
#define DISPI_VIDEO_MEMORY_64K 0xa
#define VKGPU_MMIO_MIN 0x600	/* EDID, VGA ports and DISPI */

static char *vkgpu_socket;
module_param_named(socket, vkgpu_socket, charp, 0444);
MODULE_PARM_DESC(socket, "gpud's vfio-user socket (host path)");

static struct platform_device *vkgpu_pdev;

DEFINE_DRM_GEM_FOPS(vkgpu_fops);

static const struct drm_driver vkgpu_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.fops = &vkgpu_fops,
	.name = "vkgpu",
	.desc = "vkernel graphics passthrough (stdvga over vfio-user)",
	.major = 1,
	.minor = 0,
	.dumb_create = vkgpu_dumb_create,
};

/* A DISPI register, straight from the host (the caller owns host_sem). */
static int vkgpu_dispi_get(struct vkgpu_device *vk, unsigned int index,
			   u16 *val)
{
	unsigned int v;
	int ret = vkgpu_host_read(vk->host, VKGPU_BAR_MMIO,
				  VKGPU_MMIO_DISPI + 2 * index, 2, &v);

	*val = v;
	return ret;
}

/*
 * The device must be what vkgpu drives, and its VRAM what it claims.
 * Host failures return a negative errno with the reason in the handle;
 * a wrong device is logged here and gives -ENODEV.
 */
static int vkgpu_check_device(struct vkgpu_device *vk)
{
	struct drm_device *drm = &vk->drm;
	unsigned int vendor, device;
	u16 id, vram64k;
	int ret;

	ret = vkgpu_host_ids(vk->host, &vendor, &device);
	if (ret)
		return ret;
	if (vendor != VKGPU_VENDOR || device != VKGPU_DEVICE) {
		drm_err(drm, "device %04x:%04x is not a standard VGA\n",
			vendor, device);
		return -ENODEV;
	}
	if (vkgpu_host_region_size(vk->host, VKGPU_BAR_MMIO) <
	    VKGPU_MMIO_MIN) {
		drm_err(drm, "device has no DISPI MMIO BAR\n");
		return -ENODEV;
	}
	ret = vkgpu_host_enable(vk->host);
	if (!ret)
		ret = vkgpu_dispi_get(vk, DISPI_ID, &id);
	if (!ret)
		ret = vkgpu_dispi_get(vk, DISPI_VIDEO_MEMORY_64K, &vram64k);
	if (ret)
		return ret;
	if ((id & 0xfff0) != DISPI_ID0) {
		drm_err(drm, "DISPI ID 0x%04x is not a bochs DISPI\n", id);
		return -ENODEV;
	}
	if ((u64)vram64k << 16 != vk->vram_size) {
		drm_err(drm, "VRAM BAR is %llu bytes, DISPI says %llu\n",
			vk->vram_size, (u64)vram64k << 16);
		return -ENODEV;
	}
	return 0;
}

static int vkgpu_map_vram(struct vkgpu_device *vk, u64 want)
{
	unsigned long long size;
	void *map;
	int ret;

	ret = vkgpu_host_vram(vk->host, &vk->vram_fd, &map, &size);
	if (ret)
		return ret;
	if (!size || !PAGE_ALIGNED(size) || size > SZ_1G) {
		drm_err(&vk->drm, "VRAM size %llu unusable\n", size);
		return -ENODEV;
	}
	if (want && size != want) {
		drm_err(&vk->drm, "VRAM is %llu bytes, was %llu: another device\n",
			size, want);
		return -ENODEV;
	}
	vk->vram = map;
	vk->vram_size = size;
	return 0;
}

void vkgpu_detach(struct vkgpu_device *vk)
{
	if (vk->vram_phys)
		um_devmem_remove(vk->vram_phys);
	vk->vram_phys = 0;
	vkgpu_host_close(vk->host);
	vk->host = NULL;
	vk->vram = NULL;
	vk->vram_fd = -1;
}

/*
 * Connect to the gpud at socket and take its device: the VRAM must be
 * what the device says (and, once known, the size it had before).
 */
int vkgpu_attach(struct vkgpu_device *vk, const char *socket)
{
	char msg[256];
	int ret;

	ret = vkgpu_host_open(socket, &vk->host, msg, sizeof(msg));
	if (ret) {
		drm_err(&vk->drm, "cannot reach gpud at %s: %s\n", socket,
			msg);
		return ret;
	}
	vk->lost = false;
	ret = vkgpu_map_vram(vk, vk->vram_size);
	if (!ret)
		ret = vkgpu_check_device(vk);
	if (ret) {
		if (ret != -ENODEV)
			drm_err(&vk->drm, "%s: %s\n", socket,
				vkgpu_host_error(vk->host));
		goto err;
	}
	vk->damage = vkgpu_host_takes_damage(vk);
	ret = um_devmem_add(vk->vram_fd, vk->vram_size, &vk->vram_phys);
	if (ret) {
		drm_err(&vk->drm, "no physical range for VRAM (%d)\n", ret);
		goto err;
	}
	strscpy(vk->socket, socket, sizeof(vk->socket));
	return 0;
err:
	vkgpu_detach(vk);
	return ret;
}

static void vkgpu_release(struct drm_device *drm, void *data)
{
	struct vkgpu_device *vk = to_vkgpu(drm);

	vkgpu_detach(vk);
	vkgpu_saved_free(vk->saved);
	if (drm_mm_initialized(&vk->vram_mm))
		drm_mm_takedown(&vk->vram_mm);
}

static int vkgpu_probe(struct platform_device *pdev)
{
	struct vkgpu_device *vk;
	int ret;

	vk = devm_drm_dev_alloc(&pdev->dev, &vkgpu_driver,
				struct vkgpu_device, drm);
	if (IS_ERR(vk))
		return PTR_ERR(vk);
	vk->vram_fd = -1;
	init_rwsem(&vk->host_sem);
	init_waitqueue_head(&vk->thaw_wq);
	ret = drmm_mutex_init(&vk->drm, &vk->vram_lock);
	if (ret)
		return ret;
	ret = vkgpu_attach(vk, vkgpu_socket);
	if (ret)
		return ret;
	drm_mm_init(&vk->vram_mm, 0, vk->vram_size >> PAGE_SHIFT);
	ret = drmm_add_action_or_reset(&vk->drm, vkgpu_release, NULL);
	if (!ret)
		ret = vkgpu_kms_init(vk);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, &vk->drm);
	ret = drm_dev_register(&vk->drm, 0);
	if (ret)
		return ret;
	vkgpu_freeze_register(vk);
	drm_info(&vk->drm, "%s: %llu MiB VRAM at phys 0x%lx%s\n", vk->socket,
		 vk->vram_size >> 20, vk->vram_phys,
		 vk->damage ? ", damage reports" : "");
	return 0;
}

static void vkgpu_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	drm_dev_unplug(drm);
	drm_atomic_helper_shutdown(drm);
}

static void vkgpu_shutdown(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	if (drm)
		drm_atomic_helper_shutdown(drm);
}

static struct platform_driver vkgpu_platform_driver = {
	.driver = { .name = "vkgpu" },
	.probe = vkgpu_probe,
	.remove = vkgpu_remove,
	.shutdown = vkgpu_shutdown,
};

static int __init vkgpu_init(void)
{
	int ret;

	if (!vkgpu_socket || !*vkgpu_socket)
		return 0;
	ret = platform_driver_register(&vkgpu_platform_driver);
	if (ret)
		return ret;
	vkgpu_pdev = platform_device_register_simple("vkgpu", -1, NULL, 0);
	if (IS_ERR(vkgpu_pdev)) {
		platform_driver_unregister(&vkgpu_platform_driver);
		return PTR_ERR(vkgpu_pdev);
	}
	return 0;
}
late_initcall(vkgpu_init);
