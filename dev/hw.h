/*
 * The hardware access interface: the one ops table through which a chip
 * driver (lib/chip_*.c) talks to a graphics device. Backends (the stdvga
 * model, libpciaccess, a vfio-user client) fill it in; chip drivers never see
 * what is behind it.
 *
 * Region indices follow VFIO's PCI numbering so that the same numbers travel
 * unchanged over vfio-user: BAR0..BAR5 = 0..5, ROM = 6, config space = 7.
 * Legacy VGA I/O ports (0x3B0-0x3DF) and the DISPI ports (0x1CE-0x1D0) are
 * reached through port_read/port_write.
 *
 * Every op returns 0 or a negative errno and then fills err.
 */
#ifndef GS_HW_H
#define GS_HW_H

#include <stdint.h>

#include "../lib/err.h"

enum {
	HW_REGION_BAR0 = 0,
	HW_REGION_BAR2 = 2,
	HW_REGION_ROM = 6,
	HW_REGION_CONFIG = 7,
	HW_REGION_COUNT = 8,
};

enum {
	HW_REGION_F_PRESENT = 1 << 0,  /* region exists */
	HW_REGION_F_MEM = 1 << 1,      /* memory (else I/O) BAR */
	HW_REGION_F_PREFETCH = 1 << 2, /* prefetchable memory */
	HW_REGION_F_MMAP = 1 << 3,     /* fd/fd_offset may be mmap()ed */
};

struct hw_region {
	uint64_t size;
	uint32_t flags;
	int fd;		    /* valid only with HW_REGION_F_MMAP, else -1 */
	uint64_t fd_offset; /* where the region starts in fd */
};

struct hw;

/* One register access, for hw_queue. */
enum hw_space { HW_SPACE_CFG, HW_SPACE_REGION, HW_SPACE_PORT };

struct hw_access {
	enum hw_space space;
	unsigned region; /* HW_SPACE_REGION only */
	uint64_t off;	 /* config offset, region offset or port */
	unsigned size;	 /* 1, 2 or 4 */
	int write;
};

struct hw_ops {
	const char *name; /* backend name, e.g. "sim" */
	int (*cfg_read)(struct hw *hw, uint32_t off, unsigned size,
			uint32_t *val, struct err *e);
	int (*cfg_write)(struct hw *hw, uint32_t off, unsigned size,
			 uint32_t val, struct err *e);
	int (*region_info)(struct hw *hw, unsigned idx, struct hw_region *info,
			   struct err *e);
	int (*region_read)(struct hw *hw, unsigned idx, uint64_t off,
			   unsigned size, uint32_t *val, struct err *e);
	int (*region_write)(struct hw *hw, unsigned idx, uint64_t off,
			    unsigned size, uint32_t val, struct err *e);
	/* Legacy I/O ports; -ENOTSUP where the backend has no port access. */
	int (*port_read)(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t *val, struct err *e);
	int (*port_write)(struct hw *hw, uint16_t port, unsigned size,
			  uint32_t val, struct err *e);
	/* Device reset, as the bus would do it (PCI function-level reset). */
	int (*reset)(struct hw *hw, struct err *e);
	void (*destroy)(struct hw *hw);
	/* Optional pipelining (NULL: hw_queue does the access at once).
	 * queue starts an access without waiting for it; a read's value lands
	 * in *val, and errors are reported, by the next flush. The device sees
	 * queued and immediate accesses in program order. */
	int (*queue)(struct hw *hw, const struct hw_access *a, uint32_t *val,
		     struct err *e);
	int (*flush)(struct hw *hw, struct err *e);
	/* Optional (a model): a copy of all register state, hidden latches
	 * included, and putting it back. A save through the access interface
	 * moves latches it cannot restore (the DAC's colour sub-index); a
	 * server saving a device another client is programming must not. */
	void *(*keep)(struct hw *hw);
	void (*put_back)(struct hw *hw, void *kept);
};

/* Backends embed this as their first member. */
struct hw {
	const struct hw_ops *ops;
};

static inline int hw_cfg_read(struct hw *hw, uint32_t off, unsigned size,
			      uint32_t *val, struct err *e)
{
	return hw->ops->cfg_read(hw, off, size, val, e);
}

static inline int hw_cfg_write(struct hw *hw, uint32_t off, unsigned size,
			       uint32_t val, struct err *e)
{
	return hw->ops->cfg_write(hw, off, size, val, e);
}

static inline int hw_region_info(struct hw *hw, unsigned idx,
				 struct hw_region *info, struct err *e)
{
	return hw->ops->region_info(hw, idx, info, e);
}

static inline int hw_region_read(struct hw *hw, unsigned idx, uint64_t off,
				 unsigned size, uint32_t *val, struct err *e)
{
	return hw->ops->region_read(hw, idx, off, size, val, e);
}

static inline int hw_region_write(struct hw *hw, unsigned idx, uint64_t off,
				  unsigned size, uint32_t val, struct err *e)
{
	return hw->ops->region_write(hw, idx, off, size, val, e);
}

static inline int hw_port_read(struct hw *hw, uint16_t port, unsigned size,
			       uint32_t *val, struct err *e)
{
	return hw->ops->port_read(hw, port, size, val, e);
}

static inline int hw_port_write(struct hw *hw, uint16_t port, unsigned size,
				uint32_t val, struct err *e)
{
	return hw->ops->port_write(hw, port, size, val, e);
}

static inline int hw_reset(struct hw *hw, struct err *e)
{
	return hw->ops->reset(hw, e);
}

/* Start an access (a write of *val, or a read into *val); with a backend
 * that cannot pipeline it completes now. *val must stay valid until
 * hw_flush, which returns the first error of the queued accesses. */
int hw_queue(struct hw *hw, const struct hw_access *a, uint32_t *val,
	     struct err *e);

static inline int hw_flush(struct hw *hw, struct err *e)
{
	return hw->ops->flush ? hw->ops->flush(hw, e) : 0;
}

/* NULL when the backend cannot (or memory is short): then put_back is a
 * no-op and the save's side effects stay. */
static inline void *hw_keep(struct hw *hw)
{
	return hw->ops->keep ? hw->ops->keep(hw) : NULL;
}

static inline void hw_put_back(struct hw *hw, void *kept)
{
	if (kept)
		hw->ops->put_back(hw, kept);
}

static inline void hw_destroy(struct hw *hw)
{
	if (hw)
		hw->ops->destroy(hw);
}

/* The legacy ports every backend serves: VGA and the Bochs DISPI ports. */
enum {
	HW_PORT_VGA_FIRST = 0x3b0,
	HW_PORT_VGA_LAST = 0x3df,
	HW_PORT_DISPI_FIRST = 0x1ce,
	HW_PORT_DISPI_LAST = 0x1d0,
};

/* Check a port access against those ranges (1 or 2 bytes) and, for a write
 * (val non-NULL), that the value fits the access; fills e. */
int hw_check_port(uint16_t port, unsigned size, const uint32_t *val,
		  struct err *e);

/* mmap a mappable region read/write; returns NULL and fills e on failure. */
void *hw_region_map(struct hw *hw, unsigned idx, uint64_t *size, struct err *e);
/* The same for a region whose info the caller already holds. */
void *hw_region_map_info(const struct hw_region *r, unsigned idx,
			 uint64_t *size, struct err *e);
void hw_region_unmap(void *p, uint64_t size);

#endif
