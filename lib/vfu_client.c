/*
 * vfio-user client as a backend of the access interface (vfu_client.h):
 * connection and negotiation (VERSION, DEVICE_GET_INFO, region info with
 * the sparse-mmap capability and BAR0's fd), then every hw_ops verb as
 * REGION_READ / REGION_WRITE / DEVICE_RESET messages. Replies are checked
 * as strictly as the server checks requests: a server is not trusted.
 */
#include "vfu_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vfu_client_int.h"
#include "vfu_json.h"
#include "vfu_sock.h"

#define REPLY_WAIT_MS	60000 /* a save of 512 MiB VRAM takes a while */
#define VERSION_WAIT_MS 5000
#define REGION_INFO_MAX 4096

static const struct hw_ops vfu_client_ops;

int vfu_client_is(const struct hw *hw)
{
	return hw && hw->ops == &vfu_client_ops;
}

struct vfu_client *vfu_client_of(struct hw *hw, struct err *e)
{
	if (!vfu_client_is(hw)) {
		err_set(e, -EINVAL, "device '%s' is not a vfio-user server",
			hw ? hw->ops->name : "(none)");
		return NULL;
	}
	return (struct vfu_client *)hw;
}

/* ---- Messages ---- */

static int check_reply(struct vfu_client *c, const struct vfu_hdr *q,
		       const struct vfu_sock_msg *m, int *fatal, struct err *e)
{
	struct vfu_hdr h;

	memcpy(&h, m->buf, sizeof(h));
	*fatal = 1;
	if (h.id != q->id || h.cmd != q->cmd ||
	    (h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_REPLY)
		return err_set(e, -EPROTO,
			       "%s: %s: reply (id %u, command %u, flags 0x%x) "
			       "does not answer request %u",
			       c->name, vfu_cmd_name(q->cmd), h.id, h.cmd,
			       h.flags, q->id);
	*fatal = 0;
	if (!(h.flags & VFU_F_ERROR))
		return 0;
	if (h.error == 0 || h.error > 4095)
		return err_set(e, -EIO, "%s: %s failed (error %u)", c->name,
			       vfu_cmd_name(q->cmd), h.error);
	return err_set(e, -(int)h.error, "%s: %s refused by the server: %s",
		       c->name, vfu_cmd_name(q->cmd), strerror((int)h.error));
}

static int send_req(struct vfu_client *c, struct vfu_hdr *h, const void *a,
		    size_t alen, const void *b, size_t blen, struct err *e)
{
	int rc;

	if (alen + blen > VFU_MAX_MSG - sizeof(*h))
		return err_set(e, -E2BIG, "%s: request too large", c->name);
	*h = (struct vfu_hdr){.id = c->next_id++,
			      .cmd = h->cmd,
			      .size = (uint32_t)(sizeof(*h) + alen + blen)};
	memcpy(c->req, h, sizeof(*h));
	if (alen)
		memcpy(c->req + sizeof(*h), a, alen);
	if (blen)
		memcpy(c->req + sizeof(*h) + alen, b, blen);
	rc = vfu_sock_send(c->sock, c->req, h->size, NULL, 0, e);
	return rc < 0 ? err_wrap(e, rc, "%s: %s", c->name, vfu_cmd_name(h->cmd))
		      : 0;
}

/* The reply to h. A transport failure or a reply to another request
 * returns *fatal set: the stream is out of step. */
static int recv_reply(struct vfu_client *c, const struct vfu_hdr *h,
		      const uint8_t **reply, size_t *rlen, int *fd, int *fatal,
		      struct err *e)
{
	struct vfu_sock_msg m = {.buf = c->resp, .cap = VFU_MAX_MSG};
	int rc;

	*fatal = 1;
	if (fd)
		*fd = -1;
	if ((rc = vfu_sock_recv(c->sock, &m, c->wait_ms, e)) < 0)
		return err_wrap(e, rc, "%s: %s", c->name, vfu_cmd_name(h->cmd));
	if (m.fds_truncated || m.nfds > (fd ? 1u : 0u)) {
		vfu_sock_close_fds(&m);
		return err_set(e, -EPROTO, "%s: %s: unexpected fds in reply",
			       c->name, vfu_cmd_name(h->cmd));
	}
	if ((rc = check_reply(c, h, &m, fatal, e)) < 0) {
		vfu_sock_close_fds(&m);
		return rc;
	}
	if (fd && m.nfds)
		*fd = m.fds[0];
	*reply = c->resp + sizeof(*h);
	*rlen = m.len - sizeof(*h);
	return 0;
}

static int drain(struct vfu_client *c, struct err *e);

int vfu_client_call(struct vfu_client *c, uint16_t cmd, const void *a,
		    size_t alen, const void *b, size_t blen,
		    const uint8_t **reply, size_t *rlen, int *fd, struct err *e)
{
	struct vfu_hdr h = {.cmd = cmd};
	int rc, fatal;

	if (fd)
		*fd = -1;
	if ((rc = drain(c, e)) < 0 ||
	    (rc = send_req(c, &h, a, alen, b, blen, e)) < 0)
		return rc;
	return recv_reply(c, &h, reply, rlen, fd, &fatal, e);
}

/* ---- Negotiation ---- */

static int negotiate(struct vfu_client *c, struct err *e)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":1,"
				   "\"max_data_xfer_size\":1048576}}";
	struct vfu_version v = {VFU_VERSION_MAJOR, VFU_VERSION_MINOR};
	struct vfu_caps sc;
	const uint8_t *r;
	size_t n;
	int rc;

	c->wait_ms = VERSION_WAIT_MS;
	rc = vfu_client_call(c, VFU_CMD_VERSION, &v, sizeof(v), caps,
			     sizeof(caps), &r, &n, NULL, e);
	c->wait_ms = REPLY_WAIT_MS;
	if (rc == -ETIMEDOUT)
		return err_set(e, rc,
			       "%s: no answer to VERSION (is the server busy "
			       "with another client?)",
			       c->name);
	if (rc < 0)
		return rc;
	if (n < sizeof(v))
		return err_set(e, -EPROTO, "%s: short VERSION reply", c->name);
	memcpy(&v, r, sizeof(v));
	if (v.major != VFU_VERSION_MAJOR || v.minor > VFU_VERSION_MINOR)
		return err_set(e, -EPROTO, "%s: server answers version %u.%u",
			       c->name, v.major, v.minor);
	vfu_caps_defaults(&sc);
	if (n > sizeof(v) && (rc = vfu_caps_parse((const char *)r + sizeof(v),
						  n - sizeof(v), &sc, e)) < 0)
		return err_wrap(e, -EPROTO, "%s: VERSION reply", c->name);
	if (!sc.max_data_xfer_size)
		return err_set(e, -EPROTO, "%s: max_data_xfer_size 0", c->name);
	c->xfer = sc.max_data_xfer_size < VFU_MAX_XFER
			  ? (uint32_t)sc.max_data_xfer_size
			  : VFU_MAX_XFER;
	return 0;
}

static int device_info(struct vfu_client *c, struct err *e)
{
	struct vfu_device_info d = {.argsz = sizeof(d)};
	const uint8_t *r;
	size_t n;
	int rc = vfu_client_call(c, VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d),
				 NULL, 0, &r, &n, NULL, e);

	if (rc < 0)
		return rc;
	if (n != sizeof(d))
		return err_set(e, -EPROTO,
			       "%s: DEVICE_GET_INFO reply of %zu "
			       "bytes",
			       c->name, n);
	memcpy(&d, r, sizeof(d));
	if (!(d.flags & VFU_DEVICE_FLAGS_PCI) ||
	    d.num_regions < VFU_PCI_NUM_REGIONS)
		return err_set(e, -ENODEV,
			       "%s: not a PCI device with VGA region (flags "
			       "0x%x, %u regions)",
			       c->name, d.flags, d.num_regions);
	return 0;
}

/* Is the region one sparse area [0, size)? Walks the capability chain of
 * a region info reply of n bytes. */
static int whole_area(const uint8_t *r, size_t n,
		      const struct vfu_region_info *ri)
{
	uint32_t off = ri->cap_offset;

	for (unsigned hops = 0; off && hops < 16; hops++) {
		struct vfu_cap_hdr ch;
		struct vfu_sparse_mmap sp;
		struct vfu_sparse_area a;

		if (off < sizeof(*ri) || off > n || n - off < sizeof(sp))
			return 0;
		memcpy(&ch, r + off, sizeof(ch));
		if (ch.id == VFU_REGION_CAP_SPARSE_MMAP) {
			memcpy(&sp, r + off, sizeof(sp));
			if (sp.nr_areas != 1 ||
			    n - off - sizeof(sp) < sizeof(a))
				return 0;
			memcpy(&a, r + off + sizeof(sp), sizeof(a));
			return a.offset == 0 && a.size == ri->size;
		}
		off = ch.next;
	}
	return 0;
}

static int drop_fd(int *fd, int rc)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return rc;
}

static int query_region(struct vfu_client *c, uint32_t idx,
			struct vfu_region_info *ri, int *fd, int *whole,
			struct err *e)
{
	struct vfu_region_info q = {.argsz = 64, .index = idx};

	for (;;) {
		const uint8_t *r;
		size_t n;
		int rc = vfu_client_call(c, VFU_CMD_DEVICE_GET_REGION_INFO, &q,
					 sizeof(q), NULL, 0, &r, &n, fd, e);

		if (rc < 0)
			return rc;
		if (n < sizeof(*ri) || n > q.argsz)
			return drop_fd(fd, err_set(e, -EPROTO,
						   "%s: region %u info of %zu "
						   "bytes",
						   c->name, idx, n));
		memcpy(ri, r, sizeof(*ri));
		if (ri->argsz > q.argsz && q.argsz < REGION_INFO_MAX) {
			drop_fd(fd, 0);
			q.argsz = ri->argsz < REGION_INFO_MAX ? ri->argsz
							      : REGION_INFO_MAX;
			continue;
		}
		*whole = (ri->flags & VFU_REGION_FLAG_CAPS) &&
			 whole_area(r, n, ri);
		if (ri->index != idx)
			return drop_fd(fd, err_set(e, -EPROTO,
						   "%s: info for region %u "
						   "answers region %u",
						   c->name, idx, ri->index));
		return 0;
	}
}

static int load_region(struct vfu_client *c, uint32_t idx, struct err *e)
{
	struct hw_region *h = &c->regions[idx];
	struct vfu_region_info ri = {0};
	int fd = -1, whole = 0, seals;
	int rc = query_region(c, idx, &ri, &fd, &whole, e);

	if (rc < 0)
		return rc;
	*h = (struct hw_region){.size = ri.size, .fd = -1};
	if (ri.size)
		h->flags = HW_REGION_F_PRESENT;
	/* A memfd the server could shrink under our mapping means SIGBUS. */
	if (fd >= 0 && (seals = fcntl(fd, F_GET_SEALS)) >= 0 &&
	    !(seals & F_SEAL_SHRINK))
		return drop_fd(&fd, err_set(e, -EPROTO,
					    "%s: region %u's memfd is not "
					    "sealed against shrinking",
					    c->name, idx));
	if ((ri.flags & VFU_REGION_FLAG_MMAP) && whole && fd >= 0) {
		h->flags |= HW_REGION_F_MMAP;
		h->fd = fd;
		h->fd_offset = ri.offset;
	} else if (fd >= 0) {
		close(fd);
	}
	return 0;
}

static int cfg_io(struct vfu_client *c, uint32_t off, unsigned size,
		  uint32_t *val, int write, struct err *e);

/* Memory or I/O BAR, from the type bits of the BAR register. */
static int bar_types(struct vfu_client *c, struct err *e)
{
	for (uint32_t i = 0; i <= VFU_PCI_BAR5; i++) {
		uint32_t bar;
		int rc;

		if (!(c->regions[i].flags & HW_REGION_F_PRESENT))
			continue;
		if ((rc = cfg_io(c, 0x10 + 4 * i, 4, &bar, 0, e)) < 0)
			return rc;
		if (!(bar & 1))
			c->regions[i].flags |= HW_REGION_F_MEM;
		if (!(bar & 1) && (bar & 8))
			c->regions[i].flags |= HW_REGION_F_PREFETCH;
	}
	if (c->regions[VFU_PCI_ROM].flags & HW_REGION_F_PRESENT)
		c->regions[VFU_PCI_ROM].flags |= HW_REGION_F_MEM;
	return 0;
}

static int setup(struct vfu_client *c, struct err *e)
{
	int rc;

	if ((rc = negotiate(c, e)) < 0 || (rc = device_info(c, e)) < 0)
		return rc;
	for (uint32_t i = 0; i < HW_REGION_COUNT; i++)
		if ((rc = load_region(c, i, e)) < 0)
			return rc;
	return bar_types(c, e);
}

/* ---- Access interface ---- */

static int check_size(struct vfu_client *c, unsigned size, struct err *e)
{
	if (size != 1 && size != 2 && size != 4)
		return err_set(e, -EINVAL, "%s: access of %u bytes", c->name,
			       size);
	return 0;
}

static int send_rw(struct vfu_client *c, struct vfu_hdr *h,
		   const struct vfu_region_rw *rw, uint32_t val, int write,
		   struct err *e)
{
	uint8_t data[4];

	for (unsigned i = 0; i < rw->count; i++)
		data[i] = (uint8_t)(val >> 8 * i);
	h->cmd = write ? VFU_CMD_REGION_WRITE : VFU_CMD_REGION_READ;
	return send_req(c, h, rw, sizeof(*rw), data, write ? rw->count : 0, e);
}

/* The payload of a reply to rw; a read's value into *val. */
static int rw_reply(struct vfu_client *c, const struct vfu_region_rw *rw,
		    const uint8_t *r, size_t n, uint32_t *val, struct err *e)
{
	struct vfu_region_rw got;

	if (n != sizeof(*rw) + (val ? rw->count : 0))
		return err_set(e, -EPROTO, "%s: region reply of %zu bytes",
			       c->name, n);
	memcpy(&got, r, sizeof(got));
	if (got.offset != rw->offset || got.region != rw->region ||
	    got.count != rw->count)
		return err_set(e, -EPROTO,
			       "%s: region reply for another "
			       "access",
			       c->name);
	if (!val)
		return 0;
	*val = 0;
	for (unsigned i = 0; i < rw->count; i++)
		*val |= (uint32_t)r[sizeof(*rw) + i] << 8 * i;
	return 0;
}

static int region_io(struct vfu_client *c, uint32_t region, uint64_t off,
		     unsigned size, uint32_t *val, int write, struct err *e)
{
	struct vfu_region_rw rw = {off, region, size};
	struct vfu_hdr h;
	const uint8_t *r;
	size_t n;
	int rc, fatal;

	if ((rc = check_size(c, size, e)) < 0 || (rc = drain(c, e)) < 0)
		return rc;
	rc = send_rw(c, &h, &rw, write ? *val : 0, write, e);
	if (rc == 0)
		rc = recv_reply(c, &h, &r, &n, NULL, &fatal, e);
	if (rc == 0)
		rc = rw_reply(c, &rw, r, n, write ? NULL : val, e);
	return rc < 0 ? err_wrap(e, rc, "region %u offset 0x%llx", region,
				 (unsigned long long)off)
		      : 0;
}

/* ---- Pipelined accesses (hw_queue) ---- */

/* The oldest queued access's reply; its error kept for drain. A broken
 * stream forgets every queued access. */
static int complete_one(struct vfu_client *c)
{
	struct vfu_inflight *f = &c->fly[c->fly_head];
	struct vfu_hdr h = {.id = f->id, .cmd = f->cmd};
	struct err e = {{0}};
	const uint8_t *r;
	size_t n;
	int rc, fatal;

	c->fly_head = (c->fly_head + 1) % VFU_INFLIGHT;
	c->fly_n--;
	rc = recv_reply(c, &h, &r, &n, NULL, &fatal, &e);
	if (rc == 0 && (rc = rw_reply(c, &f->rw, r, n, f->val, &e)) < 0)
		fatal = 1;
	if (rc < 0 && !c->fly_rc) {
		c->fly_rc = err_wrap(&e, rc,
				     "queued access to region %u "
				     "offset 0x%llx",
				     f->rw.region,
				     (unsigned long long)f->rw.offset);
		c->fly_err = e;
	}
	if (rc < 0 && fatal)
		c->fly_n = 0;
	return rc < 0 && fatal ? rc : 0;
}

/* Every queued access answered; their first error. */
static int drain(struct vfu_client *c, struct err *e)
{
	int rc;

	while (c->fly_n)
		complete_one(c);
	rc = c->fly_rc;
	if (rc < 0) {
		*e = c->fly_err;
		c->fly_rc = 0;
	}
	return rc;
}

static int vc_queue(struct hw *hw, const struct hw_access *a, uint32_t *val,
		    struct err *e)
{
	struct vfu_client *c = (struct vfu_client *)hw;
	struct vfu_region_rw rw = {a->off, a->region, a->size};
	struct vfu_inflight *f;
	struct vfu_hdr h;
	int rc;

	if (a->space == HW_SPACE_CFG)
		rw.region = VFU_PCI_CONFIG;
	else if (a->space == HW_SPACE_PORT)
		rw.region = VFU_PCI_VGA;
	else if (a->region >= HW_REGION_COUNT)
		return err_set(e, -EINVAL, "region %u does not exist",
			       a->region);
	if ((rc = check_size(c, a->size, e)) < 0)
		return rc;
	if (c->fly_n == VFU_INFLIGHT && (rc = complete_one(c)) < 0)
		return drain(c, e);
	if ((rc = send_rw(c, &h, &rw, a->write ? *val : 0, a->write, e)) < 0)
		return rc;
	f = &c->fly[(c->fly_head + c->fly_n++) % VFU_INFLIGHT];
	*f = (struct vfu_inflight){.id = h.id,
				   .cmd = h.cmd,
				   .rw = rw,
				   .val = a->write ? NULL : val};
	return 0;
}

static int vc_flush(struct hw *hw, struct err *e)
{
	return drain((struct vfu_client *)hw, e);
}

static int cfg_io(struct vfu_client *c, uint32_t off, unsigned size,
		  uint32_t *val, int write, struct err *e)
{
	return region_io(c, VFU_PCI_CONFIG, off, size, val, write, e);
}

static struct vfu_client *to_c(struct hw *hw)
{
	return (struct vfu_client *)hw;
}

static int vc_cfg_read(struct hw *hw, uint32_t off, unsigned size,
		       uint32_t *val, struct err *e)
{
	return cfg_io(to_c(hw), off, size, val, 0, e);
}

static int vc_cfg_write(struct hw *hw, uint32_t off, unsigned size,
			uint32_t val, struct err *e)
{
	return cfg_io(to_c(hw), off, size, &val, 1, e);
}

static int vc_region_info(struct hw *hw, unsigned idx, struct hw_region *info,
			  struct err *e)
{
	if (idx >= HW_REGION_COUNT)
		return err_set(e, -EINVAL, "region %u does not exist", idx);
	*info = to_c(hw)->regions[idx];
	return 0;
}

static int vc_region_read(struct hw *hw, unsigned idx, uint64_t off,
			  unsigned size, uint32_t *val, struct err *e)
{
	if (idx >= HW_REGION_COUNT)
		return err_set(e, -EINVAL, "region %u does not exist", idx);
	return region_io(to_c(hw), idx, off, size, val, 0, e);
}

static int vc_region_write(struct hw *hw, unsigned idx, uint64_t off,
			   unsigned size, uint32_t val, struct err *e)
{
	if (idx >= HW_REGION_COUNT)
		return err_set(e, -EINVAL, "region %u does not exist", idx);
	return region_io(to_c(hw), idx, off, size, &val, 1, e);
}

static int vc_port_read(struct hw *hw, uint16_t port, unsigned size,
			uint32_t *val, struct err *e)
{
	return region_io(to_c(hw), VFU_PCI_VGA, port, size, val, 0, e);
}

static int vc_port_write(struct hw *hw, uint16_t port, unsigned size,
			 uint32_t val, struct err *e)
{
	return region_io(to_c(hw), VFU_PCI_VGA, port, size, &val, 1, e);
}

static int vc_reset(struct hw *hw, struct err *e)
{
	const uint8_t *r;
	size_t n;
	int rc = vfu_client_call(to_c(hw), VFU_CMD_DEVICE_RESET, NULL, 0, NULL,
				 0, &r, &n, NULL, e);

	if (rc == 0 && n)
		return err_set(e, -EPROTO, "DEVICE_RESET reply with payload");
	return rc;
}

static void vc_destroy(struct hw *hw)
{
	struct vfu_client *c = to_c(hw);

	for (unsigned i = 0; i < HW_REGION_COUNT; i++)
		if (c->regions[i].fd >= 0)
			close(c->regions[i].fd);
	if (c->sock >= 0)
		close(c->sock);
	free(c->req);
	free(c->resp);
	free(c);
}

static const struct hw_ops vfu_client_ops = {
	.name = "vfio-user",
	.cfg_read = vc_cfg_read,
	.cfg_write = vc_cfg_write,
	.region_info = vc_region_info,
	.region_read = vc_region_read,
	.region_write = vc_region_write,
	.port_read = vc_port_read,
	.port_write = vc_port_write,
	.reset = vc_reset,
	.destroy = vc_destroy,
	.queue = vc_queue,
	.flush = vc_flush,
};

int vfu_client_attach(int sock, const char *name, struct hw **out,
		      struct err *e)
{
	struct vfu_client *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		close(sock);
		return err_set(e, -ENOMEM, "out of memory");
	}
	c->hw.ops = &vfu_client_ops;
	c->sock = sock;
	c->wait_ms = REPLY_WAIT_MS;
	snprintf(c->name, sizeof(c->name), "%s", name);
	for (unsigned i = 0; i < HW_REGION_COUNT; i++)
		c->regions[i].fd = -1;
	c->req = malloc(VFU_MAX_MSG);
	c->resp = malloc(VFU_MAX_MSG);
	if (!c->req || !c->resp)
		rc = err_set(e, -ENOMEM, "out of memory");
	else
		rc = setup(c, e);
	if (rc < 0) {
		vc_destroy(&c->hw);
		return rc;
	}
	*out = &c->hw;
	return 0;
}

int vfu_client_open(const char *path, struct hw **out, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int sock;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, -ENAMETOOLONG, "socket path '%s' too long",
			       path);
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return err_set(e, -errno, "socket: %s", strerror(errno));
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int code = errno;

		close(sock);
		return err_set(e, -code, "connect to '%s': %s", path,
			       strerror(code));
	}
	return vfu_client_attach(sock, path, out, e);
}
