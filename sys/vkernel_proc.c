/*
 * Child processes of vkernel: the first steps after fork, the pidfd that
 * says when a child exited, and the monotonic clock the deadlines use.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"

void vk_child_setup(int out_fd, int deathsig, pid_t parent)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR);

	/* vkernel blocks the signals it reads through a signalfd and
	 * ignores SIGPIPE; neither may reach the programs it starts. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, deathsig);
	/* 0: the parent is outside our PID namespace (vk_uml_start). */
	if (getppid() != parent && getppid() != 0)
		_exit(127);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(out_fd, 2) < 0)
		_exit(127);
}

int vk_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

long long vk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vk_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}
