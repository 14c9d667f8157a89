/*
 * vkernel checkpoint NAME [--leave-running] [--name INSTANCE] [--dir DIR]
 *
 * Saves a running vkernel into the checkpoint STORE/NAME: the GPU (and
 * input) driver freeze through UML's management console (the device's
 * registers and VRAM go into guest memory, the host connections are let
 * go), `criu dump` of UML's process tree with the tree left stopped (or
 * running, with --leave-running), a manifest with checksums, every file
 * and the directory fsync'ed, then the directory renamed into place. An
 * earlier checkpoint of the same name is swapped out atomically
 * (RENAME_EXCHANGE) and removed only after the new one is complete, so a
 * kill at any moment leaves either the old or the new checkpoint whole.
 * Only then is the original killed; its launcher sees the note
 * RUN/checkpointed and exits 5. If anything fails before that, the guest
 * is resumed (SIGCONT, thaw) and nothing is replaced.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dev/hw.h"
#include "lib/vfu_client.h"
#include "vkernel.h"

struct ckpt {
	const char *name, *inst_name, *dir_opt;
	int leave_running;
	struct vk_instance in;
	char store[PATH_MAX], tmp[PATH_MAX + 96], final[PATH_MAX + 80];
	char criu[PATH_MAX];
	struct vk_manifest m;
	int frozen_gpu, frozen_input, stopped;
	int note_fd;			    /* RUN/checkpointing, locked */
	long long gpu_ms, rest_ms, dump_ms; /* phases, for the report */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("vkernel: checkpoint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void progress(const char *path, unsigned long long bytes)
{
	say("%s: %llu MiB", strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
	    bytes >> 20);
}

static const char usage_text[] =
	"usage: vkernel checkpoint NAME [--leave-running] [--name INSTANCE] "
	"[--dir DIR]\n"
	"Saves the running vkernel INSTANCE (default: vkernel, the "
	"launcher's --name)\n"
	"as checkpoint NAME in DIR (default $VKERNEL_CHECKPOINTS, else\n"
	"$XDG_DATA_HOME/vkernel/checkpoints or "
	"~/.local/share/vkernel/checkpoints),\n"
	"replacing an earlier NAME only once the new one is complete. The "
	"original\n"
	"is stopped afterwards (its launcher exits 5) unless "
	"--leave-running.\n"
	"Exit 0 saved, 1 usage, 2 not saved (the guest goes on running).\n";

static int parse(struct ckpt *c, int argc, char **argv, struct err *e)
{
	static const struct option o[] = {
		{"leave-running", no_argument, 0, 'l'},
		{"name", required_argument, 0, 'n'},
		{"dir", required_argument, 0, 'd'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int ch;

	c->inst_name = "vkernel";
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", o, NULL)) != -1) {
		if (ch == 'l')
			c->leave_running = 1;
		else if (ch == 'n')
			c->inst_name = optarg;
		else if (ch == 'd')
			c->dir_opt = optarg;
		else if (ch == 'h')
			return 1;
		else
			return err_set(e, -EINVAL, "bad option '%s'",
				       argv[optind - 1]);
	}
	if (optind != argc - 1)
		return err_set(e, -EINVAL, "one checkpoint NAME expected");
	c->name = argv[optind];
	return vk_check_ckpt_name(c->name, e);
}

/* ---- The guest's devices ---- */

static int mc(struct ckpt *c, const char *cmd, struct err *e)
{
	char reply[512];

	return vk_mconsole_ask(c->in.run, c->in.name, cmd, 60, reply,
			       sizeof(reply), e);
}

/* The GPU as the guest has it: PCI id and VRAM (BAR0) size. */
static int gpu_identity(struct ckpt *c, struct err *e)
{
	struct hw_region r;
	struct hw *hw;
	uint32_t id;
	int rc = vfu_client_open(c->in.gpu_sock, &hw, e);

	if (rc < 0)
		return err_wrap(e, rc, "GPU at %s", c->in.gpu_sock);
	rc = hw_cfg_read(hw, 0, 4, &id, e);
	if (rc == 0)
		rc = hw->ops->region_info(hw, HW_REGION_BAR0, &r, e);
	hw->ops->destroy(hw);
	if (rc < 0)
		return err_wrap(e, rc, "GPU at %s", c->in.gpu_sock);
	c->m.gpu_id = (id & 0xffff) << 16 | id >> 16;
	c->m.vram = r.size;
	return 0;
}

static int freeze(struct ckpt *c, struct err *e)
{
	char reply[512];
	struct err te = {{0}};
	long long t0 = vk_now_ms();
	int rc = mc(c, "config vkgpu=freeze", e);

	if (rc < 0)
		return err_wrap(e, rc, "GPU freeze");
	c->frozen_gpu = 1;
	c->gpu_ms = vk_now_ms() - t0;
	/* Free guest memory becomes holes, which criu does not save. A
	 * kernel without vkmem ("Bad configuration option") or a failed
	 * trim only makes a bigger checkpoint. */
	if (vk_mconsole_ask(c->in.run, c->in.name, "config vkmem=trim", 60,
			    reply, sizeof(reply), &te) == 0)
		say("free guest memory %s", reply);
	else if (!strstr(te.msg, "Bad configuration option"))
		say("free guest memory not trimmed: %s", te.msg);
	c->rest_ms = vk_now_ms() - t0 - c->gpu_ms;
	if (!c->in.input_sock[0])
		return 0;
	if ((rc = mc(c, "config vkinput=freeze", e)) < 0)
		return err_wrap(e, rc,
				"input freeze (a kernel without vkinput "
				"freeze cannot be checkpointed with input)");
	c->frozen_input = 1;
	c->rest_ms = vk_now_ms() - t0 - c->gpu_ms;
	return 0;
}

/* Back to running: after a failure, or with --leave-running. */
static void resume(struct ckpt *c)
{
	char cmd[PATH_MAX + 32];
	struct err e = {{0}};

	if (c->stopped) {
		kill(-c->in.uml, SIGCONT);
		c->stopped = 0;
	}
	snprintf(cmd, sizeof(cmd), "config vkgpu=thaw:%s", c->in.gpu_sock);
	if (c->frozen_gpu && mc(c, cmd, &e) < 0)
		say("the guest's GPU stays frozen: %s", e.msg);
	snprintf(cmd, sizeof(cmd), "config vkinput=thaw:%s", c->in.input_sock);
	if (c->frozen_input && mc(c, cmd, &e) < 0)
		say("the guest's input stays frozen: %s", e.msg);
	c->frozen_gpu = c->frozen_input = 0;
}

/* ---- Files ---- */

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	remove(path);
	return 0;
}

void vk_remove_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int fsync_path(const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = err_set(e, -errno, "fsync %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int fsync_dir_files(const char *dir, struct err *e)
{
	char path[PATH_MAX * 2];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int rc = 0;

	if (!dp)
		return err_set(e, -errno, "%s: %s", dir, strerror(errno));
	while (rc == 0 && (d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		rc = fsync_path(path, e);
	}
	closedir(dp);
	return rc ? rc : fsync_path(dir, e);
}

/* Temporary directories of checkpoints killed before they finished. */
static void remove_stale(struct ckpt *c)
{
	char prefix[128], path[PATH_MAX * 2];
	struct dirent *d;
	DIR *dp = opendir(c->store);
	size_t n =
		(size_t)snprintf(prefix, sizeof(prefix), ".%s.tmp-", c->name);

	while (dp && (d = readdir(dp))) {
		if (strncmp(d->d_name, prefix, n))
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->store, d->d_name);
		vk_remove_tree(path);
	}
	if (dp)
		closedir(dp);
}

/* The store, its lock (one checkpoint of a name at a time), the
 * temporary directory. Returns the lock fd. */
static int prepare_store(struct ckpt *c, struct err *e)
{
	char lock[PATH_MAX + 96], sub[PATH_MAX];
	int fd, rc;

	if ((rc = vk_store_dir(c->dir_opt, c->store, e)) < 0)
		return rc;
	/* mkdir -p */
	for (char *p = c->store + 1; (p = strchr(p, '/')); p++) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(p - c->store),
			 c->store);
		mkdir(sub, 0700);
	}
	if (mkdir(c->store, 0700) < 0 && errno != EEXIST)
		return err_set(e, -errno, "%s: %s", c->store, strerror(errno));
	snprintf(lock, sizeof(lock), "%s/.%s.lock", c->store, c->name);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return err_set(e, -EBUSY, "%s: %s", lock,
			       fd < 0 ? strerror(errno)
				      : "another checkpoint of this name runs");
	remove_stale(c);
	snprintf(c->tmp, sizeof(c->tmp), "%s/.%s.tmp-%d", c->store, c->name,
		 (int)getpid());
	snprintf(c->final, sizeof(c->final), "%s/%s", c->store, c->name);
	if (mkdir(c->tmp, 0700) < 0) {
		close(fd);
		return err_set(e, -errno, "%s: %s", c->tmp, strerror(errno));
	}
	return fd;
}

static int rename_exchange(const char *from, const char *to)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) < 0
		       ? -errno
		       : 0;
}

/* Into place: swapped with an earlier checkpoint, whose files then go. */
static int commit(struct ckpt *c, struct err *e)
{
	int rc = rename_exchange(c->tmp, c->final);

	if (rc == -ENOENT)
		rc = rename(c->tmp, c->final) < 0 ? -errno : 0;
	if (rc < 0)
		return err_set(e, rc, "rename %s to %s: %s", c->tmp, c->final,
			       strerror(-rc));
	if ((rc = fsync_path(c->store, e)) < 0)
		return rc;
	/* The old checkpoint now has the temporary name. */
	vk_remove_tree(c->tmp);
	return 0;
}

/* ---- The steps ---- */

static int check_instance(struct ckpt *c, struct err *e)
{
	char exe[64], to[PATH_MAX];
	ssize_t n;
	int rc = vk_instance_find(c->inst_name, &c->in, e);

	if (rc < 0)
		return rc;
	if (!c->in.stub[0])
		return err_set(e, -EINVAL,
			       "'%s' was booted without stub_exe= (--ptrace, "
			       "or the kernel's directory is not writable): "
			       "it cannot be checkpointed",
			       c->in.name);
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)c->in.uml);
	n = readlink(exe, to, sizeof(to) - 1);
	if (n > 0 && (to[n] = 0, strstr(to, " (deleted)")))
		return err_set(e, -ESTALE,
			       "the kernel binary of '%s' was replaced since "
			       "it booted: a checkpoint could not be restored",
			       c->in.name);
	return 0;
}

/* Is pid in another PID namespace than ours (vkernel_uml.c, fork_ns)? */
static int own_pid_ns(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, &a) == 0 && stat("/proc/self/ns/pid", &b) == 0 &&
	       (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

static void fill_manifest(struct ckpt *c)
{
	struct vk_manifest *m = &c->m;

	m->created = (long long)time(NULL);
	snprintf(m->name, sizeof(m->name), "%s", c->in.name);
	snprintf(m->run_dir, sizeof(m->run_dir), "%s", c->in.run);
	snprintf(m->kernel, sizeof(m->kernel), "%s", c->in.kernel);
	snprintf(m->stub, sizeof(m->stub), "%s", c->in.stub);
	snprintf(m->root, sizeof(m->root), "%s", c->in.root);
	snprintf(m->gpu, sizeof(m->gpu), "%s", c->in.gpu);
	m->mem_mb = c->in.mem_mb;
	m->uml_pid = c->in.uml;
	m->console_ino = c->in.console_ino;
	m->input = c->in.input_sock[0] != 0;
	m->pid_ns = own_pid_ns(c->in.uml);
}

static int hash_binaries(struct ckpt *c, struct err *e)
{
	int rc = vk_sha256_file(c->m.kernel, c->m.kernel_sha, NULL, NULL, e);

	if (rc == 0)
		rc = vk_sha256_file(c->m.stub, c->m.stub_sha, NULL, NULL, e);
	return rc;
}

static int dump(struct ckpt *c, struct err *e)
{
	char pid[16], ghost[32], log[PATH_MAX + 128];
	char *const args[] = {c->criu,
			      "dump",
			      "-t",
			      pid,
			      "-D",
			      c->tmp,
			      "-o",
			      "dump.log",
			      "--ghost-limit",
			      ghost,
			      c->leave_running ? "--leave-running"
					       : "--leave-stopped",
			      NULL};
	long long t0 = vk_now_ms();
	int rc;

	snprintf(pid, sizeof(pid), "%d", (int)c->in.uml);
	/* The deleted guest-memory file is saved as a ghost file. */
	snprintf(ghost, sizeof(ghost), "%luM", c->in.mem_mb + 64);
	snprintf(log, sizeof(log), "%s/.criu-out", c->tmp);
	rc = vk_criu_run(c->criu, args, -1, log, log, e);
	unlink(log);
	if (rc < 0) {
		snprintf(log, sizeof(log), "%s/dump.log", c->tmp);
		return err_wrap(e, rc, "dump (log %s)", log);
	}
	c->stopped = !c->leave_running;
	c->dump_ms = vk_now_ms() - t0;
	return 0;
}

/*
 * CRIU saves the host's CLOCK_MONOTONIC and restores the tree in a new
 * time namespace that hides the downtime. UML's clock is that clock, so
 * the guest's time of day would lag by the downtime after every restore.
 * Without the timens image criu skips the namespace ("Clocks values have
 * not been dumped"): the guest's clock then jumps forward over the
 * downtime, as after a suspend, and reads the host's time again.
 */
static int host_clock(struct ckpt *c, struct err *e)
{
	char path[PATH_MAX * 2];
	struct dirent *d;
	DIR *dp = opendir(c->tmp);
	int rc = 0;

	while (dp && rc == 0 && (d = readdir(dp))) {
		if (strncmp(d->d_name, "timens-", 7))
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->tmp, d->d_name);
		if (unlink(path) < 0)
			rc = err_set(e, -errno, "%s: %s", path,
				     strerror(errno));
	}
	if (dp)
		closedir(dp);
	return rc;
}

/* The original launcher learns why its guest died. */
static int note_checkpointed(struct ckpt *c, struct err *e)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/checkpointed", c->in.run);
	if (!(f = fopen(path, "w")))
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	fprintf(f, "%s\n", c->final);
	return fclose(f) ? err_set(e, -errno, "%s: %s", path, strerror(errno))
			 : 0;
}

static int save(struct ckpt *c, struct err *e)
{
	long long t0 = vk_now_ms();
	int rc;

	if ((rc = freeze(c, e)) < 0 || (rc = dump(c, e)) < 0)
		return rc;
	say("guest frozen and dumped in %lld ms (GPU freeze %lld, memory "
	    "trim and input freeze %lld, criu dump %lld)",
	    vk_now_ms() - t0, c->gpu_ms, c->rest_ms, c->dump_ms);
	if (c->leave_running)
		resume(c);
	if ((rc = host_clock(c, e)) < 0 ||
	    (rc = vk_manifest_write(&c->m, c->tmp, progress, e)) < 0 ||
	    (rc = fsync_dir_files(c->tmp, e)) < 0)
		return rc;
	return commit(c, e);
}

/* Complete on disk: the original goes (its launcher finishes the job
 * if we die between the note and the kill). */
static void stop_original(struct ckpt *c)
{
	struct err e = {{0}};

	if (note_checkpointed(c, &e) < 0) {
		say("%s; the original runs on", e.msg);
		resume(c);
		return;
	}
	kill(-c->in.uml, SIGKILL);
	kill(-c->in.uml, SIGCONT);
}

static void note_done(struct ckpt *c)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/checkpointing", c->in.run);
	unlink(path);
	close(c->note_fd);
}

/* RUN/checkpointing names us, locked while we work: if we die half-way,
 * the launcher resumes the guest (vkernel.c, abandoned_checkpoint), and a
 * signal to it waits for our end. Refused while another checkpoint holds
 * it or the launcher is powering the guest off (RUN/stopping). */
static int note_running(struct ckpt *c, struct err *e)
{
	char path[PATH_MAX + 32], pid[32];
	int n, fd;

	snprintf(path, sizeof(path), "%s/checkpointing", c->in.run);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return err_set(e, -EBUSY,
			       "another checkpoint of '%s' is at work",
			       c->in.name);
	}
	c->note_fd = fd;
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		n = -errno;
		note_done(c);
		return err_set(e, n, "%s: %s", path, strerror(-n));
	}
	snprintf(path, sizeof(path), "%s/stopping", c->in.run);
	if (access(path, F_OK) == 0) {
		note_done(c);
		return err_set(e, -ESHUTDOWN, "'%s' is powering off",
			       c->in.name);
	}
	return 0;
}

static int run(struct ckpt *c, struct err *e)
{
	int lock, rc;

	if ((rc = check_instance(c, e)) < 0 ||
	    (rc = vk_criu_cmd(c->criu, e)) < 0)
		return rc;
	if ((lock = prepare_store(c, e)) < 0)
		return lock;
	fill_manifest(c);
	vk_criu_version(c->criu, c->m.criu_version, sizeof(c->m.criu_version));
	if ((rc = note_running(c, e)) < 0) {
		vk_remove_tree(c->tmp);
		close(lock);
		return rc;
	}
	if ((rc = hash_binaries(c, e)) < 0 || (rc = gpu_identity(c, e)) < 0 ||
	    (rc = save(c, e)) < 0) {
		resume(c);
		vk_remove_tree(c->tmp);
	} else if (!c->leave_running) {
		stop_original(c);
	}
	note_done(c);
	close(lock);
	return rc;
}

int vk_checkpoint_main(int argc, char **argv)
{
	struct ckpt c = {0};
	struct err e = {{0}};
	int rc = parse(&c, argc, argv, &e);

	if (rc == 1) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "vkernel: checkpoint: %s\n%s", e.msg,
			usage_text);
		return VK_EXIT_USAGE;
	}
	rc = run(&c, &e);
	if (rc == 0)
		say("%s saved (%llu MiB)%s", c.final,
		    vk_manifest_bytes(&c.m) >> 20,
		    c.leave_running ? "; the guest runs on"
				    : "; the original is stopped");
	vk_manifest_free(&c.m);
	if (rc < 0) {
		fprintf(stderr, "vkernel: checkpoint %s failed: %s\n", c.name,
			e.msg);
		return VK_EXIT_SETUP;
	}
	return 0;
}
