/*
 * A checkpoint's manifest (STORE/NAME/manifest), and the checkpoint store.
 * The manifest is text, one "key=value" a line, first line
 * "vkernel-checkpoint 2": what restore needs to find everything again
 * (run dir, kernel, stub, guest memory size, instance name, UML's pid,
 * whether UML ran in its own PID namespace (pid_namespace=1; absent in
 * older manifests: 0), the console pipe's inode), what it must check
 * first (kernel and stub
 * SHA-256, kernel_sha256= and stub_sha256=: the kernel build's identity,
 * as sha256sum prints it; the GPU's PCI id and VRAM size as the guest had
 * them), and one "file=NAME SIZE KIND HASH" line per file of the
 * checkpoint (CRIU's images and dump log; NAME printable ASCII without
 * space or /, not starting with .): KIND "xxh3-128" (XXH3's 128-bit
 * hash, seed 0, 32 hex digits in its canonical big-endian form, as
 * `xxhsum -H2` prints it; what the checkpoint writes) or "sha256" (64 hex
 * digits). Version 1 manifests ("vkernel-checkpoint 1", the previous
 * launcher's) have "file=NAME SIZE SHA256" lines and are still read.
 * The hashes catch damage (truncation, flipped bytes, stray or missing
 * files), not an attacker: whoever can change the files can rewrite the
 * unsigned manifest too. Hence XXH3 for the images, which hashes a file in
 * the page cache several times faster than SHA-256 (read straight from a
 * mapping), with a 2^-128 chance of missing a change.
 * The manifest is written last; a directory without one is no checkpoint.
 * Everything read here comes from a file that may have been damaged or
 * edited: every value is checked where it is parsed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"

#define MAGIC	    "vkernel-checkpoint 2"
#define MAGIC_V1    "vkernel-checkpoint 1"
#define MAX_FILES   4096
#define MANIFEST_SZ (1 << 20)

static const struct {
	const char *name;
	size_t digits;
} kinds[] = {
	[VK_HASH_SHA256] = {"sha256", 64},
	[VK_HASH_XXH3_128] = {"xxh3-128", 32},
};

/* A file name a manifest can list: printable ASCII without space or /,
 * not hidden, not the manifest. */
static int name_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/')
			return 0;
	return n && n < sizeof(((struct vk_manifest_file *)0)->name) &&
	       s[0] != '.' && strcmp(s, "manifest");
}

/* ---- The store ---- */

int vk_store_dir(const char *opt, char *out, struct err *e)
{
	const char *env = getenv("VKERNEL_CHECKPOINTS");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char tmp[PATH_MAX];
	int rc;

	if (opt || (env && *env))
		return vk_paths_absolute(opt ? opt : env, out, e);
	if (xdg && xdg[0] == '/')
		rc = snprintf(tmp, sizeof(tmp), "%s/vkernel/checkpoints", xdg);
	else if (home && home[0] == '/')
		rc = snprintf(tmp, sizeof(tmp),
			      "%s/.local/share/vkernel/checkpoints", home);
	else
		return err_set(e, -ENOENT,
			       "no checkpoint directory: set HOME, "
			       "XDG_DATA_HOME or VKERNEL_CHECKPOINTS, or "
			       "give --dir");
	if (rc >= (int)sizeof(tmp))
		return err_set(e, -ENAMETOOLONG,
			       "checkpoint directory: too long");
	strcpy(out, tmp);
	return 0;
}

int vk_check_ckpt_name(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != n)
		return err_set(e, -EINVAL,
			       "checkpoint name '%s': 1..64 of A-Z a-z 0-9 _ "
			       ". -, not starting with . or -",
			       s);
	return 0;
}

/* ---- Writing ---- */

static void put(FILE *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(FILE *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "%s=", key);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* Hashes every file of dir but the manifest into m->files (XXH3). */
static int hash_files(struct vk_manifest *m, const char *dir,
		      vk_progress_fn progress, struct err *e)
{
	char path[PATH_MAX + 300];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int rc = 0;

	if (!dp)
		return err_set(e, -errno, "%s: %s", dir, strerror(errno));
	m->nfiles = 0;
	while (rc == 0 && (d = readdir(dp))) {
		struct vk_manifest_file *f;

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "manifest"))
			continue;
		if (m->nfiles >= MAX_FILES || !name_ok(d->d_name)) {
			rc = err_set(e, -E2BIG,
				     "%s/%s: too many files, or a name a "
				     "manifest cannot list",
				     dir, d->d_name);
			break;
		}
		f = &m->files[m->nfiles++];
		strcpy(f->name, d->d_name);
		f->kind = VK_HASH_XXH3_128;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		rc = vk_hash_file(path, 0, f->kind, f->hash, &f->size, progress,
				  e);
	}
	closedir(dp);
	return rc;
}

int vk_manifest_write(struct vk_manifest *m, const char *dir,
		      vk_progress_fn progress, struct err *e)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	FILE *f;
	int rc;

	if (!m->files && !(m->files = calloc(MAX_FILES, sizeof(*m->files))))
		return err_set(e, -ENOMEM, "out of memory");
	if ((rc = hash_files(m, dir, progress, e)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/manifest", dir);
	snprintf(tmp, sizeof(tmp), "%s/.manifest", dir);
	if (!(f = fopen(tmp, "w")))
		return err_set(e, -errno, "%s: %s", tmp, strerror(errno));
	fprintf(f, "%s\n", MAGIC);
	put(f, "created", "%lld", m->created);
	put(f, "criu", "%s", m->criu_version);
	put(f, "name", "%s", m->name);
	put(f, "run_dir", "%s", m->run_dir);
	put(f, "kernel", "%s", m->kernel);
	put(f, "kernel_sha256", "%s", m->kernel_sha);
	put(f, "stub", "%s", m->stub);
	put(f, "stub_sha256", "%s", m->stub_sha);
	put(f, "root", "%s", m->root);
	put(f, "mem_mb", "%lu", m->mem_mb);
	put(f, "uml_pid", "%d", (int)m->uml_pid);
	put(f, "console_pipe", "%llu", m->console_ino);
	put(f, "gpu", "%s", m->gpu);
	put(f, "gpu_id", "%04x:%04x", m->gpu_id >> 16, m->gpu_id & 0xffff);
	put(f, "vram", "%llu", m->vram);
	put(f, "input", "%d", m->input);
	put(f, "pid_namespace", "%d", m->pid_ns);
	for (int i = 0; i < m->nfiles; i++)
		put(f, "file", "%s %llu %s %s", m->files[i].name,
		    m->files[i].size, kinds[m->files[i].kind].name,
		    m->files[i].hash);
	if (fflush(f) || fsync(fileno(f))) {
		rc = err_set(e, -errno, "%s: %s", tmp, strerror(errno));
		fclose(f);
		return rc;
	}
	if (fclose(f) || rename(tmp, path))
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	return 0;
}

/* ---- Reading ---- */

static int str_val(char *dst, size_t len, const char *v, const char *key,
		   struct err *e)
{
	if (strlen(v) >= len)
		return err_set(e, -EINVAL, "manifest: %s too long", key);
	strcpy(dst, v);
	return 0;
}

static int num_val(unsigned long long *dst, const char *v, int base,
		   unsigned long long max, const char *key, struct err *e)
{
	char *end;

	errno = 0;
	*dst = strtoull(v, &end, base);
	if (errno || end == v || *end || *v == '-' || *dst > max)
		return err_set(e, -EINVAL, "manifest: bad %s '%s'", key, v);
	return 0;
}

static int is_hex(const char *s, size_t digits)
{
	return strlen(s) == digits && strspn(s, "0123456789abcdef") == digits;
}

static int is_sha(const char *s)
{
	return is_hex(s, 64);
}

static int kind_of(const char *s)
{
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(s, kinds[k].name))
			return (int)k;
	return -1;
}

/* Splits s at single spaces into at most max fields (none empty). */
static int fields(char *s, char **t, int max)
{
	int n = 0;

	while (s && n < max)
		if (!*(t[n++] = strsep(&s, " ")))
			return -1;
	return s ? -1 : n;
}

/* "NAME SIZE KIND HASH"; version 1: "NAME SIZE SHA256". */
static int file_val(struct vk_manifest *m, const char *v, struct err *e)
{
	struct vk_manifest_file *f;
	char buf[256], *t[4];
	int want = m->version == 1 ? 3 : 4, kind = VK_HASH_SHA256;
	unsigned long long size = 0;

	if (m->nfiles >= MAX_FILES)
		return err_set(e, -E2BIG, "manifest: too many files");
	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	if (fields(buf, t, want) != want || !name_ok(t[0]) ||
	    strspn(t[1], "0123456789") != strlen(t[1]) ||
	    num_val(&size, t[1], 10, ULLONG_MAX, "file size", e) < 0 ||
	    (want == 4 && (kind = kind_of(t[2])) < 0) ||
	    !is_hex(t[want - 1], kinds[kind].digits))
		goto bad;
	for (int i = 0; i < m->nfiles; i++)
		if (!strcmp(m->files[i].name, t[0]))
			return err_set(e, -EINVAL,
				       "manifest: file %s listed twice", t[0]);
	f = &m->files[m->nfiles++];
	strcpy(f->name, t[0]);
	f->size = size;
	f->kind = (enum vk_hash)kind;
	strcpy(f->hash, t[want - 1]);
	return 0;
bad:
	return err_set(e, -EINVAL, "manifest: bad file line '%.200s'", v);
}

static int one_line(struct vk_manifest *m, char *line, struct err *e)
{
	char *v = strchr(line, '=');
	unsigned long long n;
	unsigned a, b;
	int rc = 0;

	if (!v)
		return err_set(e, -EINVAL, "manifest: bad line '%.40s'", line);
	*v++ = 0;
	if (!strcmp(line, "file"))
		return file_val(m, v, e);
#define S(k, f)                                                                \
	if (!strcmp(line, k))                                                  \
		return str_val(m->f, sizeof(m->f), v, k, e);
	S("criu", criu_version)
	S("name", name)
	S("run_dir", run_dir)
	S("kernel", kernel)
	S("kernel_sha256", kernel_sha)
	S("stub", stub)
	S("stub_sha256", stub_sha)
	S("root", root)
	S("gpu", gpu)
#undef S
	if (!strcmp(line, "gpu_id")) {
		if (sscanf(v, "%4x:%4x", &a, &b) != 2)
			return err_set(e, -EINVAL, "manifest: bad gpu_id");
		m->gpu_id = a << 16 | b;
	} else if (!strcmp(line, "created")) {
		rc = num_val(&n, v, 10, LLONG_MAX, line, e);
		m->created = (long long)n;
	} else if (!strcmp(line, "mem_mb")) {
		rc = num_val(&n, v, 10, 1 << 20, line, e);
		m->mem_mb = (unsigned long)n;
	} else if (!strcmp(line, "uml_pid")) {
		rc = num_val(&n, v, 10, INT_MAX, line, e);
		m->uml_pid = (pid_t)n;
	} else if (!strcmp(line, "console_pipe")) {
		rc = num_val(&m->console_ino, v, 10, ULLONG_MAX, line, e);
	} else if (!strcmp(line, "vram")) {
		rc = num_val(&m->vram, v, 10, 1ULL << 40, line, e);
	} else if (!strcmp(line, "input")) {
		rc = num_val(&n, v, 10, 1, line, e);
		m->input = (int)n;
	} else if (!strcmp(line, "pid_namespace")) {
		rc = num_val(&n, v, 10, 1, line, e);
		m->pid_ns = (int)n;
	}
	/* Unknown keys: a newer launcher's additions, ignored. */
	return rc;
}

/* Every field restore relies on is there and sane. */
static int complete(const struct vk_manifest *m, struct err *e)
{
	if (!m->name[0] || m->run_dir[0] != '/' || m->kernel[0] != '/' ||
	    m->stub[0] != '/' || m->root[0] != '/' || !is_sha(m->kernel_sha) ||
	    !is_sha(m->stub_sha) || m->mem_mb < 32 || m->uml_pid <= 1 ||
	    !m->vram || !m->nfiles)
		return err_set(e, -EINVAL, "manifest: fields missing or bad");
	return 0;
}

/* The lines after the first. */
static int all_lines(struct vk_manifest *m, char *text, struct err *e)
{
	char *line, *save;
	int rc = 0;

	_Static_assert(sizeof(MAGIC) == sizeof(MAGIC_V1), "one length");
	for (line = strtok_r(text, "\n", &save); rc == 0 && line;
	     line = strtok_r(NULL, "\n", &save))
		rc = one_line(m, line, e);
	return rc;
}

int vk_manifest_read(struct vk_manifest *m, const char *dir, struct err *e)
{
	char path[PATH_MAX + 16], *buf;
	ssize_t n;
	int fd, rc = 0;

	*m = (struct vk_manifest){0};
	snprintf(path, sizeof(path), "%s/manifest", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	buf = malloc(MANIFEST_SZ + 1);
	m->files = calloc(MAX_FILES, sizeof(*m->files));
	n = buf ? read(fd, buf, MANIFEST_SZ + 1) : -1;
	close(fd);
	if (!buf || !m->files || n < 0 || n > MANIFEST_SZ) {
		free(buf);
		return err_set(e, -EINVAL, "%s: unreadable or too large", path);
	}
	buf[n] = 0;
	if (strlen(buf) != (size_t)n)
		rc = err_set(e, -EINVAL, "%s: a NUL byte in it", path);
	else if (!strncmp(buf, MAGIC "\n", sizeof(MAGIC)))
		m->version = 2;
	else if (!strncmp(buf, MAGIC_V1 "\n", sizeof(MAGIC_V1)))
		m->version = 1;
	else
		rc = err_set(e, -EINVAL,
			     "%s: not a vkernel checkpoint manifest of version "
			     "1 or 2%s",
			     path,
			     strncmp(buf, "vkernel-checkpoint ", 19)
				     ? ""
				     : " (a newer vkernel's?)");
	if (rc == 0)
		rc = all_lines(m, buf + sizeof(MAGIC), e);
	free(buf);
	if (rc == 0)
		rc = complete(m, e);
	return rc < 0 ? err_wrap(e, rc, "%s", dir) : 0;
}

void vk_manifest_free(struct vk_manifest *m)
{
	free(m->files);
	m->files = NULL;
}

/* ---- Verifying ---- */

static int check_file(const char *path, const char *what, const char *sha,
		      struct err *e)
{
	char got[65];
	int rc = vk_sha256_file(path, got, NULL, NULL, e);

	if (rc < 0)
		return err_wrap(e, rc, "%s", what);
	if (strcmp(got, sha))
		return err_set(
			e, -EINVAL,
			"%s '%s' is not the one of the checkpoint "
			"(SHA-256 %.16s..., the checkpoint has %.16s...)",
			what, path, got, sha);
	return 0;
}

/* A listed file: a regular file (no link) of its size and hash. */
static int check_listed(const struct vk_manifest_file *f, const char *dir,
			vk_progress_fn progress, struct err *e)
{
	char path[PATH_MAX + 80], got[65];
	unsigned long long size, n;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	if ((fd = vk_hash_open(path, 0, &size, e)) < 0)
		return err_set(e, -EINVAL, "%s: missing or not a file", path);
	if (size != f->size) {
		close(fd);
		return err_set(e, -EINVAL,
			       "%s: %llu bytes, the manifest says %llu "
			       "(truncated or changed)",
			       path, size, f->size);
	}
	rc = vk_hash_fd(fd, path, f->kind, size, got, &n, progress, e);
	close(fd);
	if (rc == 0 && (n != f->size || strcmp(got, f->hash)))
		rc = err_set(e, -EINVAL, "%s: checksum mismatch (damaged; %s)",
			     path, kinds[f->kind].name);
	return rc;
}

/* Exactly the listed files, none more (a stray file is damage too). */
static int same_set(const struct vk_manifest *m, const char *dir, struct err *e)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0, rc = 0;

	if (!dp)
		return err_set(e, -errno, "%s: %s", dir, strerror(errno));
	while (rc == 0 && (d = readdir(dp))) {
		int found = 0;

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "manifest"))
			continue;
		for (int i = 0; i < m->nfiles && !found; i++)
			found = !strcmp(m->files[i].name, d->d_name);
		if (!found)
			rc = err_set(e, -EINVAL, "%s/%s: not in the manifest",
				     dir, d->d_name);
		n++;
	}
	closedir(dp);
	if (rc == 0 && n != m->nfiles)
		rc = err_set(e, -ENOENT, "%s: %d files of the manifest missing",
			     dir, m->nfiles - n);
	return rc;
}

struct ident {
	const struct vk_manifest *m;
	struct err e;
	int rc;
};

/* The kernel and stub against their SHA-256. */
static void *check_ident(void *arg)
{
	struct ident *c = arg;

	c->rc = check_file(c->m->kernel, "kernel", c->m->kernel_sha, &c->e);
	if (c->rc < 0)
		c->rc = err_wrap(&c->e, c->rc, "another kernel build");
	else
		c->rc = check_file(c->m->stub, "stub file", c->m->stub_sha,
				   &c->e);
	return NULL;
}

/* The kernel's SHA-256 (6 ms for its 8 MB) runs on the other core while
 * the images are hashed (20-35 ms for a 512 MiB desktop's 190 MB). */
int vk_manifest_verify(const struct vk_manifest *m, const char *dir,
		       vk_progress_fn progress, struct err *e)
{
	struct ident c = {.m = m};
	pthread_t t;
	int rc, threaded;

	if ((rc = same_set(m, dir, e)) < 0)
		return rc;
	threaded = pthread_create(&t, NULL, check_ident, &c) == 0;
	if (!threaded)
		check_ident(&c);
	for (int i = 0; rc == 0 && i < m->nfiles; i++)
		rc = check_listed(&m->files[i], dir, progress, e);
	if (threaded)
		pthread_join(t, NULL);
	if (rc == 0 && c.rc < 0) {
		*e = c.e;
		rc = c.rc;
	}
	return rc;
}

unsigned long long vk_manifest_bytes(const struct vk_manifest *m)
{
	unsigned long long t = 0;

	for (int i = 0; i < m->nfiles; i++)
		t += m->files[i].size;
	return t;
}
