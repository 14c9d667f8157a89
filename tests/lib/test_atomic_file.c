/* Atomic file replacement and bounded whole-file reads. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "lib/atomic_file.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/th-atomicXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int count_entries(void)
{
	char cmd[96];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	p = popen(cmd, "r");
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

START_TEST(write_then_read_back)
{
	char path[96];
	unsigned char *buf;
	size_t len;
	struct err e;

	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(atomic_write_file(path, "hello", 5, &e), 0);
	ck_assert_int_eq(read_whole_file(path, 100, &buf, &len, &e), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	free(buf);
	ck_assert_int_eq(count_entries(), 1);
}
END_TEST

START_TEST(replace_keeps_one_file_and_mode)
{
	char path[96];
	struct stat sb;
	struct err e;

	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(atomic_write_file(path, "one", 3, &e), 0);
	ck_assert_int_eq(atomic_write_file(path, "second", 6, &e), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 6);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	ck_assert_int_eq(count_entries(), 1);
}
END_TEST

START_TEST(failed_write_names_path_and_leaves_nothing)
{
	char path[96];
	struct err e = {{0}};

	snprintf(path, sizeof(path), "%s/missing/f", dir);
	ck_assert_int_eq(atomic_write_file(path, "x", 1, &e), -ENOENT);
	ck_assert_msg(strstr(e.msg, path), "message: %s", e.msg);
	ck_assert_int_eq(count_entries(), 0);
}
END_TEST

START_TEST(failed_rename_leaves_target_and_no_temp)
{
	char path[96];
	struct err e = {{0}};

	/* A directory in the way makes rename fail after the temp is written.
	 */
	snprintf(path, sizeof(path), "%s/d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_lt(atomic_write_file(path, "x", 1, &e), 0);
	ck_assert_int_eq(count_entries(), 1);
}
END_TEST

START_TEST(read_refuses_oversized_and_special_files)
{
	char path[96];
	unsigned char *buf;
	size_t len;
	struct err e = {{0}};

	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(atomic_write_file(path, "0123456789", 10, &e), 0);
	ck_assert_int_eq(read_whole_file(path, 9, &buf, &len, &e), -EFBIG);
	ck_assert_int_eq(read_whole_file(dir, 100, &buf, &len, &e), -EINVAL);
	ck_assert_int_eq(read_whole_file("/dev/null", 100, &buf, &len, &e),
			 -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("atomic_file");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_then_read_back);
	tcase_add_test(tc, replace_keeps_one_file_and_mode);
	tcase_add_test(tc, failed_write_names_path_and_leaves_nothing);
	tcase_add_test(tc, failed_rename_leaves_target_and_no_temp);
	tcase_add_test(tc, read_refuses_oversized_and_special_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
