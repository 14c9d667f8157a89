/*
 * subreaper: run a command as a child subreaper, for checkpointing a UML
 * with CRIU (sys/criu/README.md).
 *   subreaper [--detach] [--close-fds] [--pid-file FILE] COMMAND [ARGS...]
 * `criu restore` gives the restored processes their old PIDs, so the
 * processes of the dumped tree must be gone, reaped, first. Run UML and
 * `criu restore --restore-detached` under this: every process orphaned
 * below it (the restored tree once criu exits) becomes its child and is
 * reaped the moment it exits, instead of waiting for the host's PID 1.
 * It exits when no child is left, with COMMAND's exit status (128 + N when
 * signal N killed it). With --detach it returns COMMAND's status as soon
 * as COMMAND exits and a forked copy of itself goes on reaping.
 * --close-fds closes every descriptor above 2 for COMMAND: whatever a UML
 * inherits becomes part of its checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("usage: subreaper [--detach] [--close-fds] [--pid-file FILE] "
	      "COMMAND [ARGS...]\n"
	      "Runs COMMAND as a child and reaps every process orphaned "
	      "below it\n(PR_SET_CHILD_SUBREAPER) until none is left; "
	      "exits with COMMAND's status.\n"
	      "  --detach         return COMMAND's status when it exits; a "
	      "forked copy\n"
	      "                   of subreaper goes on reaping its orphans\n"
	      "  --close-fds      close every descriptor above 2 for "
	      "COMMAND\n"
	      "  --pid-file FILE  write COMMAND's PID to FILE\n",
	      out);
}

static int write_pid(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "subreaper: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", (int)pid);
	if (fclose(f)) {
		fprintf(stderr, "subreaper: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Reaps children until none is left; returns the exit code of CMD. Once
 * CMD is reaped its exit code goes to STATUS_FD, when that is not -1.
 */
static int reap_all(pid_t cmd, int status_fd)
{
	int status, code = 0;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		if (pid != cmd)
			continue;
		code = exit_code(status);
		if (status_fd >= 0) {
			if (write(status_fd, &code, sizeof(code)) < 0)
				fprintf(stderr, "subreaper: status: %s\n",
					strerror(errno));
			close(status_fd);
			status_fd = -1;
		}
	}
	if (errno != ECHILD) {
		fprintf(stderr, "subreaper: waitpid: %s\n", strerror(errno));
		return 1;
	}
	return code;
}

/*
 * --detach: forks the reaper and returns in the parent with CMD's exit
 * code once the reaper sends it (-1 in the reaper itself, with *status_fd
 * set to where it sends it).
 */
static int detach(int *status_fd)
{
	int fds[2], code;
	pid_t reaper;

	if (pipe2(fds, O_CLOEXEC)) {
		fprintf(stderr, "subreaper: pipe: %s\n", strerror(errno));
		return 1;
	}
	reaper = fork();
	if (reaper < 0) {
		fprintf(stderr, "subreaper: fork: %s\n", strerror(errno));
		return 1;
	}
	if (reaper == 0) {
		close(fds[0]);
		*status_fd = fds[1];
		return -1;
	}
	close(fds[1]);
	if (read(fds[0], &code, sizeof(code)) != sizeof(code)) {
		fputs("subreaper: no exit status from the reaper\n", stderr);
		return 1;
	}
	return code;
}

/* Runs ARGV as the reaper's child; returns its exit code, see above. */
static int run(char **argv, const char *pid_file, int close_fds, int status_fd)
{
	pid_t cmd;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		fprintf(stderr, "subreaper: PR_SET_CHILD_SUBREAPER: %s\n",
			strerror(errno));
		return 1;
	}
	cmd = fork();
	if (cmd < 0) {
		fprintf(stderr, "subreaper: fork: %s\n", strerror(errno));
		return 1;
	}
	if (cmd == 0) {
		if (close_fds && close_range(3, ~0U, 0)) {
			fprintf(stderr, "subreaper: close_range: %s\n",
				strerror(errno));
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "subreaper: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid_file && write_pid(pid_file, cmd)) {
		kill(cmd, SIGKILL);
		reap_all(cmd, status_fd);
		return 1;
	}
	return reap_all(cmd, status_fd);
}

int main(int argc, char **argv)
{
	const char *pid_file = NULL;
	int i = 1, detached = 0, close_fds = 0, status_fd = -1, code;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--detach")) {
			detached = 1;
		} else if (!strcmp(argv[i], "--close-fds")) {
			close_fds = 1;
		} else if (!strcmp(argv[i], "--pid-file") && i + 1 < argc) {
			pid_file = argv[++i];
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			fprintf(stderr, "subreaper: bad option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (detached) {
		code = detach(&status_fd);
		if (code >= 0)
			return code;
	}
	return run(argv + i, pid_file, close_fds, status_fd);
}
