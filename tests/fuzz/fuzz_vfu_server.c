/*
 * libFuzzer target for the vfio-user message engine (dev/vfu_server.c,
 * dev/vfu_mig.c) on a 1 MiB stdvga model. An input is a sequence of
 * frames: one control byte (bits 0-1: fds to pass, from 0 to 3 eventfds;
 * bit 2: say more fds were sent than arrived; bit 3: end the session
 * first, as a disconnect; bit 4: the message comes from a second client,
 * another session on the same device), then a message whose length is
 * its header's size field (or the rest of the input when that does not
 * fit, which the engine must reject). Every reply must be well formed,
 * every fd handed in must be closed by the engine, and nothing may crash
 * or leak.
 *
 * With FUZZ_SEED_DIR=DIR set, LLVMFuzzerInitialize writes seed inputs
 * there: negotiation and every query, register traffic, DMA and IRQ
 * commands, whole migrations (stop-and-copy, pre-copy, resuming), and two
 * clients contending for one migration.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev/stdvga.h"
#include "dev/vfu_server.h"
#include "lib/mig_stream.h"
#include "lib/vfio_user.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hw *hw;
static struct vfu_server *srv;
static struct vfu_session *other; /* the second client (control bit 4) */
static uint8_t *vram;
static uint64_t vram_size;

static void check_reply(const struct vfu_reply *r)
{
	struct vfu_hdr h;

	if (r->nfds > 1)
		abort();
	if (!r->len)
		return;
	if (r->len < sizeof(h) || r->len > VFU_MAX_MSG)
		abort();
	memcpy(&h, r->buf, sizeof(h));
	if (h.size != r->len ||
	    (h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_REPLY ||
	    !!(h.flags & VFU_F_ERROR) != !!r->errno_ ||
	    (r->errno_ && r->len != sizeof(h)))
		abort();
}

/* The client of session (0: the server's own, else the second) leaves. */
static void end_session(int second)
{
	struct err e;

	if (!second) {
		vfu_server_end_session(srv);
		return;
	}
	vfu_session_destroy(other);
	if (vfu_session_create(srv, &other, &e))
		abort();
}

static int handle(int second, const uint8_t *msg, size_t len, const int *fds,
		  unsigned nfds, int truncated, struct vfu_reply *r)
{
	struct err e;

	if (second)
		return vfu_session_handle(other, msg, len, fds, nfds, truncated,
					  r, &e);
	return vfu_server_handle(srv, msg, len, fds, nfds, truncated, r, &e);
}

/* One frame at data; returns the bytes it took. */
static size_t frame(const uint8_t *data, size_t size)
{
	unsigned nfds = data[0] & 3;
	int second = data[0] & 16;
	int fds[3];
	size_t len = size - 1;
	struct vfu_reply r;
	struct vfu_hdr h;

	if (data[0] & 8)
		end_session(second);
	if (len >= sizeof(h)) {
		memcpy(&h, data + 1, sizeof(h));
		if (h.size >= sizeof(h) && h.size <= len)
			len = h.size;
	}
	for (unsigned i = 0; i < nfds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	if (handle(second, data + 1, len, fds, nfds, data[0] & 4, &r) < 0)
		end_session(second);
	else
		check_reply(&r);
	/* An owner is never held; RUNNING has no owner. */
	if (vfu_session_owns_mig(other) &&
	    (vfu_session_held(other) ||
	     vfu_server_mig_state(srv) == VFU_STATE_RUNNING))
		abort();
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0 && fcntl(fds[i], F_GETFD) != -1)
			abort(); /* the engine must close what it gets */
	return 1 + len;
}

static void setup(void)
{
	struct stdvga_config cfg = {.vram_mb = 1};
	struct err e;

	if (stdvga_create(&cfg, &hw, &e) || vfu_server_create(hw, &srv, &e) ||
	    vfu_session_create(srv, &other, &e))
		abort();
	vram = hw_region_map(hw, HW_REGION_BAR0, &vram_size, &e);
	if (!vram)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;

	/* Each input starts from the same device: no session, power-on
	 * registers, zero VRAM. */
	end_session(1);
	end_session(0);
	hw_reset(hw, &e);
	memset(vram, 0, vram_size);
	while (size) {
		size_t n = frame(data, size);

		data += n;
		size -= n;
	}
	return 0;
}

/* ---- Seeds ---- */

struct seed {
	uint8_t *p;
	size_t len, cap;
	uint16_t id;
};

static void put(struct seed *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
}

/* Append a frame; also run it on the server so later seeds can use the
 * state (migration data) it produces. *r gets the reply. */
static void cmd(struct seed *s, uint8_t ctl, uint16_t c, const void *a,
		size_t alen, const void *b, size_t blen, struct vfu_reply *r)
{
	struct vfu_hdr h = {.id = ++s->id,
			    .cmd = c,
			    .size = (uint32_t)(sizeof(h) + alen + blen)};
	size_t start = s->len;
	struct vfu_reply dummy;

	if (ctl & 8)
		end_session(ctl & 16);
	put(s, &ctl, 1);
	put(s, &h, sizeof(h));
	if (alen)
		put(s, a, alen);
	if (blen)
		put(s, b, blen);
	handle(ctl & 16, s->p + start + 1, h.size, NULL, 0, 0, r ? r : &dummy);
}

/* Negotiate on a fresh session: ctl 0 the own one, 16 the second. */
static void version_on(struct seed *s, uint8_t ctl)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":8,"
				   "\"max_data_xfer_size\":1048576,"
				   "\"migration\":{\"pgsize\":4096}}}";
	struct vfu_version v = {0, 0};

	cmd(s, ctl | 8, VFU_CMD_VERSION, &v, sizeof(v), caps, sizeof(caps),
	    NULL);
}

static void version(struct seed *s)
{
	version_on(s, 0);
}

static void rw(struct seed *s, int write, uint32_t region, uint64_t off,
	       uint32_t count, uint32_t val)
{
	struct vfu_region_rw q = {off, region, count};

	cmd(s, 0, write ? VFU_CMD_REGION_WRITE : VFU_CMD_REGION_READ, &q,
	    sizeof(q), &val, write ? count : 0, NULL);
}

static void set_state_on(struct seed *s, uint8_t ctl, uint32_t st)
{
	struct {
		struct vfu_feature f;
		struct vfu_mig_state m;
	} q = {{16, VFU_FEATURE_SET | VFU_FEATURE_MIG_DEVICE_STATE}, {st, -1}};

	cmd(s, ctl, VFU_CMD_DEVICE_FEATURE, &q, sizeof(q), NULL, 0, NULL);
}

static void set_state(struct seed *s, uint32_t st)
{
	set_state_on(s, 0, st);
}

/* Read migration data until a short read; collect it in out. */
static void read_data(struct seed *s, struct mig_buf *out)
{
	for (;;) {
		struct vfu_mig_data d = {8 + 65536, 65536}, got;
		struct vfu_reply r;

		cmd(s, 0, VFU_CMD_MIG_DATA_READ, &d, sizeof(d), NULL, 0, &r);
		if (r.errno_ || r.len < 24)
			return;
		memcpy(&got, r.buf + 16, sizeof(got));
		if (out && !mig_buf_reserve(out, got.size, NULL)) {
			memcpy(out->p + out->len, r.buf + 24, got.size);
			out->len += got.size;
		}
		if (got.size < 65536)
			return;
	}
}

static void write_data(struct seed *s, const struct mig_buf *in)
{
	for (size_t off = 0; off < in->len; off += 65536) {
		size_t n = in->len - off < 65536 ? in->len - off : 65536;
		struct vfu_mig_data d = {8, (uint32_t)n};

		cmd(s, 0, VFU_CMD_MIG_DATA_WRITE, &d, sizeof(d), in->p + off, n,
		    NULL);
	}
}

static void seed_queries(struct seed *s)
{
	struct vfu_device_info di = {.argsz = 16};

	version(s);
	cmd(s, 0, VFU_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, NULL);
	for (uint32_t i = 0; i < 9; i++) {
		struct vfu_region_info ri = {.argsz = 64, .index = i};

		cmd(s, 0, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL,
		    0, NULL);
	}
	for (uint32_t i = 0; i < 5; i++) {
		struct vfu_irq_info ii = {16, 0, i, 0};

		cmd(s, 0, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
		    NULL);
	}
}

static void seed_registers(struct seed *s)
{
	version(s);
	rw(s, 1, VFU_PCI_CONFIG, 4, 2, 3);
	rw(s, 0, VFU_PCI_CONFIG, 0, 4, 0);
	rw(s, 0, 2, 0x500, 2, 0);
	rw(s, 1, 2, 0x502, 2, 800);
	rw(s, 1, VFU_PCI_VGA, 0x1ce, 2, 4);
	rw(s, 1, VFU_PCI_VGA, 0x1cf, 2, 0x41);
	rw(s, 1, VFU_PCI_VGA, 0x3c8, 1, 7);
	rw(s, 1, VFU_PCI_VGA, 0x3c9, 1, 0x3f);
	rw(s, 0, VFU_PCI_VGA, 0x3da, 1, 0);
	rw(s, 1, VFU_PCI_BAR0, 0x100, 4, 0x12345678);
	rw(s, 0, VFU_PCI_BAR0, 0xfe, 4, 0);
	cmd(s, 0, VFU_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL);
}

static void seed_dma_irq(struct seed *s)
{
	struct vfu_dma_map m = {32, 3, 0, 0x100000, 0x10000};
	struct vfu_dma_unmap u = {24, 0, 0x100000, 0x10000};
	struct vfu_irq_set is = {.argsz = 20,
				 .flags = VFU_IRQ_SET_DATA_NONE |
					  VFU_IRQ_SET_ACTION_TRIGGER};

	version(s);
	cmd(s, 1, VFU_CMD_DMA_MAP, &m, sizeof(m), NULL, 0, NULL);
	cmd(s, 0, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, NULL);
	cmd(s, 0, VFU_CMD_DMA_MAP, &m, sizeof(m), NULL, 0, NULL);
	u.flags = VFU_DMA_UNMAP_ALL;
	u.addr = u.size = 0;
	cmd(s, 0, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, NULL);
	cmd(s, 0, VFU_CMD_DEVICE_SET_IRQS, &is, sizeof(is), NULL, 0, NULL);
}

/* A whole stop-and-copy save, then its data loaded back. */
static void seed_migration(struct seed *s, int precopy)
{
	struct mig_buf data = {0};
	struct vfu_feature f = {16, VFU_FEATURE_GET | VFU_FEATURE_MIGRATION};

	version(s);
	rw(s, 1, 2, 0x502, 2, 640);
	rw(s, 1, VFU_PCI_BAR0, 0x1000, 4, 0xabcdef);
	cmd(s, 0, VFU_CMD_DEVICE_FEATURE, &f, sizeof(f), NULL, 0, NULL);
	set_state(s, precopy ? VFU_STATE_PRE_COPY : VFU_STATE_STOP_COPY);
	read_data(s, &data);
	if (precopy) {
		rw(s, 1, VFU_PCI_BAR0, 0x2000, 4, 0x55);
		read_data(s, &data);
		set_state(s, VFU_STATE_STOP_COPY);
		read_data(s, &data);
	}
	set_state(s, VFU_STATE_RESUMING);
	write_data(s, &data);
	set_state(s, VFU_STATE_RUNNING);
	mig_buf_free(&data);
}

/* Two clients: the second reads the state, is refused the migration and
 * its data, then resets the device, dropping the first one's. */
static void seed_two_clients(struct seed *s)
{
	struct vfu_feature f = {16,
				VFU_FEATURE_GET | VFU_FEATURE_MIG_DEVICE_STATE};
	struct vfu_mig_data d = {8 + 4096, 4096};
	struct vfu_region_rw q = {0x500, 2, 2};

	version_on(s, 0);
	version_on(s, 16);
	rw(s, 1, 2, 0x502, 2, 640);
	set_state(s, VFU_STATE_PRE_COPY);
	cmd(s, 0, VFU_CMD_MIG_DATA_READ, &d, sizeof(d), NULL, 0, NULL);
	cmd(s, 16, VFU_CMD_DEVICE_FEATURE, &f, sizeof(f), NULL, 0, NULL);
	set_state_on(s, 16, VFU_STATE_STOP_COPY);
	cmd(s, 16, VFU_CMD_MIG_DATA_READ, &d, sizeof(d), NULL, 0, NULL);
	set_state(s, VFU_STATE_STOP_COPY);
	cmd(s, 16, VFU_CMD_REGION_READ, &q, sizeof(q), NULL, 0, NULL);
	cmd(s, 16, VFU_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL);
	set_state(s, VFU_STATE_STOP_COPY);
	set_state(s, VFU_STATE_RUNNING);
	set_state_on(s, 16, VFU_STATE_RESUMING);
	cmd(s, 24, VFU_CMD_DEVICE_GET_INFO, NULL, 0, NULL, 0, NULL);
}

static void write_seed(const char *dir, const char *name, struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(s->p, 1, s->len, f);
		fclose(f);
	}
	free(s->p);
	*s = (struct seed){0};
}

static void write_seeds(const char *dir)
{
	struct seed s = {0};

	seed_queries(&s);
	write_seed(dir, "queries", &s);
	seed_registers(&s);
	write_seed(dir, "registers", &s);
	seed_dma_irq(&s);
	write_seed(dir, "dma-irq", &s);
	seed_migration(&s, 0);
	write_seed(dir, "stop-copy", &s);
	seed_migration(&s, 1);
	write_seed(dir, "pre-copy", &s);
	seed_two_clients(&s);
	write_seed(dir, "two-clients", &s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_SEED_DIR");

	(void)argc;
	(void)argv;
	setup();
	if (dir && *dir)
		write_seeds(dir);
	return 0;
}
