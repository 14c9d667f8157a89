// SPDX-License-Identifier: GPL-2.0
/*
 * Modesetting: one primary plane, CRTC, encoder and virtual connector,
 * programmed with the DISPI sequence the Linux bochs driver uses. The
 * plane scans out the framebuffer's buffer object in place: its VRAM
 * offset becomes the DISPI virtual width and x/y offsets, so a page flip
 * is three register writes and never a copy.
 */
#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>
#include <drm/drm_vblank_helper.h>
#include <video/vga.h>

#include "vkgpu.h"

#define DISPI_XRES 0x1
#define DISPI_YRES 0x2
#define DISPI_BPP 0x3
#define DISPI_ENABLE 0x4
#define DISPI_BANK 0x5
#define DISPI_VIRT_WIDTH 0x6
#define DISPI_VIRT_HEIGHT 0x7
#define DISPI_X_OFFSET 0x8
#define DISPI_Y_OFFSET 0x9

#define DISPI_ENABLED 0x01
#define DISPI_LFB_ENABLED 0x40
#define DISPI_NOCLEARMEM 0x80

/* The DISPI limits (stdvga.md): resolution, and 16-bit registers. */
#define VKGPU_MAX_XRES 16000
#define VKGPU_MAX_YRES 12000
#define VKGPU_CPP 4
#define VKGPU_EDID_MAX 0x400

static const u32 vkgpu_formats[] = { DRM_FORMAT_XRGB8888 };

static void vkgpu_blank(struct vkgpu_device *vk, bool blank)
{
	/* Colour decode, reset the attribute flip-flop, then PAS on/off. */
	vkgpu_vga_write(vk, VGA_MIS_W, VGA_MIS_COLOR);
	vkgpu_vga_read(vk, VGA_IS1_RC);
	vkgpu_vga_write(vk, VGA_ATT_W, blank ? 0 : 0x20);
}

/*
 * Buffers live in VRAM, so the enable must not clear it (NOCLEARMEM,
 * where bochs, which copies into VRAM after, lets the device clear).
 */
static void vkgpu_setmode(struct vkgpu_device *vk,
			  const struct drm_display_mode *mode)
{
	u32 pitch = mode->hdisplay * VKGPU_CPP;

	vkgpu_dispi_write(vk, DISPI_ENABLE, 0);
	vkgpu_dispi_write(vk, DISPI_BPP, 32);
	vkgpu_dispi_write(vk, DISPI_XRES, mode->hdisplay);
	vkgpu_dispi_write(vk, DISPI_YRES, mode->vdisplay);
	vkgpu_dispi_write(vk, DISPI_BANK, 0);
	vkgpu_dispi_write(vk, DISPI_VIRT_WIDTH, mode->hdisplay);
	vkgpu_dispi_write(vk, DISPI_VIRT_HEIGHT,
			  min_t(u64, vk->vram_size / pitch, 0xffff));
	vkgpu_dispi_write(vk, DISPI_X_OFFSET, 0);
	vkgpu_dispi_write(vk, DISPI_Y_OFFSET, 0);
	vkgpu_dispi_write(vk, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED |
						    DISPI_NOCLEARMEM);
}

/* Where the plane's source starts in VRAM, in bytes. */
static u64 vkgpu_scanout_offset(const struct drm_plane_state *st)
{
	const struct drm_framebuffer *fb = st->fb;
	struct vkgpu_bo *bo = to_vkgpu_bo(fb->obj[0]);

	return vkgpu_bo_offset(bo) + fb->offsets[0] +
	       (u64)(st->src.y1 >> 16) * fb->pitches[0] +
	       (u64)(st->src.x1 >> 16) * VKGPU_CPP;
}

static int vkgpu_plane_atomic_check(struct drm_plane *plane,
				    struct drm_atomic_commit *state)
{
	struct drm_plane_state *st =
		drm_atomic_get_new_plane_state(state, plane);
	struct vkgpu_device *vk = to_vkgpu(plane->dev);
	struct drm_crtc_state *crtc_st = NULL;
	const struct drm_framebuffer *fb = st->fb;
	u64 off, end;
	int ret;

	if (st->crtc)
		crtc_st = drm_atomic_get_new_crtc_state(state, st->crtc);
	ret = drm_atomic_helper_check_plane_state(st, crtc_st,
						  DRM_PLANE_NO_SCALING,
						  DRM_PLANE_NO_SCALING, false,
						  false);
	if (ret || !st->visible)
		return ret;
	/* The device scans VIRT_WIDTH pixels a line from X/Y_OFFSET on. */
	if (fb->pitches[0] % VKGPU_CPP || fb->pitches[0] / VKGPU_CPP > 0xffff)
		return -EINVAL;
	off = vkgpu_scanout_offset(st);
	end = off + (u64)(drm_rect_height(&st->src) >> 16) * fb->pitches[0];
	if (end > vk->vram_size || off / fb->pitches[0] > 0xffff)
		return -EINVAL;
	return 0;
}

/* Is the scanout where the old state had it (a damage-only update)? */
static bool vkgpu_scanout_unchanged(struct drm_atomic_commit *state,
				    struct drm_plane *plane)
{
	struct drm_plane_state *old =
		drm_atomic_get_old_plane_state(state, plane);
	struct drm_plane_state *st = plane->state;
	struct drm_crtc_state *crtc_st =
		drm_atomic_get_new_crtc_state(state, st->crtc);

	return old && old->fb && old->visible && crtc_st &&
	       !drm_atomic_crtc_needs_modeset(crtc_st) &&
	       old->fb->pitches[0] == st->fb->pitches[0] &&
	       vkgpu_scanout_offset(old) == vkgpu_scanout_offset(st);
}

static void vkgpu_plane_atomic_update(struct drm_plane *plane,
				      struct drm_atomic_commit *state)
{
	struct vkgpu_device *vk = to_vkgpu(plane->dev);
	struct drm_plane_state *st = plane->state;
	struct drm_rect damage;
	u32 pitch;
	u64 off;

	if (!st->fb || !st->visible)
		return;
	/* Damage is in framebuffer coordinates; gpud wants the screen's. */
	if (drm_atomic_helper_damage_merged(
		    drm_atomic_get_old_plane_state(state, plane), st, &damage)) {
		drm_rect_translate(&damage, -(st->src.x1 >> 16),
				   -(st->src.y1 >> 16));
		vkgpu_report_damage(vk, &damage);
	}
	if (vkgpu_scanout_unchanged(state, plane))
		return;
	pitch = st->fb->pitches[0];
	off = vkgpu_scanout_offset(st);
	vkgpu_dispi_write(vk, DISPI_VIRT_WIDTH, pitch / VKGPU_CPP);
	vkgpu_dispi_write(vk, DISPI_X_OFFSET, (off % pitch) / VKGPU_CPP);
	vkgpu_dispi_write(vk, DISPI_Y_OFFSET, off / pitch);
}

static const struct drm_plane_helper_funcs vkgpu_plane_helper_funcs = {
	.atomic_check = vkgpu_plane_atomic_check,
	.atomic_update = vkgpu_plane_atomic_update,
};

static const struct drm_plane_funcs vkgpu_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = drm_atomic_helper_plane_reset,
	.atomic_duplicate_state = drm_atomic_helper_plane_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_plane_destroy_state,
};

static void vkgpu_crtc_mode_set_nofb(struct drm_crtc *crtc)
{
	vkgpu_setmode(to_vkgpu(crtc->dev), &crtc->state->mode);
}

static int vkgpu_crtc_atomic_check(struct drm_crtc *crtc,
				   struct drm_atomic_commit *state)
{
	struct drm_crtc_state *st = drm_atomic_get_new_crtc_state(state, crtc);

	if (!st->enable)
		return 0;
	/* A device gpud no longer serves cannot show anything. */
	if (READ_ONCE(to_vkgpu(crtc->dev)->lost))
		return -ENODEV;
	return drm_atomic_helper_check_crtc_primary_plane(st);
}

static void vkgpu_crtc_atomic_enable(struct drm_crtc *crtc,
				     struct drm_atomic_commit *state)
{
	vkgpu_blank(to_vkgpu(crtc->dev), false);
	drm_crtc_vblank_on(crtc);
}

static void vkgpu_crtc_atomic_disable(struct drm_crtc *crtc,
				      struct drm_atomic_commit *state)
{
	struct vkgpu_device *vk = to_vkgpu(crtc->dev);

	drm_crtc_vblank_off(crtc);
	vkgpu_blank(vk, true);
	vkgpu_dispi_write(vk, DISPI_ENABLE, 0);
}

static const struct drm_crtc_helper_funcs vkgpu_crtc_helper_funcs = {
	.mode_set_nofb = vkgpu_crtc_mode_set_nofb,
	.atomic_check = vkgpu_crtc_atomic_check,
	.atomic_flush = drm_crtc_vblank_atomic_flush,
	.atomic_enable = vkgpu_crtc_atomic_enable,
	.atomic_disable = vkgpu_crtc_atomic_disable,
};

static const struct drm_crtc_funcs vkgpu_crtc_funcs = {
	.reset = drm_atomic_helper_crtc_reset,
	.destroy = drm_crtc_cleanup,
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
	DRM_CRTC_VBLANK_TIMER_FUNCS,
};

static const struct drm_encoder_funcs vkgpu_encoder_funcs = {
	.destroy = drm_encoder_cleanup,
};

/* EDID blocks from BAR2, read a dword at a time. */
static int vkgpu_edid_block(void *data, u8 *buf, unsigned int block,
			    size_t len)
{
	struct vkgpu_device *vk = data;
	size_t start = block * EDID_LENGTH, i;
	u32 v;

	if (start + len > VKGPU_EDID_MAX || len % 4)
		return -1;
	for (i = 0; i < len; i += 4) {
		if (vkgpu_mmio_read(vk, start + i, 4, &v) < 0)
			return -1;
		put_unaligned_le32(v, buf + i);
	}
	return 0;
}

static const struct drm_edid *vkgpu_read_edid(struct vkgpu_device *vk)
{
	u8 header[8];

	if (vkgpu_edid_block(vk, header, 0, sizeof(header)) < 0 ||
	    drm_edid_header_is_valid(header) != 8)
		return NULL;
	return drm_edid_read_custom(&vk->connector, vkgpu_edid_block, vk);
}

static int vkgpu_connector_get_modes(struct drm_connector *connector)
{
	struct vkgpu_device *vk = to_vkgpu(connector->dev);
	const struct drm_edid *edid = vkgpu_read_edid(vk);
	int count;

	drm_edid_connector_update(connector, edid);
	if (edid) {
		count = drm_edid_connector_add_modes(connector);
		drm_edid_free(edid);
		if (count)
			return count;
	}
	count = drm_add_modes_noedid(connector, VKGPU_MAX_XRES,
				     VKGPU_MAX_YRES);
	drm_set_preferred_mode(connector, 1024, 768);
	return count;
}

static const struct drm_connector_helper_funcs vkgpu_connector_helper_funcs = {
	.get_modes = vkgpu_connector_get_modes,
};

static const struct drm_connector_funcs vkgpu_connector_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/* A mode fits when one frame of it fits in VRAM. */
static enum drm_mode_status
vkgpu_mode_valid(struct drm_device *drm, const struct drm_display_mode *mode)
{
	struct vkgpu_device *vk = to_vkgpu(drm);

	if (mode->hdisplay > VKGPU_MAX_XRES || mode->vdisplay > VKGPU_MAX_YRES)
		return MODE_BAD;
	if ((u64)mode->hdisplay * mode->vdisplay * VKGPU_CPP > vk->vram_size)
		return MODE_MEM;
	return MODE_OK;
}

static const struct drm_mode_config_funcs vkgpu_mode_config_funcs = {
	.fb_create = drm_gem_fb_create_with_dirty,
	.mode_valid = vkgpu_mode_valid,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

static int vkgpu_kms_pipe_init(struct vkgpu_device *vk)
{
	struct drm_device *drm = &vk->drm;
	int ret;

	ret = drm_universal_plane_init(drm, &vk->plane, 0, &vkgpu_plane_funcs,
				       vkgpu_formats,
				       ARRAY_SIZE(vkgpu_formats), NULL,
				       DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&vk->plane, &vkgpu_plane_helper_funcs);
	drm_plane_enable_fb_damage_clips(&vk->plane);

	ret = drm_crtc_init_with_planes(drm, &vk->crtc, &vk->plane, NULL,
					&vkgpu_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&vk->crtc, &vkgpu_crtc_helper_funcs);

	ret = drm_encoder_init(drm, &vk->encoder, &vkgpu_encoder_funcs,
			       DRM_MODE_ENCODER_VIRTUAL, NULL);
	if (ret)
		return ret;
	vk->encoder.possible_crtcs = drm_crtc_mask(&vk->crtc);

	ret = drm_connector_init(drm, &vk->connector, &vkgpu_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&vk->connector,
				 &vkgpu_connector_helper_funcs);
	drm_connector_attach_edid_property(&vk->connector);
	return drm_connector_attach_encoder(&vk->connector, &vk->encoder);
}

int vkgpu_kms_init(struct vkgpu_device *vk)
{
	struct drm_device *drm = &vk->drm;
	int ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	drm->mode_config.min_width = 1;
	drm->mode_config.min_height = 1;
	drm->mode_config.max_width = VKGPU_MAX_XRES;
	drm->mode_config.max_height = VKGPU_MAX_YRES;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &vkgpu_mode_config_funcs;

	ret = vkgpu_kms_pipe_init(vk);
	if (ret)
		return ret;
	ret = drm_vblank_init(drm, 1);
	if (ret)
		return ret;
	drm_mode_config_reset(drm);
	return 0;
}
