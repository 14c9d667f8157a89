/*
 * Running CRIU for checkpoint and restore (sys/criu/README.md): which
 * criu ($VKERNEL_CRIU, else sys/criu/criu-sid of the source tree the
 * vkernel binary was built in, i.e. Debian sid's criu 4.x from
 * build/sid-root), and one run of it with a chosen stdin (restore hands
 * the new console pipe over as fd 0 for --inherit-fd; criu-sid closes
 * every descriptor above 2) and its output in a log file.
 *
 * Every criu run first probes the kernel (network namespaces, veth pairs,
 * ...: 50-80 ms of each dump and restore here) unless it finds its cache
 * of the answers. As root criu keeps that cache only in /run and only if
 * /run is a tmpfs (not so on Debian's default install); with
 * --unprivileged it keeps it in $XDG_RUNTIME_DIR. So dump and restore run
 * with --unprivileged (as root that gives up nothing a vkernel needs: the
 * checkpoint tests pass so) and XDG_RUNTIME_DIR set to a private directory
 * on /dev/shm; where that cannot be had, criu runs as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vkernel.h"

int vk_criu_cmd(char *out, struct err *e)
{
	const char *env = getenv("VKERNEL_CRIU");
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;

	if (env && *env) {
		if (access(env, X_OK) < 0)
			return err_set(e, -errno, "VKERNEL_CRIU '%s': %s", env,
				       strerror(errno));
		return vk_paths_absolute(env, out, e);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return err_set(e, -errno, "/proc/self/exe: %s",
			       strerror(errno));
	exe[n] = 0;
	/* build/vkernel or build/san/vkernel in the source tree. */
	for (int up = 1; up <= 2; up++) {
		char *d = dirname(exe);

		memmove(exe, d, strlen(d) + 1);
		snprintf(cand, sizeof(cand), "%s/../sys/criu/criu-sid", exe);
		if (access(cand, X_OK) == 0 && realpath(cand, out))
			return 0;
	}
	return err_set(e, -ENOENT,
		       "no criu: sys/criu/criu-sid not found next to the "
		       "vkernel binary's build tree; set VKERNEL_CRIU to a "
		       "criu 4.x (make sid-root builds Debian sid's)");
}

/* For an error message: the log's first "Error" line (the cause; the
 * last one is criu's summary), else its end. */
static void log_tail(const char *log, char *out, size_t len)
{
	FILE *f = fopen(log, "re");
	char *line = NULL, last[201] = "";
	size_t cap = 0;
	ssize_t n;

	out[0] = 0;
	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, "Error (")) {
			snprintf(out, len, "%s", strstr(line, "Error ("));
			break;
		}
		snprintf(last, sizeof(last), "%s", line);
	}
	free(line);
	fclose(f);
	if (!out[0])
		snprintf(out, len, "%s", last);
}

/* A directory only this user can write, on a tmpfs: for criu's cache. */
static int kdat_dir(char *out, size_t len)
{
	struct stat st;

	snprintf(out, len, "/dev/shm/vkernel-criu-%u", (unsigned)getuid());
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -1;
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077))
		return -1;
	return 0;
}

/* In the child: exec criu, with the cache where dump and restore use it. */
static void exec_criu(const char *criu, char *const args[])
{
	char dir[64], *argv[64];
	int n = 0;

	if (args[1] &&
	    (!strcmp(args[1], "dump") || !strcmp(args[1], "restore")) &&
	    kdat_dir(dir, sizeof(dir)) == 0 &&
	    setenv("XDG_RUNTIME_DIR", dir, 1) == 0) {
		argv[n++] = args[0];
		argv[n++] = args[1];
		argv[n++] = "--unprivileged";
		for (int i = 2; args[i] && n < 63; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(criu, argv);
	} else {
		execv(criu, args);
	}
}

int vk_criu_run(const char *criu, char *const args[], int in_fd,
		const char *log, const char *logname, struct err *e)
{
	char tail[300], how[64];
	int status, lf;
	pid_t pid;

	lf = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (lf < 0)
		return err_set(e, -errno, "%s: %s", log, strerror(errno));
	pid = fork();
	if (pid == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDONLY);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in_fd >= 0 ? in_fd : null, 0) < 0 || dup2(lf, 1) < 0 ||
		    dup2(lf, 2) < 0)
			_exit(127);
		exec_criu(criu, args);
		fprintf(stderr, "vkernel: cannot run '%s': %s\n", criu,
			strerror(errno));
		_exit(127);
	}
	close(lf);
	if (pid < 0)
		return err_set(e, -errno, "fork: %s", strerror(errno));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(e, -errno, "waitpid: %s",
				       strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	vk_describe_status(status, how, sizeof(how));
	log_tail(logname, tail, sizeof(tail));
	return err_set(e, -EIO, "criu %s %s (%s): %s", args[1], how, logname,
		       tail);
}

int vk_criu_version(const char *criu, char *out, size_t len)
{
	char *const args[] = {(char *)criu, "--version", NULL};
	char log[] = "/tmp/vkernel-criu-version-XXXXXX", buf[256];
	int fd = mkstemp(log), rc;
	ssize_t n;

	snprintf(out, len, "unknown");
	if (fd < 0)
		return -errno;
	close(fd);
	rc = vk_criu_run(criu, args, -1, log, log, NULL);
	fd = open(log, O_RDONLY | O_CLOEXEC);
	unlink(log);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (rc == 0 && n > 0) {
		char *v;

		buf[n] = 0;
		if ((v = strstr(buf, "Version: ")))
			snprintf(out, len, "%.*s", (int)strcspn(v + 9, "\n"),
				 v + 9);
	}
	return rc;
}
