/*
 * Running vkernels, findable by name: a launcher whose guest runs writes
 * RUN/instance (key=value lines: launcher and UML pids, kernel, stub,
 * root, memory, -G, sockets, the console pipe's inode) and a symbolic
 * link ${XDG_RUNTIME_DIR:-/tmp}/vkernel-UID/NAME -> RUN; both go at its
 * exit. `vkernel checkpoint` reads them. A link whose launcher is gone is
 * stale and replaced.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"

static int registry_dir(char *out, struct err *e)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (!base || base[0] != '/')
		base = "/tmp";
	if (snprintf(out, PATH_MAX, "%s/vkernel-%u", base,
		     (unsigned)geteuid()) >= PATH_MAX)
		return err_set(e, -ENAMETOOLONG, "registry path too long");
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return err_set(e, -errno, "%s: %s", out, strerror(errno));
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set(e, -EPERM, "%s: not a private directory of ours",
			       out);
	return 0;
}

static int link_path(const char *name, char *out, struct err *e)
{
	char dir[PATH_MAX];
	int rc = registry_dir(dir, e);

	if (rc < 0)
		return rc;
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return err_set(e, -ENAMETOOLONG, "registry path too long");
	return 0;
}

/* Links left by launchers that were killed (SIGKILL skips their exit):
 * no instance file behind them, or its processes are gone. */
static void prune(void)
{
	char dir[PATH_MAX], ln[PATH_MAX + 300];
	struct vk_instance other;
	struct dirent *d;
	DIR *dp;
	int rc;

	if (registry_dir(dir, NULL) < 0 || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		rc = vk_instance_find(d->d_name, &other, NULL);
		if (rc != -ESRCH && rc != -ENOENT)
			continue;
		snprintf(ln, sizeof(ln), "%s/%s", dir, d->d_name);
		unlink(ln);
	}
	closedir(dp);
}

int vk_instance_write(const struct vk_instance *in, struct err *e)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16], ln[PATH_MAX];
	struct vk_instance other;
	FILE *f;
	int rc;

	prune();
	if (vk_instance_find(in->name, &other, NULL) == 0 &&
	    strcmp(other.run, in->run))
		return err_set(e, -EEXIST,
			       "another vkernel named '%s' runs (run dir %s)",
			       in->name, other.run);

	snprintf(path, sizeof(path), "%s/instance", in->run);
	snprintf(tmp, sizeof(tmp), "%s/.instance", in->run);
	if (!(f = fopen(tmp, "w")))
		return err_set(e, -errno, "%s: %s", tmp, strerror(errno));
	fprintf(f,
		"launcher=%d\numl=%d\nname=%s\nrun=%s\nkernel=%s\nstub=%s\n"
		"root=%s\nmem_mb=%lu\ngpu=%s\ngpu_sock=%s\ninput_sock=%s\n"
		"console_pipe=%llu\n",
		(int)in->launcher, (int)in->uml, in->name, in->run, in->kernel,
		in->stub, in->root, in->mem_mb, in->gpu, in->gpu_sock,
		in->input_sock, in->console_ino);
	if (fclose(f) || rename(tmp, path))
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	if ((rc = link_path(in->name, ln, e)) < 0)
		return rc;
	/* Stale: its launcher is gone (checked above). */
	unlink(ln);
	if (symlink(in->run, ln) < 0)
		return err_set(e, -errno, "%s: %s", ln, strerror(errno));
	return 0;
}

void vk_instance_remove(const char *name, const char *run)
{
	char ln[PATH_MAX], to[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/instance", run);
	unlink(path);
	if (link_path(name, ln, NULL) < 0)
		return;
	n = readlink(ln, to, sizeof(to) - 1);
	if (n > 0) {
		to[n] = 0;
		if (!strcmp(to, run))
			unlink(ln);
	}
}

static int kv(const char *buf, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);

	for (const char *p = buf; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : p) {
		size_t n;

		if (strncmp(p, key, k) || p[k] != '=')
			continue;
		p += k + 1;
		n = strcspn(p, "\n");
		if (n >= len)
			return -1;
		memcpy(out, p, n);
		out[n] = 0;
		return 0;
	}
	return -1;
}

static int parse(struct vk_instance *in, const char *buf)
{
	char num[32];

	if (kv(buf, "launcher", num, sizeof(num)) < 0)
		return -1;
	in->launcher = (pid_t)atoi(num);
	if (kv(buf, "uml", num, sizeof(num)) < 0)
		return -1;
	in->uml = (pid_t)atoi(num);
	if (kv(buf, "mem_mb", num, sizeof(num)) < 0)
		return -1;
	in->mem_mb = strtoul(num, NULL, 10);
	if (kv(buf, "console_pipe", num, sizeof(num)) < 0)
		return -1;
	in->console_ino = strtoull(num, NULL, 10);
	return kv(buf, "name", in->name, sizeof(in->name)) |
	       kv(buf, "run", in->run, sizeof(in->run)) |
	       kv(buf, "kernel", in->kernel, sizeof(in->kernel)) |
	       kv(buf, "stub", in->stub, sizeof(in->stub)) |
	       kv(buf, "root", in->root, sizeof(in->root)) |
	       kv(buf, "gpu", in->gpu, sizeof(in->gpu)) |
	       kv(buf, "gpu_sock", in->gpu_sock, sizeof(in->gpu_sock)) |
	       kv(buf, "input_sock", in->input_sock, sizeof(in->input_sock));
}

int vk_instance_find(const char *name, struct vk_instance *in, struct err *e)
{
	char ln[PATH_MAX], path[PATH_MAX + 16], buf[8192];
	FILE *f;
	size_t n;
	int rc;

	*in = (struct vk_instance){0};
	if ((rc = link_path(name, ln, e)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/instance", ln);
	if (!(f = fopen(path, "r")))
		return err_set(e, -ENOENT,
			       "no running vkernel named '%s' (%s: %s)", name,
			       ln, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (parse(in, buf) != 0 || in->uml <= 1 || in->launcher <= 1)
		return err_set(e, -EINVAL, "%s: damaged", path);
	if (!vk_pid_alive(in->launcher) || !vk_pid_alive(in->uml))
		return err_set(e, -ESRCH,
			       "the vkernel '%s' is no longer running (stale "
			       "%s)",
			       name, ln);
	return 0;
}

int vk_instance_running(const char *name)
{
	struct vk_instance in;

	return vk_instance_find(name, &in, NULL) == 0;
}
