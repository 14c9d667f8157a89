/*
 * vkernel: the launcher that runs a guest desktop in User-Mode Linux with
 * its graphics device served by gpud (the contract: /tmp/vk/contract.md,
 * "Boot of UML"). One file per concern:
 *   vkernel.c           main: the order of setup, the event loop, exit codes
 *   vkernel_opts.c      the command line, --help, validation
 *   vkernel_paths.c     finding the kernel, the guest root and gpud
 *   vkernel_rundir.c    the private run directory
 *   vkernel_gpud.c      starting, watching and stopping gpud
 *   vkernel_uml.c       the kernel command line, starting and killing UML
 *   vkernel_mconsole.c  UML's management console (power-off requests)
 *   vkernel_console.c   the guest console relay and its progress markers
 *   vkernel_proc.c      child processes: setup after fork, pidfd, clock
 *   vkernel_instance.c  running vkernels findable by name (the registry)
 *   vkernel_criu.c      running CRIU
 *   vkernel_manifest.c  a checkpoint's manifest, checksums, the store
 *   vkernel_checkpoint.c  `vkernel checkpoint`
 *   vkernel_restore.c   `vkernel restore`: verify, then CRIU and thaw
 *   vkernel_ckpts.c     `vkernel checkpoints` list/show/verify/delete
 */
#ifndef VK_VKERNEL_H
#define VK_VKERNEL_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/un.h>

#include "lib/err.h"

/* Exit codes (documented in --help). */
enum {
	VK_EXIT_OFF = 0,   /* the guest powered off */
	VK_EXIT_USAGE = 1, /* bad command line */
	VK_EXIT_SETUP = 2, /* nothing could be started, or not all of it */
	VK_EXIT_CRASH = 3, /* the guest kernel failed or had to be killed */
	VK_EXIT_GPUD = 4,  /* gpud died while the guest ran */
	VK_EXIT_CHECKPOINTED =
		5, /* `vkernel checkpoint` saved and stopped it */
};

#define VK_SUN_LEN sizeof(((struct sockaddr_un *)0)->sun_path)
/* Seconds: gpud's start, the guest's power-off, gpud's stop. */
#define VK_GPUD_START_S 20
#define VK_CAD_S	5
#define VK_HALT_S	10
#define VK_GPUD_STOP_S	5

/* ---- vkernel_proc.c ---- */

/* In a child after fork: signals back to default and unblocked, a death
 * signal (exits if parent already died), stdin /dev/null, stdout and
 * stderr on out_fd. Exits the child (127) on failure. */
void vk_child_setup(int out_fd, int deathsig, pid_t parent);
/* A pidfd (readable once pid exited) or -1 with errno. */
int vk_pidfd_open(pid_t pid);
/* Monotonic milliseconds. */
long long vk_now_ms(void);
/* Does process pid exist (perhaps another user's)? */
int vk_pid_alive(pid_t pid);

/* ---- vkernel_opts.c ---- */

enum vk_gpu_kind { VK_GPU_SIM, VK_GPU_PCI, VK_GPU_UNIX };

struct vk_opts {
	unsigned long mem_mb;
	enum vk_gpu_kind gpu_kind;
	const char *gpu;      /* the -G text (for unix: the path after it) */
	const char *root;     /* NULL: searched (vkernel_paths.c) */
	const char *kernel;   /* NULL: searched */
	const char *vnc_addr; /* NULL: gpud's default, 127.0.0.1 */
	int vnc_port;	      /* 0: gpud picks */
	int vnc_set;	      /* --vnc or --vnc-addr given */
	const char *console;  /* NULL: stdout */
	const char *run_dir;  /* NULL: a fresh one */
	const char *name;
	const char *input; /* --input (unix: only) */
	int ptrace;
	int help;
	char **extra; /* after "--" */
	int n_extra;
};

/* Parse and validate argv. Returns 0, or an exit code (VK_EXIT_USAGE,
 * VK_EXIT_SETUP for an unusable -G) with e filled. */
int vk_opts_parse(struct vk_opts *o, int argc, char **argv, struct err *e);
void vk_opts_usage(FILE *out);

/* ---- vkernel_paths.c ---- */

/* Resolve the kernel, guest root and gpud to absolute paths (out holds
 * PATH_MAX). Return 0 or -errno with e naming where we looked and the
 * make target that builds the missing piece. */
int vk_paths_kernel(const char *opt, char *out, struct err *e);
int vk_paths_root(const char *opt, char *out, struct err *e);
int vk_paths_gpud(char *out, struct err *e);
/* path made absolute (it need not exist); 0 or -errno. */
int vk_paths_absolute(const char *path, char *out, struct err *e);

/* ---- vkernel_rundir.c ---- */

struct vk_rundir {
	char path[PATH_MAX];
	int created;	 /* we made it: remove it whole at the end */
	int own_sockets; /* gpud's sockets there are ours */
};

/* Make a fresh private directory (opt NULL) or check opt: ours, not
 * writable by others, no UML of this name alive in it and, with
 * own_sockets, no server on gpu.sock or input.sock. 0 or -errno. */
int vk_rundir_setup(struct vk_rundir *r, const char *opt, const char *name,
		    int own_sockets, struct err *e);
/* Remove what we put there (everything, when we created it). */
void vk_rundir_remove(const struct vk_rundir *r, const char *name);

/* ---- vkernel_gpud.c ---- */

struct vk_gpud {
	pid_t pid;
	int pidfd;  /* readable once gpud exited */
	int fd;	    /* gpud's stdout and stderr, read here */
	int status; /* wait status once it exited */
	int exited;
	int forward; /* copy gpud's lines to stderr (after the start) */
	int vnc_port;
	char line[512];
	size_t line_len;
	char log[2048]; /* gpud's first lines, for a failed start */
	size_t log_len;
};

/* Does this gpud take --input-socket (gpud --help says so)? */
int vk_gpud_has_input(const char *exe);
/* Start gpud in its own process group; 0 or -errno. input may be NULL. */
int vk_gpud_start(struct vk_gpud *g, const char *exe, const char *dev,
		  const char *sock, const char *input, int port,
		  const char *addr, struct err *e);
/* Read what gpud wrote (fd readable); parses its VNC port line. */
void vk_gpud_read(struct vk_gpud *g);
/* Reap gpud if it exited; returns g->exited. */
int vk_gpud_poll(struct vk_gpud *g);
/* Describe a wait status: "exited with status 1", "killed by SIGKILL". */
void vk_describe_status(int status, char *buf, size_t len);
/* SIGTERM, up to VK_GPUD_STOP_S seconds, then SIGKILL; reaps it. */
void vk_gpud_stop(struct vk_gpud *g);

/* ---- vkernel_uml.c ---- */

struct vk_uml_cfg {
	const char *kernel, *root, *run, *name;
	unsigned long mem_mb;
	int ptrace;
	const char *gpu_sock, *input_sock; /* NULL: not passed */
	const char *stub;		   /* stub_exe=, or NULL */
	char **extra;
	int n_extra;
};

/* Can path go on the kernel command line (no blanks, quotes, commas or
 * control characters)? 0 or -EINVAL naming what (e.g. "guest root"). */
int vk_uml_check_path(const char *what, const char *path, struct err *e);
/* Build the argv (NULL-terminated, malloc'd strings in *argv_out).
 * 0 or -errno (-E2BIG: command line over the kernel's 4096 bytes). */
int vk_uml_args(const struct vk_uml_cfg *c, char ***argv_out, struct err *e);
void vk_uml_free_args(char **argv);
/* Start UML as a session leader (its process group id is its pid) with
 * stdin /dev/null and stdout+stderr on console_fd. Returns the pid or
 * -errno. */
pid_t vk_uml_start(char **argv, int console_fd, struct err *e);

/* ---- vkernel_mconsole.c ---- */

/* Send one command ("cad", "sysrq o", ...) to the UML of umid name under
 * run; does not wait for the reply. 0 or -errno. */
int vk_mconsole_send(const char *run, const char *name, const char *cmd,
		     struct err *e);
/* Send one command and wait up to timeout_s for the reply (its text in
 * out). 0 on success, -EIO on an error reply, -ETIMEDOUT, -errno. */
int vk_mconsole_ask(const char *run, const char *name, const char *cmd,
		    int timeout_s, char *out, size_t outlen, struct err *e);

/* ---- vkernel_console.c ---- */

struct vk_console {
	int in_fd;  /* read end of UML's console pipe */
	int out_fd; /* where the console goes (-1 after a write error) */
	char line[256];
	size_t len;
	int overlong; /* the current line did not fit: not a marker */
};

/* Copy what is readable from in_fd to out_fd and report the guest's
 * "vkernel-init: ..." progress lines on stderr. Returns 0 while the pipe
 * is open, 1 at its end, -errno on a read error. */
int vk_console_relay(struct vk_console *c);

/* ---- vkernel_instance.c ---- */

struct vk_instance {
	pid_t launcher, uml;
	char name[64], run[PATH_MAX], kernel[PATH_MAX], stub[PATH_MAX + 8];
	char root[PATH_MAX], gpu[PATH_MAX + 8];
	char gpu_sock[PATH_MAX], input_sock[PATH_MAX]; /* "" if none */
	unsigned long mem_mb;
	unsigned long long console_ino; /* UML's console pipe */
};

/* Write RUN/instance and the registry link NAME -> RUN. 0 or -errno. */
int vk_instance_write(const struct vk_instance *in, struct err *e);
/* Remove both (the link only if it still points at run). */
void vk_instance_remove(const char *name, const char *run);
/* The running instance of that name; -ENOENT, -ESRCH (stale), -errno. */
int vk_instance_find(const char *name, struct vk_instance *in, struct err *e);
int vk_instance_running(const char *name);

/* ---- vkernel_criu.c ---- */

/* The criu command (PATH_MAX). 0 or -ENOENT with a hint. */
int vk_criu_cmd(char *out, struct err *e);
/* Run criu with args (args[0] the command) and in_fd as its stdin (-1:
 * /dev/null), output to log; logname is the log criu writes itself (for
 * the error). 0 when it exits 0. */
int vk_criu_run(const char *criu, char *const args[], int in_fd,
		const char *log, const char *logname, struct err *e);
int vk_criu_version(const char *criu, char *out, size_t len);

/* ---- vkernel_manifest.c ---- */

/* How a checkpoint file is hashed (the manifest names it per file). */
enum vk_hash {
	VK_HASH_SHA256,	  /* version 1 manifests */
	VK_HASH_XXH3_128, /* what the checkpoint writes */
};

struct vk_manifest_file {
	char name[64];
	unsigned long long size;
	enum vk_hash kind;
	char hash[65]; /* lowercase hex: 64 digits SHA-256, 32 XXH3-128 */
};

struct vk_manifest {
	long long created;
	char criu_version[32], name[64], gpu[PATH_MAX + 8];
	char run_dir[PATH_MAX], kernel[PATH_MAX], stub[PATH_MAX + 8];
	char root[PATH_MAX];
	char kernel_sha[65], stub_sha[65];
	unsigned long mem_mb;
	pid_t uml_pid;
	unsigned long long console_ino, vram;
	unsigned gpu_id; /* vendor << 16 | device */
	int input;
	int pid_ns;  /* UML ran as init of its own PID namespace */
	int version; /* of the manifest read: 1 or 2 */
	int nfiles;
	struct vk_manifest_file *files;
};

typedef void (*vk_progress_fn)(const char *path, unsigned long long bytes);

/* ---- vkernel_hash.c ---- */

/* A regular file to hash (a symbolic link only if follow), opened without
 * blocking; its size. The fd or -errno. */
int vk_hash_open(const char *path, int follow, unsigned long long *size,
		 struct err *e);
/* fd (size bytes when opened) as hex into out; the bytes hashed in *got;
 * progress (may be NULL) every 64 MiB. 0 or -errno. */
int vk_hash_fd(int fd, const char *path, enum vk_hash kind,
	       unsigned long long size, char out[65], unsigned long long *got,
	       vk_progress_fn progress, struct err *e);
/* The same for the file at path; its size in *size (may be NULL). */
int vk_hash_file(const char *path, int follow, enum vk_hash kind, char out[65],
		 unsigned long long *size, vk_progress_fn progress,
		 struct err *e);
/* SHA-256 of a regular file (links followed) as 64 hex digits. */
int vk_sha256_file(const char *path, char out[65], unsigned long long *size,
		   vk_progress_fn progress, struct err *e);

/* ---- vkernel_manifest.c (continued) ---- */

/* The checkpoint store: opt, $VKERNEL_CHECKPOINTS, XDG data dir. */
int vk_store_dir(const char *opt, char *out, struct err *e);
int vk_check_ckpt_name(const char *s, struct err *e);
/* Hash every file of dir (XXH3-128) into m->files, write dir/manifest
 * (version 2, fsync'ed, by rename). */
int vk_manifest_write(struct vk_manifest *m, const char *dir,
		      vk_progress_fn progress, struct err *e);
/* Reads a version 1 or 2 manifest, every line checked. */
int vk_manifest_read(struct vk_manifest *m, const char *dir, struct err *e);
/* Files exactly as listed (sizes, hashes), kernel and stub unchanged. */
int vk_manifest_verify(const struct vk_manifest *m, const char *dir,
		       vk_progress_fn progress, struct err *e);
unsigned long long vk_manifest_bytes(const struct vk_manifest *m);
void vk_manifest_free(struct vk_manifest *m);

/* ---- vkernel_checkpoint.c, vkernel_ckpts.c ---- */

int vk_checkpoint_main(int argc, char **argv);
int vk_ckpts_main(int argc, char **argv);
void vk_remove_tree(const char *path);

/* ---- vkernel_restore.c ---- */

struct vk_restore {
	char dir[PATH_MAX]; /* the checkpoint */
	struct vk_manifest m;
	long long t0, verify_ms, criu_ms, thaw_ms; /* phases, for the report */
};

/* `vkernel restore NAME [--dir DIR] [launcher options]`: find and verify
 * the checkpoint, and set the options it fixes (name, run dir, kernel,
 * root, memory). Returns 0 or an exit code with e filled. */
int vk_restore_parse(struct vk_restore *r, struct vk_opts *o, int argc,
		     char **argv, struct err *e);
/* The device at sock is the checkpoint's (PCI id, VRAM size)? */
int vk_restore_check_gpu(const struct vk_restore *r, const char *sock,
			 struct err *e);
/* criu restore with console_fd as the new console; returns UML's pid. */
pid_t vk_restore_start(struct vk_restore *r, int console_fd, struct err *e);
/* Thaw GPU (onto gpu_sock) and input (input_sock, may be ""). */
int vk_restore_thaw(const struct vk_restore *r, const char *gpu_sock,
		    const char *input_sock, struct err *e);

#endif
