/* Access-interface helpers (dev/hw.c) and device names (dev/backend.c). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/backend.h"

START_TEST(map_refuses_unmappable_and_missing_regions)
{
	struct hw *hw = th_model(1);
	struct err e = {{0}};
	uint64_t size;

	ck_assert_ptr_null(hw_region_map(hw, HW_REGION_BAR2, &size, &e));
	ck_assert_msg(strstr(e.msg, "not mappable"), "message: %s", e.msg);
	ck_assert_ptr_null(hw_region_map(hw, 4, &size, &e));
	hw_destroy(hw);
}
END_TEST

START_TEST(map_gives_vram_shared_with_device)
{
	struct hw *hw = th_model(2);
	struct err e = {{0}};
	uint64_t size;
	uint32_t v = 0;
	uint8_t *p = hw_region_map(hw, HW_REGION_BAR0, &size, &e);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(size, 2u << 20);
	p[size - 4] = 0x5a;
	th_run(hw, "cfg.w16 4 2\n");
	ck_assert_int_eq(
		hw_region_read(hw, HW_REGION_BAR0, size - 4, 1, &v, &e), 0);
	ck_assert_uint_eq(v, 0x5a);
	hw_region_unmap(p, size);
	hw_destroy(hw);
}
END_TEST

/* The VRAM fd goes to other processes (vfio-user clients): none of them may
 * resize it under the model's own mapping (that would be SIGBUS in gpud). */
START_TEST(vram_fd_is_sealed_against_resizing)
{
	struct hw *hw = th_model(1);
	struct hw_region r;
	struct err e = {{0}};
	uint32_t v = 0;

	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	ck_assert_int_eq(ftruncate(r.fd, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(ftruncate(r.fd, 2 << 20), -1);
	ck_assert_int_eq(errno, EPERM);
	th_run(hw, "cfg.w16 4 2\nvram.fill 0xffffc 4 0x11223344\n");
	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR0, 0xffffc, 4, &v, &e),
			 0);
	ck_assert_uint_eq(v, 0x11223344);
	hw_destroy(hw);
}
END_TEST

/* A region larger than the file behind its fd is refused, not mapped. */
START_TEST(map_refuses_region_larger_than_its_file)
{
	struct hw *hw = th_model(1);
	struct hw_region r;
	struct err e = {{0}};
	uint64_t size;
	char path[] = "/tmp/th-shortXXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, 4096), 0);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	r.fd = fd;
	ck_assert_ptr_null(hw_region_map_info(&r, 0, &size, &e));
	ck_assert_msg(strstr(e.msg, "file holds 4096"), "message: %s", e.msg);
	close(fd);
	hw_destroy(hw);
}
END_TEST

static const struct {
	const char *spec, *msg;
} bad_specs[] = {
	{"pcx:0000:00:02.0", "unknown device"}, {"simx", "unknown device"},
	{"sim:vram=", "VRAM must be"},		{"sim:vram=0", "VRAM must be"},
	{"sim:vram=513", "VRAM must be"},	{"sim:vram=8x", "VRAM must be"},
	{"sim:size=8", "only option"},		{"", "unknown device"},
};

/* A backend without pipelining does queued accesses at once. */
START_TEST(queue_without_pipelining_is_immediate)
{
	struct hw *m = th_model(4);
	struct hw_access a = {
		.space = HW_SPACE_PORT, .off = 0x3c4, .size = 1, .write = 1};
	struct err e = {{0}};
	uint32_t v = 2, got = 0;

	ck_assert_int_eq(hw_queue(m, &a, &v, &e), 0);
	a.write = 0;
	ck_assert_int_eq(hw_queue(m, &a, &got, &e), 0);
	ck_assert_uint_eq(got, 2); /* before any flush */
	a = (struct hw_access){
		.space = HW_SPACE_CFG, .off = 4, .size = 2, .write = 1};
	ck_assert_int_eq(hw_queue(m, &a, &v, &e), 0); /* memory decode on */
	a = (struct hw_access){
		.space = HW_SPACE_REGION, .region = 2, .off = 0x500, .size = 2};
	ck_assert_int_eq(hw_queue(m, &a, &got, &e), 0);
	ck_assert_uint_eq(got, 0xb0c5); /* DISPI ID through BAR2 */
	a.space = HW_SPACE_CFG, a.off = 256, a.size = 1;
	ck_assert_int_eq(hw_queue(m, &a, &got, &e), -EINVAL);
	a.space = (enum hw_space)7;
	ck_assert_int_eq(hw_queue(m, &a, &got, &e), -EINVAL);
	ck_assert_int_eq(hw_flush(m, &e), 0);
	hw_destroy(m);
}
END_TEST

START_TEST(backend_rejects_bad_names)
{
	struct hw *hw = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(backend_open(bad_specs[_i].spec, &hw, &e), -EINVAL);
	ck_assert_ptr_null(hw);
	ck_assert_msg(strstr(e.msg, bad_specs[_i].msg), "'%s': %s",
		      bad_specs[_i].spec, e.msg);
}
END_TEST

START_TEST(backend_opens_sim_with_vram_size)
{
	struct hw_region r;
	struct hw *hw = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(backend_open("sim:vram=3", &hw, &e), 0);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	ck_assert_uint_eq(r.size, 4u << 20); /* rounded up to a power of two */
	hw_destroy(hw);
	ck_assert_int_eq(backend_open("sim", &hw, &e), 0);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	ck_assert_uint_eq(r.size, 16u << 20);
	hw_destroy(hw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("hw");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, map_refuses_unmappable_and_missing_regions);
	tcase_add_test(tc, map_gives_vram_shared_with_device);
	tcase_add_test(tc, vram_fd_is_sealed_against_resizing);
	tcase_add_test(tc, map_refuses_region_larger_than_its_file);
	tcase_add_loop_test(tc, backend_rejects_bad_names, 0,
			    sizeof(bad_specs) / sizeof(bad_specs[0]));
	tcase_add_test(tc, backend_opens_sim_with_vram_size);
	tcase_add_test(tc, queue_without_pipelining_is_immediate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
