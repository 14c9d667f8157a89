// SPDX-License-Identifier: GPL-2.0
/*
 * The host half of vkgpu, compiled against libc: libgpustate's vfio-user
 * client (copied next to it as gs/ by sys/sync-drivers.sh) does the
 * protocol. It runs in kernel context on the UML process, so every call
 * blocks the guest CPU for one round trip to gpud.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gs/dev/hw.h"
#include "gs/lib/chip.h"
#include "gs/lib/err.h"
#include "gs/lib/state.h"
#include "gs/lib/vfu_client.h"
#include "vkgpu_host.h"

struct vkgpu_host {
	struct hw *hw;
	void *vram;
	unsigned long long vram_size;
	struct err err;
};

int vkgpu_host_open(const char *path, struct vkgpu_host **out, char *msg,
		    int msglen)
{
	struct vkgpu_host *h = calloc(1, sizeof(*h));
	int rc;

	if (!h) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	rc = vfu_client_open(path, &h->hw, &h->err);
	if (rc < 0) {
		snprintf(msg, msglen, "%s", h->err.msg);
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void vkgpu_host_close(struct vkgpu_host *h)
{
	if (!h)
		return;
	if (h->vram)
		munmap(h->vram, h->vram_size);
	hw_destroy(h->hw);
	free(h);
}

const char *vkgpu_host_error(struct vkgpu_host *h)
{
	return h->err.msg;
}

int vkgpu_host_ids(struct vkgpu_host *h, unsigned int *vendor,
		   unsigned int *device)
{
	uint32_t v, d;
	int rc;

	rc = hw_cfg_read(h->hw, 0, 2, &v, &h->err);
	if (rc == 0)
		rc = hw_cfg_read(h->hw, 2, 2, &d, &h->err);
	if (rc < 0)
		return rc;
	*vendor = v;
	*device = d;
	return 0;
}

int vkgpu_host_enable(struct vkgpu_host *h)
{
	uint32_t cmd;
	int rc = hw_cfg_read(h->hw, 4, 2, &cmd, &h->err);

	if (rc == 0)
		rc = hw_cfg_write(h->hw, 4, 2, cmd | 0x3, &h->err);
	return rc;
}

unsigned long long vkgpu_host_region_size(struct vkgpu_host *h,
					  unsigned int bar)
{
	struct hw_region r;

	if (bar >= HW_REGION_COUNT ||
	    hw_region_info(h->hw, bar, &r, &h->err) < 0 ||
	    !(r.flags & HW_REGION_F_PRESENT))
		return 0;
	return r.size;
}

int vkgpu_host_vram(struct vkgpu_host *h, int *fd, void **map,
		    unsigned long long *size)
{
	struct hw_region r;
	uint64_t len;
	int rc;

	rc = hw_region_info(h->hw, HW_REGION_BAR0, &r, &h->err);
	if (rc < 0)
		return rc;
	if (!(r.flags & HW_REGION_F_MMAP) || r.fd < 0 || r.fd_offset)
		return err_set(&h->err, -EINVAL,
			       "VRAM (BAR0) is not an mmap()able region");
	if (!h->vram) {
		/* hw_region_map checks the size against the file's. */
		h->vram = hw_region_map_info(&r, HW_REGION_BAR0, &len, &h->err);
		if (!h->vram)
			return -EIO;
		h->vram_size = len;
	}
	*fd = r.fd;
	*map = h->vram;
	*size = h->vram_size;
	return 0;
}

int vkgpu_host_read(struct vkgpu_host *h, unsigned int bar,
		    unsigned long long off, unsigned int size,
		    unsigned int *val)
{
	uint32_t v;
	int rc = hw_region_read(h->hw, bar, off, size, &v, &h->err);

	if (rc == 0)
		*val = v;
	return rc;
}

int vkgpu_host_write(struct vkgpu_host *h, unsigned int bar,
		     unsigned long long off, unsigned int size,
		     unsigned int val)
{
	return hw_region_write(h->hw, bar, off, size, val, &h->err);
}

struct vkgpu_saved {
	const struct chip_ops *chip;
	struct gs_state st;
};

int vkgpu_host_save(struct vkgpu_host *h, struct vkgpu_saved **out)
{
	struct vkgpu_saved *s = calloc(1, sizeof(*s));
	struct gs_identity id;
	int rc;

	if (!s)
		return err_set(&h->err, -ENOMEM, "out of memory");
	s->chip = chip_probe(h->hw, &id, &h->err);
	rc = s->chip ? s->chip->save(h->hw, &s->st, &h->err) : -ENODEV;
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int vkgpu_host_restore(struct vkgpu_host *h, const struct vkgpu_saved *s)
{
	struct gs_identity id;
	const struct chip_ops *chip = chip_probe(h->hw, &id, &h->err);
	int rc;

	if (!chip)
		return -ENODEV;
	if (chip != s->chip)
		return err_set(&h->err, -ENODEV,
			       "device has chip %s, the saved state %s",
			       chip->name, s->chip->name);
	/* A failed thaw leaves the guest frozen: nothing to put back. */
	return chip->rewrite(h->hw, &s->st, &h->err);
}

void vkgpu_saved_free(struct vkgpu_saved *s)
{
	if (!s)
		return;
	gs_state_free(&s->st);
	free(s);
}
