/*
 * Finding what vkernel runs: the UML kernel, the guest root and gpud. An
 * option wins, then an environment variable, then the build tree the
 * vkernel binary sits in (EXEDIR = build/ for build/vkernel), then
 * ./build/ under the current directory. Each error says where we looked
 * and which make target builds the missing piece.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"

enum kind { KIND_EXEC, KIND_DIR };

struct lookup {
	const char *what; /* "kernel", "guest root", "gpud" */
	const char *opt;  /* the option's value, or NULL */
	const char *optname;
	const char *env;     /* environment variable */
	const char *exe_rel; /* under EXEDIR, or NULL */
	const char *cwd_rel; /* under the current directory, or NULL */
	enum kind kind;
	const char *hint;
};

static int exe_dir(char *out)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = 0;
	snprintf(out, PATH_MAX, "%s", dirname(buf));
	return 0;
}

static int is_kind(const char *path, enum kind k)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (k == KIND_DIR)
		return S_ISDIR(st.st_mode);
	return S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* An explicit path (option or environment) must be usable as given. */
static int take(const struct lookup *l, const char *path, const char *from,
		char *out, struct err *e)
{
	if (!is_kind(path, l->kind))
		return err_set(e, -ENOENT, "%s '%s' (%s): %s; %s", l->what,
			       path, from,
			       access(path, F_OK)    ? strerror(errno)
			       : l->kind == KIND_DIR ? "not a directory"
						     : "not an executable file",
			       l->hint);
	if (!realpath(path, out))
		return err_set(e, -errno, "%s '%s': %s", l->what, path,
			       strerror(errno));
	return 0;
}

static int lookup(const struct lookup *l, char *out, struct err *e)
{
	char dir[PATH_MAX], cand[2][PATH_MAX] = {{0}};
	const char *env = getenv(l->env);
	int n = 0;

	if (l->opt)
		return take(l, l->opt, l->optname, out, e);
	if (env && *env)
		return take(l, env, l->env, out, e);
	if (l->exe_rel && exe_dir(dir) == 0 &&
	    snprintf(cand[n], PATH_MAX, "%s/%s", dir, l->exe_rel) < PATH_MAX)
		n++;
	if (l->cwd_rel)
		snprintf(cand[n++], PATH_MAX, "%s", l->cwd_rel);
	for (int i = 0; i < n; i++)
		if (is_kind(cand[i], l->kind))
			return take(l, cand[i], "found", out, e);
	return err_set(e, -ENOENT, "no %s: not in %s%s%s; %s", l->what,
		       n ? cand[0] : "", n > 1 ? " or " : "",
		       n > 1 ? cand[1] : "", l->hint);
}

int vk_paths_kernel(const char *opt, char *out, struct err *e)
{
	const struct lookup l = {.what = "kernel",
				 .opt = opt,
				 .optname = "-k",
				 .env = "VKERNEL_KERNEL",
				 .exe_rel = "sys/linux",
				 .cwd_rel = "build/sys/linux",
				 .kind = KIND_EXEC,
				 .hint = "build it with `make vkernel-linux` "
					 "or name it with -k"};

	return lookup(&l, out, e);
}

int vk_paths_root(const char *opt, char *out, struct err *e)
{
	static const char hint[] =
		"build it with `make guest-root` or name one with -r";
	const struct lookup l = {.what = "guest root",
				 .opt = opt,
				 .optname = "-r",
				 .env = "VKERNEL_ROOT",
				 .exe_rel = "guest-root",
				 .cwd_rel = "build/guest-root",
				 .kind = KIND_DIR,
				 .hint = hint};
	char init[PATH_MAX + 32];
	struct stat st;
	int rc = lookup(&l, out, e);

	if (rc < 0)
		return rc;
	/* lstat: in the guest it may be a link to a guest path. */
	snprintf(init, sizeof(init), "%s/sbin/vkernel-init", out);
	if (lstat(init, &st) < 0)
		return err_set(e, -ENOENT,
			       "guest root '%s' has no /sbin/vkernel-init; %s",
			       out, hint);
	return 0;
}

/* gpud: $VKERNEL_GPUD, EXEDIR/gpud, then the PATH. */
int vk_paths_gpud(char *out, struct err *e)
{
	const struct lookup l = {.what = "gpud",
				 .env = "VKERNEL_GPUD",
				 .kind = KIND_EXEC,
				 .hint = "build it with `make`"};
	const char *env = getenv(l.env), *path = getenv("PATH");
	char dir[PATH_MAX] = "?", cand[PATH_MAX];

	if (env && *env)
		return take(&l, env, l.env, out, e);
	if (exe_dir(dir) == 0 &&
	    snprintf(cand, sizeof(cand), "%s/gpud", dir) < PATH_MAX &&
	    is_kind(cand, KIND_EXEC))
		return take(&l, cand, "found", out, e);
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(cand, sizeof(cand), "%.*s/gpud", (int)n, path);
		if (n && is_kind(cand, KIND_EXEC))
			return take(&l, cand, "PATH", out, e);
		path += n + (path[n] == ':');
	}
	return err_set(e, -ENOENT,
		       "no gpud: not next to vkernel (%s) nor on the PATH; %s",
		       dir, l.hint);
}

int vk_paths_absolute(const char *path, char *out, struct err *e)
{
	char cwd[PATH_MAX];

	if (path[0] == '/') {
		if (strlen(path) >= PATH_MAX)
			return err_set(e, -ENAMETOOLONG, "'%s': too long",
				       path);
		strcpy(out, path);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return err_set(e, -errno, "current directory: %s",
			       strerror(errno));
	if (snprintf(out, PATH_MAX, "%s/%s", cwd, path) >= PATH_MAX)
		return err_set(e, -ENAMETOOLONG, "'%s': too long", path);
	return 0;
}
