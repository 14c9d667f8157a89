/*
 * stdvga model: a software QEMU "VGA" device (-vga std, PCI 1234:1111),
 * reached only through the access interface (hw.h). See
 * shared/docs/stdvga.md; the device follows recent QEMU (sections 1-4).
 *
 *   cfg = { .vram_mb = 16, .no_ext_regs = 0, .no_edid = 0 };
 *   stdvga_create(&cfg, &hw, &e);
 *
 * This file holds creation, the ops table, the dispatch of ports and
 * regions, reset and destroy. VRAM is a memfd ("stdvga-vram") mapped
 * shared here and offered as BAR0's mmap-able fd, so another process can
 * map the same bytes.
 *
 * Not modelled: the legacy memory window 0xA0000-0xBFFFF (and with it the
 * planar engine and the latch); it has no region in the access interface.
 * bank_offset and sr_vbe are still kept, as a display of a live device
 * would need them.
 */
#include "stdvga_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SV_MAX_VRAM_MB	   512u
#define SV_DEFAULT_VRAM_MB 16u

/* DISPI index port; data at 0x1CF (x86 machines only in QEMU) and 0x1D0. */
#define PORT_VBE_INDEX HW_PORT_DISPI_FIRST

static struct stdvga *to_sv(struct hw *hw)
{
	return (struct stdvga *)hw;
}

/* QEMU's vga_portio_list: the VGA ports that exist in port space. */
static int port_claimed(uint16_t port)
{
	return port == 0x3b4 || port == 0x3b5 || port == 0x3ba ||
	       (port >= 0x3c0 && port <= 0x3cf) || port == 0x3d4 ||
	       port == 0x3d5 || port == 0x3da;
}

static int is_vbe_port(uint16_t port)
{
	return port >= HW_PORT_DISPI_FIRST && port <= HW_PORT_DISPI_LAST;
}

/*
 * The DISPI ports are 16-bit only in QEMU: a byte access finds no handler
 * and behaves like an unclaimed port (reads 0xFF, writes vanish).
 */
static uint32_t vbe_port_read(struct stdvga *s, uint16_t port, unsigned size)
{
	if (size != 2)
		return 0xff;
	if (port == PORT_VBE_INDEX)
		return s->vbe_index;
	return stdvga_dispi_read(s);
}

static void vbe_port_write(struct stdvga *s, uint16_t port, unsigned size,
			   uint32_t val)
{
	if (size != 2)
		return;
	if (port == PORT_VBE_INDEX)
		s->vbe_index = (uint16_t)val;
	else
		stdvga_dispi_write(s, (uint16_t)val);
}

/* A 16-bit access to the 8-bit VGA ports is two byte accesses, low
 * (index) first; each byte is claimed or not on its own. */
static int sv_port_read(struct hw *hw, uint16_t port, unsigned size,
			uint32_t *val, struct err *e)
{
	struct stdvga *s = to_sv(hw);
	uint32_t v = 0;
	int rc = hw_check_port(port, size, NULL, e);

	if (rc < 0)
		return rc;
	if (is_vbe_port(port)) {
		*val = vbe_port_read(s, port, size);
		return 0;
	}
	for (unsigned i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		uint8_t b = port_claimed(p) ? stdvga_vga_read(s, p) : 0xff;

		v |= (uint32_t)b << 8 * i;
	}
	*val = v;
	return 0;
}

static int sv_port_write(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t val, struct err *e)
{
	struct stdvga *s = to_sv(hw);
	int rc = hw_check_port(port, size, &val, e);

	if (rc < 0)
		return rc;
	if (is_vbe_port(port)) {
		vbe_port_write(s, port, size, val);
		return 0;
	}
	for (unsigned i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);

		if (port_claimed(p))
			stdvga_vga_write(s, p, (uint8_t)(val >> 8 * i));
	}
	return 0;
}

static int sv_cfg_read(struct hw *hw, uint32_t off, unsigned size,
		       uint32_t *val, struct err *e)
{
	return stdvga_pci_read(to_sv(hw), off, size, val, e);
}

static int sv_cfg_write(struct hw *hw, uint32_t off, unsigned size,
			uint32_t val, struct err *e)
{
	return stdvga_pci_write(to_sv(hw), off, size, val, e);
}

static int sv_region_info(struct hw *hw, unsigned idx, struct hw_region *info,
			  struct err *e)
{
	struct stdvga *s = to_sv(hw);

	if (idx >= HW_REGION_COUNT)
		return err_set(e, -EINVAL, "region %u does not exist", idx);
	memset(info, 0, sizeof(*info));
	info->fd = -1;
	switch (idx) {
	case HW_REGION_BAR0:
		info->size = s->vram_size;
		info->flags = HW_REGION_F_PRESENT | HW_REGION_F_MEM |
			      HW_REGION_F_PREFETCH | HW_REGION_F_MMAP;
		info->fd = s->vram_fd;
		break;
	case HW_REGION_BAR2:
		info->size = SV_BAR2_SIZE;
		info->flags = HW_REGION_F_PRESENT | HW_REGION_F_MEM;
		break;
	case HW_REGION_CONFIG:
		info->size = SV_CFG_SIZE;
		info->flags = HW_REGION_F_PRESENT;
		break;
	default:
		break;
	}
	return 0;
}

/* Validates a region access; *len gets the region size. */
static int check_region(struct stdvga *s, unsigned idx, uint64_t off,
			unsigned size, uint64_t *len, struct err *e)
{
	if (idx == HW_REGION_BAR0)
		*len = s->vram_size;
	else if (idx == HW_REGION_BAR2)
		*len = SV_BAR2_SIZE;
	else if (idx == HW_REGION_CONFIG)
		*len = SV_CFG_SIZE;
	else
		return err_set(e, -EINVAL, "region %u is not present", idx);
	if (size != 1 && size != 2 && size != 4)
		return err_set(e, -EINVAL,
			       "region %u: access of %u bytes (1, 2 or 4 "
			       "allowed)",
			       idx, size);
	if (size > *len || off > *len - size)
		return err_set(e, -EINVAL,
			       "region %u: %u bytes at 0x%llx run past its "
			       "end (0x%llx)",
			       idx, size, (unsigned long long)off,
			       (unsigned long long)*len);
	return 0;
}

static int sv_region_read(struct hw *hw, unsigned idx, uint64_t off,
			  unsigned size, uint32_t *val, struct err *e)
{
	struct stdvga *s = to_sv(hw);
	uint64_t len;
	uint32_t v = 0;
	int rc = check_region(s, idx, off, size, &len, e);

	if (rc < 0)
		return rc;
	if (idx == HW_REGION_CONFIG)
		return stdvga_pci_read(s, off, size, val, e);
	/* Memory decode off: nobody answers, the bus reads all-ones. */
	if (!stdvga_pci_mem_enabled(s)) {
		*val = size == 4 ? 0xffffffffu : (1u << 8 * size) - 1;
		return 0;
	}
	if (idx == HW_REGION_BAR2) {
		*val = stdvga_mmio_read(s, (uint32_t)off, size);
		return 0;
	}
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)s->vram[off + i] << 8 * i;
	*val = v;
	return 0;
}

static int sv_region_write(struct hw *hw, unsigned idx, uint64_t off,
			   unsigned size, uint32_t val, struct err *e)
{
	struct stdvga *s = to_sv(hw);
	uint64_t len;
	int rc = check_region(s, idx, off, size, &len, e);

	if (rc < 0)
		return rc;
	if (size < 4 && val >> 8 * size)
		return err_set(e, -EINVAL,
			       "region %u: value 0x%x does not fit in %u bytes",
			       idx, val, size);
	if (idx == HW_REGION_CONFIG)
		return stdvga_pci_write(s, off, size, val, e);
	if (!stdvga_pci_mem_enabled(s))
		return 0;
	if (idx == HW_REGION_BAR2) {
		stdvga_mmio_write(s, (uint32_t)off, size, val);
		return 0;
	}
	for (unsigned i = 0; i < size; i++)
		s->vram[off + i] = (uint8_t)(val >> 8 * i);
	return 0;
}

/*
 * QEMU's device reset: vga_common_reset plus the PCI core's reset of the
 * command register and BARs. VRAM and the framebuffer endianness survive
 * (stdvga.md 9.1 items 15 and 16).
 */
static void sv_reset_state(struct stdvga *s)
{
	stdvga_vga_reset(s);
	stdvga_dispi_reset(s);
	stdvga_pci_reset(s);
}

static int sv_reset(struct hw *hw, struct err *e)
{
	sv_reset_state(to_sv(hw));
	return 0;
}

static void sv_destroy(struct hw *hw)
{
	struct stdvga *s = to_sv(hw);

	if (s->vram)
		munmap(s->vram, s->vram_size);
	if (s->vram_fd >= 0)
		close(s->vram_fd);
	free(s);
}

/* The whole model but VRAM (which the struct only points at). */
static void *sv_keep(struct hw *hw)
{
	struct stdvga *copy = malloc(sizeof(*copy));

	if (copy)
		memcpy(copy, to_sv(hw), sizeof(*copy));
	return copy;
}

static void sv_put_back(struct hw *hw, void *kept)
{
	memcpy(to_sv(hw), kept, sizeof(struct stdvga));
	free(kept);
}

static const struct hw_ops stdvga_ops = {
	.name = "sim",
	.cfg_read = sv_cfg_read,
	.cfg_write = sv_cfg_write,
	.region_info = sv_region_info,
	.region_read = sv_region_read,
	.region_write = sv_region_write,
	.port_read = sv_port_read,
	.port_write = sv_port_write,
	.reset = sv_reset,
	.destroy = sv_destroy,
	.keep = sv_keep,
	.put_back = sv_put_back,
};

/* vram_mb: 0 means 16; 1..512 rounded up to a power of two. */
static int vram_bytes(uint32_t mb, uint64_t *bytes, struct err *e)
{
	uint32_t p = 1;

	if (mb == 0)
		mb = SV_DEFAULT_VRAM_MB;
	if (mb > SV_MAX_VRAM_MB)
		return err_set(e, -EINVAL,
			       "stdvga: VRAM of %u MiB (1..%u allowed)", mb,
			       SV_MAX_VRAM_MB);
	while (p < mb)
		p <<= 1;
	*bytes = (uint64_t)p << 20;
	return 0;
}

static int sys_err(struct err *e, const char *what)
{
	int code = errno;

	return err_set(e, -code, "stdvga: %s: %s", what, strerror(code));
}

static int map_vram(struct stdvga *s, struct err *e)
{
	void *p;

	s->vram_fd =
		memfd_create("stdvga-vram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->vram_fd < 0)
		return sys_err(e, "memfd_create");
	if (ftruncate(s->vram_fd, (off_t)s->vram_size) < 0)
		return sys_err(e, "sizing the VRAM memfd");
	/* Whoever the fd is handed to (a vfio-user client) must not be able
	 * to shrink it under our mapping: that would be SIGBUS here. */
	if (fcntl(s->vram_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return sys_err(e, "sealing the VRAM memfd");
	p = mmap(NULL, s->vram_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 s->vram_fd, 0);
	if (p == MAP_FAILED)
		return sys_err(e, "mapping VRAM");
	s->vram = p;
	return 0;
}

int stdvga_create(const struct stdvga_config *cfg, struct hw **out,
		  struct err *e)
{
	struct stdvga *s;
	uint64_t vram_size = 0;
	int rc;

	rc = vram_bytes(cfg ? cfg->vram_mb : 0, &vram_size, e);
	if (rc < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, -ENOMEM, "stdvga: out of memory");
	s->hw.ops = &stdvga_ops;
	s->vram_size = vram_size;
	s->vram_fd = -1;
	s->revision = (cfg && cfg->no_ext_regs) ? 0 : 2;
	s->has_edid = !(cfg && cfg->no_edid);
	rc = map_vram(s, e);
	if (rc < 0) {
		sv_destroy(&s->hw);
		return rc;
	}
	stdvga_edid_build(s->edid);
	stdvga_pci_init(s);
	sv_reset_state(s);
	*out = &s->hw;
	return 0;
}
