/*
 * The vfio-user wire format (QEMU docs/interop/vfio-user.rst, protocol 0.0)
 * and the VFIO structures and numbers it reuses (Linux
 * include/uapi/linux/vfio.h): message header, commands, request and reply
 * payloads, region and IRQ indices of a PCI device, migration v2 states.
 *
 * The protocol carries host-endian integers; this project runs on
 * little-endian hosts only (asserted below), so every integer on the wire is
 * little-endian. Payload structs are packed, their sizes and field offsets
 * are asserted against the specification's tables, and code copies them
 * in and out of message buffers with memcpy (never casts a buffer).
 *
 * Our own limits (what gpud advertises in VERSION) are at the end.
 */
#ifndef GS_VFIO_USER_H
#define GS_VFIO_USER_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vfio-user messages are host-endian; this code assumes little-endian"
#endif

#define VFU_PACKED __attribute__((packed))

/* Commands (spec "Commands"). */
enum vfu_cmd {
	VFU_CMD_VERSION = 1,
	VFU_CMD_DMA_MAP = 2,
	VFU_CMD_DMA_UNMAP = 3,
	VFU_CMD_DEVICE_GET_INFO = 4,
	VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	VFU_CMD_DEVICE_SET_IRQS = 8,
	VFU_CMD_REGION_READ = 9,
	VFU_CMD_REGION_WRITE = 10,
	VFU_CMD_DMA_READ = 11,
	VFU_CMD_DMA_WRITE = 12,
	VFU_CMD_DEVICE_RESET = 13,
	VFU_CMD_REGION_WRITE_MULTI = 15,
	VFU_CMD_DEVICE_FEATURE = 16,
	VFU_CMD_MIG_DATA_READ = 17,
	VFU_CMD_MIG_DATA_WRITE = 18,
};

/* Header flags: bits 0-3 message type, bit 4 No_reply, bit 5 Error. */
enum {
	VFU_F_TYPE_MASK = 0xf,
	VFU_F_TYPE_COMMAND = 0x0,
	VFU_F_TYPE_REPLY = 0x1,
	VFU_F_NO_REPLY = 0x10,
	VFU_F_ERROR = 0x20,
};

/* Every message starts with this; size counts the header too. */
struct vfu_hdr {
	uint16_t id;
	uint16_t cmd;
	uint32_t size;
	uint32_t flags;
	uint32_t error; /* errno in an error reply, reserved (0) in commands */
} VFU_PACKED;

/* VERSION: followed by optional NUL-terminated JSON capabilities. */
struct vfu_version {
	uint16_t major;
	uint16_t minor;
} VFU_PACKED;

#define VFU_VERSION_MAJOR 0
#define VFU_VERSION_MINOR 0

/* DMA_MAP (vfio_iommu_type1_dma_map) and DMA_UNMAP. */
struct vfu_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset; /* in the fd sent along, 0 without one */
	uint64_t addr;
	uint64_t size;
} VFU_PACKED;

struct vfu_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t addr;
	uint64_t size;
} VFU_PACKED;

enum {
	VFU_DMA_MAP_READ = 1 << 0,
	VFU_DMA_MAP_WRITE = 1 << 1,
	VFU_DMA_UNMAP_DIRTY_BITMAP = 1 << 0, /* not supported here */
	VFU_DMA_UNMAP_ALL = 1 << 1,	     /* QEMU sends it; addr, size 0 */
};

/* DEVICE_GET_INFO (vfio_device_info). */
struct vfu_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
} VFU_PACKED;

enum {
	VFU_DEVICE_FLAGS_RESET = 1 << 0,
	VFU_DEVICE_FLAGS_PCI = 1 << 1,
};

/* DEVICE_GET_REGION_INFO (vfio_region_info), capabilities may follow. */
struct vfu_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset; /* from the start of this struct */
	uint64_t size;
	uint64_t offset; /* mmap() offset in the fd sent along */
} VFU_PACKED;

enum {
	VFU_REGION_FLAG_READ = 1 << 0,
	VFU_REGION_FLAG_WRITE = 1 << 1,
	VFU_REGION_FLAG_MMAP = 1 << 2,
	VFU_REGION_FLAG_CAPS = 1 << 3,
};

/* VFIO PCI region indices. */
enum {
	VFU_PCI_BAR0 = 0,
	VFU_PCI_BAR5 = 5,
	VFU_PCI_ROM = 6,
	VFU_PCI_CONFIG = 7,
	VFU_PCI_VGA = 8,
	VFU_PCI_NUM_REGIONS = 9,
};

/*
 * The VGA region as VFIO defines it: offsets are legacy addresses, the
 * memory window 0xA0000-0xBFFFF and the ports 0x3B0-0x3BB and 0x3C0-0x3DF.
 * Our extension: the Bochs DISPI ports 0x1CE-0x1D0 are reached at their
 * port numbers too (VFIO does not cover them).
 */
enum {
	VFU_VGA_SIZE = 0xc0000,
	VFU_VGA_MEM_FIRST = 0xa0000,
	VFU_VGA_MEM_LAST = 0xbffff,
};

/* Region capability chain (vfio_info_cap_header). */
struct vfu_cap_hdr {
	uint16_t id;
	uint16_t version;
	uint32_t next; /* offset from the region info start, 0 = last */
} VFU_PACKED;

enum {
	VFU_REGION_CAP_SPARSE_MMAP = 1,
	VFU_REGION_CAP_SPARSE_MMAP_VERSION = 1,
};

struct vfu_sparse_mmap {
	struct vfu_cap_hdr hdr;
	uint32_t nr_areas;
	uint32_t reserved;
} VFU_PACKED;

struct vfu_sparse_area {
	uint64_t offset; /* added to vfu_region_info.offset */
	uint64_t size;
} VFU_PACKED;

/* DEVICE_GET_IRQ_INFO (vfio_irq_info). */
struct vfu_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
} VFU_PACKED;

/* VFIO PCI IRQ indices. */
enum {
	VFU_PCI_INTX_IRQ = 0,
	VFU_PCI_MSI_IRQ = 1,
	VFU_PCI_MSIX_IRQ = 2,
	VFU_PCI_ERR_IRQ = 3,
	VFU_PCI_REQ_IRQ = 4,
	VFU_PCI_NUM_IRQS = 5,
};

/* DEVICE_SET_IRQS (vfio_irq_set), a bool array may follow. */
struct vfu_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
} VFU_PACKED;

enum {
	VFU_IRQ_SET_DATA_NONE = 1 << 0,
	VFU_IRQ_SET_DATA_BOOL = 1 << 1,
	VFU_IRQ_SET_DATA_EVENTFD = 1 << 2,
	VFU_IRQ_SET_DATA_MASK = 0x7,
	VFU_IRQ_SET_ACTION_MASK = 1 << 3,
	VFU_IRQ_SET_ACTION_UNMASK = 1 << 4,
	VFU_IRQ_SET_ACTION_TRIGGER = 1 << 5,
	VFU_IRQ_SET_ACTION_ALL = 0x38,
};

/* REGION_READ / REGION_WRITE: data follows in the write request and the
 * read reply. */
struct vfu_region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
} VFU_PACKED;

/* DEVICE_FEATURE (vfio_device_feature), feature data follows. */
struct vfu_feature {
	uint32_t argsz;
	uint32_t flags;
} VFU_PACKED;

enum {
	VFU_FEATURE_MASK = 0xffff,
	VFU_FEATURE_GET = 1 << 16,
	VFU_FEATURE_SET = 1 << 17,
	VFU_FEATURE_PROBE = 1 << 18,
	VFU_FEATURE_MIGRATION = 1,
	VFU_FEATURE_MIG_DEVICE_STATE = 2,
};

/* Data of VFU_FEATURE_MIGRATION (vfio_device_feature_migration). */
struct vfu_feature_migration {
	uint64_t flags;
} VFU_PACKED;

enum {
	VFU_MIGRATION_STOP_COPY = 1 << 0,
	VFU_MIGRATION_P2P = 1 << 1,
	VFU_MIGRATION_PRE_COPY = 1 << 2,
};

/* Data of VFU_FEATURE_MIG_DEVICE_STATE; data_fd is unused in vfio-user. */
struct vfu_mig_state {
	uint32_t device_state;
	int32_t data_fd;
} VFU_PACKED;

/* enum vfio_device_mig_state */
enum vfu_mig_state_id {
	VFU_STATE_ERROR = 0,
	VFU_STATE_STOP = 1,
	VFU_STATE_RUNNING = 2,
	VFU_STATE_STOP_COPY = 3,
	VFU_STATE_RESUMING = 4,
	VFU_STATE_RUNNING_P2P = 5,
	VFU_STATE_PRE_COPY = 6,
	VFU_STATE_PRE_COPY_P2P = 7,
	VFU_STATE_COUNT = 8,
};

/* MIG_DATA_READ request and reply, MIG_DATA_WRITE request: data follows
 * in the read reply and the write request. */
struct vfu_mig_data {
	uint32_t argsz;
	uint32_t size;
} VFU_PACKED;

/*
 * Our limits. One message carries at most VFU_MAX_XFER data bytes (region
 * and migration data), so no message exceeds VFU_MAX_MSG; the VERSION JSON
 * is at most VFU_MAX_JSON bytes with its NUL. We receive at most one fd per
 * message (DMA_MAP's) and keep at most VFU_MAX_DMA_MAPS DMA windows.
 */
#define VFU_MAX_XFER	 (1u << 20)
#define VFU_MAX_JSON	 4096u
#define VFU_MAX_MSG	 (sizeof(struct vfu_hdr) + 16 + VFU_MAX_XFER)
#define VFU_MAX_FDS	 1u
#define VFU_MAX_DMA_MAPS 1024u
#define VFU_PGSIZE	 4096u

#define VFU_ASSERT_LAYOUT(type, size)                                          \
	_Static_assert(sizeof(struct type) == (size), #type " size")
VFU_ASSERT_LAYOUT(vfu_hdr, 16);
VFU_ASSERT_LAYOUT(vfu_version, 4);
VFU_ASSERT_LAYOUT(vfu_dma_map, 32);
VFU_ASSERT_LAYOUT(vfu_dma_unmap, 24);
VFU_ASSERT_LAYOUT(vfu_device_info, 16);
VFU_ASSERT_LAYOUT(vfu_region_info, 32);
VFU_ASSERT_LAYOUT(vfu_cap_hdr, 8);
VFU_ASSERT_LAYOUT(vfu_sparse_mmap, 16);
VFU_ASSERT_LAYOUT(vfu_sparse_area, 16);
VFU_ASSERT_LAYOUT(vfu_irq_info, 16);
VFU_ASSERT_LAYOUT(vfu_irq_set, 20);
VFU_ASSERT_LAYOUT(vfu_region_rw, 16);
VFU_ASSERT_LAYOUT(vfu_feature, 8);
VFU_ASSERT_LAYOUT(vfu_feature_migration, 8);
VFU_ASSERT_LAYOUT(vfu_mig_state, 8);
VFU_ASSERT_LAYOUT(vfu_mig_data, 8);
_Static_assert(offsetof(struct vfu_hdr, size) == 4, "hdr.size");
_Static_assert(offsetof(struct vfu_hdr, error) == 12, "hdr.error");
_Static_assert(offsetof(struct vfu_dma_map, addr) == 16, "dma_map.addr");
_Static_assert(offsetof(struct vfu_region_info, size) == 16, "ri.size");
_Static_assert(offsetof(struct vfu_region_info, offset) == 24, "ri.offset");
_Static_assert(offsetof(struct vfu_irq_set, count) == 16, "irq_set.count");
_Static_assert(offsetof(struct vfu_region_rw, count) == 12, "rw.count");
#undef VFU_ASSERT_LAYOUT

/* Name of a command for messages ("REGION_READ"), "unknown" otherwise. */
const char *vfu_cmd_name(uint32_t cmd);
/* Name of a migration state ("STOP_COPY"), "invalid" otherwise. */
const char *vfu_state_name(uint32_t state);

#endif
