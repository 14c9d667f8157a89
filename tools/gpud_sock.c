/*
 * gpud's listening UNIX sockets (the vfio-user --socket and the
 * --input-socket): created mode 0600 in a private directory (made 0700
 * when missing; a directory others may write to is refused); a stale
 * socket is removed only when nothing listens on it, anything else at the
 * path is refused.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gpud.h"

static int sys_err(struct err *e, const char *what, const char *path)
{
	int code = errno;

	return err_set(e, -code, "%s '%s': %s", what, path, strerror(code));
}

static int check_dir(const char *path, struct err *e)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *dir;
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sys_err(e, "cannot create socket directory", dir);
	if (lstat(dir, &st) < 0)
		return sys_err(e, "socket directory", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, -ENOTDIR,
			       "socket directory '%s' is not a directory "
			       "(symbolic links are refused)",
			       dir);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set(e, -EPERM,
			       "socket directory '%s' must belong to us and "
			       "not be writable by others (mode %04o); use a "
			       "private directory",
			       dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int connect_test(const struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (s < 0)
		return -errno;
	rc = connect(s, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno
								      : 0;
	close(s);
	return rc;
}

/* Remove a socket nobody listens on; refuse anything else at path. */
static int clear_stale(const struct sockaddr_un *sa, struct err *e)
{
	struct stat st;
	int rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : sys_err(e, "socket", sa->sun_path);
	if (!S_ISSOCK(st.st_mode))
		return err_set(e, -EEXIST, "'%s' exists and is not a socket",
			       sa->sun_path);
	rc = connect_test(sa);
	if (rc == 0)
		return err_set(e, -EADDRINUSE,
			       "another server is listening on '%s'",
			       sa->sun_path);
	if (rc != -ECONNREFUSED)
		return err_set(e, rc, "cannot tell whether '%s' is in use: %s",
			       sa->sun_path, strerror(-rc));
	if (unlink(sa->sun_path) < 0)
		return sys_err(e, "cannot remove stale socket", sa->sun_path);
	fprintf(stderr, "gpud: removed stale socket %s\n", sa->sun_path);
	return 0;
}

int gpud_sock_listen(struct gpud_sock *s, const char *path, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int rc;

	s->path = path;
	s->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, -ENAMETOOLONG, "socket path '%s' too long",
			       path);
	strcpy(sa.sun_path, path);
	if ((rc = check_dir(path, e)) < 0 || (rc = clear_stale(&sa, e)) < 0)
		return rc;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return sys_err(e, "socket for", path);
	/* The umask makes the socket 0600 from the moment it exists. */
	old = umask(0177);
	rc = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = sys_err(e, "cannot bind", path);
		close(s->fd);
		s->fd = -1;
		return rc;
	}
	if (chmod(path, 0600) < 0 || lstat(path, &st) < 0 ||
	    listen(s->fd, 4) < 0) {
		rc = sys_err(e, "cannot listen on", path);
		unlink(path);
		close(s->fd);
		s->fd = -1;
		return rc;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

void gpud_sock_close(struct gpud_sock *s)
{
	struct stat st;

	if (s->fd < 0)
		return;
	/* Unless another gpud has replaced the socket meanwhile. */
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	close(s->fd);
	s->fd = -1;
}
