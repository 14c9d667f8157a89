/*
 * The UML kernel as vkernel's child: its command line (the contract's
 * "Boot of UML", plus sysctl.kernel.ctrl-alt-del=0 so that a Ctrl-Alt-Del
 * from the management console becomes SIGINT to init instead of an
 * immediate reboot), and its start as a session leader, as UML would make
 * itself anyway: its process group, all its host processes, is -pid from
 * the first instant.
 */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vkernel.h"

/* arch/um/include/asm/setup.h; UML adds root= and console= itself. */
#define CMDLINE_MAX (4096 - 64)

int vk_uml_check_path(const char *what, const char *path, struct err *e)
{
	for (const char *p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || c == '"' || c == '\'' ||
		    c == ',' || c == '\\')
			return err_set(e, -EINVAL,
				       "%s '%s': the kernel command line "
				       "cannot carry blanks, quotes, commas, "
				       "backslashes or control characters",
				       what, path);
	}
	return 0;
}

static int add(char **argv, int *n, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int add(char **argv, int *n, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&argv[*n], fmt, ap);
	va_end(ap);
	if (rc < 0) {
		argv[*n] = NULL;
		return err_set(e, -ENOMEM, "out of memory");
	}
	(*n)++;
	return 0;
}

static int fixed_args(const struct vk_uml_cfg *c, char **v, int *n,
		      struct err *e)
{
	int rc = 0;

	rc |= add(v, n, e, "%s", c->kernel);
	rc |= add(v, n, e, "mem=%luM", c->mem_mb);
	rc |= add(v, n, e, "seccomp=%s", c->ptrace ? "off" : "on");
	rc |= add(v, n, e, "uml_dir=%s", c->run);
	rc |= add(v, n, e, "umid=%s", c->name);
	rc |= add(v, n, e, "rootfstype=hostfs");
	rc |= add(v, n, e, "rootflags=%s", c->root);
	rc |= add(v, n, e, "rw");
	rc |= add(v, n, e, "init=/sbin/vkernel-init");
	rc |= add(v, n, e, "con=null");
	rc |= add(v, n, e, "con0=null,fd:1");
	rc |= add(v, n, e, "sysctl.kernel.ctrl-alt-del=0");
	if (c->stub)
		rc |= add(v, n, e, "stub_exe=%s", c->stub);
	if (c->gpu_sock)
		rc |= add(v, n, e, "vkgpu.socket=%s", c->gpu_sock);
	if (c->input_sock)
		rc |= add(v, n, e, "vkinput.socket=%s", c->input_sock);
	return rc ? -ENOMEM : 0;
}

int vk_uml_args(const struct vk_uml_cfg *c, char ***argv_out, struct err *e)
{
	char **v = calloc((size_t)c->n_extra + 20, sizeof(*v));
	size_t total = 0;
	int n = 0, rc;

	if (!v)
		return err_set(e, -ENOMEM, "out of memory");
	rc = fixed_args(c, v, &n, e);
	for (int i = 0; rc == 0 && i < c->n_extra; i++)
		rc = add(v, &n, e, "%s", c->extra[i]);
	for (int i = 1; rc == 0 && i < n; i++)
		total += strlen(v[i]) + 1;
	if (rc == 0 && total > CMDLINE_MAX)
		rc = err_set(e, -E2BIG,
			     "the kernel command line would be %zu bytes, "
			     "more than %d",
			     total, CMDLINE_MAX);
	if (rc < 0) {
		vk_uml_free_args(v);
		return rc;
	}
	*argv_out = v;
	return 0;
}

void vk_uml_free_args(char **argv)
{
	for (int i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* fork(), into a new PID namespace when we may make one: UML is its
 * init there, so the PIDs a checkpoint records are the namespace's and a
 * restore can never find them taken by another process. */
static pid_t fork_ns(void)
{
	struct clone_args a = {.flags = CLONE_NEWPID, .exit_signal = SIGCHLD};
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));

	return pid < 0 && (errno == EPERM || errno == ENOSYS) ? fork() : pid;
}

pid_t vk_uml_start(char **argv, int console_fd, struct err *e)
{
	pid_t self = getpid(), pid = fork_ns();

	if (pid == 0) {
		setsid();
		/* No parent-death signal: CRIU would keep it and send it when
		 * the criu of a restore exits. Nothing inherited either: every
		 * descriptor UML holds is part of its checkpoint. */
		vk_child_setup(console_fd, 0, self);
		close_range(3, ~0U, 0);
		execv(argv[0], argv);
		fprintf(stderr, "vkernel: cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return err_set(e, -errno, "fork: %s", strerror(errno));
	return pid;
}
