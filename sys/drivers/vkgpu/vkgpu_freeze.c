// SPDX-License-Identifier: GPL-2.0
/*
 * Freeze and thaw: around a checkpoint of the whole vkernel the driver
 * saves the device's complete state (libgpustate's stdvga save: every
 * register and a copy of VRAM) into guest memory, then lets go of
 * everything that ties it to the host's device (the gpud connection, the
 * VRAM fd and every mapping of it). Thaw takes a device back, possibly
 * from a new gpud on freshly reset hardware, refuses one that is not the
 * same kind of device with the same VRAM size (staying frozen), resets
 * it, writes the saved state and verifies it by read-back. While frozen,
 * register accesses and VRAM page faults wait; processes that had
 * buffers mapped fault them back in after the thaw. Everything that must
 * survive (modes, buffer objects, their VRAM offsets, the saved device)
 * is in guest memory.
 *
 * The host drives it through UML's management console:
 *   config vkgpu=freeze          config vkgpu=thaw[:SOCKET]
 *   config vkgpu                 (prints "frozen" or "running SOCKET")
 */
#include <drm/drm_print.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/tlbflush.h>
#include <os.h>

#include "../../mconsole_kern.h"
#include "vkgpu.h"

static struct vkgpu_device *vkgpu_mc_dev;

int vkgpu_wait_thawed(struct vkgpu_device *vk)
{
	return wait_event_killable(vk->thaw_wq, !READ_ONCE(vk->frozen));
}

/*
 * UML takes a zapped page out of a process's host address space only when
 * that process next runs. Do it now for every process that mapped VRAM
 * (through its stub, as UML does for a process it creates),
 * so that a checkpoint of the stopped vkernel holds no host mapping of
 * the released VRAM (CRIU would save all of it again).
 */
static void vkgpu_unmap_now(struct address_space *mapping)
{
	struct vm_area_struct *vma;

	i_mmap_lock_read(mapping);
	vma_interval_tree_foreach(vma, &mapping->i_mmap, 0, ULONG_MAX) {
		/* The unmaps queue up in the process's stub: run them. */
		if (!um_tlb_sync(vma->vm_mm))
			syscall_stub_flush(&vma->vm_mm->context.id);
	}
	i_mmap_unlock_read(mapping);
}

/*
 * Save the device (registers and VRAM, into guest memory), then let go of
 * it. A device that cannot be saved is not released: freeze fails.
 */
int vkgpu_freeze(struct vkgpu_device *vk)
{
	int ret = 0;

	down_write(&vk->host_sem);
	if (vk->frozen)
		goto out;
	ret = vk->lost ? -ENODEV : vkgpu_host_save(vk->host, &vk->saved);
	if (ret) {
		drm_err(&vk->drm, "freeze: cannot save the device (%d): %s\n",
			ret, vk->lost ? "lost" : vkgpu_host_error(vk->host));
		goto out;
	}
	WRITE_ONCE(vk->frozen, true);
	/* Every process mapping of a buffer object faults again (and waits). */
	unmap_mapping_range(vk->drm.anon_inode->i_mapping, 0, 0, 1);
	vkgpu_unmap_now(vk->drm.anon_inode->i_mapping);
	vkgpu_detach(vk);
	drm_info(&vk->drm, "frozen: device saved and released\n");
out:
	up_write(&vk->host_sem);
	return ret;
}

/* Take the device at socket and put the saved state on it. */
static int vkgpu_take_back(struct vkgpu_device *vk, const char *socket)
{
	int ret = vkgpu_attach(vk, socket);

	if (ret)
		return ret;
	ret = vkgpu_host_restore(vk->host, vk->saved);
	if (ret) {
		drm_err(&vk->drm, "thaw: %s: %s\n", socket,
			vkgpu_host_error(vk->host));
		vkgpu_detach(vk);
	}
	return ret;
}

int vkgpu_thaw(struct vkgpu_device *vk, const char *socket)
{
	char path[sizeof(vk->socket)];
	int ret;

	strscpy(path, socket && *socket ? socket : vk->socket, sizeof(path));
	down_write(&vk->host_sem);
	if (!vk->frozen) {
		up_write(&vk->host_sem);
		return -EBUSY;
	}
	ret = vkgpu_take_back(vk, path);
	if (!ret) {
		vkgpu_saved_free(vk->saved);
		vk->saved = NULL;
		WRITE_ONCE(vk->frozen, false);
	}
	up_write(&vk->host_sem);
	if (ret) {
		drm_err(&vk->drm, "thaw from %s failed (%d): still frozen\n",
			path, ret);
		return ret;
	}
	wake_up_all(&vk->thaw_wq);
	drm_info(&vk->drm, "thawed: device restored from %s\n", path);
	return 0;
}

/* "config vkgpu=WHAT": name points at "=WHAT". */
static int vkgpu_mc_config(char *name, char **error_out)
{
	struct vkgpu_device *vk = vkgpu_mc_dev;
	char *what = name + 1;
	int ret;

	if (*name != '=') {
		*error_out = "usage: config vkgpu=freeze|thaw[:SOCKET]";
		return -EINVAL;
	}
	if (!strcmp(what, "freeze"))
		ret = vkgpu_freeze(vk);
	else if (!strcmp(what, "thaw"))
		ret = vkgpu_thaw(vk, NULL);
	else if (!strncmp(what, "thaw:", 5))
		ret = vkgpu_thaw(vk, what + 5);
	else {
		*error_out = "usage: config vkgpu=freeze|thaw[:SOCKET]";
		return -EINVAL;
	}
	if (ret == -EBUSY)
		*error_out = "not frozen";
	else if (ret && vkgpu_mc_dev->frozen)
		*error_out = "thaw failed (see the kernel log): still frozen";
	else if (ret)
		*error_out = "freeze failed (see the kernel log): still running";
	return ret;
}

static int vkgpu_mc_get_config(char *name, char *str, int size,
			       char **error_out)
{
	struct vkgpu_device *vk = vkgpu_mc_dev;

	down_read(&vk->host_sem);
	if (vk->frozen)
		snprintf(str, size, "frozen");
	else
		snprintf(str, size, "running %s%s", vk->socket,
			 vk->lost ? " (lost)" : "");
	up_read(&vk->host_sem);
	return strlen(str) + 1;
}

static int vkgpu_mc_id(char **str, int *start_out, int *end_out)
{
	*start_out = 0;
	*end_out = 0;
	return 0;
}

static int vkgpu_mc_remove(int n, char **error_out)
{
	*error_out = "vkgpu cannot be removed";
	return -EBUSY;
}

static struct mc_device vkgpu_mc = {
	.list = LIST_HEAD_INIT(vkgpu_mc.list),
	.name = "vkgpu",
	.config = vkgpu_mc_config,
	.get_config = vkgpu_mc_get_config,
	.id = vkgpu_mc_id,
	.remove = vkgpu_mc_remove,
};

void vkgpu_freeze_register(struct vkgpu_device *vk)
{
	vkgpu_mc_dev = vk;
	mconsole_register_dev(&vkgpu_mc);
}
