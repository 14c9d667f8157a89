/*
 * The pci backend (see pci.h): the access interface on a real PCI device
 * through libpciaccess and sysfs.
 *
 *   config space   pci_device_cfg_read/write (sysfs "config")
 *   memory BARs    pci_device_map_range, mapped on first access; the
 *                  prefetchable ones (framebuffers) are also handed out as
 *                  the fd of their sysfs "resourceN" file for hw_region_map
 *   VGA/DISPI      legacy I/O ports 0x3B0-0x3DF and 0x1CE-0x1D0 through
 *                  pci_legacy_open_io, under the VGA arbiter where the host
 *                  has one (/dev/vga_arbiter)
 *   reset          sysfs "reset" (a function-level or bus reset chosen by
 *                  the kernel, which saves and restores config space)
 *
 * The open path only reads the device until a chip driver has claimed it,
 * so a refused device is left exactly as it was. Unlike the model, config
 * writes that would move a BAR are refused (the kernel placed them), and
 * BAR accesses must be naturally aligned.
 */
#include "pci.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pciaccess.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/chip.h"
#include "pci_int.h"

enum {
	/* One legacy window covers both port ranges of hw.h; a 16-bit
	 * access at 0x1D0 reaches 0x1D1. */
	PORT_BASE = HW_PORT_DISPI_FIRST,
	PORT_SPAN = HW_PORT_VGA_LAST + 1 - PORT_BASE,
	PCI_BAR_FIRST = 0x10,
	PCI_BAR_END = 0x28,
	PCI_NUM_BARS = 6,
};

static struct pci_hw *to_pci(struct hw *hw)
{
	return (struct pci_hw *)hw;
}

/* ---- config space ---- */

static int check_cfg(const struct pci_hw *p, uint64_t off, unsigned size,
		     struct err *e)
{
	if (size != 1 && size != 2 && size != 4)
		return err_set(e, -EINVAL,
			       "%s: config access of %u bytes (1, 2 or 4 "
			       "allowed)",
			       p->slot, size);
	if (size > p->cfg_size || off > p->cfg_size - size)
		return err_set(e, -EINVAL,
			       "%s: config access of %u bytes at 0x%llx is "
			       "outside the %u-byte config space",
			       p->slot, size, (unsigned long long)off,
			       p->cfg_size);
	return 0;
}

static int cfg_err(const struct pci_hw *p, const char *what, uint32_t off,
		   unsigned size, int code, struct err *e)
{
	/* sysfs hands unprivileged readers the first 64 bytes only. */
	return err_set(e, -code, "%s: config %s of %u bytes at 0x%x: %s%s",
		       p->slot, what, size, off, strerror(code),
		       off + size > 64 && geteuid()
			       ? " (beyond byte 64 needs root)"
			       : "");
}

static int pci_cfg_read(struct hw *hw, uint32_t off, unsigned size,
			uint32_t *val, struct err *e)
{
	struct pci_hw *p = to_pci(hw);
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;
	int rc = check_cfg(p, off, size, e);

	if (rc < 0)
		return rc;
	if (size == 1)
		rc = pci_device_cfg_read_u8(p->dev, &v8, off);
	else if (size == 2)
		rc = pci_device_cfg_read_u16(p->dev, &v16, off);
	else
		rc = pci_device_cfg_read_u32(p->dev, &v32, off);
	if (rc)
		return cfg_err(p, "read", off, size, rc, e);
	*val = size == 1 ? v8 : size == 2 ? v16 : v32;
	return 0;
}

/*
 * BAR addresses belong to the kernel: moving one behind its back would
 * detach the device from the resources, sysfs files and mappings set up
 * for it. So a write into the BARs must leave them as they are (a restore
 * on the same boot writes back exactly what is there).
 */
static int check_bar_write(struct hw *hw, uint32_t off, unsigned size,
			   uint32_t val, struct err *e)
{
	uint32_t cur;
	int rc;

	if (off + size <= PCI_BAR_FIRST || off >= PCI_BAR_END)
		return 0;
	if ((rc = pci_cfg_read(hw, off, size, &cur, e)) < 0)
		return rc;
	if (cur != val)
		return err_set(e, -EPERM,
			       "%s: config write of 0x%x at 0x%x would move a "
			       "BAR (it holds 0x%x); BAR addresses are the "
			       "kernel's",
			       to_pci(hw)->slot, val, off, cur);
	return 0;
}

static int pci_cfg_write(struct hw *hw, uint32_t off, unsigned size,
			 uint32_t val, struct err *e)
{
	struct pci_hw *p = to_pci(hw);
	int rc = check_cfg(p, off, size, e);

	if (rc < 0)
		return rc;
	if (size < 4 && val >> 8 * size)
		return err_set(e, -EINVAL,
			       "%s: config write of 0x%x does not fit in %u "
			       "bytes",
			       p->slot, val, size);
	if ((rc = check_bar_write(hw, off, size, val, e)) < 0)
		return rc;
	if (size == 1)
		rc = pci_device_cfg_write_u8(p->dev, (uint8_t)val, off);
	else if (size == 2)
		rc = pci_device_cfg_write_u16(p->dev, (uint16_t)val, off);
	else
		rc = pci_device_cfg_write_u32(p->dev, val, off);
	return rc ? cfg_err(p, "write", off, size, rc, e) : 0;
}

/* ---- regions ---- */

static int pci_region_info(struct hw *hw, unsigned idx, struct hw_region *info,
			   struct err *e)
{
	struct pci_hw *p = to_pci(hw);
	const struct pci_mem_region *r;

	if (idx >= HW_REGION_COUNT)
		return err_set(e, -EINVAL, "region %u does not exist", idx);
	memset(info, 0, sizeof(*info));
	info->fd = -1;
	if (idx == HW_REGION_CONFIG) {
		info->size = p->cfg_size;
		info->flags = HW_REGION_F_PRESENT;
	} else if (idx == HW_REGION_ROM) {
		info->size = p->dev->rom_size;
		if (info->size)
			info->flags = HW_REGION_F_PRESENT | HW_REGION_F_MEM;
	} else if ((r = &p->dev->regions[idx])->size) {
		info->size = r->size;
		info->flags = HW_REGION_F_PRESENT;
		if (!r->is_IO)
			info->flags |= HW_REGION_F_MEM;
		if (r->is_prefetchable)
			info->flags |= HW_REGION_F_PREFETCH;
		if (p->bar_fd[idx] >= 0) {
			info->flags |= HW_REGION_F_MMAP;
			info->fd = p->bar_fd[idx];
		}
	}
	return 0;
}

static const char *root_hint(int code)
{
	return code == EACCES || code == EPERM ? " (needs root)" : "";
}

static int bar_check(const struct pci_hw *p, unsigned idx, uint64_t off,
		     unsigned size, struct err *e)
{
	const struct pci_mem_region *r;

	if (idx == HW_REGION_ROM)
		return err_set(e, -ENOTSUP,
			       "%s: the expansion ROM (region 6) is not "
			       "reachable through this backend",
			       p->slot);
	if (idx >= PCI_NUM_BARS || !(r = &p->dev->regions[idx])->size)
		return err_set(e, -EINVAL, "%s: region %u is not present",
			       p->slot, idx);
	if (r->is_IO)
		return err_set(e, -ENOTSUP,
			       "%s: region %u is an I/O BAR; this backend "
			       "reaches memory BARs only",
			       p->slot, idx);
	if (size != 1 && size != 2 && size != 4)
		return err_set(e, -EINVAL,
			       "%s: region %u: access of %u bytes (1, 2 or 4 "
			       "allowed)",
			       p->slot, idx, size);
	if (size > r->size || off > r->size - size)
		return err_set(e, -EINVAL,
			       "%s: region %u: %u bytes at 0x%llx run past its "
			       "end (0x%llx)",
			       p->slot, idx, size, (unsigned long long)off,
			       (unsigned long long)r->size);
	/* A device sees a misaligned access as two, or not at all. */
	if (off % size)
		return err_set(e, -EINVAL,
			       "%s: region %u: %u-byte access at 0x%llx is "
			       "not aligned",
			       p->slot, idx, size, (unsigned long long)off);
	return 0;
}

/* The address of off in BAR idx, mapping the BAR on first use. */
static int bar_addr(struct pci_hw *p, unsigned idx, uint64_t off, unsigned size,
		    volatile uint8_t **addr, struct err *e)
{
	const struct pci_mem_region *r;
	void *m;
	int rc = bar_check(p, idx, off, size, e);

	if (rc < 0)
		return rc;
	r = &p->dev->regions[idx];
	if (!p->map[idx]) {
		rc = pci_device_map_range(p->dev, r->base_addr, r->size,
					  PCI_DEV_MAP_FLAG_WRITABLE, &m);
		/* With strict devmem the kernel refuses to map a BAR that
		 * a bound driver has claimed. */
		if (rc)
			return err_set(e, -rc, "%s: mapping BAR%u: %s%s",
				       p->slot, idx, strerror(rc),
				       rc == EINVAL
					       ? " (is a kernel driver bound? "
						 "unbind it or boot with "
						 "iomem=relaxed)"
					       : root_hint(rc));
		p->map[idx] = m;
	}
	*addr = p->map[idx] + off;
	return 0;
}

static int pci_region_read(struct hw *hw, unsigned idx, uint64_t off,
			   unsigned size, uint32_t *val, struct err *e)
{
	volatile uint8_t *a;
	int rc;

	if (idx == HW_REGION_CONFIG) {
		if ((rc = check_cfg(to_pci(hw), off, size, e)) < 0)
			return rc;
		return pci_cfg_read(hw, (uint32_t)off, size, val, e);
	}
	if ((rc = bar_addr(to_pci(hw), idx, off, size, &a, e)) < 0)
		return rc;
	if (size == 1)
		*val = *a;
	else if (size == 2)
		*val = le16toh(*(volatile uint16_t *)a);
	else
		*val = le32toh(*(volatile uint32_t *)a);
	return 0;
}

static int pci_region_write(struct hw *hw, unsigned idx, uint64_t off,
			    unsigned size, uint32_t val, struct err *e)
{
	volatile uint8_t *a;
	int rc;

	if (idx == HW_REGION_CONFIG) {
		if ((rc = check_cfg(to_pci(hw), off, size, e)) < 0)
			return rc;
		return pci_cfg_write(hw, (uint32_t)off, size, val, e);
	}
	if ((rc = bar_addr(to_pci(hw), idx, off, size, &a, e)) < 0)
		return rc;
	if (size < 4 && val >> 8 * size)
		return err_set(e, -EINVAL,
			       "region %u: value 0x%x does not fit in %u bytes",
			       idx, val, size);
	if (size == 1)
		*a = (uint8_t)val;
	else if (size == 2)
		*(volatile uint16_t *)a = htole16((uint16_t)val);
	else
		*(volatile uint32_t *)a = htole32(val);
	return 0;
}

/* ---- legacy I/O ports ---- */

/* Opens the legacy port window on first use, the arbiter with it. */
static int ports_open(struct pci_hw *p, struct err *e)
{
	int code;

	if (p->io)
		return 0;
	errno = 0;
	p->io = pci_legacy_open_io(p->dev, PORT_BASE, PORT_SPAN);
	if (!p->io) {
		code = errno ? errno : EPERM;
		if (code == EPERM || code == EACCES)
			return err_set(e, -EPERM,
				       "%s: legacy VGA I/O ports need root "
				       "(iopl, CAP_SYS_RAWIO): %s",
				       p->slot, strerror(code));
		return err_set(e, -code,
			       "%s: legacy VGA I/O ports are not reachable on "
			       "this host (iopl: %s)",
			       p->slot, strerror(code));
	}
	pci_host_arbiter();
	return 0;
}

static int port_begin(struct pci_hw *p, uint16_t port, unsigned size,
		      const uint32_t *val, struct err *e)
{
	int rc;

	if ((rc = hw_check_port(port, size, val, e)) < 0 ||
	    (rc = ports_open(p, e)) < 0)
		return rc;
	return pci_host_lock(p->dev, p->slot, e);
}

static int pci_port_read(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t *val, struct err *e)
{
	struct pci_hw *p = to_pci(hw);
	uint32_t reg = (uint32_t)port - PORT_BASE;
	int rc = port_begin(p, port, size, NULL, e);

	if (rc < 0)
		return rc;
	*val = size == 1 ? pci_io_read8(p->io, reg) : pci_io_read16(p->io, reg);
	pci_host_unlock();
	return 0;
}

static int pci_port_write(struct hw *hw, uint16_t port, unsigned size,
			  uint32_t val, struct err *e)
{
	struct pci_hw *p = to_pci(hw);
	uint32_t reg = (uint32_t)port - PORT_BASE;
	int rc = port_begin(p, port, size, &val, e);

	if (rc < 0)
		return rc;
	if (size == 1)
		pci_io_write8(p->io, reg, (uint8_t)val);
	else
		pci_io_write16(p->io, reg, (uint16_t)val);
	pci_host_unlock();
	return 0;
}

/* ---- reset, open, destroy ---- */

static void sysfs_path(const struct pci_hw *p, const char *file, char *buf,
		       size_t len)
{
	snprintf(buf, len, "/sys/bus/pci/devices/%s/%s", p->slot, file);
}

static int pci_reset(struct hw *hw, struct err *e)
{
	struct pci_hw *p = to_pci(hw);
	char path[96];
	ssize_t n;
	int fd, code;

	sysfs_path(p, "reset", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return err_set(e, -ENOTSUP,
			       "%s: the kernel knows no way to reset this "
			       "device (there is no %s)",
			       p->slot, path);
	if (fd < 0)
		return err_set(e, -errno, "%s: reset: %s: %s%s", p->slot, path,
			       strerror(errno), root_hint(errno));
	n = write(fd, "1", 1);
	code = errno;
	close(fd);
	if (n != 1)
		return err_set(e, n < 0 ? -code : -EIO, "%s: reset failed: %s",
			       p->slot, n < 0 ? strerror(code) : "short write");
	return 0;
}

static void pci_destroy(struct hw *hw)
{
	struct pci_hw *p = to_pci(hw);

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (p->map[i])
			pci_device_unmap_range(p->dev, (void *)p->map[i],
					       p->dev->regions[i].size);
		if (p->bar_fd[i] >= 0)
			close(p->bar_fd[i]);
	}
	if (p->io)
		pci_device_close_io(p->dev, p->io);
	if (p->dev->user_data == (intptr_t)p)
		p->dev->user_data = 0;
	free(p);
	pci_host_put();
}

static const struct hw_ops pci_ops = {
	.name = "pci",
	.cfg_read = pci_cfg_read,
	.cfg_write = pci_cfg_write,
	.region_info = pci_region_info,
	.region_read = pci_region_read,
	.region_write = pci_region_write,
	.port_read = pci_port_read,
	.port_write = pci_port_write,
	.reset = pci_reset,
	.destroy = pci_destroy,
};

void pci_hw_setup(struct pci_hw *p, struct pci_device *dev)
{
	char path[96];
	struct stat st;

	memset(p, 0, sizeof(*p));
	p->hw.ops = &pci_ops;
	p->dev = dev;
	snprintf(p->slot, sizeof(p->slot), "%04x:%02x:%02x.%x", dev->domain,
		 dev->bus, dev->dev, dev->func);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		p->bar_fd[i] = -1;
	/* 256 bytes for conventional PCI, 4096 for PCI Express. */
	sysfs_path(p, "config", path, sizeof(path));
	p->cfg_size =
		stat(path, &st) == 0 && st.st_size > 0 && st.st_size <= 4096
			? (uint32_t)st.st_size
			: 256;
}

/* The framebuffer BARs become mappable; opening them is the first thing
 * done past the driver check and needs root. */
static int open_bar_fds(struct pci_hw *p, struct err *e)
{
	char path[96], file[16];

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_mem_region *r = &p->dev->regions[i];

		if (!r->size || r->is_IO || !r->is_prefetchable)
			continue;
		snprintf(file, sizeof(file), "resource%u", i);
		sysfs_path(p, file, path, sizeof(path));
		p->bar_fd[i] = open(path, O_RDWR | O_CLOEXEC);
		if (p->bar_fd[i] < 0)
			return err_set(e, -errno, "%s: %s: %s%s", p->slot, path,
				       strerror(errno), root_hint(errno));
	}
	return 0;
}

/* Supported devices as lib/chip.c's registry lists them. */
#define PCI_SUPPORTED "stdvga 1234:1111"

static int check_driver(struct pci_hw *p, struct err *e)
{
	struct gs_identity id;
	uint32_t ids;
	int rc;

	if ((rc = pci_cfg_read(&p->hw, 0, 4, &ids, e)) < 0)
		return rc;
	if (chip_probe(&p->hw, &id, NULL))
		return 0;
	return err_set(e, -ENODEV,
		       "PCI device %s (%04x:%04x, %s) has no save/restore "
		       "driver; supported: " PCI_SUPPORTED,
		       p->slot, ids & 0xffff, ids >> 16,
		       pci_class_name(p->dev->device_class));
}

int pci_open(const char *text, struct hw **out, struct err *e)
{
	struct pci_device *dev;
	struct pci_addr a;
	struct pci_hw *p;
	char slot[16];
	int rc;

	*out = NULL;
	if ((rc = pci_parse_addr(text, &a, e)) < 0 ||
	    (rc = pci_host_get(e)) < 0)
		return rc;
	pci_addr_format(&a, slot, sizeof(slot));
	dev = pci_device_find_by_slot(a.domain, a.bus, a.dev, a.func);
	if (!dev) {
		pci_host_put();
		return err_set(e, -ENODEV, "no PCI device at %s", slot);
	}
	/* libpciaccess keeps one mapping list per device: a second owner
	 * would find its BAR mappings refused. */
	if (dev->user_data) {
		pci_host_put();
		return err_set(e, -EBUSY,
			       "PCI device %s is already open in this process",
			       slot);
	}
	if ((rc = pci_device_probe(dev))) {
		pci_host_put();
		return err_set(e, -rc, "PCI device %s: probe: %s", slot,
			       strerror(rc));
	}
	if (!(p = malloc(sizeof(*p)))) {
		pci_host_put();
		return err_set(e, -ENOMEM, "out of memory");
	}
	pci_hw_setup(p, dev);
	if ((rc = check_driver(p, e)) < 0 || (rc = open_bar_fds(p, e)) < 0) {
		pci_destroy(&p->hw);
		return rc;
	}
	dev->user_data = (intptr_t)p;
	*out = &p->hw;
	return 0;
}
