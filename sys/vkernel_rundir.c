/*
 * The run directory: gpud's sockets (gpu.sock, input.sock) and UML's
 * uml_dir (NAME/pid, NAME/mconsole). Private: ours, mode 0700 when we make
 * it, never writable by others (gpud refuses such a directory too).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"

static const char *const sockets[] = {"gpu.sock", "input.sock"};

static int fresh(struct vk_rundir *r, const char *name, struct err *e)
{
	const char *base = getenv("XDG_RUNTIME_DIR");

	if (!base || !*base)
		base = "/tmp";
	if (base[0] != '/')
		return err_set(e, -EINVAL,
			       "XDG_RUNTIME_DIR '%s' is not an absolute path",
			       base);
	if (snprintf(r->path, sizeof(r->path), "%s/vkernel-%s-XXXXXX", base,
		     name) >= (int)sizeof(r->path))
		return err_set(e, -ENAMETOOLONG, "run dir under '%s': too long",
			       base);
	if (!mkdtemp(r->path))
		return err_set(e, -errno,
			       "cannot make a run dir under '%s': %s", base,
			       strerror(errno));
	r->created = 1;
	return 0;
}

static int check_private(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return err_set(e, -errno, "run dir '%s': %s", path,
			       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, -ENOTDIR,
			       "run dir '%s' is not a directory (symbolic "
			       "links are refused)",
			       path);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set(e, -EPERM,
			       "run dir '%s' must be ours and not writable by "
			       "others (mode %04o)",
			       path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Is a server listening on the socket at path? */
static int listening(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	rc = connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(s);
	return rc;
}

static int check_socket(const char *dir, const char *file, struct err *e)
{
	char path[PATH_MAX + 16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return err_set(e, -EEXIST, "'%s' exists and is not a socket",
			       path);
	if (listening(path))
		return err_set(e, -EADDRINUSE,
			       "run dir busy: a server listens on '%s'", path);
	return 0;
}

/* UML leaves NAME/pid; it clears the directory itself when that pid is
 * gone, and refuses to start when it is alive: say so first. */
static int check_uml(const char *dir, const char *name, struct err *e)
{
	char path[PATH_MAX + 64], buf[32];
	int fd, n;
	long pid;

	snprintf(path, sizeof(path), "%s/%s/pid", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	pid = strtol(buf, NULL, 10);
	if (pid > 0 && pid <= INT_MAX && vk_pid_alive((pid_t)pid))
		return err_set(e, -EBUSY,
			       "run dir busy: UML '%s' runs in '%s' (pid %ld)",
			       name, dir, pid);
	return 0;
}

static int check_lengths(const char *dir, const char *name, struct err *e)
{
	/* The longest socket path: RUN/NAME/mconsole or RUN/input.sock. */
	size_t n = strlen(dir) + 1 + strlen(name) + sizeof("/mconsole") - 1;

	if (n < sizeof("/input.sock") - 1 + strlen(dir))
		n = strlen(dir) + sizeof("/input.sock") - 1;
	if (n >= VK_SUN_LEN)
		return err_set(e, -ENAMETOOLONG,
			       "run dir '%s' is too long for a socket path "
			       "(%zu bytes, %zu at most)",
			       dir, n, VK_SUN_LEN - 1);
	return 0;
}

int vk_rundir_setup(struct vk_rundir *r, const char *opt, const char *name,
		    int own_sockets, struct err *e)
{
	int rc;

	r->created = 0;
	r->own_sockets = own_sockets;
	if (!opt) {
		rc = fresh(r, name, e);
	} else if ((rc = vk_paths_absolute(opt, r->path, e)) == 0) {
		if (mkdir(r->path, 0700) == 0)
			r->created = 1;
		else if (errno != EEXIST)
			rc = err_set(e, -errno, "cannot make run dir '%s': %s",
				     r->path, strerror(errno));
	}
	if (rc < 0)
		return rc;
	if ((rc = check_private(r->path, e)) < 0 ||
	    (rc = check_lengths(r->path, name, e)) < 0)
		goto fail;
	for (size_t i = 0;
	     own_sockets && i < sizeof(sockets) / sizeof(sockets[0]); i++)
		if ((rc = check_socket(r->path, sockets[i], e)) < 0)
			goto fail;
	if ((rc = check_uml(r->path, name, e)) < 0)
		goto fail;
	return 0;
fail:
	if (r->created)
		rmdir(r->path);
	r->created = 0;
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void remove_tree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void vk_rundir_remove(const struct vk_rundir *r, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat st;

	if (r->created) {
		remove_tree(r->path);
		return;
	}
	for (size_t i = 0;
	     r->own_sockets && i < sizeof(sockets) / sizeof(sockets[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->path, sockets[i]);
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", r->path, name);
	remove_tree(path);
}
