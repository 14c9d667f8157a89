// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer objects in VRAM. Each is a page-aligned range of the device's
 * VRAM; mmap() of one maps those VRAM pages (the host file gpud serves)
 * into the process through the region's pfns, page by page on fault, so
 * the X server draws straight into the device's memory.
 */
#include <drm/drm_dumb_buffers.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>

#include "vkgpu.h"

static vm_fault_t vkgpu_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct vkgpu_device *vk = to_vkgpu(obj->dev);
	unsigned long page = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 off;

	if (page >= obj->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	off = vkgpu_bo_offset(to_vkgpu_bo(obj)) + ((u64)page << PAGE_SHIFT);
	/* While frozen there is no VRAM to map: come back after the thaw. */
	if (READ_ONCE(vk->frozen)) {
		if (vkgpu_wait_thawed(vk))
			return VM_FAULT_SIGBUS;
		return VM_FAULT_NOPAGE;
	}
	down_read(&vk->host_sem);
	if (!vk->frozen && off < vk->vram_size)
		ret = vmf_insert_pfn(vma, vmf->address,
				     PHYS_PFN(vk->vram_phys + off));
	else if (vk->frozen)
		ret = VM_FAULT_NOPAGE;
	up_read(&vk->host_sem);
	return ret;
}

static const struct vm_operations_struct vkgpu_bo_vm_ops = {
	.fault = vkgpu_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static void vkgpu_bo_free(struct drm_gem_object *obj)
{
	struct vkgpu_device *vk = to_vkgpu(obj->dev);
	struct vkgpu_bo *bo = to_vkgpu_bo(obj);

	mutex_lock(&vk->vram_lock);
	if (drm_mm_node_allocated(&bo->node))
		drm_mm_remove_node(&bo->node);
	mutex_unlock(&vk->vram_lock);
	drm_gem_object_release(obj);
	kfree(bo);
}

/* The kernel's own view (fbdev emulation, damage): the VRAM mapping. */
static int vkgpu_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct vkgpu_device *vk = to_vkgpu(obj->dev);

	iosys_map_set_vaddr(map, vk->vram + vkgpu_bo_offset(to_vkgpu_bo(obj)));
	return 0;
}

static void vkgpu_bo_vunmap(struct drm_gem_object *obj, struct iosys_map *map)
{
}

static const struct drm_gem_object_funcs vkgpu_bo_funcs = {
	.free = vkgpu_bo_free,
	.vmap = vkgpu_bo_vmap,
	.vunmap = vkgpu_bo_vunmap,
	.vm_ops = &vkgpu_bo_vm_ops,
};

static struct vkgpu_bo *vkgpu_bo_create(struct vkgpu_device *vk, u64 size)
{
	struct vkgpu_bo *bo;
	int ret;

	size = PAGE_ALIGN(size);
	if (!size || size > vk->vram_size)
		return ERR_PTR(-ENOSPC);
	bo = kzalloc_obj(*bo);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.funcs = &vkgpu_bo_funcs;
	drm_gem_private_object_init(&vk->drm, &bo->base, size);

	mutex_lock(&vk->vram_lock);
	ret = drm_mm_insert_node(&vk->vram_mm, &bo->node, size >> PAGE_SHIFT);
	mutex_unlock(&vk->vram_lock);
	if (ret)
		goto err;
	ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret)
		goto err;
	return bo;
err:
	drm_gem_object_put(&bo->base);
	return ERR_PTR(ret == -ENOSPC ? -ENOMEM : ret);
}

int vkgpu_dumb_create(struct drm_file *file, struct drm_device *drm,
		      struct drm_mode_create_dumb *args)
{
	struct vkgpu_device *vk = to_vkgpu(drm);
	struct vkgpu_bo *bo;
	int ret;

	/* Scanout wants a pitch that is a whole number of 32-bit pixels. */
	ret = drm_mode_size_dumb(drm, args, 64, 0);
	if (ret)
		return ret;
	bo = vkgpu_bo_create(vk, args->size);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	args->size = bo->base.size;
	ret = drm_gem_handle_create(file, &bo->base, &args->handle);
	drm_gem_object_put(&bo->base);
	return ret;
}
