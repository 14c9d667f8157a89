/*
 * Hashing a checkpoint's files (vkernel_manifest.c): SHA-256 through
 * libcrypto, XXH3-128 through libxxhash (from a mapping for files of 1 MiB
 * and more: no copy out of the page cache). A file that shrinks under the
 * mapping, or a read error there, raises SIGBUS: caught and turned into an
 * error. Output is lowercase hex, XXH3 in its canonical big-endian form
 * (as `xxhsum -H2` prints it).
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#if defined(__x86_64__)
/* XXH3 with AVX2/AVX-512 where the CPU has them (about 1.5x SSE2's). */
#include <xxh_x86dispatch.h>
#endif

#include "vkernel.h"

#define STEP	(64ULL << 20) /* progress, and mapping window */
#define MAP_MIN (1 << 20)     /* smaller files are read() */

struct hasher {
	EVP_MD_CTX *sha; /* one of the two */
	XXH3_state_t *xxh;
};

static void hasher_free(struct hasher *h)
{
	EVP_MD_CTX_free(h->sha);
	if (h->xxh)
		XXH3_freeState(h->xxh);
}

static int hasher_init(struct hasher *h, enum vk_hash kind, struct err *e)
{
	int ok;

	*h = (struct hasher){0};
	if (kind == VK_HASH_SHA256)
		ok = (h->sha = EVP_MD_CTX_new()) &&
		     EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL);
	else
		ok = (h->xxh = XXH3_createState()) &&
		     XXH3_128bits_reset(h->xxh) == XXH_OK;
	if (ok)
		return 0;
	hasher_free(h);
	return err_set(e, -ENOMEM, "out of memory");
}

static void hasher_update(struct hasher *h, const void *p, size_t n)
{
	if (h->sha)
		EVP_DigestUpdate(h->sha, p, n);
	else
		XXH3_128bits_update(h->xxh, p, n);
}

static void hasher_final(struct hasher *h, char out[65])
{
	static const char digit[] = "0123456789abcdef";
	unsigned char md[32];
	XXH128_canonical_t c;
	size_t n = 16;

	if (h->sha) {
		EVP_DigestFinal_ex(h->sha, md, NULL);
		n = 32;
	} else {
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h->xxh));
		memcpy(md, c.digest, 16);
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digit[md[i] >> 4];
		out[2 * i + 1] = digit[md[i] & 15];
	}
	out[2 * n] = 0;
}

/* fd to its end; the bytes read in *total. */
static int hash_read(int fd, struct hasher *h, const char *path,
		     unsigned long long *total, vk_progress_fn progress,
		     struct err *e)
{
	/* Fits the L2 cache; one per thread (verify hashes in two). */
	static _Thread_local unsigned char buf[256 << 10];
	unsigned long long next = STEP;
	ssize_t n;

	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		hasher_update(h, buf, (size_t)n);
		*total += (unsigned long long)n;
		if (progress && *total >= next) {
			progress(path, *total);
			next += STEP;
		}
	}
	return n < 0 ? err_set(e, -errno, "%s: %s", path, strerror(errno)) : 0;
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* The first size bytes of fd, mapped STEP at a time: no copy out of the
 * page cache (XXH3 of a cached 141 MB file: 19 ms, 23 ms with read()). An
 * I/O error, or the file shrinking under us, is a SIGBUS on the mapping:
 * caught, an error. */
static int hash_mapped(int fd, struct hasher *h, const char *path,
		       unsigned long long size, vk_progress_fn progress,
		       struct err *e)
{
	struct sigaction sa = {.sa_handler = on_sigbus}, old;
	unsigned char *volatile p = MAP_FAILED;
	volatile unsigned long long off = 0;
	volatile size_t len = 0;
	int rc = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1)) {
		rc = err_set(e, -EIO, "%s: read error while hashing", path);
		goto out;
	}
	for (; off < size; off += len) {
		len = size - off < STEP ? (size_t)(size - off) : (size_t)STEP;
		p = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd,
			 (off_t)off);
		if (p == MAP_FAILED) {
			rc = err_set(e, -errno, "%s: %s", path,
				     strerror(errno));
			goto out;
		}
		hasher_update(h, p, len);
		munmap(p, len);
		p = MAP_FAILED;
		if (progress && len == STEP)
			progress(path, off + len);
	}
out:
	if (p != MAP_FAILED)
		munmap(p, len);
	sigaction(SIGBUS, &old, NULL);
	return rc;
}

/* A regular file to hash (a symbolic link only if follow); its size. */
int vk_hash_open(const char *path, int follow, unsigned long long *size,
		 struct err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
				    (follow ? 0 : O_NOFOLLOW));

	if (fd < 0)
		return err_set(e, -errno, "%s: %s", path,
			       errno == ELOOP ? "a symbolic link"
					      : strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, -EINVAL, "%s: not a regular file", path);
	}
	*size = (unsigned long long)st.st_size;
	return fd;
}

/* fd (size bytes when opened) as hex into out; the bytes hashed in *got. */
int vk_hash_fd(int fd, const char *path, enum vk_hash kind,
	       unsigned long long size, char out[65], unsigned long long *got,
	       vk_progress_fn progress, struct err *e)
{
	struct hasher h;
	int rc = hasher_init(&h, kind, e);

	if (rc < 0)
		return rc;
	if (kind == VK_HASH_XXH3_128 && size >= MAP_MIN) {
		rc = hash_mapped(fd, &h, path, size, progress, e);
		*got = size;
	} else {
		rc = hash_read(fd, &h, path, got, progress, e);
	}
	if (rc == 0)
		hasher_final(&h, out);
	hasher_free(&h);
	return rc;
}

int vk_hash_file(const char *path, int follow, enum vk_hash kind, char out[65],
		 unsigned long long *size, vk_progress_fn progress,
		 struct err *e)
{
	unsigned long long st_size, got;
	int fd = vk_hash_open(path, follow, &st_size, e), rc;

	if (fd < 0)
		return fd;
	rc = vk_hash_fd(fd, path, kind, st_size, out, &got, progress, e);
	close(fd);
	if (size)
		*size = got;
	return rc;
}

int vk_sha256_file(const char *path, char out[65], unsigned long long *size,
		   vk_progress_fn progress, struct err *e)
{
	return vk_hash_file(path, 1, VK_HASH_SHA256, out, size, progress, e);
}
