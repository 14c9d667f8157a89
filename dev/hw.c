/* Helpers shared by every user of the access interface (see hw.h). */
#include "hw.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* The fd may come from another process (a vfio-user server): mapping past
 * the end of its file would turn every access there into SIGBUS. */
static int check_backing(unsigned idx, const struct hw_region *r, struct err *e)
{
	struct stat sb;

	if (fstat(r->fd, &sb) < 0)
		return err_set(e, -errno, "region %u: fstat: %s", idx,
			       strerror(errno));
	if (S_ISREG(sb.st_mode) &&
	    (r->fd_offset > (uint64_t)sb.st_size ||
	     r->size > (uint64_t)sb.st_size - r->fd_offset))
		return err_set(e, -EINVAL,
			       "region %u: %llu bytes at offset %llu, but its "
			       "file holds %lld",
			       idx, (unsigned long long)r->size,
			       (unsigned long long)r->fd_offset,
			       (long long)sb.st_size);
	return 0;
}

void *hw_region_map_info(const struct hw_region *r, unsigned idx,
			 uint64_t *size, struct err *e)
{
	void *p;

	if (!(r->flags & HW_REGION_F_MMAP) || r->fd < 0 || r->size == 0) {
		err_set(e, -ENOTSUP, "region %u is not mappable", idx);
		return NULL;
	}
	if (check_backing(idx, r, e) < 0)
		return NULL;
	p = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, r->fd, (off_t)r->fd_offset);
	if (p == MAP_FAILED) {
		err_set(e, -errno, "mmap region %u: %s", idx, strerror(errno));
		return NULL;
	}
	*size = r->size;
	return p;
}

void *hw_region_map(struct hw *hw, unsigned idx, uint64_t *size, struct err *e)
{
	struct hw_region r;

	if (hw_region_info(hw, idx, &r, e) < 0)
		return NULL;
	return hw_region_map_info(&r, idx, size, e);
}

void hw_region_unmap(void *p, uint64_t size)
{
	if (p)
		munmap(p, size);
}

int hw_check_port(uint16_t port, unsigned size, const uint32_t *val,
		  struct err *e)
{
	int dispi = port >= HW_PORT_DISPI_FIRST && port <= HW_PORT_DISPI_LAST;

	if (size != 1 && size != 2)
		return err_set(e, -EINVAL,
			       "port 0x%x: access of %u bytes (1 or 2 allowed)",
			       port, size);
	if (!dispi &&
	    (port < HW_PORT_VGA_FIRST || port + size - 1 > HW_PORT_VGA_LAST))
		return err_set(e, -EINVAL,
			       "port 0x%x (%u bytes) is not a VGA port "
			       "(0x3B0-0x3DF, 0x1CE-0x1D0)",
			       port, size);
	if (val && *val >> 8 * size)
		return err_set(e, -EINVAL,
			       "port 0x%x: value 0x%x does not fit in %u bytes",
			       port, *val, size);
	return 0;
}

/* hw_queue on a backend that does every access at once. */
static int access_now(struct hw *hw, const struct hw_access *a, uint32_t *val,
		      struct err *e)
{
	switch (a->space) {
	case HW_SPACE_CFG:
		return a->write ? hw_cfg_write(hw, (uint32_t)a->off, a->size,
					       *val, e)
				: hw_cfg_read(hw, (uint32_t)a->off, a->size,
					      val, e);
	case HW_SPACE_REGION:
		return a->write ? hw_region_write(hw, a->region, a->off,
						  a->size, *val, e)
				: hw_region_read(hw, a->region, a->off, a->size,
						 val, e);
	case HW_SPACE_PORT:
		return a->write ? hw_port_write(hw, (uint16_t)a->off, a->size,
						*val, e)
				: hw_port_read(hw, (uint16_t)a->off, a->size,
					       val, e);
	}
	return err_set(e, -EINVAL, "access to space %d", (int)a->space);
}

int hw_queue(struct hw *hw, const struct hw_access *a, uint32_t *val,
	     struct err *e)
{
	if (hw->ops->queue)
		return hw->ops->queue(hw, a, val, e);
	return access_now(hw, a, val, e);
}
