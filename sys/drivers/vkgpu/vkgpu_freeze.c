// SPDX-License-Identifier: GPL-2.0
/*
 * Freeze and thaw: around a checkpoint of the whole vkernel the driver
 * lets go of everything that ties it to the host's device (the gpud
 * connection, the VRAM fd and every mapping of it) and takes a device
 * back afterwards, possibly from a new gpud, refusing one that is not the
 * same kind of device with the same VRAM size. While frozen, register
 * accesses and VRAM page faults wait; processes that had buffers mapped
 * fault them back in after the thaw. The state that must survive (modes,
 * buffer objects, their VRAM offsets) is all in guest memory.
 *
 * The host drives it through UML's management console:
 *   config vkgpu=freeze          config vkgpu=thaw[:SOCKET]
 *   config vkgpu                 (prints "frozen" or "running SOCKET")
 */
#include <drm/drm_print.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../../mconsole_kern.h"
#include "vkgpu.h"

static struct vkgpu_device *vkgpu_mc_dev;

int vkgpu_wait_thawed(struct vkgpu_device *vk)
{
	return wait_event_killable(vk->thaw_wq, !READ_ONCE(vk->frozen));
}

int vkgpu_freeze(struct vkgpu_device *vk)
{
	down_write(&vk->host_sem);
	if (vk->frozen) {
		up_write(&vk->host_sem);
		return 0;
	}
	WRITE_ONCE(vk->frozen, true);
	/* Every process mapping of a buffer object faults again (and waits). */
	unmap_mapping_range(vk->drm.anon_inode->i_mapping, 0, 0, 1);
	vkgpu_detach(vk);
	up_write(&vk->host_sem);
	drm_info(&vk->drm, "frozen: device released\n");
	return 0;
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
	ret = vkgpu_attach(vk, path);
	if (!ret)
		WRITE_ONCE(vk->frozen, false);
	up_write(&vk->host_sem);
	if (ret) {
		drm_err(&vk->drm, "thaw from %s failed (%d): still frozen\n",
			path, ret);
		return ret;
	}
	wake_up_all(&vk->thaw_wq);
	drm_info(&vk->drm, "thawed: %s\n", path);
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
	else if (ret)
		*error_out = "thaw failed (see the kernel log): still frozen";
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
