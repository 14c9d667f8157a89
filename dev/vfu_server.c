/*
 * vfio-user server engine: message validation and dispatch, VERSION,
 * device, region and IRQ information, region access, DMA windows and
 * reset (vfio-user.rst; structures from linux/vfio.h), and the sessions
 * that carry them. Migration lives in vfu_mig.c. Every length, index and
 * offset from the client is checked here, once, before it is used.
 *
 * Region access: a REGION_READ/WRITE of count bytes is cut into accesses
 * of 4 bytes (config space, BARs, ROM) or 2 bytes (VGA ports), the last
 * one smaller; counts of 1, 2 (and 4 outside VGA) make exactly one access
 * of that size, unaligned ones included (the DISPI data port 0x1CF takes
 * 16-bit accesses at an odd address).
 *
 * The VGA region (index 8) maps offsets to legacy addresses as VFIO does:
 * ports 0x3B0-0x3BB and 0x3C0-0x3DF, and, our extension, the DISPI ports
 * 0x1CE-0x1D0; the memory window 0xA0000-0xBFFFF is not modelled and
 * answers EOPNOTSUPP.
 */
#include "vfu_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfu_int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Payload helpers ---- */

static int need_exact(const struct vfu_req *q, size_t size, struct err *e)
{
	if (q->n != size)
		return err_set(e, -EINVAL,
			       "%s: payload of %zu bytes, %zu "
			       "expected",
			       vfu_cmd_name(q->h.cmd), q->n, size);
	return 0;
}

static int need_argsz(const struct vfu_req *q, uint32_t argsz, size_t min,
		      struct err *e)
{
	if (argsz < min)
		return err_set(e, -EINVAL, "%s: argsz %u below %zu",
			       vfu_cmd_name(q->h.cmd), argsz, min);
	return 0;
}

static void put_out(struct vfu_req *q, const void *p, size_t n)
{
	memcpy(q->out + q->out_len, p, n);
	q->out_len += n;
}

/* ---- VERSION ---- */

static int h_version(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_session *ss = q->ss;
	struct vfu_version v;
	struct vfu_caps ours;
	char json[256];
	int rc, n;

	if (q->n < sizeof(v))
		return err_set(e, -EINVAL, "VERSION: payload too short");
	memcpy(&v, q->p, sizeof(v));
	if (v.major != VFU_VERSION_MAJOR) {
		q->fatal = 1;
		return err_set(e, -ENOTSUP,
			       "VERSION: client speaks protocol %u.%u, we "
			       "speak %u.%u",
			       v.major, v.minor, VFU_VERSION_MAJOR,
			       VFU_VERSION_MINOR);
	}
	if (ss->negotiated)
		return err_set(e, -EINVAL, "VERSION: already negotiated");
	if (q->n - sizeof(v) > VFU_MAX_JSON)
		return err_set(e, -E2BIG,
			       "VERSION: capabilities over %u "
			       "bytes",
			       VFU_MAX_JSON);
	vfu_caps_defaults(&ss->peer);
	if (q->n > sizeof(v) &&
	    (rc = vfu_caps_parse((const char *)q->p + sizeof(v),
				 q->n - sizeof(v), &ss->peer, e)) < 0)
		return rc;
	ours = (struct vfu_caps){.max_msg_fds = VFU_MAX_FDS,
				 .max_data_xfer_size = VFU_MAX_XFER,
				 .pgsizes = VFU_PGSIZE,
				 .max_dma_maps = VFU_MAX_DMA_MAPS};
	n = vfu_caps_format(&ours, json, sizeof(json));
	if (n < 0)
		return err_set(e, -ENOSPC, "VERSION: reply too long");
	v.major = VFU_VERSION_MAJOR;
	v.minor = VFU_VERSION_MINOR;
	put_out(q, &v, sizeof(v));
	put_out(q, json, (size_t)n + 1);
	ss->negotiated = 1;
	return 0;
}

/* ---- DMA windows ---- */

static int overlaps(const struct vfu_dma *d, uint64_t addr, uint64_t size)
{
	return addr < d->addr + d->size && d->addr < addr + size;
}

static int h_dma_map(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_session *ss = q->ss;
	struct vfu_dma_map m;
	int rc;

	if ((rc = need_exact(q, sizeof(m), e)) < 0)
		return rc;
	memcpy(&m, q->p, sizeof(m));
	if ((rc = need_argsz(q, m.argsz, sizeof(m), e)) < 0)
		return rc;
	if (m.flags & ~(uint32_t)(VFU_DMA_MAP_READ | VFU_DMA_MAP_WRITE))
		return err_set(e, -EINVAL, "DMA_MAP: unknown flags 0x%x",
			       m.flags);
	if (!m.size || m.addr > UINT64_MAX - m.size ||
	    (m.addr | m.size | m.offset) % VFU_PGSIZE)
		return err_set(e, -EINVAL,
			       "DMA_MAP: window 0x%llx+0x%llx (offset 0x%llx) "
			       "is empty, wraps or is not 4 KiB-aligned",
			       (unsigned long long)m.addr,
			       (unsigned long long)m.size,
			       (unsigned long long)m.offset);
	for (unsigned i = 0; i < ss->ndma; i++)
		if (overlaps(&ss->dma[i], m.addr, m.size))
			return err_set(e, -EEXIST,
				       "DMA_MAP: 0x%llx+0x%llx overlaps a "
				       "mapped window",
				       (unsigned long long)m.addr,
				       (unsigned long long)m.size);
	if (ss->ndma == VFU_MAX_DMA_MAPS)
		return err_set(e, -ENOSPC, "DMA_MAP: %u windows already",
			       VFU_MAX_DMA_MAPS);
	ss->dma[ss->ndma++] = (struct vfu_dma){m.addr, m.size};
	return 0;
}

static int h_dma_unmap(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_session *ss = q->ss;
	struct vfu_dma_unmap u;
	int rc;

	if ((rc = need_exact(q, sizeof(u), e)) < 0)
		return rc;
	memcpy(&u, q->p, sizeof(u));
	if ((rc = need_argsz(q, u.argsz, sizeof(u), e)) < 0)
		return rc;
	if (u.flags == VFU_DMA_UNMAP_ALL && !u.addr && !u.size) {
		ss->ndma = 0;
	} else if (u.flags) {
		return err_set(e, -EINVAL, "DMA_UNMAP: unsupported flags 0x%x",
			       u.flags);
	} else {
		unsigned i = 0;

		while (i < ss->ndma &&
		       (ss->dma[i].addr != u.addr || ss->dma[i].size != u.size))
			i++;
		if (i == ss->ndma)
			return err_set(e, -ENOENT,
				       "DMA_UNMAP: no window 0x%llx+0x%llx",
				       (unsigned long long)u.addr,
				       (unsigned long long)u.size);
		ss->dma[i] = ss->dma[--ss->ndma];
	}
	put_out(q, &u, sizeof(u));
	return 0;
}

/* ---- Device, region and IRQ information ---- */

static int h_device_info(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_device_info d;
	int rc;

	if ((rc = need_exact(q, sizeof(d), e)) < 0)
		return rc;
	memcpy(&d, q->p, sizeof(d));
	if ((rc = need_argsz(q, d.argsz, sizeof(d), e)) < 0)
		return rc;
	d = (struct vfu_device_info){.argsz = sizeof(d),
				     .flags = VFU_DEVICE_FLAGS_RESET |
					      VFU_DEVICE_FLAGS_PCI,
				     .num_regions = VFU_PCI_NUM_REGIONS,
				     .num_irqs = VFU_PCI_NUM_IRQS};
	put_out(q, &d, sizeof(d));
	return 0;
}

/* Size of region idx, 0 when absent. */
static uint64_t region_size(const struct vfu_server *s, uint32_t idx)
{
	const struct hw_region *r;

	if (idx == VFU_PCI_VGA)
		return VFU_VGA_SIZE;
	if (idx >= HW_REGION_COUNT)
		return 0;
	r = &s->regions[idx];
	return (r->flags & HW_REGION_F_PRESENT) ? r->size : 0;
}

/* May region idx be handed out as an fd? Only whole and only to a client
 * that accepts fds. */
static int region_mappable(const struct vfu_server *s,
			   const struct vfu_session *ss, uint32_t idx)
{
	return idx < HW_REGION_COUNT && region_size(s, idx) &&
	       (s->regions[idx].flags & HW_REGION_F_MMAP) &&
	       s->regions[idx].fd >= 0 && ss->peer.max_msg_fds >= 1;
}

static int h_region_info(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_region_info ri, in;
	struct vfu_sparse_mmap sp;
	struct vfu_sparse_area area;
	int rc, mappable;
	size_t full = sizeof(ri);

	if ((rc = need_exact(q, sizeof(in), e)) < 0)
		return rc;
	memcpy(&in, q->p, sizeof(in));
	if ((rc = need_argsz(q, in.argsz, sizeof(in), e)) < 0)
		return rc;
	if (in.index >= VFU_PCI_NUM_REGIONS)
		return err_set(e, -EINVAL, "GET_REGION_INFO: no region %u",
			       in.index);
	mappable = region_mappable(s, q->ss, in.index);
	memset(&ri, 0, sizeof(ri));
	ri.index = in.index;
	ri.size = region_size(s, in.index);
	if (ri.size)
		ri.flags = VFU_REGION_FLAG_READ | VFU_REGION_FLAG_WRITE;
	if (mappable) {
		ri.flags |= VFU_REGION_FLAG_MMAP;
		ri.offset = s->regions[in.index].fd_offset;
		full += sizeof(sp) + sizeof(area);
	}
	ri.argsz = (uint32_t)full;
	/* Capabilities and the fd only when the whole reply fits. */
	if (mappable && in.argsz >= full) {
		ri.flags |= VFU_REGION_FLAG_CAPS;
		ri.cap_offset = sizeof(ri);
		memset(&sp, 0, sizeof(sp));
		sp.hdr.id = VFU_REGION_CAP_SPARSE_MMAP;
		sp.hdr.version = VFU_REGION_CAP_SPARSE_MMAP_VERSION;
		sp.nr_areas = 1;
		area = (struct vfu_sparse_area){0, ri.size};
		put_out(q, &ri, sizeof(ri));
		put_out(q, &sp, sizeof(sp));
		put_out(q, &area, sizeof(area));
		q->fd_out = s->regions[in.index].fd;
		return 0;
	}
	put_out(q, &ri, sizeof(ri));
	return 0;
}

static int h_irq_info(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_irq_info in;
	int rc;

	if ((rc = need_exact(q, sizeof(in), e)) < 0)
		return rc;
	memcpy(&in, q->p, sizeof(in));
	if ((rc = need_argsz(q, in.argsz, sizeof(in), e)) < 0)
		return rc;
	if (in.index >= VFU_PCI_NUM_IRQS)
		return err_set(e, -EINVAL, "GET_IRQ_INFO: no IRQ index %u",
			       in.index);
	/* No interrupt pin, no MSI/MSI-X capability: every count is 0. */
	in = (struct vfu_irq_info){sizeof(in), 0, in.index, 0};
	put_out(q, &in, sizeof(in));
	return 0;
}

static int one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int h_set_irqs(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_irq_set is;
	uint32_t data, action;

	if (q->n < sizeof(is))
		return err_set(e, -EINVAL, "SET_IRQS: payload too short");
	memcpy(&is, q->p, sizeof(is));
	data = is.flags & VFU_IRQ_SET_DATA_MASK;
	action = is.flags & VFU_IRQ_SET_ACTION_ALL;
	if (is.argsz != q->n || is.index >= VFU_PCI_NUM_IRQS ||
	    !one_bit(data) || !one_bit(action) ||
	    (is.flags & ~(VFU_IRQ_SET_DATA_MASK | VFU_IRQ_SET_ACTION_ALL)))
		return err_set(e, -EINVAL,
			       "SET_IRQS: bad argsz, index or flags "
			       "(argsz %u, index %u, flags 0x%x)",
			       is.argsz, is.index, is.flags);
	if (q->n != sizeof(is) + (data == VFU_IRQ_SET_DATA_BOOL ? is.count : 0))
		return err_set(e, -EINVAL,
			       "SET_IRQS: payload does not match "
			       "count");
	/* Every IRQ type has zero interrupts: only "none of them" is valid,
	 * which disables (or de-assigns) nothing. */
	if (is.start || is.count)
		return err_set(e, -EINVAL,
			       "SET_IRQS: IRQ index %u has no interrupts "
			       "(start %u, count %u)",
			       is.index, is.start, is.count);
	return 0;
}

/* ---- Region access ---- */

static int vga_port_range(uint64_t off, uint32_t count)
{
	static const struct {
		uint16_t first, last;
	} ranges[] = {{0x3b0, 0x3bb}, {0x3c0, 0x3df}, {0x1ce, 0x1d0}};

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		if (off >= ranges[i].first && off <= ranges[i].last &&
		    count <= ranges[i].last - off + 1)
			return 1;
	return 0;
}

/* One access of size bytes; *val in and out. */
static int access1(struct vfu_server *s, uint32_t idx, uint64_t off,
		   unsigned size, uint32_t *val, int write, struct err *e)
{
	struct hw *hw = s->hw;

	if (idx == VFU_PCI_CONFIG)
		return write ? hw_cfg_write(hw, (uint32_t)off, size, *val, e)
			     : hw_cfg_read(hw, (uint32_t)off, size, val, e);
	if (idx == VFU_PCI_VGA)
		return write ? hw_port_write(hw, (uint16_t)off, size, *val, e)
			     : hw_port_read(hw, (uint16_t)off, size, val, e);
	return write ? hw_region_write(hw, idx, off, size, *val, e)
		     : hw_region_read(hw, idx, off, size, val, e);
}

static int check_access(struct vfu_server *s, const struct vfu_session *ss,
			const struct vfu_region_rw *rw, const char *what,
			struct err *e)
{
	uint64_t size;

	if (rw->region >= VFU_PCI_NUM_REGIONS)
		return err_set(e, -EINVAL, "%s: no region %u", what,
			       rw->region);
	size = region_size(s, rw->region);
	if (!size)
		return err_set(e, -EINVAL, "%s: region %u is absent", what,
			       rw->region);
	if (!rw->count || rw->count > VFU_MAX_XFER)
		return err_set(e, -EINVAL, "%s: count %u outside 1..%u", what,
			       rw->count, VFU_MAX_XFER);
	if (rw->count > size || rw->offset > size - rw->count)
		return err_set(e, -EINVAL,
			       "%s: %u bytes at 0x%llx run past the end of "
			       "region %u (0x%llx bytes)",
			       what, rw->count, (unsigned long long)rw->offset,
			       rw->region, (unsigned long long)size);
	if (rw->region != VFU_PCI_CONFIG && !vfu_mig_device_running(s))
		return err_set(
			e, -EBUSY,
			"%s: region %u while the device is stopped "
			"(migration state %s%s)",
			what, rw->region, vfu_state_name(s->mig.state),
			s->mig_owner == ss ? "" : ", another client migrates");
	if (rw->region != VFU_PCI_VGA)
		return 0;
	if (rw->offset >= VFU_VGA_MEM_FIRST)
		return err_set(e, -EOPNOTSUPP,
			       "%s: the legacy VGA memory window is not "
			       "served",
			       what);
	if (!vga_port_range(rw->offset, rw->count))
		return err_set(e, -EINVAL,
			       "%s: VGA offset 0x%llx (%u bytes) is not a VGA "
			       "or DISPI port",
			       what, (unsigned long long)rw->offset, rw->count);
	return 0;
}

static unsigned piece(uint32_t region, uint32_t left)
{
	unsigned max = region == VFU_PCI_VGA ? 2 : 4;

	if (left <= max && left != 3)
		return left;
	return left >= max ? max : 2;
}

/* Move rw->count bytes between data and the region, piece by piece. */
static int region_rw(struct vfu_server *s, const struct vfu_region_rw *rw,
		     uint8_t *data, int write, struct err *e)
{
	for (uint32_t done = 0; done < rw->count;) {
		unsigned n = piece(rw->region, rw->count - done);
		uint32_t v = 0;
		int rc;

		if (write)
			for (unsigned i = 0; i < n; i++)
				v |= (uint32_t)data[done + i] << 8 * i;
		rc = access1(s, rw->region, rw->offset + done, n, &v, write, e);
		if (rc < 0)
			return rc;
		if (!write)
			for (unsigned i = 0; i < n; i++)
				data[done + i] = (uint8_t)(v >> 8 * i);
		done += n;
	}
	return 0;
}

static int h_region_read(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_region_rw rw;
	int rc;

	if ((rc = need_exact(q, sizeof(rw), e)) < 0)
		return rc;
	memcpy(&rw, q->p, sizeof(rw));
	if ((rc = check_access(s, q->ss, &rw, "REGION_READ", e)) < 0)
		return rc;
	if ((rc = region_rw(s, &rw, q->out + sizeof(rw), 0, e)) < 0)
		return rc;
	memcpy(q->out, &rw, sizeof(rw));
	q->out_len = sizeof(rw) + rw.count;
	return 0;
}

static int h_region_write(struct vfu_server *s, struct vfu_req *q,
			  struct err *e)
{
	struct vfu_region_rw rw;
	int rc;

	if (q->n < sizeof(rw))
		return err_set(e, -EINVAL, "REGION_WRITE: payload too short");
	memcpy(&rw, q->p, sizeof(rw));
	if (q->n - sizeof(rw) != rw.count)
		return err_set(e, -EINVAL,
			       "REGION_WRITE: count %u but %zu data bytes",
			       rw.count, q->n - sizeof(rw));
	if ((rc = check_access(s, q->ss, &rw, "REGION_WRITE", e)) < 0)
		return rc;
	/* The data is copied: the model must not write into the request. */
	memcpy(q->out + sizeof(rw), q->p + sizeof(rw), rw.count);
	if ((rc = region_rw(s, &rw, q->out + sizeof(rw), 1, e)) < 0)
		return rc;
	put_out(q, &rw, sizeof(rw));
	return 0;
}

/* Any session may reset the device; a migration in progress, whoever
 * owns it, is dropped, and the caller is told so for its log. */
static int h_reset(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_session *owner = s->mig_owner;
	uint32_t was = s->mig.state;
	int rc;

	if ((rc = need_exact(q, 0, e)) < 0)
		return rc;
	if (owner && owner != q->ss)
		owner->mig_dropped = 1;
	vfu_mig_reset(s);
	if ((rc = hw_reset(s->hw, e)) < 0)
		return rc;
	q->reset = 1;
	if (!owner)
		err_set(e, 0, "device reset");
	else
		err_set(e, 0,
			"device reset; %s migration (in state %s) was "
			"dropped",
			owner == q->ss ? "its" : "another client's",
			vfu_state_name(was));
	return 0;
}

static int h_unsupported(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	return err_set(e, -EOPNOTSUPP, "%s is not supported by this server",
		       vfu_cmd_name(q->h.cmd));
}

static int h_wrong_way(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	return err_set(e, -EINVAL, "%s is a server-to-client command",
		       vfu_cmd_name(q->h.cmd));
}

/* ---- Dispatch ---- */

typedef int (*vfu_handler)(struct vfu_server *s, struct vfu_req *q,
			   struct err *e);

static const struct {
	vfu_handler fn;
	unsigned max_fds;
} commands[] = {
	[VFU_CMD_VERSION] = {h_version, 0},
	[VFU_CMD_DMA_MAP] = {h_dma_map, 1},
	[VFU_CMD_DMA_UNMAP] = {h_dma_unmap, 0},
	[VFU_CMD_DEVICE_GET_INFO] = {h_device_info, 0},
	[VFU_CMD_DEVICE_GET_REGION_INFO] = {h_region_info, 0},
	[VFU_CMD_DEVICE_GET_REGION_IO_FDS] = {h_unsupported, 0},
	[VFU_CMD_DEVICE_GET_IRQ_INFO] = {h_irq_info, 0},
	[VFU_CMD_DEVICE_SET_IRQS] = {h_set_irqs, 0},
	[VFU_CMD_REGION_READ] = {h_region_read, 0},
	[VFU_CMD_REGION_WRITE] = {h_region_write, 0},
	[VFU_CMD_DMA_READ] = {h_wrong_way, 0},
	[VFU_CMD_DMA_WRITE] = {h_wrong_way, 0},
	[VFU_CMD_DEVICE_RESET] = {h_reset, 0},
	[VFU_CMD_REGION_WRITE_MULTI] = {h_unsupported, 0},
	[VFU_CMD_DEVICE_FEATURE] = {vfu_mig_feature, 0},
	[VFU_CMD_MIG_DATA_READ] = {vfu_mig_data_read, 0},
	[VFU_CMD_MIG_DATA_WRITE] = {vfu_mig_data_write, 0},
};

/* Checks common to every command; then its handler. */
static int dispatch(struct vfu_server *s, struct vfu_req *q, int truncated,
		    struct err *e)
{
	uint16_t cmd = q->h.cmd;

	if (q->h.flags & ~(uint32_t)VFU_F_NO_REPLY || q->h.error)
		return err_set(e, -EINVAL,
			       "%s: reserved header bits set (flags 0x%x, "
			       "error %u)",
			       vfu_cmd_name(cmd), q->h.flags, q->h.error);
	if (cmd >= ARRAY_SIZE(commands) || !commands[cmd].fn)
		return err_set(e, -ENOSYS, "unknown command %u", cmd);
	if (truncated || q->nfds > commands[cmd].max_fds)
		return err_set(e, -EINVAL, "%s: %s%u fds (at most %u)",
			       vfu_cmd_name(cmd), truncated ? "over " : "",
			       q->nfds, commands[cmd].max_fds);
	if (!q->ss->negotiated && cmd != VFU_CMD_VERSION)
		return err_set(e, -EINVAL, "%s before VERSION",
			       vfu_cmd_name(cmd));
	return commands[cmd].fn(s, q, e);
}

static void close_fds(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

int vfu_session_handle(struct vfu_session *ss, const uint8_t *msg, size_t len,
		       const int *fds, unsigned nfds, int fds_truncated,
		       struct vfu_reply *r, struct err *e)
{
	struct vfu_server *s = ss->srv;
	struct vfu_req q = {.ss = ss, .fd_out = -1};
	struct vfu_hdr h;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(q.h) || len > VFU_MAX_MSG) {
		close_fds(fds, nfds);
		return err_set(e, -EPROTO, "message of %zu bytes", len);
	}
	memcpy(&q.h, msg, sizeof(q.h));
	if (q.h.size != len ||
	    (q.h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_COMMAND) {
		close_fds(fds, nfds);
		return err_set(e, -EPROTO,
			       "message size %u for %zu bytes, or a reply "
			       "(flags 0x%x) where a command belongs",
			       q.h.size, len, q.h.flags);
	}
	q.p = msg + sizeof(q.h);
	q.n = len - sizeof(q.h);
	q.nfds = nfds;
	q.out = s->reply + sizeof(h);
	rc = dispatch(s, &q, fds_truncated, e);
	/* No command keeps a client fd: DMA windows are only recorded. */
	close_fds(fds, nfds);
	if (q.fatal)
		return rc < 0 ? rc : -EPROTO;
	r->errno_ = rc < 0 ? -rc : 0;
	r->reset = q.reset;
	if (q.h.flags & VFU_F_NO_REPLY)
		return 0;
	if (rc < 0)
		q.out_len = 0;
	h = (struct vfu_hdr){.id = q.h.id,
			     .cmd = q.h.cmd,
			     .size = (uint32_t)(sizeof(h) + q.out_len),
			     .flags = VFU_F_TYPE_REPLY |
				      (rc < 0 ? VFU_F_ERROR : 0),
			     .error = (uint32_t)r->errno_};
	memcpy(s->reply, &h, sizeof(h));
	r->buf = s->reply;
	r->len = h.size;
	if (rc == 0 && q.fd_out >= 0) {
		r->fds[0] = q.fd_out;
		r->nfds = 1;
	}
	return 0;
}

/* ---- Lifetime ---- */

static int load_regions(struct vfu_server *s, struct err *e)
{
	for (unsigned i = 0; i < HW_REGION_COUNT; i++) {
		int rc = hw_region_info(s->hw, i, &s->regions[i], e);

		if (rc < 0)
			return err_wrap(e, rc, "region %u", i);
	}
	return 0;
}

int vfu_session_create(struct vfu_server *s, struct vfu_session **out,
		       struct err *e)
{
	struct vfu_session *ss = calloc(1, sizeof(*ss));

	if (ss)
		ss->dma = calloc(VFU_MAX_DMA_MAPS, sizeof(*ss->dma));
	if (!ss || !ss->dma) {
		free(ss);
		return err_set(e, -ENOMEM, "out of memory");
	}
	ss->srv = s;
	vfu_caps_defaults(&ss->peer);
	*out = ss;
	return 0;
}

/* Back to a fresh session; the migration it owns is dropped. */
static void session_end(struct vfu_session *ss)
{
	ss->negotiated = 0;
	ss->ndma = 0;
	ss->mig_dropped = 0;
	vfu_caps_defaults(&ss->peer);
	if (ss->srv->mig_owner == ss)
		vfu_mig_reset(ss->srv);
}

void vfu_session_destroy(struct vfu_session *ss)
{
	if (!ss)
		return;
	session_end(ss);
	free(ss->dma);
	free(ss);
}

int vfu_session_owns_mig(const struct vfu_session *ss)
{
	return ss->srv->mig_owner == ss;
}

int vfu_session_held(const struct vfu_session *ss)
{
	const struct vfu_server *s = ss->srv;

	return ss->negotiated && s->mig_owner && s->mig_owner != ss &&
	       !vfu_mig_device_running(s);
}

int vfu_server_create(struct hw *hw, struct vfu_server **out, struct err *e)
{
	struct vfu_server *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return err_set(e, -ENOMEM, "out of memory");
	s->hw = hw;
	s->reply = malloc(VFU_MAX_MSG);
	s->rxbuf = malloc(VFU_MAX_MSG);
	if (!s->reply || !s->rxbuf) {
		vfu_server_destroy(s);
		return err_set(e, -ENOMEM, "out of memory");
	}
	if ((rc = vfu_session_create(s, &s->own, e)) < 0 ||
	    (rc = load_regions(s, e)) < 0) {
		vfu_server_destroy(s);
		return rc;
	}
	/* Without a save/restore driver the device serves, but does not
	 * offer migration. */
	s->chip = chip_probe(hw, &s->id, NULL);
	vfu_mig_init(s);
	*out = s;
	return 0;
}

void vfu_server_end_session(struct vfu_server *s)
{
	session_end(s->own);
}

void vfu_server_destroy(struct vfu_server *s)
{
	if (!s)
		return;
	vfu_session_destroy(s->own);
	vfu_mig_reset(s);
	free(s->reply);
	free(s->rxbuf);
	free(s);
}

uint32_t vfu_server_mig_state(const struct vfu_server *s)
{
	return s->mig.state;
}

int vfu_session_serve_one(struct vfu_session *ss, int sock, int wait_ms,
			  struct err *e)
{
	struct vfu_sock_msg m = {.buf = ss->srv->rxbuf, .cap = VFU_MAX_MSG};
	struct vfu_reply r;
	int rc = vfu_sock_recv(sock, &m, wait_ms, e);

	if (rc < 0)
		return rc;
	rc = vfu_session_handle(ss, m.buf, m.len, m.fds, m.nfds,
				m.fds_truncated, &r, e);
	if (rc < 0)
		return rc;
	if (r.len) {
		struct err se;

		rc = vfu_sock_send(sock, r.buf, r.len, r.fds, r.nfds, &se);
		if (rc < 0) {
			*e = se;
			return rc;
		}
	}
	return r.errno_ ? 1 : r.reset ? 2 : 0;
}

int vfu_server_handle(struct vfu_server *s, const uint8_t *msg, size_t len,
		      const int *fds, unsigned nfds, int fds_truncated,
		      struct vfu_reply *r, struct err *e)
{
	return vfu_session_handle(s->own, msg, len, fds, nfds, fds_truncated, r,
				  e);
}

int vfu_server_serve_one(struct vfu_server *s, int sock, int wait_ms,
			 struct err *e)
{
	return vfu_session_serve_one(s->own, sock, wait_ms, e);
}
