/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host half of vkgpu: the connection to the gpud that serves the
 * graphics device, through libgpustate's vfio-user client. Included by
 * the kernel half and by vkgpu_host_user.c (libc side), so only plain C
 * types cross it. Calls return 0 or a negative errno; on failure the
 * reason is left in the handle (vkgpu_host_error()) or in msg.
 */
#ifndef VKGPU_HOST_H
#define VKGPU_HOST_H

struct vkgpu_host;

/* The device's regions, numbered as VFIO numbers PCI BARs. */
#define VKGPU_BAR_VRAM 0
#define VKGPU_BAR_MMIO 2

/* Connect to the vfio-user socket at path and negotiate. */
int vkgpu_host_open(const char *path, struct vkgpu_host **out, char *msg,
		    int msglen);
void vkgpu_host_close(struct vkgpu_host *h);
const char *vkgpu_host_error(struct vkgpu_host *h);

/* PCI vendor and device id of what the server serves. */
int vkgpu_host_ids(struct vkgpu_host *h, unsigned int *vendor,
		   unsigned int *device);
/* Turn on the device's memory and I/O decode (PCI command register). */
int vkgpu_host_enable(struct vkgpu_host *h);
/* Size of a region, 0 if it does not exist. */
unsigned long long vkgpu_host_region_size(struct vkgpu_host *h,
					  unsigned int bar);

/*
 * VRAM: the fd the server handed out (owned by the handle) and a shared
 * mapping of all of it for the kernel's own accesses. The size is the
 * region's size, checked against the fd's file size.
 */
int vkgpu_host_vram(struct vkgpu_host *h, int *fd, void **map,
		    unsigned long long *size);

/* Register access within a trapped region: size 1, 2 or 4. */
int vkgpu_host_read(struct vkgpu_host *h, unsigned int bar,
		    unsigned long long off, unsigned int size,
		    unsigned int *val);
int vkgpu_host_write(struct vkgpu_host *h, unsigned int bar,
		     unsigned long long off, unsigned int size,
		     unsigned int val);

/*
 * The complete device state (registers and a copy of VRAM), saved with
 * libgpustate's chip driver; it lives in guest memory (UML's malloc is
 * the kernel's allocator), so it survives a checkpoint of the vkernel.
 */
struct vkgpu_saved;

int vkgpu_host_save(struct vkgpu_host *h, struct vkgpu_saved **out);
/*
 * Check that the state fits this device (refusing another kind of device
 * or VRAM size without touching it), then reset the device, write the
 * state and verify it by read-back.
 */
int vkgpu_host_restore(struct vkgpu_host *h, const struct vkgpu_saved *s);
void vkgpu_saved_free(struct vkgpu_saved *s);

#endif
