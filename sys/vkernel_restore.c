/*
 * vkernel restore NAME [--dir DIR] [-G DEV] [--vnc PORT] [--vnc-addr ADDR]
 *                      [--input PATH] [--console FILE]
 *
 * Brings a checkpoint (vkernel_checkpoint.c) back. Everything is checked
 * before anything starts: the manifest, every file's size and hash,
 * the kernel binary and the stub file against the checkpoint's hashes, no
 * vkernel of that name running, UML's old PID free. vkernel.c then runs
 * as for a boot, with two steps replaced: gpud starts (a fresh device:
 * power-off semantics), its PCI id and VRAM size must match the
 * checkpoint's, and instead of booting, `criu restore --restore-detached`
 * recreates UML's process tree with its console on a new pipe to this
 * launcher (--inherit-fd); the tree is adopted by the launcher (a child
 * subreaper). criu leaves the tree stopped (--leave-stopped): it
 * detaches from one process after the other, and a UML that ran already
 * could kill a stub criu has yet to detach from (a guest process exited),
 * which fails the restore and leaves criu waiting for ever. A SIGALRM
 * makes up for a timer tick the dump may have lost (sys/criu/README.md),
 * SIGCONT starts the tree, then the GPU and input drivers thaw onto the
 * new sockets. The guest clock is the host's CLOCK_MONOTONIC; the
 * checkpoint leaves out CRIU's time-namespace image (vkernel_checkpoint.c,
 * host_clock), so after the restore the guest's clock has moved on over
 * the downtime, as after a suspend, and shows the host's time of day.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/hw.h"
#include "lib/vfu_client.h"
#include "vkernel.h"

static void progress(const char *path, unsigned long long bytes)
{
	fprintf(stderr, "vkernel: verifying %s: %llu MiB\n",
		strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
		bytes >> 20);
}

/* Options the checkpoint fixes. */
static const char *const fixed[] = {
	"-m",	     "--mem",  "-r",	   "--root", "-k", "--kernel",
	"--run-dir", "--name", "--ptrace", "--",     NULL};

static int is_fixed(const char *a)
{
	for (int i = 0; fixed[i]; i++) {
		size_t n = strlen(fixed[i]);

		if (!strncmp(a, fixed[i], n) &&
		    (a[n] == 0 || a[n] == '=' || (a[1] != '-' && a[n])))
			return 1;
	}
	return 0;
}

static int takes_value(const char *a)
{
	static const char *const v[] = {"-G",	      "--gpu",	 "--vnc",
					"--vnc-addr", "--input", "--console",
					NULL};

	for (int i = 0; v[i]; i++)
		if (!strcmp(a, v[i]))
			return 1;
	return 0;
}

/* argv without NAME and --dir DIR, in rest; the checkpoint's dir. */
static int split(struct vk_restore *r, int argc, char **argv, char **rest,
		 int *nrest, const char **name, struct err *e)
{
	const char *dir = NULL;
	char store[PATH_MAX];
	int rc;

	*name = NULL;
	rest[(*nrest)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (is_fixed(argv[i])) {
			err_set(e, VK_EXIT_USAGE,
				"%s does not go with restore: the checkpoint "
				"fixes it",
				argv[i]);
			return VK_EXIT_USAGE;
		} else if (takes_value(argv[i]) && i + 1 < argc) {
			rest[(*nrest)++] = argv[i++];
			rest[(*nrest)++] = argv[i];
		} else if (argv[i][0] != '-' && !*name) {
			*name = argv[i];
		} else {
			rest[(*nrest)++] = argv[i];
		}
	}
	rest[*nrest] = NULL;
	if (!*name) {
		err_set(e, VK_EXIT_USAGE,
			"restore: which checkpoint? "
			"(vkernel restore NAME)");
		return VK_EXIT_USAGE;
	}
	if (vk_check_ckpt_name(*name, e) < 0)
		return VK_EXIT_USAGE;
	if ((rc = vk_store_dir(dir, store, e)) < 0)
		return VK_EXIT_SETUP;
	if (snprintf(r->dir, sizeof(r->dir), "%s/%s", store, *name) >=
	    (int)sizeof(r->dir)) {
		err_set(e, VK_EXIT_USAGE, "checkpoint path too long");
		return VK_EXIT_USAGE;
	}
	return 0;
}

static int pid_free(pid_t pid)
{
	char p[32];

	snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	return access(p, F_OK) != 0;
}

static int verify(struct vk_restore *r, struct err *e)
{
	int rc = vk_manifest_read(&r->m, r->dir, e);

	if (rc == 0)
		rc = vk_manifest_verify(&r->m, r->dir, progress, e);
	r->verify_ms = vk_now_ms() - r->t0;
	if (rc < 0)
		return err_wrap(e, rc, "checkpoint %s", r->dir);
	if (vk_instance_running(r->m.name))
		return err_set(e, -EBUSY,
			       "a vkernel named '%s' is running: stop it "
			       "first",
			       r->m.name);
	/* In its own PID namespace UML's PIDs cannot clash; making one
	 * needs root. */
	if (r->m.pid_ns && geteuid() != 0)
		return err_set(e, -EPERM,
			       "this checkpoint's UML ran in its own PID "
			       "namespace: restoring it needs root");
	if (!r->m.pid_ns && !pid_free(r->m.uml_pid))
		return err_set(e, -EBUSY,
			       "PID %d, the checkpointed UML's, is in use "
			       "(is the original still running?)",
			       (int)r->m.uml_pid);
	return 0;
}

/* -G sim[:vram=MB]: the VRAM size is known before gpud starts. */
static int sim_vram_fits(const struct vk_restore *r, const struct vk_opts *o,
			 struct err *e)
{
	unsigned long long mb = 16;

	if (o->gpu_kind != VK_GPU_SIM)
		return 0;
	if (!strncmp(o->gpu, "sim:vram=", 9))
		mb = strtoull(o->gpu + 9, NULL, 10);
	if (mb << 20 == r->m.vram)
		return 0;
	return err_set(e, -ENODEV,
		       "-G %s has %llu MiB of VRAM, the checkpoint's GPU had "
		       "%llu MiB: not restored",
		       o->gpu, mb, r->m.vram >> 20);
}

int vk_restore_parse(struct vk_restore *r, struct vk_opts *o, int argc,
		     char **argv, struct err *e)
{
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	const char *name;
	int n = 0, rc;

	if (!rest)
		return err_set(e, VK_EXIT_SETUP, "out of memory"),
		       VK_EXIT_SETUP;
	r->t0 = vk_now_ms();
	rc = split(r, argc, argv, rest, &n, &name, e);
	if (rc == 0)
		rc = vk_opts_parse(o, n, rest, e);
	/* o keeps pointers into argv, not into rest. */
	free(rest);
	if (rc != 0 || o->help)
		return rc;
	if (verify(r, e) < 0 || sim_vram_fits(r, o, e) < 0)
		return VK_EXIT_SETUP;
	o->mem_mb = r->m.mem_mb;
	o->name = r->m.name;
	o->run_dir = r->m.run_dir;
	o->kernel = r->m.kernel;
	o->root = r->m.root;
	return 0;
}

int vk_restore_check_gpu(const struct vk_restore *r, const char *sock,
			 struct err *e)
{
	struct hw_region reg;
	struct hw *hw;
	uint32_t id, want = r->m.gpu_id;
	int rc = vfu_client_open(sock, &hw, e);

	if (rc < 0)
		return err_wrap(e, rc, "GPU at %s", sock);
	rc = hw_cfg_read(hw, 0, 4, &id, e);
	if (rc == 0)
		rc = hw->ops->region_info(hw, HW_REGION_BAR0, &reg, e);
	hw->ops->destroy(hw);
	if (rc < 0)
		return err_wrap(e, rc, "GPU at %s", sock);
	if ((id & 0xffff) != want >> 16 || id >> 16 != (want & 0xffff))
		return err_set(e, -ENODEV,
			       "the GPU is %04x:%04x, the checkpoint's was "
			       "%04x:%04x",
			       id & 0xffff, id >> 16, want >> 16,
			       want & 0xffff);
	if (reg.size != r->m.vram)
		return err_set(e, -ENODEV,
			       "the GPU has %llu MiB of VRAM, the checkpoint's "
			       "had %llu MiB",
			       (unsigned long long)reg.size >> 20,
			       r->m.vram >> 20);
	return 0;
}

/* UML's umid directory, where CRIU binds the mconsole socket again. */
static int make_umid_dir(const struct vk_restore *r, struct err *e)
{
	char path[PATH_MAX + 80];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", r->m.run_dir, r->m.name);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/pid", r->m.run_dir, r->m.name);
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%d\n", (int)r->m.uml_pid);
		fclose(f);
	}
	return 0;
}

/* The run dir goes when the launcher exits: criu's log of a failed
 * restore is kept in TMPDIR, and the error names it. */
static int keep_log(const struct vk_restore *r, const char *log, int rc,
		    struct err *e)
{
	const char *tmp = getenv("TMPDIR");
	char to[PATH_MAX], msg[sizeof(e->msg)];
	int in = open(log, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	snprintf(to, sizeof(to), "%s/vkernel-restore-%s.log",
		 tmp && *tmp ? tmp : "/tmp", r->m.name);
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (in < 0 || out < 0) {
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		return rc;
	}
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 20, 0)) > 0)
		;
	close(in);
	close(out);
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return err_set(e, rc, "%.700s; criu's log kept in %s", msg, to);
}

/* The host PID of the restored UML, from criu's --pidfile. */
static pid_t restored_pid(const char *pidfile)
{
	FILE *f = fopen(pidfile, "re");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	unlink(pidfile);
	return pid > 1 && !pid_free(pid) ? pid : 0;
}

pid_t vk_restore_start(struct vk_restore *r, int console_fd, struct err *e)
{
	char criu[PATH_MAX], inherit[64], log[PATH_MAX + 32];
	char out[PATH_MAX + 32], pidfile[PATH_MAX + 32];
	/* -s: --leave-stopped (the top of this file says why) */
	char *const args[] = {
		criu,		"restore",     "-D",
		r->dir,		"-W",	       r->m.run_dir,
		"-o",		"restore.log", "--restore-detached",
		"-s",		"--pidfile",   pidfile,
		"--inherit-fd", inherit,       NULL};
	long long t0 = vk_now_ms();
	pid_t pid;
	int rc;

	if ((rc = vk_criu_cmd(criu, e)) < 0 || (rc = make_umid_dir(r, e)) < 0)
		return rc;
	snprintf(inherit, sizeof(inherit), "fd[0]:pipe:[%llu]",
		 r->m.console_ino);
	snprintf(log, sizeof(log), "%s/restore.log", r->m.run_dir);
	snprintf(out, sizeof(out), "%s/restore.out", r->m.run_dir);
	snprintf(pidfile, sizeof(pidfile), "%s/restored.pid", r->m.run_dir);
	if ((rc = vk_criu_run(criu, args, console_fd, out, log, e)) < 0)
		return keep_log(r, log, rc, e);
	if (!(pid = restored_pid(pidfile)))
		return err_set(e, -ESRCH, "criu restored no UML (%s)", pidfile);
	/* A tick the dump may have lost (sys/criu/post-resume.sh), then
	 * the whole tree runs at once (UML's group: vk_uml_start's setsid). */
	kill(pid, SIGALRM);
	if (kill(-pid, SIGCONT) < 0) {
		rc = err_set(e, -errno, "resuming the restored UML (%d): %s",
			     (int)pid, strerror(errno));
		kill(pid, SIGKILL);
		return rc;
	}
	r->criu_ms = vk_now_ms() - t0;
	return pid;
}

int vk_restore_thaw(const struct vk_restore *r, const char *gpu_sock,
		    const char *input_sock, struct err *e)
{
	char cmd[VK_SUN_LEN + 32], reply[512];
	int rc;

	snprintf(cmd, sizeof(cmd), "config vkgpu=thaw:%s", gpu_sock);
	rc = vk_mconsole_ask(r->m.run_dir, r->m.name, cmd, 60, reply,
			     sizeof(reply), e);
	if (rc < 0)
		return err_wrap(e, rc, "GPU thaw");
	if (!r->m.input)
		return 0;
	if (!input_sock[0]) {
		fprintf(stderr, "vkernel: no input socket: the guest's input "
				"stays frozen\n");
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "config vkinput=thaw:%s", input_sock);
	rc = vk_mconsole_ask(r->m.run_dir, r->m.name, cmd, 60, reply,
			     sizeof(reply), e);
	return rc < 0 ? err_wrap(e, rc, "input thaw") : 0;
}
