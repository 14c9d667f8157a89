/*
 * A checkpoint's manifest (STORE/NAME/manifest), and the checkpoint store.
 * The manifest is text, one "key=value" a line, first line
 * "vkernel-checkpoint 1": what restore needs to find everything again
 * (run dir, kernel, stub, guest memory size, instance name, UML's pid,
 * the console pipe's inode), what it must check first (kernel and stub
 * SHA-256, the GPU's PCI id and VRAM size as the guest had them), and one
 * "file=NAME SIZE SHA256" line per file of the checkpoint (CRIU's images
 * and dump log). The manifest is written last; a directory without one is
 * no checkpoint. Everything read here comes from a file that may have been
 * damaged or edited: every value is checked where it is parsed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"

#define MAGIC	    "vkernel-checkpoint 1"
#define MAX_FILES   4096
#define MANIFEST_SZ (1 << 20)

int vk_sha256_file(const char *path, char out[65], unsigned long long *size,
		   vk_progress_fn progress, struct err *e)
{
	static unsigned char buf[1 << 20];
	unsigned char md[32];
	unsigned long long total = 0, next = 64ULL << 20;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0 || !c) {
		rc = err_set(e, fd < 0 ? -errno : -ENOMEM, "%s: %s", path,
			     fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(c, buf, (size_t)n);
		total += (unsigned long long)n;
		if (progress && total >= next) {
			progress(path, total);
			next += 64ULL << 20;
		}
	}
	if (n < 0) {
		rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	EVP_DigestFinal_ex(c, md, NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	if (size)
		*size = total;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(c);
	return rc;
}

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

/* Hashes every file of dir but the manifest into m->files. */
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
		if (m->nfiles >= MAX_FILES ||
		    strlen(d->d_name) >= sizeof(f->name)) {
			rc = err_set(e, -E2BIG,
				     "%s: too many or too long names", dir);
			break;
		}
		f = &m->files[m->nfiles++];
		strcpy(f->name, d->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		rc = vk_sha256_file(path, f->sha, &f->size, progress, e);
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
	for (int i = 0; i < m->nfiles; i++)
		put(f, "file", "%s %llu %s", m->files[i].name, m->files[i].size,
		    m->files[i].sha);
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

static int is_sha(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int file_val(struct vk_manifest *m, const char *v, struct err *e)
{
	struct vk_manifest_file *f;
	char name[64], sha[80];
	unsigned long long size;

	if (m->nfiles >= MAX_FILES)
		return err_set(e, -E2BIG, "manifest: too many files");
	if (sscanf(v, "%63s %llu %79s", name, &size, sha) != 3 ||
	    !is_sha(sha) || strchr(name, '/') || name[0] == '.')
		return err_set(e, -EINVAL, "manifest: bad file line '%s'", v);
	f = &m->files[m->nfiles++];
	strcpy(f->name, name);
	strcpy(f->sha, sha);
	f->size = size;
	return 0;
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

int vk_manifest_read(struct vk_manifest *m, const char *dir, struct err *e)
{
	char path[PATH_MAX + 16], *buf, *line, *save;
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
	if (strncmp(buf, MAGIC "\n", sizeof(MAGIC)) || strlen(buf) != (size_t)n)
		rc = err_set(e, -EINVAL,
			     "%s: not a vkernel checkpoint "
			     "manifest (version 1)",
			     path);
	for (line = strtok_r(buf + sizeof(MAGIC), "\n", &save); rc == 0 && line;
	     line = strtok_r(NULL, "\n", &save))
		rc = one_line(m, line, e);
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

int vk_manifest_verify(const struct vk_manifest *m, const char *dir,
		       vk_progress_fn progress, struct err *e)
{
	char path[PATH_MAX + 80], sha[65];
	unsigned long long size;
	struct stat st;
	int rc;

	if ((rc = same_set(m, dir, e)) < 0)
		return rc;
	for (int i = 0; i < m->nfiles; i++) {
		const struct vk_manifest_file *f = &m->files[i];

		snprintf(path, sizeof(path), "%s/%s", dir, f->name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			return err_set(e, -EINVAL, "%s: missing or not a file",
				       path);
		if ((unsigned long long)st.st_size != f->size)
			return err_set(e, -EINVAL,
				       "%s: %lld bytes, the manifest says %llu "
				       "(truncated or changed)",
				       path, (long long)st.st_size, f->size);
		if ((rc = vk_sha256_file(path, sha, &size, progress, e)) < 0)
			return rc;
		if (strcmp(sha, f->sha) || size != f->size)
			return err_set(e, -EINVAL,
				       "%s: checksum mismatch (damaged)", path);
	}
	if ((rc = check_file(m->kernel, "kernel", m->kernel_sha, e)) < 0)
		return err_wrap(e, rc, "another kernel build");
	return check_file(m->stub, "stub file", m->stub_sha, e);
}

unsigned long long vk_manifest_bytes(const struct vk_manifest *m)
{
	unsigned long long t = 0;

	for (int i = 0; i < m->nfiles; i++)
		t += m->files[i].size;
	return t;
}
