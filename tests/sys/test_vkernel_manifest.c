/*
 * Tests of sys/vkernel_manifest.c (compiled into this test): a checkpoint
 * manifest written and read back (version 2, XXH3-128 per file, the hashes
 * xxhsum -H2 prints), a version 1 manifest (SHA-256 per file, as sha256sum
 * prints them; the previous launcher's) still read and verified, damage
 * refused in both (a flipped byte in a mapped and in a read file,
 * truncation, a stray, missing, linked or special file, another kernel or
 * stub, a file shrinking while it is hashed), the mapping windows and
 * progress of a 130 MiB file, and malformed file lines and versions.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/vkernel_hash.c"
#include "sys/vkernel_manifest.c"

/* vk_store_dir's, from vkernel_paths.c: not tested here. */
int vk_paths_absolute(const char *path, char *out, struct err *e)
{
	snprintf(out, PATH_MAX, "%s", path);
	return 0;
}

/* Known answers (xxhsum -H2, sha256sum) for the files make_ck() writes. */
#define A_SIZE (3 * 1048576 + 123) /* mapped: over MAP_MIN */
#define A_XXH  "f24e6571f92eb215c9f6bee94f0d0428"
#define A_SHA  "b214a458147110eaf8cf715c93899ec7e13a1abc7c03738f3f7a9d084b6564fe"
#define B_XXH  "f36cb9deb437e3e688f9917d3ac12d5c"
#define B_SHA  "eb71b80566f1f7e37b1134eb2dfe3b1ac4e8c9585834fdfa7041858ed5796d01"
#define E_XXH  "99aa06d3014798d86001c324468d497f" /* empty */
#define Z_XXH  "90ead4dbcb91e44d57e2187a4ac587e7" /* 130 MiB of zeros */

static char T[64], CK[96], path_buf[256];
static struct err e;

static const char *P(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", CK, name);
	return path_buf;
}

/* size pseudo-random bytes into path: byte 3 of each state of xorshift64
 * from seed * 0x9E3779B97F4A7C15. */
static void write_file(const char *path, size_t size, unsigned seed)
{
	uint64_t x = 0x9E3779B97F4A7C15ull * seed;
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		fputc((int)(x >> 24 & 0xff), f);
	}
	ck_assert_int_eq(fclose(f), 0);
}

static void flip(const char *path, off_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static void setup(void)
{
	char k[128];

	snprintf(T, sizeof(T), "/tmp/test_vkmanifest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(T));
	snprintf(CK, sizeof(CK), "%s/ck", T);
	ck_assert_int_eq(mkdir(CK, 0700), 0);
	write_file(P("a.img"), A_SIZE, 1);
	write_file(P("b.img"), 1000, 2);
	write_file(P("empty.img"), 0, 1);
	snprintf(k, sizeof(k), "%s/kernel", T);
	write_file(k, 5000, 3);
	snprintf(k, sizeof(k), "%s/kernel.stub", T);
	write_file(k, 100, 4);
	e = (struct err){{0}};
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", T);
}

/* The fields restore needs, kernel and stub hashed. */
static void fill(struct vk_manifest *m)
{
	*m = (struct vk_manifest){.created = 1700000000, .mem_mb = 256};
	strcpy(m->name, "t");
	strcpy(m->criu_version, "4.2");
	strcpy(m->run_dir, "/tmp/run");
	snprintf(m->kernel, sizeof(m->kernel), "%s/kernel", T);
	snprintf(m->stub, sizeof(m->stub), "%s/kernel.stub", T);
	strcpy(m->root, "/");
	strcpy(m->gpu, "sim");
	m->uml_pid = 1234;
	m->gpu_id = 0x12341111;
	m->vram = 16 << 20;
	ck_assert_int_eq(
		vk_sha256_file(m->kernel, m->kernel_sha, NULL, NULL, &e), 0);
	ck_assert_int_eq(vk_sha256_file(m->stub, m->stub_sha, NULL, NULL, &e),
			 0);
}

static void write_ok(void)
{
	struct vk_manifest m;

	fill(&m);
	ck_assert_msg(vk_manifest_write(&m, CK, NULL, &e) == 0, "%s", e.msg);
	vk_manifest_free(&m);
}

/* Read and verify; 0 or the error (its message in e). */
static int check_ck(vk_progress_fn progress)
{
	struct vk_manifest m;
	int rc = vk_manifest_read(&m, CK, &e);

	if (rc == 0)
		rc = vk_manifest_verify(&m, CK, progress, &e);
	vk_manifest_free(&m);
	return rc;
}

static void refused(const char *why)
{
	ck_assert_int_lt(check_ck(NULL), 0);
	ck_assert_msg(strstr(e.msg, why), "'%s' lacks '%s'", e.msg, why);
}

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void put_manifest(const char *text)
{
	FILE *f = fopen(P("manifest"), "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The written manifest rewritten as the previous launcher wrote it:
 * "vkernel-checkpoint 1", "file=NAME SIZE SHA256" (hashed here). */
static void to_version_1(void)
{
	char *text = strdup(slurp(P("manifest"))), *line, *save, *out, *o;
	char name[64], sha[65];
	unsigned long long size;

	ck_assert_ptr_nonnull(text);
	o = out = calloc(1, strlen(text) + 4096);
	ck_assert(!strncmp(text, "vkernel-checkpoint 2\n", 21));
	o += sprintf(o, "vkernel-checkpoint 1\n");
	for (line = strtok_r(text + 21, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "file=%63s", name) != 1) {
			o += sprintf(o, "%s\n", line);
			continue;
		}
		ck_assert_int_eq(vk_sha256_file(P(name), sha, &size, NULL, &e),
				 0);
		o += sprintf(o, "file=%s %llu %s\n", name, size, sha);
	}
	put_manifest(out);
	free(text);
	free(out);
}

/* The manifest write_ok() writes, its file lines replaced by lines. */
static void with_lines(int version, const char *lines)
{
	char *text = slurp(P("manifest")), *f = strstr(text, "\nfile=");
	char out[1 << 16];

	ck_assert_ptr_nonnull(f);
	f[1] = 0;
	snprintf(out, sizeof(out), "vkernel-checkpoint %d\n%s%s", version,
		 strchr(text, '\n') + 1, lines);
	put_manifest(out);
}

static int reads(void)
{
	struct vk_manifest m;
	int rc = vk_manifest_read(&m, CK, &e);

	vk_manifest_free(&m);
	return rc;
}

START_TEST(hashes_match_xxhsum_and_sha256sum)
{
	char h[65];
	unsigned long long n;

	ck_assert_int_eq(
		vk_hash_file(P("a.img"), 0, VK_HASH_XXH3_128, h, &n, NULL, &e),
		0);
	ck_assert_str_eq(h, A_XXH);
	ck_assert_uint_eq(n, A_SIZE);
	ck_assert_int_eq(vk_sha256_file(P("a.img"), h, &n, NULL, &e), 0);
	ck_assert_str_eq(h, A_SHA);
	ck_assert_int_eq(
		vk_hash_file(P("b.img"), 0, VK_HASH_XXH3_128, h, &n, NULL, &e),
		0);
	ck_assert_str_eq(h, B_XXH);
	ck_assert_int_eq(vk_hash_file(P("empty.img"), 0, VK_HASH_XXH3_128, h,
				      &n, NULL, &e),
			 0);
	ck_assert_str_eq(h, E_XXH);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(version_2_written_read_and_verified)
{
	struct vk_manifest m;
	char *text;

	write_ok();
	text = slurp(P("manifest"));
	ck_assert(!strncmp(text, "vkernel-checkpoint 2\n", 21));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfile=a.img 3145851 xxh3-128 " A_XXH "\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfile=b.img 1000 xxh3-128 " B_XXH "\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nfile=empty.img 0 xxh3-128 " E_XXH "\n"));
	ck_assert_msg(vk_manifest_read(&m, CK, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m.version, 2);
	ck_assert_int_eq(m.nfiles, 3);
	ck_assert_uint_eq(vk_manifest_bytes(&m), A_SIZE + 1000);
	ck_assert_int_eq(m.uml_pid, 1234);
	ck_assert_uint_eq(m.gpu_id, 0x12341111);
	ck_assert_msg(vk_manifest_verify(&m, CK, NULL, &e) == 0, "%s", e.msg);
	vk_manifest_free(&m);
}
END_TEST

START_TEST(version_1_read_and_verified)
{
	struct vk_manifest m;

	write_ok();
	to_version_1();
	ck_assert_ptr_nonnull(strstr(slurp(P("manifest")),
				     "\nfile=a.img 3145851 " A_SHA "\n"));
	ck_assert_msg(vk_manifest_read(&m, CK, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m.version, 1);
	ck_assert_int_eq(m.nfiles, 3);
	for (int i = 0; i < m.nfiles; i++)
		ck_assert_int_eq(m.files[i].kind, VK_HASH_SHA256);
	ck_assert_msg(vk_manifest_verify(&m, CK, NULL, &e) == 0, "%s", e.msg);
	vk_manifest_free(&m);
	flip(P("a.img"), 2 * 1048576 + 7);
	refused("checksum mismatch");
}
END_TEST

START_TEST(version_2_takes_sha256_lines_too)
{
	write_ok();
	with_lines(2, "file=a.img 3145851 xxh3-128 " A_XXH "\n"
		      "file=b.img 1000 sha256 " B_SHA "\n"
		      "file=empty.img 0 xxh3-128 " E_XXH "\n");
	ck_assert_msg(check_ck(NULL) == 0, "%s", e.msg);
	flip(P("b.img"), 999);
	refused("b.img: checksum mismatch (damaged; sha256)");
}
END_TEST

START_TEST(flipped_bytes_refused)
{
	write_ok();
	flip(P("a.img"), A_SIZE - 1); /* the mapped file's last byte */
	refused("a.img: checksum mismatch (damaged; xxh3-128)");
	flip(P("a.img"), A_SIZE - 1);
	ck_assert_msg(check_ck(NULL) == 0, "%s", e.msg);
	flip(P("b.img"), 0); /* a read() one */
	refused("b.img: checksum mismatch");
}
END_TEST

START_TEST(size_changes_refused)
{
	write_ok();
	ck_assert_int_eq(truncate(P("a.img"), A_SIZE - 1), 0);
	refused("truncated or changed");
	ck_assert_int_eq(truncate(P("a.img"), A_SIZE + 1), 0);
	refused("truncated or changed");
	ck_assert_int_eq(truncate(P("empty.img"), 1), 0);
	ck_assert_int_eq(truncate(P("a.img"), A_SIZE), 0);
	refused("empty.img");
}
END_TEST

START_TEST(file_set_must_match)
{
	char hidden[128];

	write_ok();
	write_file(P("stray.img"), 10, 5);
	refused("stray.img: not in the manifest");
	unlink(P("stray.img"));
	snprintf(hidden, sizeof(hidden), "%s/.b.img", CK);
	ck_assert_int_eq(rename(P("b.img"), hidden), 0);
	refused("1 files of the manifest missing");
	ck_assert_int_eq(rename(hidden, P("b.img")), 0);
	ck_assert_msg(check_ck(NULL) == 0, "%s", e.msg);
}
END_TEST

START_TEST(links_and_special_files_refused)
{
	char target[128];

	write_ok();
	snprintf(target, sizeof(target), "%s/b.copy", T);
	ck_assert_int_eq(rename(P("b.img"), target), 0);
	ck_assert_int_eq(symlink(target, P("b.img")), 0);
	refused("b.img: missing or not a file");
	unlink(P("b.img"));
	ck_assert_int_eq(mkfifo(P("b.img"), 0600), 0); /* must not block */
	refused("b.img: missing or not a file");
	unlink(P("b.img"));
	ck_assert_int_eq(mkdir(P("b.img"), 0700), 0);
	refused("b.img: missing or not a file");
}
END_TEST

START_TEST(another_kernel_or_stub_refused)
{
	char k[128];
	FILE *f;

	write_ok();
	snprintf(k, sizeof(k), "%s/kernel", T);
	ck_assert_ptr_nonnull(f = fopen(k, "a"));
	fputc('x', f);
	fclose(f);
	refused("another kernel build");
	write_file(k, 5000, 3);
	ck_assert_msg(check_ck(NULL) == 0, "%s", e.msg);
	snprintf(k, sizeof(k), "%s/kernel.stub", T);
	write_file(k, 100, 5);
	refused("stub file");
}
END_TEST

static unsigned long long seen[8];
static int nseen;

static void record(const char *path, unsigned long long bytes)
{
	if (nseen < 8)
		seen[nseen++] = bytes;
}

/* Shrinks the file on the first report: the next window is gone. */
static void shrink(const char *path, unsigned long long bytes)
{
	if (nseen++ == 0)
		ck_assert_int_eq(truncate(path, 1 << 20), 0);
}

START_TEST(big_file_windows_progress_and_shrinking)
{
	struct sigaction before, after;

	write_file(P("z.img"), 0, 1);
	ck_assert_int_eq(truncate(P("z.img"), 130 << 20), 0);
	write_ok();
	ck_assert_ptr_nonnull(strstr(slurp(P("manifest")),
				     "\nfile=z.img 136314880 xxh3-128 " Z_XXH
				     "\n"));
	nseen = 0;
	ck_assert_msg(check_ck(record) == 0, "%s", e.msg);
	ck_assert_int_eq(nseen, 2);
	ck_assert_uint_eq(seen[0], 64 << 20);
	ck_assert_uint_eq(seen[1], 128 << 20);
	to_version_1(); /* SHA-256 with read(): the same reports */
	nseen = 0;
	ck_assert_msg(check_ck(record) == 0, "%s", e.msg);
	ck_assert_int_eq(nseen, 2);
	ck_assert_uint_eq(seen[1], 128 << 20);
	write_ok();
	nseen = 0;
	ck_assert_int_eq(sigaction(SIGBUS, NULL, &before), 0);
	ck_assert_int_lt(check_ck(shrink), 0);
	ck_assert_msg(strstr(e.msg, "z.img: read error while hashing"), "%s",
		      e.msg);
	ck_assert_int_eq(sigaction(SIGBUS, NULL, &after), 0);
	ck_assert(after.sa_handler == before.sa_handler); /* put back */
}
END_TEST

START_TEST(malformed_file_lines_refused)
{
	static const char *const bad2[] = {
		"file=b.img 1000 " B_XXH "\n",		/* no kind */
		"file=b.img 1000 md5 " B_XXH "\n",	/* unknown kind */
		"file=b.img 1000 sha256 " B_XXH "\n",	/* short for it */
		"file=b.img 1000 xxh3-128 " B_SHA "\n", /* long for it */
		"file=b.img 1000 xxh3-128 F36CB9DEB437E3E688F9917D3AC12D5C\n",
		"file=b.img  1000 xxh3-128 " B_XXH "\n", /* two spaces */
		"file=b.img 1000 xxh3-128 " B_XXH " \n", /* trailing */
		"file=b.img 1000 xxh3-128 " B_XXH " x\n",
		"file=b.img +1000 xxh3-128 " B_XXH "\n",
		"file=b.img -1 xxh3-128 " B_XXH "\n",
		"file=b.img 1e3 xxh3-128 " B_XXH "\n",
		"file=b.img 99999999999999999999999 xxh3-128 " B_XXH "\n",
		"file=../b.img 1000 xxh3-128 " B_XXH "\n",
		"file=.b.img 1000 xxh3-128 " B_XXH "\n",
		"file=manifest 1000 xxh3-128 " B_XXH "\n",
		"file=b\tc 1000 xxh3-128 " B_XXH "\n",
		"file=b.img 1000 xxh3-128 " B_XXH "\n"
		"file=b.img 1000 xxh3-128 " B_XXH "\n", /* twice */
		"file=\n",
	};
	static const char *const bad1[] = {
		"file=b.img 1000 sha256 " B_SHA "\n", /* a kind in version 1 */
		"file=b.img 1000 " B_XXH "\n",
		"file=b.img 1000\n",
	};

	write_ok();
	with_lines(2, "file=b.img 1000 xxh3-128 " B_XXH "\n");
	ck_assert_msg(reads() == 0, "%s", e.msg);
	with_lines(1, "file=b.img 1000 " B_SHA "\n");
	ck_assert_msg(reads() == 0, "%s", e.msg);
	for (size_t i = 0; i < sizeof(bad2) / sizeof(bad2[0]); i++) {
		with_lines(2, bad2[i]);
		ck_assert_msg(reads() < 0, "accepted %s", bad2[i]);
		ck_assert_msg(strstr(e.msg, "manifest: "), "%s", e.msg);
	}
	for (size_t i = 0; i < sizeof(bad1) / sizeof(bad1[0]); i++) {
		with_lines(1, bad1[i]);
		ck_assert_msg(reads() < 0, "accepted %s", bad1[i]);
	}
}
END_TEST

START_TEST(other_versions_refused)
{
	char *text;
	FILE *f;

	write_ok();
	text = slurp(P("manifest"));
	text[19] = '3';
	put_manifest(text);
	ck_assert_int_lt(reads(), 0);
	ck_assert_msg(strstr(e.msg, "version 1 or 2 (a newer vkernel's?)"),
		      "%s", e.msg);
	memcpy(text, "vkernel-checkpoint 22", 21);
	put_manifest(text);
	ck_assert_int_lt(reads(), 0);
	put_manifest("something else\n");
	ck_assert_int_lt(reads(), 0);
	ck_assert_msg(strstr(e.msg, "not a vkernel checkpoint manifest"), "%s",
		      e.msg);
	write_ok();
	with_lines(2, "file=b.img 1000 xxh3-128 " B_XXH "\n");
	ck_assert_int_eq(reads(), 0);
	ck_assert_ptr_nonnull(f = fopen(P("manifest"), "a"));
	fwrite("\0file=b.img 1 x\n", 1, 17, f); /* hidden behind a NUL */
	fclose(f);
	ck_assert_int_lt(reads(), 0);
	ck_assert_msg(strstr(e.msg, "a NUL byte"), "%s", e.msg);
	put_manifest("vk");
	ck_assert_int_lt(reads(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vkernel_manifest");
	TCase *tc = tcase_create("manifest");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hashes_match_xxhsum_and_sha256sum);
	tcase_add_test(tc, version_2_written_read_and_verified);
	tcase_add_test(tc, version_1_read_and_verified);
	tcase_add_test(tc, version_2_takes_sha256_lines_too);
	tcase_add_test(tc, flipped_bytes_refused);
	tcase_add_test(tc, size_changes_refused);
	tcase_add_test(tc, file_set_must_match);
	tcase_add_test(tc, links_and_special_files_refused);
	tcase_add_test(tc, another_kernel_or_stub_refused);
	tcase_add_test(tc, big_file_windows_progress_and_shrinking);
	tcase_add_test(tc, malformed_file_lines_refused);
	tcase_add_test(tc, other_versions_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
