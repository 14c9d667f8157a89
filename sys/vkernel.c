/*
 * vkernel: run the guest desktop in User-Mode Linux (`vkernel --help` is
 * the manual). The order: check every option and path, make the run
 * directory, start gpud and wait until it serves, boot UML, relay its
 * console until it exits, stop gpud, remove the run directory. Signals
 * are read through a signalfd and children's exits through pidfds, all
 * in one poll loop; nothing runs in a signal handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vkernel.h"

struct vk {
	struct vk_opts o;
	char kernel[PATH_MAX], root[PATH_MAX], gpud_exe[PATH_MAX];
	char gpu_sock[PATH_MAX], input_sock[PATH_MAX]; /* "" if none */
	char stub[PATH_MAX + 8];    /* stub_exe= ("" if none) */
	struct vk_restore *restore; /* `vkernel restore`: the checkpoint */
	int registered;
	struct vk_rundir run;
	int run_made;
	struct vk_gpud gpud;
	int own_gpud;	 /* sim or pci: gpud is ours */
	int gpud_failed; /* it did not start: show its output */
	char **uml_argv;
	struct vk_console con;
	int console_file; /* --console FILE, or -1 */
	int sigfd;
	pid_t uml;
	int uml_pidfd, uml_status;
};

/* The state of a running guest's shutdown. */
struct stop {
	long long since; /* 0: running */
	int stage;	 /* 1 cad sent, 2 sysrq sent, 3 killed */
	int gpud_died;
	int deferred; /* a signal that came during a checkpoint */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("vkernel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- Setup: everything checked before anything starts ---- */

static int is_socket(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* -G unix:PATH and --input PATH: absolute, fit the command line, and a
 * socket (the gpu one with a server on it). */
static int resolve_socket(const char *what, const char *in, char *out,
			  struct err *e)
{
	int rc;

	if ((rc = vk_paths_absolute(in, out, e)) < 0 ||
	    (rc = vk_uml_check_path(what, out, e)) < 0)
		return rc;
	if (strlen(out) >= VK_SUN_LEN)
		return err_set(e, -ENAMETOOLONG,
			       "%s '%s': too long for a socket", what, out);
	if (!is_socket(out))
		return err_set(e, -ENOTSOCK, "%s '%s' is not a socket%s", what,
			       out,
			       access(out, F_OK) ? " (it does not exist)" : "");
	return 0;
}

static int check_unix_gpu(struct vk *v, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s, rc;

	if ((rc = resolve_socket("-G unix:", v->o.gpu, v->gpu_sock, e)) < 0)
		return rc;
	if (v->o.input &&
	    (rc = resolve_socket("--input", v->o.input, v->input_sock, e)) < 0)
		return rc;
	strcpy(sa.sun_path, v->gpu_sock);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_set(e, -errno, "socket: %s", strerror(errno));
	rc = connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	close(s);
	if (rc < 0)
		return err_set(e, rc, "-G unix:%s: nothing serves there: %s",
			       v->gpu_sock, strerror(-rc));
	return 0;
}

static int find_paths(struct vk *v, struct err *e)
{
	int rc;

	if ((rc = vk_paths_kernel(v->o.kernel, v->kernel, e)) < 0 ||
	    (rc = vk_paths_root(v->o.root, v->root, e)) < 0 ||
	    (rc = vk_uml_check_path("guest root", v->root, e)) < 0)
		return rc;
	if (!v->own_gpud)
		return check_unix_gpu(v, e);
	return vk_paths_gpud(v->gpud_exe, e);
}

/* stub_exe= next to the kernel: a stable path that exists when a
 * checkpoint is restored (CRIU reopens the stub by path). Without a
 * writable place there, no stub_exe= and no checkpoints. */
static void plan_stub(struct vk *v)
{
	char dir[PATH_MAX];

	v->stub[0] = 0;
	if (v->o.ptrace)
		return;
	snprintf(v->stub, sizeof(v->stub), "%s.stub", v->kernel);
	snprintf(dir, sizeof(dir), "%s", v->kernel);
	*strrchr(dir, '/') = 0;
	if ((access(v->stub, F_OK) == 0 && access(v->stub, R_OK) == 0) ||
	    access(dir[0] ? dir : "/", W_OK) == 0)
		return;
	say("note: %s cannot be written: the guest cannot be checkpointed",
	    v->stub);
	v->stub[0] = 0;
}

static int make_args(struct vk *v, struct err *e)
{
	const struct vk_uml_cfg c = {
		.stub = v->stub[0] ? v->stub : NULL,
		.kernel = v->kernel,
		.root = v->root,
		.run = v->run.path,
		.name = v->o.name,
		.mem_mb = v->o.mem_mb,
		.ptrace = v->o.ptrace,
		.gpu_sock = v->gpu_sock,
		.input_sock = v->input_sock[0] ? v->input_sock : NULL,
		.extra = v->o.extra,
		.n_extra = v->o.n_extra};

	return vk_uml_args(&c, &v->uml_argv, e);
}

/* The run dir's sockets: gpud's input socket only when it has one (the
 * run dir's length was checked against the socket limit). */
static int plan_sockets(struct vk *v, struct err *e)
{
	int rc = vk_uml_check_path("run dir", v->run.path, e);

	if (rc < 0 || !v->own_gpud)
		return rc;
	if (snprintf(v->gpu_sock, VK_SUN_LEN, "%s/gpu.sock", v->run.path) >=
	    (int)VK_SUN_LEN)
		return err_set(e, -ENAMETOOLONG, "run dir '%s': too long",
			       v->run.path);
	if (!vk_gpud_has_input(v->gpud_exe))
		say("note: this gpud has no --input-socket; the guest gets "
		    "no keyboard or mouse");
	else if (snprintf(v->input_sock, VK_SUN_LEN, "%s/input.sock",
			  v->run.path) >= (int)VK_SUN_LEN)
		return err_set(e, -ENAMETOOLONG, "run dir '%s': too long",
			       v->run.path);
	return 0;
}

static int open_console(struct vk *v, struct err *e)
{
	v->con.out_fd = STDOUT_FILENO;
	if (!v->o.console)
		return 0;
	v->console_file =
		open(v->o.console,
		     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (v->console_file < 0)
		return err_set(e, -errno, "--console '%s': %s", v->o.console,
			       strerror(errno));
	v->con.out_fd = v->console_file;
	return 0;
}

static int prepare(struct vk *v, struct err *e)
{
	int rc;

	v->own_gpud = v->o.gpu_kind != VK_GPU_UNIX;
	if ((rc = find_paths(v, e)) < 0)
		return rc;
	if ((rc = vk_rundir_setup(&v->run, v->o.run_dir, v->o.name, v->own_gpud,
				  e)) < 0)
		return rc;
	v->run_made = 1;
	plan_stub(v);
	if ((rc = vk_uml_check_path("stub file", v->stub, e)) < 0 ||
	    (rc = plan_sockets(v, e)) < 0 || (rc = make_args(v, e)) < 0)
		return rc;
	return open_console(v, e);
}

static int block_signals(struct vk *v, struct err *e)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	v->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (v->sigfd < 0)
		return err_set(e, -errno, "signalfd: %s", strerror(errno));
	return 0;
}

/* The next signal, 0 if none. */
static int next_signal(struct vk *v)
{
	struct signalfd_siginfo si;

	if (read(v->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

/* ---- gpud ---- */

static int gpud_ready(struct vk *v)
{
	return v->gpud.vnc_port > 0 && is_socket(v->gpu_sock) &&
	       (!v->input_sock[0] || is_socket(v->input_sock));
}

static void print_desktop(struct vk *v, int port)
{
	const char *a = v->o.vnc_addr ? v->o.vnc_addr : "127.0.0.1";
	int v6 = strchr(a, ':') != NULL;

	say("desktop on vnc://%s%s%s:%d (display :0 in the guest)",
	    v6 ? "[" : "", a, v6 ? "]" : "", port);
}

/* gpud prints its VNC port after its socket listens (tools/gpud.c: start,
 * then start_display); the sockets are checked as well. */
static int wait_gpud(struct vk *v, struct err *e)
{
	long long deadline = vk_now_ms() + VK_GPUD_START_S * 1000, left;
	char how[64];
	int sig;

	while (!gpud_ready(v)) {
		struct pollfd p[3] = {{.fd = v->sigfd, .events = POLLIN},
				      {.fd = v->gpud.fd, .events = POLLIN},
				      {.fd = v->gpud.pidfd, .events = POLLIN}};

		if ((sig = next_signal(v)) != 0)
			return err_set(e, -EINTR,
				       "SIG%s before the guest started",
				       sigabbrev_np(sig));
		left = deadline - vk_now_ms();
		if (vk_gpud_poll(&v->gpud)) {
			v->gpud_failed = 1;
			vk_describe_status(v->gpud.status, how, sizeof(how));
			return err_set(e, -EIO, "gpud %s while starting", how);
		}
		if (left <= 0) {
			v->gpud_failed = 1;
			return err_set(e, -ETIMEDOUT,
				       "gpud did not get ready within %d s",
				       VK_GPUD_START_S);
		}
		/* The sockets appear without an event: look again soon. */
		if (v->gpud.vnc_port > 0 && left > 50)
			left = 50;
		if (poll(p, 3, (int)left) > 0 && p[1].revents)
			vk_gpud_read(&v->gpud);
	}
	return 0;
}

static int start_gpud(struct vk *v, struct err *e)
{
	int rc;

	if (!v->own_gpud) {
		say("using the gpud serving %s (no gpud started)", v->gpu_sock);
		return 0;
	}
	rc = vk_gpud_start(&v->gpud, v->gpud_exe, v->o.gpu, v->gpu_sock,
			   v->input_sock[0] ? v->input_sock : NULL,
			   v->o.vnc_port, v->o.vnc_addr, e);
	if (rc == 0)
		rc = wait_gpud(v, e);
	if (rc < 0)
		return rc;
	v->gpud.forward = 1;
	print_desktop(v, v->gpud.vnc_port);
	return 0;
}

/* ---- The guest ---- */

/* Reap what is left of UML's process group: vkernel is a child subreaper,
 * so UML's address-space processes, orphaned when it died, are ours to
 * reap (not the host init's, which may take its time). SIGKILLed, they go
 * quickly; a process stuck in the host kernel is given up after 2 s. */
static void reap_group(pid_t pgid)
{
	long long deadline = vk_now_ms() + 2000;
	pid_t r;

	while ((r = waitpid(-pgid, NULL, WNOHANG)) >= 0) {
		if (r == 0) {
			if (vk_now_ms() >= deadline) {
				say("processes of UML's group %d do not exit",
				    (int)pgid);
				return;
			}
			poll(NULL, 0, 10);
		}
	}
}

/* Where `vkernel checkpoint` finds this guest. */
static void register_instance(struct vk *v)
{
	struct vk_instance in = {
		.launcher = getpid(), .uml = v->uml, .mem_mb = v->o.mem_mb};
	struct err e = {{0}};
	struct stat st;

	if (fstat(v->con.in_fd, &st) == 0)
		in.console_ino = (unsigned long long)st.st_ino;
	snprintf(in.name, sizeof(in.name), "%s", v->o.name);
	snprintf(in.run, sizeof(in.run), "%s", v->run.path);
	snprintf(in.kernel, sizeof(in.kernel), "%s", v->kernel);
	snprintf(in.stub, sizeof(in.stub), "%s", v->stub);
	snprintf(in.root, sizeof(in.root), "%s", v->root);
	snprintf(in.gpu, sizeof(in.gpu), "%s%s",
		 v->o.gpu_kind == VK_GPU_UNIX ? "unix:" : "", v->o.gpu);
	snprintf(in.gpu_sock, sizeof(in.gpu_sock), "%s", v->gpu_sock);
	/* A restored guest has input only if the checkpointed one had. */
	if (!v->restore || v->restore->m.input)
		snprintf(in.input_sock, sizeof(in.input_sock), "%s",
			 v->input_sock);
	if (vk_instance_write(&in, &e) < 0)
		say("cannot register the guest (no checkpoints): %s", e.msg);
	else
		v->registered = 1;
}

/* Instead of a boot: the checkpoint's tree, then its devices thawed. */
static pid_t restore_guest(struct vk *v, int console_fd, struct err *e)
{
	struct vk_restore *r = v->restore;
	long long t;
	pid_t pid;
	int rc = vk_restore_check_gpu(r, v->gpu_sock, e);

	if (rc < 0)
		return err_wrap(e, rc, "cannot restore onto this GPU");
	pid = vk_restore_start(r, console_fd, e);
	if (pid < 0)
		return pid;
	t = vk_now_ms();
	rc = vk_restore_thaw(r, v->gpu_sock, v->input_sock, e);
	if (rc < 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		reap_group(pid);
		return rc;
	}
	r->thaw_ms = vk_now_ms() - t;
	say("restored %s in %lld ms (verify %lld, criu restore %lld, thaw "
	    "%lld): UML pid %d, run dir %s",
	    r->dir, vk_now_ms() - r->t0, r->verify_ms, r->criu_ms, r->thaw_ms,
	    (int)pid, v->run.path);
	return pid;
}

static int boot(struct vk *v, struct err *e)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe: %s", strerror(errno));
	/* Room for bursts while we are busy elsewhere. */
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	v->con.in_fd = p[0];
	if (v->restore)
		v->uml = restore_guest(v, p[1], e);
	else
		v->uml = vk_uml_start(v->uml_argv, p[1], e);
	close(p[1]);
	if (v->uml < 0) {
		close(p[0]);
		v->con.in_fd = -1;
		return (int)v->uml;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	v->uml_pidfd = vk_pidfd_open(v->uml);
	if (v->uml_pidfd < 0) {
		int rc = err_set(e, -errno, "pidfd_open: %s", strerror(errno));

		kill(-v->uml, SIGKILL);
		waitpid(v->uml, NULL, 0);
		reap_group(v->uml);
		return rc;
	}
	if (!v->restore)
		say("booting %s: root %s, %lu MiB, %s mode, run dir %s",
		    v->kernel, v->root, v->o.mem_mb,
		    v->o.ptrace ? "ptrace" : "seccomp", v->run.path);
	register_instance(v);
	return 0;
}

static void mconsole(struct vk *v, const char *cmd)
{
	struct err e = {{0}};

	if (vk_mconsole_send(v->run.path, v->o.name, cmd, &e) < 0)
		say("%s", e.msg);
}

static void kill_guest(struct vk *v, struct stop *s)
{
	kill(-v->uml, SIGKILL);
	s->stage = 3;
}

/* RUN/stopping tells `vkernel checkpoint` not to start now. */
static void note_stopping(struct vk *v)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/stopping", v->run.path);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

/* Ctrl-Alt-Del first: init gets SIGINT and may shut down in order. */
static void begin_stop(struct vk *v, struct stop *s, const char *why)
{
	if (s->since) {
		say("%s: killing the guest now", why);
		kill_guest(v, s);
		return;
	}
	say("%s: powering the guest off (a second signal kills it)", why);
	s->since = vk_now_ms();
	s->stage = 1;
	note_stopping(v);
	mconsole(v, "cad");
}

/* The later stages of a power-off; returns ms until the next one. */
static int stop_step(struct vk *v, struct stop *s)
{
	long long t = vk_now_ms() - s->since;

	if (!s->since || s->stage == 3)
		return -1;
	if (s->stage == 1 && t >= VK_CAD_S * 1000) {
		say("the guest ignored Ctrl-Alt-Del for %d s: sync, "
		    "read-only, power-off (sysrq s u o)",
		    VK_CAD_S);
		mconsole(v, "sysrq s");
		mconsole(v, "sysrq u");
		mconsole(v, "sysrq o");
		s->stage = 2;
	}
	if (s->stage == 2 && t >= VK_HALT_S * 1000) {
		say("the guest did not power off within %d s: killing it",
		    VK_HALT_S);
		kill_guest(v, s);
		return -1;
	}
	return (int)((s->stage == 1 ? VK_CAD_S : VK_HALT_S) * 1000 - t);
}

static void on_gpud_exit(struct vk *v, struct stop *s)
{
	char how[64];

	vk_describe_status(v->gpud.status, how, sizeof(how));
	say("gpud %s while the guest ran", how);
	s->gpud_died = 1;
	if (!s->since)
		begin_stop(v, s, "no graphics device");
}

/* Reads a pid from RUN/FILE; 0 if none. */
static pid_t run_file_pid(struct vk *v, const char *file)
{
	char path[PATH_MAX + 32], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", v->run.path, file);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return (pid_t)atoi(buf);
}

/* Is pid ptraced (by a criu still at work)? */
static int traced(pid_t pid)
{
	char path[64], line[128];
	int tracer = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer != 0;
}

static int noted(struct vk *v, const char *file)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", v->run.path, file);
	return access(path, F_OK) == 0;
}

/* Is a `vkernel checkpoint` of this guest at work? */
static int checkpoint_running(struct vk *v)
{
	pid_t pid = run_file_pid(v, "checkpointing");

	return vk_pid_alive(pid);
}

/* A signal during a checkpoint waits for its end: the guest is frozen,
 * maybe stopped by criu, and the checkpoint may stop it anyway. */
static void on_signal(struct vk *v, struct stop *s, int sig)
{
	char why[32];

	snprintf(why, sizeof(why), "SIG%s", sigabbrev_np(sig));
	if (s->deferred) {
		say("%s again: killing the guest (the checkpoint fails)", why);
		s->deferred = 0;
		s->since = vk_now_ms();
		kill_guest(v, s);
		return;
	}
	if (!s->since && checkpoint_running(v)) {
		say("%s during a checkpoint: the guest stops after it (a "
		    "second signal kills it)",
		    why);
		s->deferred = sig;
		return;
	}
	begin_stop(v, s, why);
}

/* A `vkernel checkpoint` that died half-way (RUN/checkpointing names it)
 * left the guest stopped or its devices frozen: resume it, once the criu
 * it started has let go of UML; or, if it had noted RUN/checkpointed
 * (the checkpoint is complete), finish its job and stop the guest.
 * Looked at once a second. */
static void abandoned_checkpoint(struct vk *v)
{
	char path[PATH_MAX + 32], cmd[PATH_MAX + 32], reply[256];
	pid_t pid = run_file_pid(v, "checkpointing");
	struct err e = {{0}};

	if (pid <= 0 || vk_pid_alive(pid) || traced(v->uml))
		return;
	/* The note stays until UML is gone: whoever watches it sees the
	 * checkpoint end only with its outcome. */
	if (noted(v, "checkpointed")) {
		kill(-v->uml, SIGKILL);
		return;
	}
	snprintf(path, sizeof(path), "%s/checkpointing", v->run.path);
	unlink(path);
	say("a checkpoint (pid %d) died half-way: resuming the guest",
	    (int)pid);
	kill(-v->uml, SIGCONT);
	snprintf(cmd, sizeof(cmd), "config vkgpu=thaw:%s", v->gpu_sock);
	vk_mconsole_ask(v->run.path, v->o.name, cmd, 10, reply, sizeof(reply),
			&e);
	if (v->input_sock[0] && (!v->restore || v->restore->m.input)) {
		snprintf(cmd, sizeof(cmd), "config vkinput=thaw:%s",
			 v->input_sock);
		vk_mconsole_ask(v->run.path, v->o.name, cmd, 10, reply,
				sizeof(reply), &e);
	}
}

/* One round of the loop; returns 1 once UML exited. */
static int run_once(struct vk *v, struct stop *s)
{
	struct pollfd p[5] = {
		{.fd = v->uml_pidfd, .events = POLLIN},
		{.fd = v->sigfd, .events = POLLIN},
		{.fd = v->con.in_fd, .events = POLLIN},
		{.fd = v->gpud.fd, .events = POLLIN},
		{.fd = v->own_gpud && !v->gpud.exited ? v->gpud.pidfd : -1,
		 .events = POLLIN}};
	int sig, timeout = stop_step(v, s), cap = s->deferred ? 100 : 1000;
	char why[32];

	if (v->registered && (timeout < 0 || timeout > cap))
		timeout = cap;
	if (poll(p, 5, timeout) < 0 && errno != EINTR)
		return 0;
	if (v->registered && !s->since)
		abandoned_checkpoint(v);
	while ((sig = next_signal(v)) != 0)
		on_signal(v, s, sig);
	/* The checkpoint is over; unless it stopped the guest, stop it. */
	if (s->deferred && !p[0].revents && !checkpoint_running(v) &&
	    !noted(v, "checkpointed")) {
		snprintf(why, sizeof(why), "SIG%s", sigabbrev_np(s->deferred));
		s->deferred = 0;
		begin_stop(v, s, why);
	}
	if (p[2].revents && vk_console_relay(&v->con) != 0) {
		close(v->con.in_fd);
		v->con.in_fd = -1;
	}
	if (p[3].revents)
		vk_gpud_read(&v->gpud);
	if (p[4].revents && vk_gpud_poll(&v->gpud))
		on_gpud_exit(v, s);
	return p[0].revents != 0;
}

/* After UML's exit: what it left in its group, then the console's end. */
static void reap_guest(struct vk *v)
{
	long long deadline;

	/* Kill the group before the reap frees its id. */
	kill(-v->uml, SIGKILL);
	waitpid(v->uml, &v->uml_status, 0);
	reap_group(v->uml);
	deadline = vk_now_ms() + 1000;
	while (v->con.in_fd >= 0 && vk_now_ms() < deadline) {
		struct pollfd p = {.fd = v->con.in_fd, .events = POLLIN};

		if (poll(&p, 1, (int)(deadline - vk_now_ms())) <= 0 ||
		    vk_console_relay(&v->con) != 0)
			break;
	}
}

/* `vkernel checkpoint` leaves RUN/checkpointed before it kills UML. */
static int checkpointed(struct vk *v)
{
	char path[PATH_MAX + 32], to[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/checkpointed", v->run.path);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(to, sizeof(to), f))
		to[0] = 0;
	fclose(f);
	unlink(path);
	to[strcspn(to, "\n")] = 0;
	say("the guest was checkpointed to %s and stopped", to);
	return 1;
}

static int guest_result(struct vk *v, const struct stop *s)
{
	char how[64];

	if (checkpointed(v))
		return VK_EXIT_CHECKPOINTED;
	if (s->gpud_died)
		return VK_EXIT_GPUD;
	if (s->stage == 3)
		return VK_EXIT_CRASH;
	if (WIFEXITED(v->uml_status) && WEXITSTATUS(v->uml_status) == 0) {
		say("the guest powered off");
		return VK_EXIT_OFF;
	}
	vk_describe_status(v->uml_status, how, sizeof(how));
	say("the guest kernel %s", how);
	if (s->stage == 1)
		say("(after Ctrl-Alt-Del: an init that neither handles nor "
		    "ignores SIGINT dies of it, and the kernel panics)");
	return VK_EXIT_CRASH;
}

static int run_guest(struct vk *v)
{
	struct stop s = {0};

	while (!run_once(v, &s))
		;
	reap_guest(v);
	return guest_result(v, &s);
}

/* ---- main ---- */

static void cleanup(struct vk *v)
{
	if (v->registered)
		vk_instance_remove(v->o.name, v->run.path);
	if (v->own_gpud)
		vk_gpud_stop(&v->gpud);
	if (v->run_made)
		vk_rundir_remove(&v->run, v->o.name);
	if (v->console_file >= 0)
		close(v->console_file);
	vk_uml_free_args(v->uml_argv);
}

static int setup_fail(struct vk *v, const struct err *e)
{
	int show_log = v->gpud_failed && v->gpud.log_len;

	say("%s%s", e->msg, show_log ? "; its output:" : "");
	if (show_log)
		fputs(v->gpud.log, stderr);
	cleanup(v);
	return VK_EXIT_SETUP;
}

/* A boot, or with r a restore: everything from the options to the
 * guest's end. Returns the exit code. */
static int launcher(int argc, char **argv, struct vk_restore *r)
{
	struct vk v = {.console_file = -1,
		       .sigfd = -1,
		       .uml = -1,
		       .uml_pidfd = -1,
		       .gpud = {.pid = -1, .fd = -1, .pidfd = -1},
		       .con = {.in_fd = -1, .out_fd = STDOUT_FILENO},
		       .restore = r};
	struct err e = {{0}};
	int rc;

	if (r)
		rc = vk_restore_parse(r, &v.o, argc - 1, argv + 1, &e);
	else
		rc = vk_opts_parse(&v.o, argc, argv, &e);
	if (rc != 0) {
		say("%s", e.msg);
		if (rc == VK_EXIT_USAGE)
			fputs("Try 'vkernel --help'.\n", stderr);
		return rc;
	}
	if (v.o.help) {
		vk_opts_usage(stdout);
		return 0;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Signals first: one during the setup is a request to stop too. */
	if (block_signals(&v, &e) < 0 || prepare(&v, &e) < 0 ||
	    start_gpud(&v, &e) < 0 || boot(&v, &e) < 0)
		return setup_fail(&v, &e);
	rc = run_guest(&v);
	cleanup(&v);
	return rc;
}

int main(int argc, char **argv)
{
	struct vk_restore r = {.dir = {0}};
	int rc;

	if (argc > 1 && !strcmp(argv[1], "checkpoint"))
		return vk_checkpoint_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "checkpoints"))
		return vk_ckpts_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "restore")) {
		rc = launcher(argc, argv, &r);
		vk_manifest_free(&r.m);
		return rc;
	}
	return launcher(argc, argv, NULL);
}
