/*
 * vkernel checkpoints [--dir DIR] [list | show NAME | verify NAME |
 *                      delete NAME]
 * The checkpoint store: list names with size, date and instance; show a
 * manifest; verify every checksum, the kernel and the stub as restore
 * would; delete one (under its lock, so not while a checkpoint of that
 * name is being written).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"

static const char usage_text[] =
	"usage: vkernel checkpoints [--dir DIR] [list | show NAME | verify "
	"NAME | delete NAME]\n"
	"The checkpoints in DIR (default as for vkernel checkpoint). Exit 0 "
	"ok, 1 usage,\n"
	"2 no such checkpoint or (verify) a damaged one.\n";

static void when(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

static int list(const char *store)
{
	struct dirent *d;
	DIR *dp = opendir(store);
	char path[PATH_MAX + 300], t[32];

	if (!dp) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "vkernel: %s: %s\n", store, strerror(errno));
		return VK_EXIT_SETUP;
	}
	while ((d = readdir(dp))) {
		struct vk_manifest m;
		struct err e = {{0}};

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", store, d->d_name);
		if (vk_manifest_read(&m, path, &e) < 0) {
			printf("%-24s (damaged: %s)\n", d->d_name, e.msg);
		} else {
			when(m.created, t, sizeof(t));
			printf("%-24s %s  %6llu MiB  instance %s, %lu MiB "
			       "guest, VRAM %llu MiB\n",
			       d->d_name, t, vk_manifest_bytes(&m) >> 20,
			       m.name, m.mem_mb, m.vram >> 20);
		}
		vk_manifest_free(&m);
	}
	closedir(dp);
	return 0;
}

static int show(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f;
	char mf[PATH_MAX * 2];

	snprintf(mf, sizeof(mf), "%s/manifest", path);
	if (!(f = fopen(mf, "r"))) {
		fprintf(stderr, "vkernel: %s: %s\n", mf, strerror(errno));
		return VK_EXIT_SETUP;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

static int verify(const char *path)
{
	struct vk_manifest m;
	struct err e = {{0}};
	int rc = vk_manifest_read(&m, path, &e);

	if (rc == 0)
		rc = vk_manifest_verify(&m, path, NULL, &e);
	if (rc == 0)
		printf("%s: ok (%d files, %llu MiB, kernel and stub match)\n",
		       path, m.nfiles, vk_manifest_bytes(&m) >> 20);
	else
		fprintf(stderr, "vkernel: %s\n", e.msg);
	vk_manifest_free(&m);
	return rc ? VK_EXIT_SETUP : 0;
}

static int delete (const char *store, const char *name, const char *path)
{
	char lock[PATH_MAX + 96];
	int fd;

	snprintf(lock, sizeof(lock), "%s/.%s.lock", store, name);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr,
			"vkernel: %s: a checkpoint of this name is "
			"being written\n",
			lock);
		if (fd >= 0)
			close(fd);
		return VK_EXIT_SETUP;
	}
	if (access(path, F_OK) < 0) {
		fprintf(stderr, "vkernel: no checkpoint %s\n", path);
		close(fd);
		return VK_EXIT_SETUP;
	}
	vk_remove_tree(path);
	unlink(lock);
	close(fd);
	return 0;
}

int vk_ckpts_main(int argc, char **argv)
{
	const char *dir = NULL, *cmd = "list", *name = NULL;
	char store[PATH_MAX], path[PATH_MAX + 80];
	struct err e = {{0}};
	int i = 1;

	if (i + 1 < argc && !strcmp(argv[i], "--dir")) {
		dir = argv[i + 1];
		i += 2;
	}
	if (i < argc &&
	    (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (i < argc)
		cmd = argv[i++];
	if (i < argc)
		name = argv[i++];
	if (i != argc || (strcmp(cmd, "list") && !name) ||
	    (!strcmp(cmd, "list") && name) ||
	    (name && vk_check_ckpt_name(name, &e) < 0)) {
		fprintf(stderr, "vkernel: checkpoints: %s\n%s",
			e.msg[0] ? e.msg : "bad arguments", usage_text);
		return VK_EXIT_USAGE;
	}
	if (vk_store_dir(dir, store, &e) < 0) {
		fprintf(stderr, "vkernel: %s\n", e.msg);
		return VK_EXIT_SETUP;
	}
	if (!strcmp(cmd, "list"))
		return list(store);
	snprintf(path, sizeof(path), "%s/%s", store, name);
	if (!strcmp(cmd, "show"))
		return show(path);
	if (!strcmp(cmd, "verify"))
		return verify(path);
	if (!strcmp(cmd, "delete"))
		return delete (store, name, path);
	fprintf(stderr, "vkernel: checkpoints: unknown command '%s'\n%s", cmd,
		usage_text);
	return VK_EXIT_USAGE;
}
