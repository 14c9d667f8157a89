/*
 * Tests of vfio-user message framing over a socketpair (lib/vfu_sock.c):
 * whole messages with their fds, sizes checked against the receiver's
 * buffer, extra fds dropped and reported, a peer that closes or stalls.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "lib/vfio_user.h"
#include "lib/vfu_sock.h"

static int sv[2];
static uint8_t rbuf[4096];
static struct vfu_sock_msg m;

static void setup(void)
{
	ck_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	m = (struct vfu_sock_msg){.buf = rbuf, .cap = sizeof(rbuf)};
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

/* A message whose header says size; len bytes of it are filled. */
static size_t make(uint8_t *buf, uint32_t size, size_t len)
{
	struct vfu_hdr h = {.id = 7, .cmd = 1, .size = size};

	memset(buf, 0xab, len);
	memcpy(buf, &h, sizeof(h));
	return len;
}

START_TEST(message_and_fds_arrive_whole)
{
	uint8_t msg[1000];
	int fds[2] = {eventfd(0, 0), eventfd(0, 0)};
	uint64_t one = 1, got = 0;

	ck_assert(vfu_sock_send(sv[0], msg, make(msg, 1000, 1000), fds, 2,
				NULL) == 0);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 1000, NULL), 0);
	ck_assert_uint_eq(m.len, 1000);
	ck_assert(!memcmp(m.buf, msg, 1000));
	ck_assert_uint_eq(m.nfds, 2);
	ck_assert(!m.fds_truncated);
	/* The fds are the same eventfds, and close-on-exec. */
	ck_assert(write(fds[1], &one, 8) == 8);
	ck_assert(read(m.fds[1], &got, 8) == 8 && got == 1);
	ck_assert(fcntl(m.fds[0], F_GETFD) & FD_CLOEXEC);
	vfu_sock_close_fds(&m);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(sizes_outside_the_buffer_are_refused)
{
	uint8_t msg[16];

	make(msg, 15, 16);
	ck_assert(vfu_sock_send(sv[0], msg, 16, NULL, 0, NULL) == 0);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 1000, NULL), -EPROTO);
	make(msg, sizeof(rbuf) + 1, 16);
	ck_assert(vfu_sock_send(sv[0], msg, 16, NULL, 0, NULL) == 0);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 1000, NULL), -EPROTO);
}
END_TEST

START_TEST(more_fds_than_room_are_closed_and_reported)
{
	uint8_t msg[16];
	int fds[VFU_SOCK_FDS], extra = eventfd(0, 0), n = VFU_SOCK_FDS;

	for (int i = 0; i < n; i++)
		fds[i] = eventfd(0, 0);
	ck_assert(vfu_sock_send(sv[0], msg, make(msg, 16, 16), fds,
				VFU_SOCK_FDS, NULL) == 0);
	/* A second block of fds in the same message cannot fit. */
	ck_assert(vfu_sock_send(sv[0], msg, make(msg, 16, 16), &extra, 1,
				NULL) == 0);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 1000, NULL), 0);
	ck_assert_uint_eq(m.nfds, VFU_SOCK_FDS);
	vfu_sock_close_fds(&m);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 1000, NULL), 0);
	ck_assert_uint_eq(m.nfds, 1);
	vfu_sock_close_fds(&m);
	ck_assert_int_eq(
		vfu_sock_send(sv[0], msg, 16, fds, VFU_SOCK_FDS + 1, NULL),
		-EINVAL);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(extra);
}
END_TEST

START_TEST(closed_or_silent_peers_are_reported)
{
	uint8_t msg[64];

	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 50, NULL), -ETIMEDOUT);
	make(msg, 64, 64);
	ck_assert(write(sv[0], msg, 40) == 40); /* then nothing more */
	shutdown(sv[0], SHUT_WR);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 50, NULL), -EPROTO);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 50, NULL), -ECONNRESET);
	close(sv[1]);
	sv[1] = dup(sv[0]);
	ck_assert_int_lt(vfu_sock_send(sv[0], msg, 64, NULL, 0, NULL), 0);
}
END_TEST

START_TEST(byte_by_byte_arrival_makes_one_message)
{
	uint8_t msg[40];

	/* Few bytes: each write is an skb that counts against the buffer. */
	make(msg, 40, 40);
	for (int i = 0; i < 40; i++)
		if (write(sv[0], msg + i, 1) != 1)
			ck_abort_msg("write %d", i);
	ck_assert_int_eq(vfu_sock_recv(sv[1], &m, 100, NULL), 0);
	ck_assert_uint_eq(m.len, 40);
	ck_assert(!memcmp(m.buf, msg, 40));
}
END_TEST

/* A peer that never reads cannot hold the sender past the message deadline
 * (a blocking sendmsg of 1 MiB used to wait forever). */
START_TEST(peer_that_never_reads_times_out)
{
	static uint8_t big[1 << 20];
	struct err e = {{0}};

	ck_assert_int_eq(vfu_sock_send(sv[0], big,
				       make(big, sizeof(big), sizeof(big)),
				       NULL, 0, &e),
			 -ETIMEDOUT);
	ck_assert_msg(strstr(e.msg, "did not receive"), "message: %s", e.msg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vfu_sock");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, message_and_fds_arrive_whole);
	tcase_add_test(tc, sizes_outside_the_buffer_are_refused);
	tcase_add_test(tc, more_fds_than_room_are_closed_and_reported);
	tcase_add_test(tc, closed_or_silent_peers_are_reported);
	tcase_add_test(tc, byte_by_byte_arrival_makes_one_message);
	tcase_add_test(tc, peer_that_never_reads_times_out);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
