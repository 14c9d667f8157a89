/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vkgpu: the vkernel's graphics passthrough driver. A DRM/KMS driver for
 * the Bochs/QEMU standard VGA (PCI 1234:1111) served by gpud over
 * vfio-user: registers are trapped (every access is a message to gpud,
 * vkgpu_host.h), VRAM is the fd gpud hands out, given a physical range
 * (um_devmem_add) so that dumb buffers, which live in VRAM, are mapped
 * straight into guest processes.
 */
#ifndef VKGPU_H
#define VKGPU_H

#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_gem.h>
#include <drm/drm_mm.h>
#include <drm/drm_plane.h>
#include <drm/drm_rect.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/wait.h>

#include "vkgpu_host.h"

struct vkgpu_device {
	struct drm_device drm;
	char socket[108];	/* gpud's socket (host path) */
	struct vkgpu_host *host;
	bool lost;		/* gpud went away: registers no longer work */
	bool damage;		/* gpud takes damage reports (vkgpu_regs.c) */

	/*
	 * Frozen (vkgpu_freeze.c): no connection, no VRAM mapping; register
	 * accesses and VRAM faults wait for the thaw. host_sem guards the
	 * connection: accesses take it shared, freeze and thaw exclusive.
	 */
	bool frozen;
	struct vkgpu_saved *saved;	/* the device's state while frozen */
	struct rw_semaphore host_sem;
	wait_queue_head_t thaw_wq;

	/* VRAM: the host fd, the kernel's mapping, its physical range. */
	int vram_fd;
	u8 *vram;
	u64 vram_size;
	unsigned long vram_phys;

	struct drm_mm vram_mm;	/* in pages */
	struct mutex vram_lock;

	struct drm_plane plane;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;
};

static inline struct vkgpu_device *to_vkgpu(struct drm_device *drm)
{
	return container_of(drm, struct vkgpu_device, drm);
}

/* A buffer object: a page-aligned range of VRAM. */
struct vkgpu_bo {
	struct drm_gem_object base;
	struct drm_mm_node node;
};

static inline struct vkgpu_bo *to_vkgpu_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vkgpu_bo, base);
}

static inline u64 vkgpu_bo_offset(struct vkgpu_bo *bo)
{
	return bo->node.start << PAGE_SHIFT;
}

/* vkgpu_gem.c */
int vkgpu_dumb_create(struct drm_file *file, struct drm_device *drm,
		      struct drm_mode_create_dumb *args);

/* vkgpu_drv.c: connect to the socket, map VRAM, check the device. */
int vkgpu_attach(struct vkgpu_device *vk, const char *socket);
void vkgpu_detach(struct vkgpu_device *vk);

/*
 * vkgpu_freeze.c: save and release the device around a checkpoint, take
 * it back (possibly from a new gpud) and restore it; also reachable as the
 * mconsole command "config vkgpu=freeze" / "config vkgpu=thaw[:SOCKET]".
 */
int vkgpu_freeze(struct vkgpu_device *vk);
int vkgpu_thaw(struct vkgpu_device *vk, const char *socket);
void vkgpu_freeze_register(struct vkgpu_device *vk);
/* Wait (interruptible by fatal signals) until not frozen. */
int vkgpu_wait_thawed(struct vkgpu_device *vk);

/* vkgpu_kms.c */
int vkgpu_kms_init(struct vkgpu_device *vk);

/* vkgpu_regs.c: trapped register access; failures mark the device lost. */
u16 vkgpu_dispi_read(struct vkgpu_device *vk, unsigned int index);
void vkgpu_dispi_write(struct vkgpu_device *vk, unsigned int index, u16 val);
u8 vkgpu_vga_read(struct vkgpu_device *vk, unsigned int port);
void vkgpu_vga_write(struct vkgpu_device *vk, unsigned int port, u8 val);
int vkgpu_mmio_read(struct vkgpu_device *vk, unsigned int off,
		    unsigned int size, u32 *val);
/* Tell gpud which part of the scanout changed (if it listens). */
void vkgpu_report_damage(struct vkgpu_device *vk, const struct drm_rect *r);
/* Does the host (owning host_sem) take damage reports? */
bool vkgpu_host_takes_damage(struct vkgpu_device *vk);

#endif
