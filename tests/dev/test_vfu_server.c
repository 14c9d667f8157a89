/*
 * Unit tests of the vfio-user message engine (dev/vfu_server.c,
 * dev/vfu_mig.c) driven directly with message bytes, no sockets: every
 * command, the malformed cases (short or inconsistent header, unknown
 * command, bad indices, offset+size overflow and range, fd counts, argsz),
 * the migration state machine with its data stream, the promise that
 * a refused resume leaves the device untouched, and several sessions on
 * one device (independent negotiation, one migration at a time).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/vfu_server.h"
#include "lib/chip.h"
#include "lib/mig_stream.h"
#include "lib/snapshot.h"
#include "lib/vfio_user.h"
#include "lib/vfu_json.h"

#define VRAM_MB 16
#define FATAL	(-1000)

static struct hw *hw;
static struct vfu_server *srv;
static uint16_t next_id;
/* The session messages go to; NULL: the server's own (vfu_server_handle). */
static struct vfu_session *cur;

/* The reply of the last message: header and payload. */
static struct vfu_hdr rh;
static uint8_t rp[VFU_MAX_MSG];
static size_t rn;
static int rfd;
static int rreset; /* the last message reset the device */
static char rnote[sizeof(((struct err *)0)->msg)]; /* its e.msg */

static void setup(void)
{
	struct err e = {{0}};

	hw = th_model(VRAM_MB);
	ck_assert_msg(vfu_server_create(hw, &srv, &e) == 0, "%s", e.msg);
}

static void teardown(void)
{
	vfu_server_destroy(srv);
	hw_destroy(hw);
}

/* Hand raw message bytes to the engine; FATAL when it ends the
 * connection, else the reply's errno (0: success). */
static int raw(const void *msg, size_t len, const int *fds, unsigned nfds,
	       int truncated)
{
	struct vfu_reply r;
	struct err e = {{0}};
	int rc = cur ? vfu_session_handle(cur, msg, len, fds, nfds, truncated,
					  &r, &e)
		     : vfu_server_handle(srv, msg, len, fds, nfds, truncated,
					 &r, &e);

	rn = 0;
	rfd = -1;
	rreset = rc == 0 && r.reset;
	memcpy(rnote, e.msg, sizeof(rnote));
	memset(&rh, 0, sizeof(rh));
	if (rc < 0)
		return FATAL;
	if (r.len) {
		ck_assert_uint_ge(r.len, sizeof(rh));
		memcpy(&rh, r.buf, sizeof(rh));
		ck_assert_uint_eq(rh.size, r.len);
		ck_assert_uint_eq(rh.flags & VFU_F_TYPE_MASK, VFU_F_TYPE_REPLY);
		ck_assert_int_eq(!!(rh.flags & VFU_F_ERROR), r.errno_ != 0);
		ck_assert_uint_eq(rh.error, (uint32_t)r.errno_);
		rn = r.len - sizeof(rh);
		memcpy(rp, r.buf + sizeof(rh), rn);
		if (r.errno_)
			ck_assert_uint_eq(rn, 0);
	}
	if (r.nfds)
		rfd = r.fds[0];
	return r.errno_;
}

/* A command with payload a then b, flags in the header. */
static int msgf(uint16_t cmd, uint32_t flags, const void *a, size_t alen,
		const void *b, size_t blen, const int *fds, unsigned nfds)
{
	static uint8_t buf[VFU_MAX_MSG];
	struct vfu_hdr h = {.id = ++next_id,
			    .cmd = cmd,
			    .size = (uint32_t)(sizeof(h) + alen + blen),
			    .flags = flags};
	int rc;

	memcpy(buf, &h, sizeof(h));
	if (alen)
		memcpy(buf + sizeof(h), a, alen);
	if (blen)
		memcpy(buf + sizeof(h) + alen, b, blen);
	rc = raw(buf, h.size, fds, nfds, 0);
	if (rc != FATAL && rh.size) {
		ck_assert_uint_eq(rh.id, h.id);
		ck_assert_uint_eq(rh.cmd, cmd);
	}
	return rc;
}

static int msg(uint16_t cmd, const void *a, size_t alen)
{
	return msgf(cmd, 0, a, alen, NULL, 0, NULL, 0);
}

static int version_caps(const char *json)
{
	struct vfu_version v = {0, 0};

	return msgf(VFU_CMD_VERSION, 0, &v, sizeof(v), json,
		    json ? strlen(json) + 1 : 0, NULL, 0);
}

static void negotiate(void)
{
	ck_assert_int_eq(version_caps("{\"capabilities\":{\"max_msg_fds\":"
				      "8,\"max_data_xfer_size\":1048576}}"),
			 0);
}

static int rd(uint32_t region, uint64_t off, uint32_t count)
{
	struct vfu_region_rw rw = {off, region, count};

	return msg(VFU_CMD_REGION_READ, &rw, sizeof(rw));
}

static int wr(uint32_t region, uint64_t off, const void *data, uint32_t count)
{
	struct vfu_region_rw rw = {off, region, count};

	return msgf(VFU_CMD_REGION_WRITE, 0, &rw, sizeof(rw), data, count, NULL,
		    0);
}

static uint32_t rd_val(uint32_t region, uint64_t off, uint32_t count)
{
	uint32_t v = 0;

	ck_assert_int_eq(rd(region, off, count), 0);
	ck_assert_uint_eq(rn, sizeof(struct vfu_region_rw) + count);
	memcpy(&v, rp + sizeof(struct vfu_region_rw), count);
	return v;
}

static void wr_val(uint32_t region, uint64_t off, uint32_t v, uint32_t count)
{
	ck_assert_int_eq(wr(region, off, &v, count), 0);
}

static int region_info(uint32_t idx, uint32_t argsz, struct vfu_region_info *ri)
{
	struct vfu_region_info q = {.argsz = argsz, .index = idx};
	int rc = msg(VFU_CMD_DEVICE_GET_REGION_INFO, &q, sizeof(q));

	if (rc == 0) {
		ck_assert_uint_ge(rn, sizeof(*ri));
		memcpy(ri, rp, sizeof(*ri));
	}
	return rc;
}

static int feature(uint32_t flags, const void *data, size_t n)
{
	struct vfu_feature f = {sizeof(f) + 8, flags};

	return msgf(VFU_CMD_DEVICE_FEATURE, 0, &f, sizeof(f), data, n, NULL, 0);
}

static int set_state(uint32_t st)
{
	struct vfu_mig_state ms = {st, -1};

	return feature(VFU_FEATURE_SET | VFU_FEATURE_MIG_DEVICE_STATE, &ms,
		       sizeof(ms));
}

static uint32_t get_state(void)
{
	struct vfu_mig_state ms;

	ck_assert_int_eq(feature(VFU_FEATURE_GET | VFU_FEATURE_MIG_DEVICE_STATE,
				 NULL, 0),
			 0);
	ck_assert_uint_eq(rn, sizeof(struct vfu_feature) + sizeof(ms));
	memcpy(&ms, rp + sizeof(struct vfu_feature), sizeof(ms));
	ck_assert_uint_eq(ms.device_state, vfu_server_mig_state(srv));
	return ms.device_state;
}

static int data_read(uint32_t size)
{
	struct vfu_mig_data d = {sizeof(d) + size, size};

	return msg(VFU_CMD_MIG_DATA_READ, &d, sizeof(d));
}

/* Read migration data until a short read; appended to b. */
static void read_all(struct mig_buf *b)
{
	for (;;) {
		struct vfu_mig_data d;

		ck_assert_int_eq(data_read(65536), 0);
		memcpy(&d, rp, sizeof(d));
		ck_assert_uint_eq(rn, sizeof(d) + d.size);
		ck_assert_uint_eq(d.argsz, sizeof(d) + d.size);
		ck_assert(mig_buf_reserve(b, d.size, NULL) == 0);
		memcpy(b->p + b->len, rp + sizeof(d), d.size);
		b->len += d.size;
		if (d.size < 65536)
			return;
	}
}

static int data_write(const void *p, uint32_t n)
{
	struct vfu_mig_data d = {sizeof(d), n};

	return msgf(VFU_CMD_MIG_DATA_WRITE, 0, &d, sizeof(d), p, n, NULL, 0);
}

/* Write a whole stream in pieces of 100000 bytes. */
static int write_all(const uint8_t *p, size_t n)
{
	while (n) {
		uint32_t k = n < 100000 ? (uint32_t)n : 100000;
		int rc = data_write(p, k);

		if (rc)
			return rc;
		p += k;
		n -= k;
	}
	return 0;
}

/* A device showing something: the bochs modeset and content. */
static void program(struct hw *h)
{
	th_run_file(h, "bochs-modeset.gs");
	th_run(h, "vram.random 0x200000 0x1000 7\nio.w8 0x3c8 5\n"
		  "io.w8 0x3c9 1\nio.w8 0x3c9 2\n");
}

/* Save through the protocol (STOP_COPY) into b; back to RUNNING. */
static void save_stream(struct mig_buf *b)
{
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	read_all(b);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
}

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* ---- Header and dispatch ---- */

START_TEST(short_header_and_bad_size_end_the_connection)
{
	struct vfu_hdr h = {.id = 1, .cmd = VFU_CMD_DEVICE_RESET, .size = 16};
	uint8_t buf[32] = {0};

	ck_assert_int_eq(raw(&h, 10, NULL, 0, 0), FATAL);
	h.size = 24;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(raw(buf, 16, NULL, 0, 0), FATAL);
	ck_assert_int_eq(raw(buf, 32, NULL, 0, 0), FATAL);
	h.size = 16;
	h.flags = VFU_F_TYPE_REPLY;
	ck_assert_int_eq(raw(&h, 16, NULL, 0, 0), FATAL);
	h.flags = 7;
	ck_assert_int_eq(raw(&h, 16, NULL, 0, 0), FATAL);
}
END_TEST

START_TEST(commands_before_version_are_refused)
{
	struct vfu_device_info d = {.argsz = sizeof(d)};

	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d)), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 0, 4), EINVAL);
	negotiate();
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d)), 0);
}
END_TEST

START_TEST(version_negotiates_protocol_0_0_and_our_limits)
{
	struct vfu_version v;
	struct vfu_caps c;
	struct err e = {{0}};

	negotiate();
	ck_assert_uint_ge(rn, sizeof(v) + 2);
	memcpy(&v, rp, sizeof(v));
	ck_assert_uint_eq(v.major, 0);
	ck_assert_uint_eq(v.minor, 0);
	ck_assert_msg(vfu_caps_parse((char *)rp + 4, rn - 4, &c, &e) == 0, "%s",
		      e.msg);
	ck_assert_uint_eq(c.max_msg_fds, 1);
	ck_assert_uint_eq(c.max_data_xfer_size, VFU_MAX_XFER);
	ck_assert_uint_eq(c.max_dma_maps, VFU_MAX_DMA_MAPS);
	ck_assert_uint_eq(c.pgsizes, 4096);
	ck_assert_int_eq(version_caps(NULL), EINVAL); /* already done */
}
END_TEST

START_TEST(version_without_capabilities_uses_defaults)
{
	struct vfu_region_info ri;

	ck_assert_int_eq(version_caps(NULL), 0);
	ck_assert_int_eq(region_info(0, 64, &ri), 0);
	ck_assert(ri.flags & VFU_REGION_FLAG_MMAP); /* default 1 fd */
	ck_assert_int_ge(rfd, 0);
}
END_TEST

START_TEST(version_with_another_major_ends_the_connection)
{
	struct vfu_version v = {1, 0};

	ck_assert_int_eq(msg(VFU_CMD_VERSION, &v, sizeof(v)), FATAL);
}
END_TEST

START_TEST(version_rejects_malformed_capabilities)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_msg_fds\":1.5}}",
		"{\"capabilities\":{\"max_msg_fds\":\"8\"}}",
		"{\"capabilities\":{\"max_msg_fds\":1,\"max_msg_fds\":2}}",
		"{\"capabilities\":[]}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{}} x",
		"{\"capabilities\":{}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\x01\"}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
		"{\"a\":tru}",
		"{\"capabilities\":{\"max_data_xfer_size\":"
		"99999999999999999999999}}",
	};
	struct vfu_version v = {0, 0};
	const char nonul[] = {'{', '}'};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(version_caps(bad[i]) == EINVAL, "accepted %s",
			      bad[i]);
	ck_assert_int_eq(msgf(VFU_CMD_VERSION, 0, &v, sizeof(v), nonul,
			      sizeof(nonul), NULL, 0),
			 EINVAL);
	ck_assert_int_eq(version_caps("{\"x\":{\"capabilities\":1},"
				      "\"capabilities\":{\"migration\":{"
				      "\"pgsize\":4096},\"unknown\":[1,2.5e3,"
				      "null,true,\"\\u00e9\"]}}"),
			 0);
}
END_TEST

START_TEST(unknown_commands_and_reserved_bits_get_error_replies)
{
	struct vfu_hdr h = {.id = 9, .cmd = VFU_CMD_DEVICE_RESET, .size = 16};

	negotiate();
	ck_assert_int_eq(msg(99, NULL, 0), ENOSYS);
	ck_assert_int_eq(msg(14, NULL, 0), ENOSYS);
	ck_assert_int_eq(msg(0, NULL, 0), ENOSYS);
	ck_assert_int_eq(msg(VFU_CMD_DMA_READ, NULL, 0), EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_DMA_WRITE, NULL, 0), EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_REGION_WRITE_MULTI, NULL, 0), EOPNOTSUPP);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_REGION_IO_FDS, NULL, 0),
			 EOPNOTSUPP);
	ck_assert_int_eq(msgf(VFU_CMD_DEVICE_RESET, VFU_F_ERROR, NULL, 0, NULL,
			      0, NULL, 0),
			 EINVAL);
	ck_assert_int_eq(
		msgf(VFU_CMD_DEVICE_RESET, 0x100, NULL, 0, NULL, 0, NULL, 0),
		EINVAL);
	h.error = 5;
	ck_assert_int_eq(raw(&h, 16, NULL, 0, 0), EINVAL);
	ck_assert_uint_eq(rh.id, 9);
}
END_TEST

START_TEST(no_reply_commands_get_no_reply)
{
	struct vfu_region_rw rw = {0x3c8, VFU_PCI_VGA, 1};
	uint8_t v = 0x42;

	negotiate();
	ck_assert_int_eq(msgf(VFU_CMD_REGION_WRITE, VFU_F_NO_REPLY, &rw,
			      sizeof(rw), &v, 1, NULL, 0),
			 0);
	ck_assert_uint_eq(rh.size, 0);
	ck_assert_uint_eq(rd_val(VFU_PCI_VGA, 0x3c8, 1), 0x42);
	rw.region = 99; /* an error is not replied either */
	ck_assert_int_eq(msgf(VFU_CMD_REGION_WRITE, VFU_F_NO_REPLY, &rw,
			      sizeof(rw), &v, 1, NULL, 0),
			 EINVAL);
	ck_assert_uint_eq(rh.size, 0);
}
END_TEST

START_TEST(unexpected_fds_are_refused_and_closed)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	int fds[2] = {a, b};
	struct vfu_device_info d = {.argsz = sizeof(d)};

	negotiate();
	ck_assert_int_eq(msgf(VFU_CMD_DEVICE_GET_INFO, 0, &d, sizeof(d), NULL,
			      0, fds, 1),
			 EINVAL);
	ck_assert(!fd_is_open(a));
	a = eventfd(0, EFD_CLOEXEC);
	fds[0] = a;
	/* DMA_MAP carries at most one. */
	ck_assert_int_eq(msgf(VFU_CMD_DMA_MAP, 0, NULL, 0, NULL, 0, fds, 2),
			 EINVAL);
	ck_assert(!fd_is_open(a) && !fd_is_open(b));
	a = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(raw(&d, 0, &a, 1, 0), FATAL);
	ck_assert(!fd_is_open(a));
}
END_TEST

START_TEST(more_fds_than_arrived_is_refused)
{
	struct vfu_dma_map m = {sizeof(m), 3, 0, 0x100000, 0x1000};
	struct vfu_hdr h = {.id = 3, .cmd = VFU_CMD_DMA_MAP, .size = 48};
	uint8_t buf[48];

	negotiate();
	memcpy(buf, &h, 16);
	memcpy(buf + 16, &m, sizeof(m));
	ck_assert_int_eq(raw(buf, 48, NULL, 0, 1), EINVAL);
}
END_TEST

/* ---- Device, regions, IRQs ---- */

START_TEST(device_info_reports_a_resettable_pci_device)
{
	struct vfu_device_info d = {.argsz = sizeof(d)};

	negotiate();
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d)), 0);
	ck_assert_uint_eq(rn, sizeof(d));
	memcpy(&d, rp, sizeof(d));
	ck_assert_uint_eq(d.argsz, 16);
	ck_assert_uint_eq(d.flags,
			  VFU_DEVICE_FLAGS_RESET | VFU_DEVICE_FLAGS_PCI);
	ck_assert_uint_eq(d.num_regions, 9);
	ck_assert_uint_eq(d.num_irqs, 5);
	d.argsz = 15;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d)), EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, 8), EINVAL);
}
END_TEST

START_TEST(region_info_answers_every_index)
{
	static const struct {
		uint64_t size;
		uint32_t flags;
	} want[9] = {
		{VRAM_MB << 20, 0xf},
		{0, 0},
		{4096, 3},
		{0, 0},
		{0, 0},
		{0, 0},
		{0, 0},
		{256, 3},
		{0xc0000, 3},
	};
	struct vfu_region_info ri;

	negotiate();
	for (uint32_t i = 0; i < 9; i++) {
		ck_assert_int_eq(region_info(i, 256, &ri), 0);
		ck_assert_uint_eq(ri.index, i);
		ck_assert_msg(ri.size == want[i].size, "region %u size", i);
		ck_assert_msg(ri.flags == want[i].flags, "region %u flags 0x%x",
			      i, ri.flags);
		ck_assert_int_eq(rfd >= 0, i == 0);
	}
	ck_assert_int_eq(region_info(9, 256, &ri), EINVAL);
	ck_assert_int_eq(region_info(0xffffffffu, 256, &ri), EINVAL);
	ck_assert_int_eq(region_info(0, 31, &ri), EINVAL);
}
END_TEST

START_TEST(bar0_comes_with_sparse_mmap_and_the_vram_fd)
{
	struct vfu_region_info ri;
	struct vfu_sparse_mmap sp;
	struct vfu_sparse_area a;
	struct stat stt;
	uint8_t *map;
	int fd;

	negotiate();
	ck_assert_int_eq(region_info(0, 64, &ri), 0);
	ck_assert_uint_eq(rn, 64);
	ck_assert_uint_eq(ri.argsz, 64);
	ck_assert_uint_eq(ri.cap_offset, 32);
	memcpy(&sp, rp + 32, sizeof(sp));
	memcpy(&a, rp + 48, sizeof(a));
	ck_assert_uint_eq(sp.hdr.id, VFU_REGION_CAP_SPARSE_MMAP);
	ck_assert_uint_eq(sp.hdr.version, 1);
	ck_assert_uint_eq(sp.hdr.next, 0);
	ck_assert_uint_eq(sp.nr_areas, 1);
	ck_assert_uint_eq(a.offset, 0);
	ck_assert_uint_eq(a.size, VRAM_MB << 20);
	fd = rfd;
	ck_assert_int_ge(fd, 0);
	ck_assert(fstat(fd, &stt) == 0);
	ck_assert_uint_ge((uint64_t)stt.st_size, VRAM_MB << 20);
	/* The fd is the device's VRAM: a write through it is read back
	 * through REGION_READ of BAR0. */
	wr_val(VFU_PCI_CONFIG, 4, 3, 2);
	map = mmap(NULL, VRAM_MB << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)ri.offset);
	ck_assert(map != MAP_FAILED);
	memcpy(map + 0x1234, "\x11\x22\x33\x44", 4);
	ck_assert_uint_eq(rd_val(VFU_PCI_BAR0, 0x1234, 4), 0x44332211);
	munmap(map, VRAM_MB << 20);
}
END_TEST

START_TEST(region_info_too_small_gives_size_without_caps_or_fd)
{
	struct vfu_region_info ri;

	negotiate();
	ck_assert_int_eq(region_info(0, 32, &ri), 0);
	ck_assert_uint_eq(rn, 32);
	ck_assert_uint_eq(ri.argsz, 64);
	ck_assert(!(ri.flags & VFU_REGION_FLAG_CAPS));
	ck_assert_uint_eq(ri.cap_offset, 0);
	ck_assert_int_eq(rfd, -1);
}
END_TEST

START_TEST(client_without_fds_gets_bar0_trapped)
{
	struct vfu_region_info ri;

	ck_assert_int_eq(version_caps("{\"capabilities\":{\"max_msg_fds\":0}}"),
			 0);
	ck_assert_int_eq(region_info(0, 256, &ri), 0);
	ck_assert_uint_eq(ri.flags, 3);
	ck_assert_int_eq(rfd, -1);
}
END_TEST

START_TEST(irq_info_reports_no_interrupts_of_any_type)
{
	struct vfu_irq_info q = {.argsz = sizeof(q)};

	negotiate();
	for (uint32_t i = 0; i < 5; i++) {
		q.index = i;
		ck_assert_int_eq(
			msg(VFU_CMD_DEVICE_GET_IRQ_INFO, &q, sizeof(q)), 0);
		ck_assert_uint_eq(rn, 16);
		memcpy(&q, rp, sizeof(q));
		ck_assert_uint_eq(q.index, i);
		ck_assert_uint_eq(q.count, 0);
		ck_assert_uint_eq(q.flags, 0);
	}
	q.index = 5;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_IRQ_INFO, &q, sizeof(q)),
			 EINVAL);
	q.index = 0;
	q.argsz = 8;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_IRQ_INFO, &q, sizeof(q)),
			 EINVAL);
}
END_TEST

START_TEST(set_irqs_accepts_only_zero_counts)
{
	struct vfu_irq_set s = {
		sizeof(s), VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER,
		0, 0, 0};
	uint8_t with_bool[21];
	int efd = eventfd(0, EFD_CLOEXEC);

	negotiate();
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s)), 0);
	ck_assert_uint_eq(rn, 0);
	s.flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s)), 0);
	s.count = 1;
	ck_assert_int_eq(msgf(VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), NULL,
			      0, &efd, 1),
			 EINVAL);
	ck_assert(!fd_is_open(efd));
	s.flags = VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_MASK;
	s.argsz = 21;
	memcpy(with_bool, &s, sizeof(s));
	with_bool[20] = 1;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, with_bool, 21), EINVAL);
	s = (struct vfu_irq_set){.argsz = 20,
				 .flags = VFU_IRQ_SET_DATA_NONE |
					  VFU_IRQ_SET_DATA_BOOL |
					  VFU_IRQ_SET_ACTION_TRIGGER};
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s)), EINVAL);
	s.flags = VFU_IRQ_SET_DATA_NONE;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s)), EINVAL);
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER;
	s.index = 5;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s)), EINVAL);
	s.index = 0;
	s.argsz = 24;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s)), EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_SET_IRQS, &s, 12), EINVAL);
}
END_TEST

/* ---- DMA ---- */

static int dma_map(uint64_t addr, uint64_t size, const int *fd)
{
	struct vfu_dma_map m = {sizeof(m), 3, 0, addr, size};

	return msgf(VFU_CMD_DMA_MAP, 0, &m, sizeof(m), NULL, 0, fd, fd ? 1 : 0);
}

static int dma_unmap(uint32_t flags, uint64_t addr, uint64_t size)
{
	struct vfu_dma_unmap u = {sizeof(u), flags, addr, size};

	return msg(VFU_CMD_DMA_UNMAP, &u, sizeof(u));
}

START_TEST(dma_windows_are_recorded_checked_and_removed)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC);
	struct vfu_dma_unmap u;

	negotiate();
	ck_assert(ftruncate(fd, 1 << 20) == 0);
	ck_assert_int_eq(dma_map(0x100000, 0x100000, &fd), 0);
	ck_assert(!fd_is_open(fd)); /* no DMA: the fd is not kept */
	ck_assert_int_eq(dma_map(0x1ff000, 0x2000, NULL), EEXIST);
	ck_assert_int_eq(dma_map(0x0ff000, 0x2000, NULL), EEXIST);
	ck_assert_int_eq(dma_map(0x300000, 0x1000, NULL), 0);
	ck_assert_int_eq(dma_map(0x400001, 0x1000, NULL), EINVAL);
	ck_assert_int_eq(dma_map(0x500000, 0, NULL), EINVAL);
	ck_assert_int_eq(dma_map(0xfffffffffffff000ull, 0x2000, NULL), EINVAL);
	ck_assert_int_eq(dma_unmap(0, 0x100000, 0x1000), ENOENT);
	ck_assert_int_eq(dma_unmap(0, 0x100000, 0x100000), 0);
	ck_assert_uint_eq(rn, sizeof(u));
	memcpy(&u, rp, sizeof(u));
	ck_assert_uint_eq(u.addr, 0x100000);
	ck_assert_int_eq(dma_unmap(0, 0x100000, 0x100000), ENOENT);
	ck_assert_int_eq(dma_map(0x100000, 0x1000, NULL), 0);
	ck_assert_int_eq(
		dma_unmap(VFU_DMA_UNMAP_DIRTY_BITMAP, 0x100000, 0x1000),
		EINVAL);
	ck_assert_int_eq(dma_unmap(VFU_DMA_UNMAP_ALL, 0, 0), 0);
	ck_assert_int_eq(dma_map(0x300000, 0x1000, NULL), 0); /* was freed */
	ck_assert_int_eq(msg(VFU_CMD_DMA_MAP, &u, sizeof(u)), EINVAL);
}
END_TEST

START_TEST(dma_window_table_is_bounded)
{
	negotiate();
	for (uint64_t i = 0; i < VFU_MAX_DMA_MAPS; i++)
		ck_assert_int_eq(dma_map(i << 12, 0x1000, NULL), 0);
	ck_assert_int_eq(
		dma_map((uint64_t)VFU_MAX_DMA_MAPS << 12, 0x1000, NULL),
		ENOSPC);
	vfu_server_end_session(srv); /* a new client starts with none */
	negotiate();
	ck_assert_int_eq(dma_map(0, 0x1000, NULL), 0);
}
END_TEST

/* ---- Region access ---- */

START_TEST(region_access_reaches_config_bars_and_ports)
{
	uint32_t v;

	negotiate();
	ck_assert_uint_eq(rd_val(VFU_PCI_CONFIG, 0, 4), 0x11111234);
	wr_val(VFU_PCI_CONFIG, 4, 3, 2);
	ck_assert(hw_cfg_read(hw, 4, 2, &v, NULL) == 0 && v == 3);
	ck_assert_uint_eq(rd_val(VFU_PCI_BAR0 + 2, 0x500, 2) & 0xfff0, 0xb0c0);
	/* DISPI through the VGA region: 16-bit data port at the odd 0x1CF. */
	wr_val(VFU_PCI_VGA, 0x1ce, 1, 2);
	wr_val(VFU_PCI_VGA, 0x1cf, 800, 2);
	ck_assert_uint_eq(rd_val(VFU_PCI_VGA, 0x1cf, 2), 800);
	ck_assert(hw_region_read(hw, 2, 0x502, 2, &v, NULL) == 0 && v == 800);
	wr_val(VFU_PCI_VGA, 0x3c4, 0x0f02, 2); /* index then data */
	ck_assert_uint_eq(rd_val(VFU_PCI_VGA, 0x3c5, 1), 0x0f);
	wr_val(VFU_PCI_BAR0, 0x10, 0xdeadbeef, 4);
	ck_assert(hw_region_read(hw, 0, 0x10, 4, &v, NULL) == 0 &&
		  v == 0xdeadbeef);
}
END_TEST

START_TEST(region_access_bounds_are_checked_without_overflow)
{
	uint8_t data[8] = {0};
	struct vfu_region_rw rw = {0, VFU_PCI_CONFIG, 4};

	negotiate();
	wr_val(VFU_PCI_CONFIG, 4, 3, 2);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 253, 4), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 252, 4), 0);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 256, 1), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, UINT64_MAX - 1, 4), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_BAR0, UINT64_MAX, 1), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_BAR0, (VRAM_MB << 20) - 2, 4), EINVAL);
	ck_assert_int_eq(wr(2, 4095, data, 2), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 0, 0), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_BAR0, 0, VFU_MAX_XFER + 1), EINVAL);
	ck_assert_int_eq(rd(1, 0, 4), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_ROM, 0, 4), EINVAL);
	ck_assert_int_eq(rd(9, 0, 4), EINVAL);
	ck_assert_int_eq(rd(0xffffffffu, 0, 4), EINVAL);
	/* count and data disagree */
	ck_assert_int_eq(msgf(VFU_CMD_REGION_WRITE, 0, &rw, sizeof(rw), data, 2,
			      NULL, 0),
			 EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_REGION_READ, &rw, 12), EINVAL);
	ck_assert_int_eq(
		msgf(VFU_CMD_REGION_READ, 0, &rw, sizeof(rw), data, 4, NULL, 0),
		EINVAL);
	/* VGA: memory window not served, gaps and ranges checked. */
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0xa0000, 1), EOPNOTSUPP);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0xbffff, 1), EOPNOTSUPP);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0xc0000, 1), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x100, 1), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x3bc, 1), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x3ba, 4), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x1d0, 2), EINVAL);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x3dc, 4), 0);
}
END_TEST

START_TEST(large_accesses_are_split)
{
	static uint8_t buf[65536], back[65536];
	struct err e = {{0}};
	uint64_t size;
	uint8_t *vram;

	negotiate();
	wr_val(VFU_PCI_CONFIG, 4, 3, 2);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(wr(VFU_PCI_BAR0, 0x10001, buf, 65535), 0);
	vram = hw_region_map(hw, 0, &size, &e);
	ck_assert_msg(vram, "%s", e.msg);
	ck_assert(!memcmp(vram + 0x10001, buf, 65535));
	ck_assert_int_eq(rd(VFU_PCI_BAR0, 0x10001, 65535), 0);
	memcpy(back, rp + 16, 65535);
	ck_assert(!memcmp(back, buf, 65535));
	hw_region_unmap(vram, size);
	/* 0x3C4..0x3C7 as one 4-byte write: two 16-bit index/data pairs. */
	wr_val(VFU_PCI_VGA, 0x3c4, 0x00000e04, 4);
	ck_assert_uint_eq(rd_val(VFU_PCI_VGA, 0x3c5, 1), 0x0e);
}
END_TEST

START_TEST(reset_resets_the_device_and_takes_no_payload)
{
	uint8_t junk = 0;

	negotiate();
	wr_val(VFU_PCI_CONFIG, 4, 3, 2);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_RESET, &junk, 1), EINVAL);
	ck_assert_uint_eq(rd_val(VFU_PCI_CONFIG, 4, 2), 3);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_RESET, NULL, 0), 0);
	ck_assert_uint_eq(rn, 0);
	ck_assert_uint_eq(rd_val(VFU_PCI_CONFIG, 4, 2), 0);
}
END_TEST

/* ---- Migration ---- */

START_TEST(migration_feature_offers_stop_copy_and_pre_copy)
{
	struct vfu_feature_migration mf;
	struct vfu_feature f;

	negotiate();
	ck_assert_int_eq(
		feature(VFU_FEATURE_GET | VFU_FEATURE_MIGRATION, NULL, 0), 0);
	ck_assert_uint_eq(rn, 16);
	memcpy(&f, rp, sizeof(f));
	memcpy(&mf, rp + 8, sizeof(mf));
	ck_assert_uint_eq(f.argsz, 16);
	ck_assert_uint_eq(mf.flags,
			  VFU_MIGRATION_STOP_COPY | VFU_MIGRATION_PRE_COPY);
	ck_assert_int_eq(feature(VFU_FEATURE_PROBE | VFU_FEATURE_GET |
					 VFU_FEATURE_MIGRATION,
				 NULL, 0),
			 0);
	ck_assert_uint_eq(rn, 8);
	ck_assert_int_eq(
		feature(VFU_FEATURE_SET | VFU_FEATURE_MIGRATION, NULL, 0),
		EINVAL);
	ck_assert_int_eq(feature(VFU_FEATURE_GET | 6, NULL, 0), ENOTTY);
	ck_assert_int_eq(feature(VFU_FEATURE_GET | 99, NULL, 0), ENOTTY);
	ck_assert_int_eq(feature(VFU_FEATURE_MIGRATION, NULL, 0), EINVAL);
	ck_assert_int_eq(feature(VFU_FEATURE_GET | VFU_FEATURE_SET |
					 VFU_FEATURE_MIGRATION,
				 NULL, 0),
			 EINVAL);
	ck_assert_int_eq(
		feature((1u << 20) | VFU_FEATURE_GET | VFU_FEATURE_MIGRATION,
			NULL, 0),
		EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_FEATURE, &f, 4), EINVAL);
}
END_TEST

START_TEST(migration_states_follow_the_vfio_arcs)
{
	negotiate();
	ck_assert_uint_eq(get_state(), VFU_STATE_RUNNING);
	ck_assert_int_eq(set_state(VFU_STATE_STOP), 0);
	ck_assert_uint_eq(get_state(), VFU_STATE_STOP);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), EINVAL);
	ck_assert_uint_eq(get_state(), VFU_STATE_STOP_COPY);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0); /* via STOP */
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0); /* via STOP,
							       RUNNING */
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	ck_assert_int_eq(set_state(VFU_STATE_STOP), 0); /* via RUNNING */
	for (uint32_t bad = VFU_STATE_ERROR; bad < 20; bad++) {
		if (bad >= VFU_STATE_STOP && bad <= VFU_STATE_RESUMING)
			continue;
		if (bad == VFU_STATE_PRE_COPY)
			continue;
		ck_assert_int_eq(set_state(bad), EINVAL);
	}
	ck_assert_uint_eq(get_state(), VFU_STATE_STOP);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert_int_eq(feature(VFU_FEATURE_SET | VFU_FEATURE_MIG_DEVICE_STATE,
				 NULL, 0),
			 EINVAL);
}
END_TEST

START_TEST(stopped_device_refuses_trapped_access_but_not_config)
{
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_STOP), 0);
	ck_assert_int_eq(rd(2, 0x500, 2), EBUSY);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x3cc, 1), EBUSY);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 0, 4), 0);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert_int_eq(rd(VFU_PCI_VGA, 0x3cc, 1), 0);
}
END_TEST

START_TEST(migration_data_only_in_its_states)
{
	uint8_t byte = 0;

	negotiate();
	ck_assert_int_eq(data_read(16), EINVAL); /* RUNNING */
	ck_assert_int_eq(data_write(&byte, 1), EINVAL);
	ck_assert_int_eq(set_state(VFU_STATE_STOP), 0);
	ck_assert_int_eq(data_read(16), EINVAL);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	ck_assert_int_eq(data_read(16), EINVAL);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(data_write(&byte, 1), EINVAL);
	ck_assert_int_eq(data_read(VFU_MAX_XFER + 1), EINVAL);
	ck_assert_int_eq(msg(VFU_CMD_MIG_DATA_READ, &byte, 1), EINVAL);
	{
		struct vfu_mig_data d = {8 + 100, 200}; /* argsz too small */

		ck_assert_int_eq(msg(VFU_CMD_MIG_DATA_READ, &d, sizeof(d)),
				 EINVAL);
	}
	ck_assert_int_eq(data_read(16), 0);
}
END_TEST

START_TEST(stop_copy_data_is_the_snapshot_of_the_device)
{
	struct mig_buf b = {0};
	struct gs_state got, want;
	struct err e = {{0}};

	program(hw);
	negotiate();
	save_stream(&b);
	ck_assert_msg(snap_decode(b.p, b.len, &got, &e) == 0, "%s", e.msg);
	th_save(hw, &want);
	th_assert_states_equal(&want, &got);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0); /* again */
	ck_assert_int_eq(set_state(VFU_STATE_STOP), 0);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(data_read(8), 0); /* a fresh stream begins */
	ck_assert(!memcmp(rp + 8, b.p, 8));
	gs_state_free(&got);
	gs_state_free(&want);
	mig_buf_free(&b);
}
END_TEST

/* Load stream into a fresh server+model; returns the reply errno of the
 * RESUMING -> RUNNING transition and leaves the server in srv. */
static int resume_into_fresh(const struct mig_buf *b)
{
	teardown();
	setup();
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	ck_assert_int_eq(write_all(b->p, b->len), 0);
	return set_state(VFU_STATE_RUNNING);
}

START_TEST(resume_restores_the_saved_state)
{
	struct mig_buf b = {0};
	struct gs_state want, got;

	program(hw);
	th_save(hw, &want);
	negotiate();
	save_stream(&b);
	ck_assert_int_eq(resume_into_fresh(&b), 0);
	ck_assert_uint_eq(get_state(), VFU_STATE_RUNNING);
	th_save(hw, &got);
	th_assert_states_equal(&want, &got);
	gs_state_free(&want);
	gs_state_free(&got);
	mig_buf_free(&b);
}
END_TEST

/* The device of the current server is unchanged since st was saved. */
static void assert_untouched(const struct gs_state *st)
{
	struct gs_state now;

	th_save(hw, &now);
	th_assert_states_equal(st, &now);
	gs_state_free(&now);
}

/* Write bad data into RESUMING on a programmed device: refused, the
 * device untouched, and leaving RESUMING afterwards works. */
static void refuse_resume(const uint8_t *p, size_t n, int write_err)
{
	struct gs_state before;

	th_save(hw, &before);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	ck_assert_int_eq(write_all(p, n), write_err);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), EINVAL);
	ck_assert_uint_eq(get_state(), VFU_STATE_RESUMING);
	assert_untouched(&before);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0); /* abort */
	assert_untouched(&before);
	gs_state_free(&before);
}

START_TEST(corrupt_resume_data_leaves_the_device_untouched)
{
	struct mig_buf b = {0};
	uint8_t *bad;

	negotiate();
	save_stream(&b); /* a fresh device's snapshot */
	program(hw);
	bad = malloc(b.len);
	memcpy(bad, b.p, b.len);
	bad[b.len - 10] ^= 0x40;
	refuse_resume(bad, b.len, 0);	  /* checksum */
	refuse_resume(b.p, b.len / 2, 0); /* truncated */
	refuse_resume(b.p, 5, 0);	  /* not even a magic */
	refuse_resume((const uint8_t *)"garbage garbage", 15, 0);
	memcpy(bad, b.p, b.len);
	bad[8] = 2; /* a newer format version */
	refuse_resume(bad, b.len, 0);
	free(bad);
	mig_buf_free(&b);
}
END_TEST

START_TEST(resume_of_another_device_size_is_refused_untouched)
{
	struct hw *other = th_model(8);
	struct gs_state st;
	struct err e = {{0}};
	uint8_t *buf;
	size_t len;

	th_save(other, &st);
	ck_assert(snap_encode(&st, NULL, &buf, &len, &e) == 0);
	negotiate();
	program(hw);
	refuse_resume(buf, len, 0);
	free(buf);
	gs_state_free(&st);
	hw_destroy(other);
}
END_TEST

START_TEST(oversized_resume_data_is_refused_while_written)
{
	static uint8_t junk[VFU_MAX_XFER];
	uint64_t limit = 2ull * (VRAM_MB << 20) + (16u << 20);
	struct gs_state before;

	negotiate();
	program(hw);
	th_save(hw, &before);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	for (uint64_t n = 0; n < limit; n += sizeof(junk))
		ck_assert_int_eq(data_write(junk, sizeof(junk)), 0);
	ck_assert_int_eq(data_write(junk, sizeof(junk)), EFBIG);
	ck_assert_int_eq(data_write(junk, 1), EINVAL); /* latched */
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), EINVAL);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	assert_untouched(&before);
	gs_state_free(&before);
}
END_TEST

/* A snapshot of this device whose EDID the device cannot have: valid
 * data that fails only at the read-back after the restore. */
static void unrestorable_snapshot(uint8_t **buf, size_t *len)
{
	struct mig_buf b = {0};
	struct gs_state st;
	struct stdvga_regs r;
	struct err e = {{0}};

	save_stream(&b);
	ck_assert(snap_decode(b.p, b.len, &st, &e) == 0);
	th_regs(&st, &r);
	r.edid[20] ^= 0xff;
	chip_encode(&chip_stdvga, &r, st.regs);
	ck_assert(snap_encode(&st, NULL, buf, len, &e) == 0);
	gs_state_free(&st);
	mig_buf_free(&b);
}

START_TEST(failed_restore_puts_the_device_back_and_stays_resuming)
{
	struct gs_state before;
	uint8_t *buf;
	size_t len;

	negotiate();
	unrestorable_snapshot(&buf, &len);
	program(hw);
	th_save(hw, &before);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	ck_assert_int_eq(write_all(buf, len), 0);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), EIO);
	ck_assert_uint_eq(get_state(), VFU_STATE_RESUMING);
	assert_untouched(&before);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	assert_untouched(&before);
	free(buf);
	gs_state_free(&before);
}
END_TEST

/* The model behind a wrapper whose writes fail after a reset once armed:
 * saves work, a restore (which begins with a reset) cannot write. */
struct faulty {
	struct hw hw;
	struct hw *in;
	int armed, broken;
};

static struct hw *inner(struct hw *h)
{
	return ((struct faulty *)h)->in;
}

static int f_broken(struct hw *h, struct err *e)
{
	return ((struct faulty *)h)->broken ? err_set(e, -EIO, "injected") : 0;
}

static int f_cfg_read(struct hw *h, uint32_t o, unsigned n, uint32_t *v,
		      struct err *e)
{
	return hw_cfg_read(inner(h), o, n, v, e);
}

static int f_cfg_write(struct hw *h, uint32_t o, unsigned n, uint32_t v,
		       struct err *e)
{
	return f_broken(h, e) ? -EIO : hw_cfg_write(inner(h), o, n, v, e);
}

static int f_info(struct hw *h, unsigned i, struct hw_region *r, struct err *e)
{
	return hw_region_info(inner(h), i, r, e);
}

static int f_rd(struct hw *h, unsigned i, uint64_t o, unsigned n, uint32_t *v,
		struct err *e)
{
	return hw_region_read(inner(h), i, o, n, v, e);
}

static int f_wr(struct hw *h, unsigned i, uint64_t o, unsigned n, uint32_t v,
		struct err *e)
{
	return f_broken(h, e) ? -EIO : hw_region_write(inner(h), i, o, n, v, e);
}

static int f_in(struct hw *h, uint16_t p, unsigned n, uint32_t *v,
		struct err *e)
{
	return hw_port_read(inner(h), p, n, v, e);
}

static int f_out(struct hw *h, uint16_t p, unsigned n, uint32_t v,
		 struct err *e)
{
	return f_broken(h, e) ? -EIO : hw_port_write(inner(h), p, n, v, e);
}

static int f_reset(struct hw *h, struct err *e)
{
	struct faulty *f = (struct faulty *)h;

	f->broken = f->armed;
	return hw_reset(inner(h), e);
}

static void f_destroy(struct hw *h)
{
}

static const struct hw_ops faulty_ops = {
	.name = "faulty",
	.cfg_read = f_cfg_read,
	.cfg_write = f_cfg_write,
	.region_info = f_info,
	.region_read = f_rd,
	.region_write = f_wr,
	.port_read = f_in,
	.port_write = f_out,
	.reset = f_reset,
	.destroy = f_destroy,
};

START_TEST(restore_that_cannot_put_back_leaves_error_until_reset)
{
	struct faulty f = {.hw.ops = &faulty_ops};
	struct mig_buf b = {0};
	struct err e = {{0}};

	f.in = hw;
	program(hw);
	vfu_server_destroy(srv);
	ck_assert(vfu_server_create(&f.hw, &srv, &e) == 0);
	negotiate();
	save_stream(&b);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	ck_assert_int_eq(write_all(b.p, b.len), 0);
	f.armed = 1;
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), EIO);
	ck_assert_uint_eq(get_state(), VFU_STATE_ERROR);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), EINVAL);
	ck_assert_int_eq(set_state(VFU_STATE_STOP), EINVAL);
	ck_assert_int_eq(rd(2, 0x500, 2), EBUSY);
	f.armed = 0;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_RESET, NULL, 0), 0);
	ck_assert_uint_eq(get_state(), VFU_STATE_RUNNING);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 0, 4), 0);
	vfu_server_destroy(srv);
	srv = NULL;
	mig_buf_free(&b);
}
END_TEST

START_TEST(disconnect_mid_migration_keeps_the_device)
{
	struct gs_state before;

	program(hw);
	th_save(hw, &before);
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(data_read(1000), 0);
	vfu_server_end_session(srv);
	ck_assert_uint_eq(vfu_server_mig_state(srv), VFU_STATE_RUNNING);
	assert_untouched(&before);
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0);
	ck_assert_int_eq(data_write("\x89GSNAP\r\n", 8), 0);
	vfu_server_end_session(srv);
	ck_assert_uint_eq(vfu_server_mig_state(srv), VFU_STATE_RUNNING);
	assert_untouched(&before);
	negotiate();
	ck_assert_uint_eq(rd_val(2, 0x502, 2), 1024);
	gs_state_free(&before);
}
END_TEST

/* ---- Pre-copy ---- */

/* Read one pass: until a short read. */
static size_t read_pass(struct mig_buf *b)
{
	size_t before = b->len;

	read_all(b);
	return b->len - before;
}

START_TEST(pre_copy_sends_only_changed_chunks)
{
	struct mig_buf b = {0};
	struct gs_state want, got;
	struct err e = {{0}};
	uint64_t size;
	uint8_t *vram;
	size_t first, second, third;

	program(hw);
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	ck_assert_int_eq(rd(2, 0x500, 2), 0); /* still running */
	first = read_pass(&b);
	vram = hw_region_map(hw, 0, &size, &e);
	ck_assert(vram);
	vram[0x123456] ^= 0xff; /* one 64 KiB chunk changes */
	second = read_pass(&b);
	third = read_pass(&b);
	vram[0x10] ^= 0x01;
	wr_val(2, 0x512, 3, 2); /* a register: goes with the final part */
	hw_region_unmap(vram, size);
	ck_assert(mig_is_stream(b.p, b.len));
	ck_assert_uint_gt(first, 4000);
	ck_assert_uint_gt(second, 16);
	ck_assert_uint_lt(second, 1500); /* one record of one chunk */
	ck_assert_uint_eq(third, 0);
	th_save(hw, &want);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	read_all(&b);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert_int_eq(resume_into_fresh(&b), 0);
	th_save(hw, &got);
	th_assert_states_equal(&want, &got);
	gs_state_free(&want);
	gs_state_free(&got);
	mig_buf_free(&b);
}
END_TEST

START_TEST(pre_copy_pass_ending_on_a_full_read_is_closed_by_an_empty_one)
{
	struct mig_buf b = {0};
	struct vfu_mig_data d;
	size_t n;

	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	n = read_pass(&b);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	ck_assert_int_eq(data_read((uint32_t)n), 0);
	memcpy(&d, rp, sizeof(d));
	ck_assert_uint_eq(d.size, n);
	ck_assert_int_eq(data_read(4096), 0);
	memcpy(&d, rp, sizeof(d));
	ck_assert_uint_eq(d.size, 0);
	mig_buf_free(&b);
}
END_TEST

START_TEST(corrupt_pre_copy_stream_is_refused_untouched)
{
	struct mig_buf b = {0};
	uint8_t *bad;

	program(hw);
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	read_all(&b);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	read_all(&b);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	th_scribble(hw, 5);
	bad = malloc(b.len);
	memcpy(bad, b.p, b.len);
	bad[b.len / 2] ^= 0x10;
	refuse_resume(bad, b.len, EBADMSG);
	refuse_resume(b.p, b.len - 16, 0); /* no END */
	memcpy(bad, b.p, b.len);
	bad[20] ^= 1; /* header VRAM size */
	refuse_resume(bad, b.len, EBADMSG);
	free(bad);
	mig_buf_free(&b);
}
END_TEST

/* ---- Several sessions ---- */

static struct vfu_session *sa, *sb;

static void setup_sessions(void)
{
	struct err e = {{0}};

	setup();
	ck_assert_msg(vfu_session_create(srv, &sa, &e) == 0, "%s", e.msg);
	ck_assert_msg(vfu_session_create(srv, &sb, &e) == 0, "%s", e.msg);
	cur = sa;
}

static void teardown_sessions(void)
{
	cur = NULL;
	vfu_session_destroy(sa);
	vfu_session_destroy(sb);
	teardown();
}

START_TEST(sessions_negotiate_independently)
{
	struct vfu_device_info d = {.argsz = sizeof(d)};
	struct vfu_region_info ri;

	cur = sa;
	negotiate();
	ck_assert_int_eq(dma_map(0x100000, 0x1000, NULL), 0);
	cur = sb;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d)), EINVAL);
	ck_assert_int_eq(version_caps("{\"capabilities\":{\"max_msg_fds\":0}}"),
			 0);
	ck_assert_int_eq(region_info(0, 256, &ri), 0);
	ck_assert_int_eq(rfd, -1); /* B takes no fds */
	ck_assert_int_eq(dma_map(0x100000, 0x1000, NULL), 0); /* B's own */
	ck_assert_int_eq(dma_unmap(0, 0x100000, 0x1000), 0);
	ck_assert_int_eq(dma_unmap(0, 0x100000, 0x1000), ENOENT);
	cur = sa;
	ck_assert_int_eq(version_caps(NULL), EINVAL); /* already done */
	ck_assert_int_eq(region_info(0, 256, &ri), 0);
	ck_assert_int_ge(rfd, 0); /* A takes fds */
	ck_assert_int_eq(dma_map(0x100000, 0x1000, NULL), EEXIST);
	vfu_session_destroy(sa);
	sa = NULL;
	cur = sb;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_GET_INFO, &d, sizeof(d)), 0);
	wr_val(VFU_PCI_CONFIG, 4, 3, 2); /* both reach the one device */
	cur = NULL;
	negotiate();
	ck_assert_uint_eq(rd_val(VFU_PCI_CONFIG, 4, 2), 3);
}
END_TEST

START_TEST(second_session_cannot_move_a_migration_in_progress)
{
	struct mig_buf b = {0};
	struct gs_state want, got;
	struct err e = {{0}};
	uint8_t byte = 0;

	program(hw);
	th_save(hw, &want);
	cur = sb;
	negotiate();
	cur = sa;
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(data_read(1000), 0);
	ck_assert(mig_buf_reserve(&b, 1000, NULL) == 0);
	memcpy(b.p, rp + sizeof(struct vfu_mig_data), 1000);
	b.len = 1000;
	ck_assert(vfu_session_owns_mig(sa) && !vfu_session_held(sa));
	ck_assert(!vfu_session_owns_mig(sb) && vfu_session_held(sb));
	cur = sb;
	ck_assert_uint_eq(get_state(),
			  VFU_STATE_STOP_COPY); /* reads are fine */
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), EBUSY);
	ck_assert_msg(strstr(rnote, "another client's migration"), "%s", rnote);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), EBUSY);
	ck_assert_int_eq(data_read(1000), EBUSY);
	ck_assert_int_eq(data_write(&byte, 1), EBUSY);
	ck_assert_int_eq(rd(2, 0x500, 2), EBUSY); /* the device is stopped */
	ck_assert_msg(strstr(rnote, "another client migrates"), "%s", rnote);
	ck_assert_int_eq(rd(VFU_PCI_CONFIG, 0, 4), 0);
	cur = sa; /* A's stream went on where it was */
	read_all(&b);
	ck_assert_msg(snap_decode(b.p, b.len, &got, &e) == 0, "%s", e.msg);
	th_assert_states_equal(&want, &got);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert(!vfu_session_owns_mig(sa) && !vfu_session_held(sb));
	cur = sb; /* now B may migrate, and A may not */
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	cur = sa;
	ck_assert(!vfu_session_held(sa)); /* PRE_COPY: the device runs */
	ck_assert_uint_eq(rd_val(2, 0x502, 2), 1024);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), EBUSY);
	cur = sb;
	ck_assert_uint_eq(get_state(), VFU_STATE_PRE_COPY);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	gs_state_free(&want);
	gs_state_free(&got);
	mig_buf_free(&b);
}
END_TEST

START_TEST(session_ending_mid_migration_resets_to_running)
{
	struct gs_state before;

	program(hw);
	th_save(hw, &before);
	cur = sb;
	negotiate();
	cur = sa;
	negotiate();
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(data_read(1000), 0);
	vfu_session_destroy(sb); /* not the owner: nothing changes */
	sb = NULL;
	ck_assert_uint_eq(vfu_server_mig_state(srv), VFU_STATE_STOP_COPY);
	ck_assert_int_eq(vfu_session_create(srv, &sb, NULL), 0);
	cur = sb;
	negotiate();
	vfu_session_destroy(sa); /* the owner */
	sa = NULL;
	ck_assert_uint_eq(vfu_server_mig_state(srv), VFU_STATE_RUNNING);
	ck_assert(!vfu_session_held(sb));
	assert_untouched(&before);
	ck_assert_int_eq(set_state(VFU_STATE_RESUMING), 0); /* B's turn */
	ck_assert(vfu_session_owns_mig(sb));
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	assert_untouched(&before);
	ck_assert_uint_eq(rd_val(2, 0x502, 2), 1024);
	gs_state_free(&before);
}
END_TEST

START_TEST(reset_from_another_session_drops_the_migration)
{
	negotiate();
	cur = sb;
	negotiate();
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_RESET, NULL, 0), 0);
	ck_assert(rreset);
	ck_assert_str_eq(rnote, "device reset");
	cur = sa;
	ck_assert_int_eq(set_state(VFU_STATE_PRE_COPY), 0);
	ck_assert_int_eq(data_read(4096), 0);
	cur = sb;
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_RESET, NULL, 0), 0);
	ck_assert(rreset);
	ck_assert_msg(strstr(rnote, "another client's migration (in state "
				    "PRE_COPY) was dropped"),
		      "%s", rnote);
	ck_assert_uint_eq(get_state(), VFU_STATE_RUNNING);
	cur = sa; /* A is told, instead of starting a new stream unawares */
	ck_assert_int_eq(data_read(4096), EINVAL);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), ECANCELED);
	ck_assert_uint_eq(get_state(), VFU_STATE_RUNNING);
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
	ck_assert_int_eq(set_state(VFU_STATE_STOP_COPY), 0);
	ck_assert_int_eq(msg(VFU_CMD_DEVICE_RESET, NULL, 0), 0);
	ck_assert_msg(strstr(rnote, "its migration (in state STOP_COPY)"), "%s",
		      rnote);
	ck_assert_int_eq(set_state(VFU_STATE_STOP), 0); /* not flagged */
	ck_assert_int_eq(set_state(VFU_STATE_RUNNING), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vfu_server");
	TCase *p = tcase_create("protocol");
	TCase *m = tcase_create("migration");
	TCase *ss = tcase_create("sessions");

	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_checked_fixture(m, setup, teardown);
	tcase_set_timeout(m, 30);
	tcase_add_checked_fixture(ss, setup_sessions, teardown_sessions);
	tcase_set_timeout(ss, 30);
	tcase_add_test(p, short_header_and_bad_size_end_the_connection);
	tcase_add_test(p, commands_before_version_are_refused);
	tcase_add_test(p, version_negotiates_protocol_0_0_and_our_limits);
	tcase_add_test(p, version_without_capabilities_uses_defaults);
	tcase_add_test(p, version_with_another_major_ends_the_connection);
	tcase_add_test(p, version_rejects_malformed_capabilities);
	tcase_add_test(p, unknown_commands_and_reserved_bits_get_error_replies);
	tcase_add_test(p, no_reply_commands_get_no_reply);
	tcase_add_test(p, unexpected_fds_are_refused_and_closed);
	tcase_add_test(p, more_fds_than_arrived_is_refused);
	tcase_add_test(p, device_info_reports_a_resettable_pci_device);
	tcase_add_test(p, region_info_answers_every_index);
	tcase_add_test(p, bar0_comes_with_sparse_mmap_and_the_vram_fd);
	tcase_add_test(p, region_info_too_small_gives_size_without_caps_or_fd);
	tcase_add_test(p, client_without_fds_gets_bar0_trapped);
	tcase_add_test(p, irq_info_reports_no_interrupts_of_any_type);
	tcase_add_test(p, set_irqs_accepts_only_zero_counts);
	tcase_add_test(p, dma_windows_are_recorded_checked_and_removed);
	tcase_add_test(p, dma_window_table_is_bounded);
	tcase_add_test(p, region_access_reaches_config_bars_and_ports);
	tcase_add_test(p, region_access_bounds_are_checked_without_overflow);
	tcase_add_test(p, large_accesses_are_split);
	tcase_add_test(p, reset_resets_the_device_and_takes_no_payload);
	tcase_add_test(m, migration_feature_offers_stop_copy_and_pre_copy);
	tcase_add_test(m, migration_states_follow_the_vfio_arcs);
	tcase_add_test(m, stopped_device_refuses_trapped_access_but_not_config);
	tcase_add_test(m, migration_data_only_in_its_states);
	tcase_add_test(m, stop_copy_data_is_the_snapshot_of_the_device);
	tcase_add_test(m, resume_restores_the_saved_state);
	tcase_add_test(m, corrupt_resume_data_leaves_the_device_untouched);
	tcase_add_test(m, resume_of_another_device_size_is_refused_untouched);
	tcase_add_test(m, oversized_resume_data_is_refused_while_written);
	tcase_add_test(m,
		       failed_restore_puts_the_device_back_and_stays_resuming);
	tcase_add_test(m,
		       restore_that_cannot_put_back_leaves_error_until_reset);
	tcase_add_test(m, disconnect_mid_migration_keeps_the_device);
	tcase_add_test(m, pre_copy_sends_only_changed_chunks);
	tcase_add_test(
		m,
		pre_copy_pass_ending_on_a_full_read_is_closed_by_an_empty_one);
	tcase_add_test(m, corrupt_pre_copy_stream_is_refused_untouched);
	suite_add_tcase(s, p);
	suite_add_tcase(s, m);
	tcase_add_test(ss, sessions_negotiate_independently);
	tcase_add_test(ss, second_session_cannot_move_a_migration_in_progress);
	tcase_add_test(ss, session_ending_mid_migration_resets_to_running);
	tcase_add_test(ss, reset_from_another_session_drops_the_migration);
	suite_add_tcase(s, ss);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
