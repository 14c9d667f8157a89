/*
 * Tests of the vfio-user client library (lib/vfu_client*.c) against the
 * server engine running in a thread of this process over a socketpair:
 * the access interface through the protocol (scripts and the chip driver
 * work unchanged), VRAM mapped from the server's fd, save and load through
 * migration, pre-copy with changes between passes, refused loads, a client
 * that disconnects mid-migration, and replies a client must not believe.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/vfu_server.h"
#include "lib/chip.h"
#include "lib/snapshot.h"
#include "lib/vfio_user.h"
#include "lib/vfu_client.h"
#include "lib/vfu_sock.h"

/* A model served by the engine on one end of a socketpair. */
struct served {
	struct hw *model;
	struct vfu_server *srv;
	pthread_t thread;
	int sock;
};

static void *serve(void *arg)
{
	struct served *s = arg;
	struct err e;

	while (vfu_server_serve_one(s->srv, s->sock, -1, &e) >= 0)
		;
	vfu_server_end_session(s->srv);
	close(s->sock);
	return NULL;
}

/* Connect a new client to s (whose model and server persist). */
static struct hw *connect_client(struct served *s)
{
	struct hw *c = NULL;
	struct err e = {{0}};
	int sv[2];

	ck_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	s->sock = sv[0];
	ck_assert(pthread_create(&s->thread, NULL, serve, s) == 0);
	ck_assert_msg(vfu_client_attach(sv[1], "test", &c, &e) == 0, "%s",
		      e.msg);
	return c;
}

/* Close the client and wait for the server to end its session. */
static void disconnect(struct served *s, struct hw *c)
{
	hw_destroy(c);
	pthread_join(s->thread, NULL);
}

static struct hw *start(struct served *s, unsigned vram_mb)
{
	struct err e = {{0}};

	s->model = th_model(vram_mb);
	ck_assert_msg(vfu_server_create(s->model, &s->srv, &e) == 0, "%s",
		      e.msg);
	return connect_client(s);
}

static void stop(struct served *s, struct hw *c)
{
	disconnect(s, c);
	vfu_server_destroy(s->srv);
	hw_destroy(s->model);
}

static void save_model(struct served *s, struct gs_state *st)
{
	th_save(s->model, st);
}

START_TEST(client_describes_the_regions)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct hw_region r;
	struct err e = {{0}};

	ck_assert(hw_region_info(c, 0, &r, &e) == 0);
	ck_assert_uint_eq(r.size, 16u << 20);
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT | HW_REGION_F_MEM |
					   HW_REGION_F_PREFETCH |
					   HW_REGION_F_MMAP);
	ck_assert_int_ge(r.fd, 0);
	ck_assert(hw_region_info(c, 2, &r, &e) == 0);
	ck_assert_uint_eq(r.size, 4096);
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT | HW_REGION_F_MEM);
	ck_assert(hw_region_info(c, HW_REGION_CONFIG, &r, &e) == 0);
	ck_assert_uint_eq(r.size, 256);
	ck_assert(hw_region_info(c, HW_REGION_ROM, &r, &e) == 0);
	ck_assert_uint_eq(r.flags, 0);
	ck_assert(hw_region_info(c, 8, &r, &e) == -EINVAL);
	ck_assert(vfu_client_is(c) && !vfu_client_is(s.model));
	stop(&s, c);
}
END_TEST

START_TEST(scripts_and_chip_driver_work_through_the_client)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct gs_state via, direct;

	th_run_file(c, "bochs-modeset.gs");
	th_run(c, "io.w8 0x3c8 9\nio.w8 0x3c9 0x11\nio.w8 0x3c9 0x22\n"
		  "io.w8 0x3c9 0x33\nio.w16 0x3d4 0x5a13\n");
	th_save(c, &via); /* trapped accesses and the mapped VRAM */
	save_model(&s, &direct);
	th_assert_states_equal(&direct, &via);
	gs_state_free(&via);
	gs_state_free(&direct);
	stop(&s, c);
}
END_TEST

START_TEST(client_access_errors_carry_the_server_errno)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct err e = {{0}};
	uint32_t v;

	ck_assert_int_eq(hw_cfg_read(c, 256, 1, &v, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "REGION_READ"), "%s", e.msg);
	ck_assert_int_eq(hw_port_read(c, 0x100, 1, &v, &e), -EINVAL);
	ck_assert_int_eq(hw_region_read(c, 2, 0, 3, &v, &e), -EINVAL);
	ck_assert_int_eq(hw_cfg_read(c, 0, 4, &v, &e), 0); /* still fine */
	ck_assert_uint_eq(v, 0x11111234);
	stop(&s, c);
}
END_TEST

/* Queued accesses (hw_queue): more than the in-flight window of them,
 * mixed with immediate ones, reach the device in program order, and a
 * read's value lands by the flush. */
START_TEST(queued_accesses_keep_program_order)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct hw_access w = {.space = HW_SPACE_PORT, .size = 1, .write = 1};
	struct hw_access r = {.space = HW_SPACE_PORT, .size = 1};
	struct err e = {{0}};
	uint32_t v, got[768], now;

	w.off = 0x3c8, v = 0;
	ck_assert_int_eq(hw_queue(c, &w, &v, &e), 0);
	w.off = 0x3c9;
	for (v = 0; v < 768; v++) /* byte writes: v & 0xff */
		ck_assert_int_eq(hw_queue(c, &w, &v, &e), 0);
	/* An immediate access in between sees every queued write. */
	ck_assert_int_eq(hw_port_read(c, 0x3c8, 1, &now, &e), 0);
	ck_assert_uint_eq(now, 0);
	w.off = 0x3c7, v = 0;
	ck_assert_int_eq(hw_queue(c, &w, &v, &e), 0);
	r.off = 0x3c9;
	for (unsigned i = 0; i < 768; i++)
		ck_assert_int_eq(hw_queue(c, &r, &got[i], &e), 0);
	ck_assert_msg(hw_flush(c, &e) == 0, "%s", e.msg);
	for (unsigned i = 0; i < 768; i++)
		ck_assert_uint_eq(got[i], i & 0xff);
	stop(&s, c);
}
END_TEST

/* A refused queued access fails the flush with its errno; the accesses
 * around it still happen, and the next flush is clean. */
START_TEST(queued_access_errors_come_at_the_flush)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct hw_access bad = {.space = HW_SPACE_CFG, .off = 256, .size = 1};
	struct hw_access id = {.space = HW_SPACE_CFG, .off = 0, .size = 4};
	struct err e = {{0}};
	uint32_t a = 0, b = 0, x = 0;

	ck_assert_int_eq(hw_queue(c, &id, &a, &e), 0);
	ck_assert_int_eq(hw_queue(c, &bad, &x, &e), 0);
	ck_assert_int_eq(hw_queue(c, &id, &b, &e), 0);
	ck_assert_int_eq(hw_flush(c, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "queued access to region 7 offset 0x100"),
		      "%s", e.msg);
	ck_assert_uint_eq(a, 0x11111234);
	ck_assert_uint_eq(b, 0x11111234);
	ck_assert_int_eq(hw_flush(c, &e), 0);
	/* An immediate access reports a queued error that was not flushed. */
	ck_assert_int_eq(hw_queue(c, &bad, &x, &e), 0);
	ck_assert_int_eq(hw_cfg_read(c, 0, 4, &a, &e), -EINVAL);
	ck_assert_int_eq(hw_cfg_read(c, 0, 4, &a, &e), 0);
	bad.size = 3; /* refused before anything is sent */
	ck_assert_int_eq(hw_queue(c, &bad, &x, &e), -EINVAL);
	stop(&s, c);
}
END_TEST

START_TEST(mapped_vram_is_the_device_vram)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct err e = {{0}};
	uint64_t n1, n2;
	uint8_t *mc = hw_region_map(c, 0, &n1, &e);
	uint8_t *mm = hw_region_map(s.model, 0, &n2, &e);

	ck_assert(mc && mm && n1 == n2);
	memset(mc + 0x10000, 0x5a, 4096);
	ck_assert(!memcmp(mc + 0x10000, mm + 0x10000, 4096));
	ck_assert_uint_eq(mm[0x10000 + 4095], 0x5a);
	hw_region_unmap(mc, n1);
	hw_region_unmap(mm, n2);
	stop(&s, c);
}
END_TEST

START_TEST(save_and_load_move_the_state_between_servers)
{
	struct served a, b;
	struct hw *ca = start(&a, 16), *cb = start(&b, 16);
	struct gs_state sa, sb, file;
	struct err e = {{0}};
	uint8_t *buf;
	size_t len;
	uint32_t st;

	th_run_file(ca, "bochs-modeset.gs");
	th_scribble(cb, 3);
	ck_assert_msg(vfu_client_save(ca, &buf, &len, &e) == 0, "%s", e.msg);
	ck_assert_msg(snap_decode(buf, len, &file, &e) == 0, "%s", e.msg);
	ck_assert_msg(vfu_client_load(cb, buf, len, &e) == 0, "%s", e.msg);
	ck_assert(vfu_client_mig_get(ca, &st, &e) == 0 &&
		  st == VFU_STATE_RUNNING);
	ck_assert(vfu_client_mig_get(cb, &st, &e) == 0 &&
		  st == VFU_STATE_RUNNING);
	save_model(&a, &sa);
	save_model(&b, &sb);
	th_assert_states_equal(&sa, &file);
	th_assert_states_equal(&sa, &sb);
	gs_state_free(&sa);
	gs_state_free(&sb);
	gs_state_free(&file);
	free(buf);
	stop(&a, ca);
	stop(&b, cb);
}
END_TEST

START_TEST(refused_load_leaves_the_device_running_and_untouched)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct gs_state before, after;
	struct err e = {{0}};
	uint8_t *buf;
	size_t len;
	uint32_t st;

	th_run_file(c, "bochs-modeset.gs");
	ck_assert(vfu_client_save(c, &buf, &len, &e) == 0);
	th_scribble(c, 8);
	save_model(&s, &before);
	buf[len - 7] ^= 1;
	ck_assert_int_eq(vfu_client_load(c, buf, len, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "refused"), "%s", e.msg);
	ck_assert(vfu_client_mig_get(c, &st, &e) == 0 &&
		  st == VFU_STATE_RUNNING);
	save_model(&s, &after);
	th_assert_states_equal(&before, &after);
	gs_state_free(&before);
	gs_state_free(&after);
	free(buf);
	stop(&s, c);
}
END_TEST

struct draw_ctx {
	struct hw *c;
	uint8_t *vram;
};

static int draw_between(void *ctx, unsigned pass, struct err *e)
{
	struct draw_ctx *d = ctx;
	char text[128];

	/* A small change per pass: VRAM bytes and a register. */
	memset(d->vram + 0x100000 + pass * 0x20000, (int)pass, 300);
	snprintf(text, sizeof(text), "bar2.w16 0x512 %u\n", pass);
	th_run(d->c, text);
	return 0;
}

START_TEST(pre_copy_save_carries_changes_made_between_passes)
{
	struct served a, b;
	struct hw *ca = start(&a, 16), *cb = start(&b, 16);
	struct vfu_precopy p = {.passes = 3, .between = draw_between};
	struct draw_ctx d = {.c = ca};
	struct gs_state sa, sb;
	struct err e = {{0}};
	uint64_t n;
	uint8_t *buf;
	size_t len;

	th_run_file(ca, "bochs-modeset.gs");
	d.vram = hw_region_map(ca, 0, &n, &e);
	ck_assert(d.vram);
	p.ctx = &d;
	ck_assert_msg(vfu_client_save_precopy(ca, &p, &buf, &len, &e) == 0,
		      "%s", e.msg);
	ck_assert_uint_gt(p.first_bytes, 10000);
	ck_assert_uint_lt(p.last_bytes, 2000); /* one changed chunk */
	ck_assert_uint_gt(p.last_bytes, 16);
	ck_assert_uint_lt(p.final_bytes, 4000); /* registers, END */
	ck_assert_uint_gt(len, p.first_bytes + p.last_bytes + p.final_bytes);
	ck_assert_msg(vfu_client_load(cb, buf, len, &e) == 0, "%s", e.msg);
	save_model(&a, &sa);
	save_model(&b, &sb);
	th_assert_states_equal(&sa, &sb);
	hw_region_unmap(d.vram, n);
	gs_state_free(&sa);
	gs_state_free(&sb);
	free(buf);
	stop(&a, ca);
	stop(&b, cb);
}
END_TEST

START_TEST(disconnect_mid_migration_leaves_a_healthy_device)
{
	struct served s;
	struct hw *c = start(&s, 16);
	struct gs_state before, after;
	struct mig_buf part = {0};
	struct err e = {{0}};
	uint32_t st;

	th_run_file(c, "bochs-modeset.gs");
	save_model(&s, &before);
	ck_assert(vfu_client_mig_set(c, VFU_STATE_STOP_COPY, &e) == 0);
	ck_assert_int_eq(vfu_client_mig_read(c, &part, 1000, &e), -EFBIG);
	disconnect(&s, c);
	c = connect_client(&s);
	ck_assert(vfu_client_mig_get(c, &st, &e) == 0 &&
		  st == VFU_STATE_RUNNING);
	save_model(&s, &after);
	th_assert_states_equal(&before, &after);
	th_run(c, "bar2.r16 0x502 1024\n");
	gs_state_free(&before);
	gs_state_free(&after);
	mig_buf_free(&part);
	stop(&s, c);
}
END_TEST

START_TEST(migration_calls_refuse_other_backends)
{
	struct hw *m = th_model(1);
	struct err e = {{0}};
	uint8_t *buf;
	size_t len;

	ck_assert_int_eq(vfu_client_save(m, &buf, &len, &e), -EINVAL);
	ck_assert_int_eq(vfu_client_load(m, (const uint8_t *)"x", 1, &e),
			 -EINVAL);
	hw_destroy(m);
}
END_TEST

/* A fake server that answers the first message with reply. */
struct fake {
	int sock;
	struct vfu_hdr reply;
	int use_request_id;
};

static void *fake_serve(void *arg)
{
	struct fake *f = arg;
	uint8_t buf[8192];
	struct vfu_sock_msg m = {.buf = buf, .cap = sizeof(buf)};
	struct vfu_hdr h;

	if (vfu_sock_recv(f->sock, &m, 5000, NULL) == 0) {
		memcpy(&h, buf, sizeof(h));
		if (f->use_request_id)
			f->reply.id = h.id;
		vfu_sock_send(f->sock, &f->reply, sizeof(f->reply), NULL, 0,
			      NULL);
	}
	close(f->sock);
	return NULL;
}

static int attach_to_fake(struct fake *f, struct err *e)
{
	struct hw *c = NULL;
	pthread_t t;
	int sv[2], rc;

	ck_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	f->sock = sv[0];
	ck_assert(pthread_create(&t, NULL, fake_serve, f) == 0);
	rc = vfu_client_attach(sv[1], "fake", &c, e);
	pthread_join(t, NULL);
	ck_assert(c == NULL);
	return rc;
}

START_TEST(client_does_not_believe_wrong_replies)
{
	struct fake f = {.reply = {.id = 999,
				   .cmd = VFU_CMD_VERSION,
				   .size = 16,
				   .flags = VFU_F_TYPE_REPLY}};
	struct err e = {{0}};

	ck_assert_int_eq(attach_to_fake(&f, &e), -EPROTO); /* wrong id */
	f.use_request_id = 1;
	f.reply.cmd = VFU_CMD_DEVICE_RESET;
	ck_assert_int_eq(attach_to_fake(&f, &e), -EPROTO); /* wrong cmd */
	f.reply.cmd = VFU_CMD_VERSION;
	f.reply.flags = VFU_F_TYPE_COMMAND;
	ck_assert_int_eq(attach_to_fake(&f, &e), -EPROTO); /* not a reply */
	f.reply.flags = VFU_F_TYPE_REPLY | VFU_F_ERROR;
	f.reply.error = EPERM;
	ck_assert_int_eq(attach_to_fake(&f, &e), -EPERM);
	ck_assert_msg(strstr(e.msg, "VERSION"), "%s", e.msg);
	f.reply.flags = VFU_F_TYPE_REPLY;
	f.reply.error = 0;
	ck_assert_int_eq(attach_to_fake(&f, &e), -EPROTO); /* no payload */
	f.reply.size = 8;
	ck_assert_int_eq(attach_to_fake(&f, &e), -EPROTO); /* bad size */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vfu_client");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, client_describes_the_regions);
	tcase_add_test(tc, scripts_and_chip_driver_work_through_the_client);
	tcase_add_test(tc, client_access_errors_carry_the_server_errno);
	tcase_add_test(tc, queued_accesses_keep_program_order);
	tcase_add_test(tc, queued_access_errors_come_at_the_flush);
	tcase_add_test(tc, mapped_vram_is_the_device_vram);
	tcase_add_test(tc, save_and_load_move_the_state_between_servers);
	tcase_add_test(tc,
		       refused_load_leaves_the_device_running_and_untouched);
	tcase_add_test(tc, pre_copy_save_carries_changes_made_between_passes);
	tcase_add_test(tc, disconnect_mid_migration_leaves_a_healthy_device);
	tcase_add_test(tc, migration_calls_refuse_other_backends);
	tcase_add_test(tc, client_does_not_believe_wrong_replies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
