/*
 * vkernel's command line: parsing, full validation before anything starts,
 * and the --help text (the launcher's manual page).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/pci.h"
#include "vkernel.h"

#define MEM_MIN_MB   32
#define NAME_MAX_LEN 32

enum {
	OPT_VNC = 256,
	OPT_VNC_ADDR,
	OPT_CONSOLE,
	OPT_RUN_DIR,
	OPT_NAME,
	OPT_PTRACE,
	OPT_INPUT,
	OPT_END
};

static const char help_text[] =
	"NAME\n"
	"    vkernel - run the guest desktop in User-Mode Linux, its "
	"graphics served\n"
	"    by gpud and shown over VNC\n"
	"\n"
	"SYNOPSIS\n"
	"    vkernel [-m MEM] [-G DEV] [-r ROOT] [-k KERNEL] [--vnc PORT]\n"
	"            [--vnc-addr ADDR] [--input PATH] [--console FILE] "
	"[--run-dir DIR]\n"
	"            [--name NAME] [--ptrace] [-- KERNEL-ARG...]\n"
	"    vkernel checkpoint CKPT [--leave-running] [--name NAME] [--dir "
	"DIR]\n"
	"    vkernel restore CKPT [--dir DIR] [-G DEV] [--vnc PORT] "
	"[--vnc-addr ADDR]\n"
	"            [--input PATH] [--console FILE]\n"
	"    vkernel checkpoints [--dir DIR] [list | show CKPT | verify CKPT "
	"| delete CKPT]\n"
	"\n"
	"DESCRIPTION\n"
	"    Starts gpud with the graphics device (unless -G unix:), waits "
	"until its\n"
	"    socket listens and its VNC server runs, then boots the kernel "
	"on a hostfs\n"
	"    root with /sbin/vkernel-init as init. It stays in the "
	"foreground until\n"
	"    the guest powers off, then stops gpud and removes the run "
	"directory.\n"
	"    Status lines go to stderr, each starting with \"vkernel: \"; "
	"the first\n"
	"    says where to watch: vkernel: desktop on "
	"vnc://127.0.0.1:5900\n"
	"    (display :0 in the guest). Lines \"vkernel-init: TEXT\" on the "
	"guest\n"
	"    console are repeated as \"vkernel: guest: TEXT\" (e.g. \"X "
	"ready\",\n"
	"    \"session ready\"). Every option is checked before anything "
	"starts.\n"
	"\n"
	"OPTIONS\n"
	"    -m, --mem MEM     guest memory: MiB, or a size with K, M or G "
	"(whole MiB),\n"
	"                      32M up to the host's RAM; default 512M\n"
	"    -G, --gpu DEV     the graphics device (default sim), one of:\n"
	"                        sim            gpud's stdvga model, 16 MiB "
	"VRAM\n"
	"                        sim:vram=MB    the model with 1..512 MiB "
	"VRAM\n"
	"                        pci:DDDD:BB:DD.F  a host PCI device, "
	"through gpud\n"
	"                        unix:PATH      a gpud already serving at "
	"PATH (none\n"
	"                                       is started; --vnc does not "
	"apply)\n"
	"    -r, --root ROOT   the guest root directory (hostfs); default:\n"
	"                      $VKERNEL_ROOT, else EXEDIR/guest-root, else\n"
	"                      ./build/guest-root (`make guest-root` builds "
	"it)\n"
	"    -k, --kernel KERNEL  the UML binary; default: $VKERNEL_KERNEL, "
	"else\n"
	"                      EXEDIR/sys/linux, else ./build/sys/linux\n"
	"                      (`make vkernel-linux` builds it)\n"
	"        --vnc PORT    gpud's VNC port, 0..65535 (0: any free one, "
	"reported);\n"
	"                      default 5900\n"
	"        --vnc-addr ADDR  numeric IPv4/IPv6 address for VNC; "
	"default 127.0.0.1\n"
	"        --input PATH  with -G unix: only, the input socket of that "
	"gpud\n"
	"                      (vkinput.socket); otherwise the guest has no "
	"input\n"
	"        --console FILE  write the guest console to FILE (created "
	"or\n"
	"                      truncated) instead of stdout\n"
	"        --run-dir DIR  where the sockets and UML's files go; must "
	"be ours and\n"
	"                      not writable by others (created 0700 if "
	"missing; what\n"
	"                      vkernel puts there is removed at the end). "
	"Default: a\n"
	"                      fresh $XDG_RUNTIME_DIR/vkernel-NAME-XXXXXX "
	"(or under\n"
	"                      /tmp), removed at the end\n"
	"        --name NAME   UML's umid, [A-Za-z0-9_.-], up to 32 "
	"characters;\n"
	"                      default vkernel\n"
	"        --ptrace      UML's ptrace userspace mode instead of "
	"seccomp (seccomp\n"
	"                      is the mode a checkpoint needs)\n"
	"    -h, --help        this text\n"
	"    -- KERNEL-ARG...  appended to the kernel command line\n"
	"\n"
	"CHECKPOINTS\n"
	"    A running guest is registered as "
	"${XDG_RUNTIME_DIR:-/tmp}/vkernel-UID/NAME\n"
	"    (a link to its run dir). `vkernel checkpoint CKPT` freezes its "
	"GPU and\n"
	"    input drivers (state into guest memory), dumps UML with CRIU "
	"(Debian sid's,\n"
	"    sys/criu/criu-sid, or $VKERNEL_CRIU), writes the directory "
	"DIR/CKPT\n"
	"    (CRIU images and a manifest with versions, kernel and stub "
	"SHA-256, GPU id,\n"
	"    VRAM and guest memory size, every file's size and XXH3-128) "
	"under a\n"
	"    temporary name, fsyncs it and swaps it in atomically; an "
	"earlier CKPT is\n"
	"    removed only afterwards. Then the original is killed and its "
	"launcher\n"
	"    exits 5 (with --leave-running it thaws and runs on). Should "
	"the checkpoint\n"
	"    command die half-way, the launcher resumes the guest within a "
	"second.\n"
	"    `vkernel restore CKPT`\n"
	"    verifies all of it first (exit 2, nothing started, when "
	"anything is off),\n"
	"    starts a fresh gpud per -G (default sim; its PCI id and VRAM "
	"must match),\n"
	"    restores UML with CRIU, thaws the drivers onto the new sockets "
	"and goes on\n"
	"    as a booted launcher. The checkpoint fixes memory, root, "
	"kernel, name and\n"
	"    run dir. DIR: --dir, $VKERNEL_CHECKPOINTS, else\n"
	"    ${XDG_DATA_HOME:-~/.local/share}/vkernel/checkpoints. The "
	"guest's clock\n"
	"    moves on over the time it was off, as after a suspend.\n"
	"\n"
	"KERNEL COMMAND LINE\n"
	"    mem=MEM seccomp=on uml_dir=RUN umid=NAME rootfstype=hostfs "
	"rootflags=ROOT rw\n"
	"    init=/sbin/vkernel-init con=null con0=null,fd:1 "
	"stub_exe=KERNEL.stub\n"
	"    sysctl.kernel.ctrl-alt-del=0 vkgpu.socket=RUN/gpu.sock\n"
	"    vkinput.socket=RUN/input.sock KERNEL-ARG...\n"
	"    (vkinput.socket only when gpud has --input-socket; stub_exe= "
	"in seccomp\n"
	"    mode, when KERNEL.stub can be written: CRIU restores UML's "
	"processes from\n"
	"    it.) Paths on it may not hold blanks, quotes or commas. UML "
	"gets no\n"
	"    parent-death signal (CRIU would replay it at restore): if "
	"vkernel is\n"
	"    SIGKILLed, UML's process group (pid in RUN/NAME/pid) must be "
	"killed by hand.\n"
	"\n"
	"CONSOLE\n"
	"    The kernel writes its console, and its own stdout and stderr, "
	"into a pipe\n"
	"    that vkernel copies unchanged to stdout or to --console FILE "
	"(a pipe,\n"
	"    unlike a growing file, does not stop a checkpoint of UML). The "
	"guest\n"
	"    console takes no input. gpud's log lines (\"gpud: ...\") go to "
	"stderr.\n"
	"\n"
	"SIGNALS\n"
	"    SIGINT, SIGTERM or SIGHUP power the guest off: first Ctrl-Alt-"
	"Del through\n"
	"    UML's management console (the kernel sends init SIGINT, as "
	"ctrl-alt-del\n"
	"    is 0), after 5 s emergency sync, remount read-only and power-"
	"off (sysrq\n"
	"    s, u, o), after 10 s SIGKILL to UML's process group. Then gpud "
	"gets\n"
	"    SIGTERM (SIGKILL after 5 s). A second signal kills the guest at "
	"once.\n"
	"    The guest's init must power off on SIGINT or ignore it: a shell "
	"as PID 1\n"
	"    without a trap for it dies of it, and the kernel panics (exit "
	"3).\n"
	"\n"
	"EXIT STATUS\n"
	"    0  the guest powered off (by itself, or asked to by a signal)\n"
	"    1  usage error: bad option or value\n"
	"    2  setup error, nothing left running: missing kernel or guest "
	"root, bad\n"
	"       or unusable -G (gpud's own error is shown), busy socket or "
	"run dir,\n"
	"       gpud did not start within 20 s, or a signal came before the "
	"boot\n"
	"    3  the guest kernel crashed or was killed (nonzero exit, a "
	"signal, or\n"
	"       it did not power off within 10 s)\n"
	"    4  gpud died while the guest ran (the guest is then powered off "
	"as above)\n"
	"    5  the guest was checkpointed by `vkernel checkpoint` and "
	"stopped\n"
	"\n"
	"ENVIRONMENT\n"
	"    VKERNEL_ROOT, VKERNEL_KERNEL  defaults for -r and -k\n"
	"    VKERNEL_GPUD      the gpud binary; default EXEDIR/gpud, else "
	"gpud on PATH\n"
	"    XDG_RUNTIME_DIR   parent of the default run dir\n"
	"    EXEDIR is the directory of the vkernel binary.\n"
	"\n"
	"FILES\n"
	"    RUN/gpu.sock, RUN/input.sock   gpud's sockets\n"
	"    RUN/NAME/mconsole, RUN/NAME/pid   UML's management console and "
	"pid\n"
	"\n"
	"EXAMPLE\n"
	"    vkernel --console /tmp/console.log -G sim:vram=32 --vnc 0\n";

static const struct option opts[] = {
	{"mem", required_argument, 0, 'm'},
	{"gpu", required_argument, 0, 'G'},
	{"root", required_argument, 0, 'r'},
	{"kernel", required_argument, 0, 'k'},
	{"vnc", required_argument, 0, OPT_VNC},
	{"vnc-addr", required_argument, 0, OPT_VNC_ADDR},
	{"console", required_argument, 0, OPT_CONSOLE},
	{"run-dir", required_argument, 0, OPT_RUN_DIR},
	{"name", required_argument, 0, OPT_NAME},
	{"ptrace", no_argument, 0, OPT_PTRACE},
	{"input", required_argument, 0, OPT_INPUT},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0}};

/* "--mem" for 'm': how an option is named in errors. */
static const char *opt_name(int c)
{
	static char buf[32];

	for (const struct option *o = opts; o->name; o++)
		if (o->val == c) {
			snprintf(buf, sizeof(buf), "--%s", o->name);
			return buf;
		}
	return "?";
}

void vk_opts_usage(FILE *out)
{
	fputs(help_text, out);
}

static int usage_err(struct err *e, const char *fmt, const char *arg)
{
	err_set(e, VK_EXIT_USAGE, fmt, arg);
	return VK_EXIT_USAGE;
}

static int parse_mem(struct vk_opts *o, const char *s, struct err *e)
{
	unsigned long long v, shift = 20, ram;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s < '0' || *s > '9')
		return usage_err(e, "-m '%s': not a size (e.g. 512M, 2G)", s);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end != 'M' && *end != 'm' && *end)
		return usage_err(e, "-m '%s': the unit must be K, M or G", s);
	if (*end && end[1])
		return usage_err(e, "-m '%s': unexpected text after the unit",
				 s);
	if (v > (1ULL << 40) >> shift)
		return usage_err(e, "-m '%s': too large", s);
	v <<= shift;
	if (v % (1 << 20))
		return usage_err(e, "-m '%s': must be whole MiB", s);
	if (v < (unsigned long long)MEM_MIN_MB << 20)
		return usage_err(e, "-m '%s': at least 32M", s);
	ram = (unsigned long long)sysconf(_SC_PHYS_PAGES) *
	      (unsigned long long)sysconf(_SC_PAGESIZE);
	if (v > ram) {
		err_set(e, VK_EXIT_USAGE,
			"-m '%s': more than this host's %llu MiB of RAM", s,
			ram >> 20);
		return VK_EXIT_USAGE;
	}
	o->mem_mb = (unsigned long)(v >> 20);
	return 0;
}

static int gpu_err(struct err *e, const char *fmt, const char *arg)
{
	err_set(e, VK_EXIT_SETUP, fmt, arg);
	return VK_EXIT_SETUP;
}

/* An unusable -G is a setup error (exit 2), as gpud's refusals are. */
static int parse_gpu(struct vk_opts *o, const char *s, struct err *e)
{
	struct pci_addr a;
	struct err pe = {{0}};
	unsigned long mb;
	char *end;

	o->gpu = s;
	if (!strcmp(s, "sim")) {
		o->gpu_kind = VK_GPU_SIM;
	} else if (!strncmp(s, "sim:", 4)) {
		o->gpu_kind = VK_GPU_SIM;
		if (strncmp(s + 4, "vram=", 5))
			return gpu_err(e,
				       "-G '%s': the only sim option is "
				       "vram=MB",
				       s);
		errno = 0;
		mb = strtoul(s + 9, &end, 10);
		if (errno || *end || s[9] < '0' || s[9] > '9' || mb < 1 ||
		    mb > 512)
			return gpu_err(e, "-G '%s': vram=MB must be 1..512", s);
	} else if (!strncmp(s, "pci:", 4)) {
		o->gpu_kind = VK_GPU_PCI;
		if (pci_parse_addr(s + 4, &a, &pe) < 0)
			return gpu_err(e, "-G: %s", pe.msg);
	} else if (!strncmp(s, "unix:", 5)) {
		o->gpu_kind = VK_GPU_UNIX;
		o->gpu = s + 5;
		if (!s[5])
			return gpu_err(e, "-G '%s': unix:PATH needs a path", s);
	} else {
		return gpu_err(e,
			       "-G '%s': unknown device (sim, sim:vram=MB, "
			       "pci:DDDD:BB:DD.F or unix:PATH)",
			       s);
	}
	return 0;
}

static int parse_port(struct vk_opts *o, const char *s, struct err *e)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || *s < '0' || *s > '9' || v > 65535)
		return usage_err(e, "--vnc '%s': the port must be 0..65535", s);
	o->vnc_port = (int)v;
	return 0;
}

static int check_addr(const char *s, struct err *e)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return 0;
	return usage_err(e,
			 "--vnc-addr '%s': not a numeric IPv4 or IPv6 "
			 "address",
			 s);
}

static int check_name(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.' || s[0] == '-' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != n)
		return usage_err(e,
				 "--name '%s': 1..32 of A-Z a-z 0-9 _ . -, "
				 "not starting with . or -",
				 s);
	return 0;
}

/* UML joins its arguments with blanks and the kernel splits them again,
 * keeping blanks only inside double quotes: one argument must stay one. */
static int check_extra(const struct vk_opts *o, struct err *e)
{
	for (int i = 0; i < o->n_extra; i++) {
		const char *a = o->extra[i];
		int quoted = 0;

		if (!*a)
			return usage_err(e, "an empty kernel argument%s", "");
		for (const char *p = a; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return usage_err(e,
						 "kernel argument '%s' has a "
						 "control character",
						 a);
			if (*p == '"')
				quoted = !quoted;
			else if (*p == ' ' && !quoted)
				return usage_err(e,
						 "kernel argument '%s' has a "
						 "blank outside double quotes",
						 a);
		}
		if (quoted)
			return usage_err(e,
					 "kernel argument '%s' has an unclosed "
					 "double quote",
					 a);
	}
	return 0;
}

/* NULL-or-nonempty string options. */
static int check_nonempty(const struct vk_opts *o, struct err *e)
{
	const struct {
		const char *v, *opt;
	} s[] = {{o->root, "-r"},
		 {o->kernel, "-k"},
		 {o->console, "--console"},
		 {o->run_dir, "--run-dir"},
		 {o->input, "--input"}};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i].v && !*s[i].v)
			return usage_err(e, "%s: an empty path", s[i].opt);
	return 0;
}

static int parse_one(struct vk_opts *o, int c, const char *arg, struct err *e)
{
	switch (c) {
	case 'm':
		return parse_mem(o, arg, e);
	case 'G':
		return parse_gpu(o, arg, e);
	case 'r':
		o->root = arg;
		return 0;
	case 'k':
		o->kernel = arg;
		return 0;
	case OPT_VNC:
		o->vnc_set = 1;
		return parse_port(o, arg, e);
	case OPT_VNC_ADDR:
		o->vnc_set = 1;
		o->vnc_addr = arg;
		return check_addr(arg, e);
	case OPT_CONSOLE:
		o->console = arg;
		return 0;
	case OPT_RUN_DIR:
		o->run_dir = arg;
		return 0;
	case OPT_NAME:
		o->name = arg;
		return check_name(arg, e);
	case OPT_INPUT:
		o->input = arg;
		return 0;
	case OPT_PTRACE:
		o->ptrace = 1;
		return 0;
	case 'h':
		o->help = 1;
		return 0;
	}
	return usage_err(e, "internal: option %s", "?");
}

/* Options given more than once are refused: which one counts would be a
 * guess. */
static int parse_loop(struct vk_opts *o, int argc, char **argv, struct err *e)
{

	unsigned char seen[OPT_END] = {0};
	char shortopt[3] = "-?";
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:m:G:r:k:h", opts, NULL)) != -1) {
		shortopt[1] = (char)optopt;
		if (c == '?' || c == ':')
			return usage_err(e,
					 c == '?' ? "unknown option '%s'"
						  : "option '%s' needs a value",
					 optopt > 0 && optopt < 128
						 ? shortopt
						 : argv[optind - 1]);
		if (seen[c]++)
			return usage_err(e, "option %s given twice",
					 opt_name(c));
		if ((rc = parse_one(o, c, optarg, e)) != 0)
			return rc;
	}
	return 0;
}

int vk_opts_parse(struct vk_opts *o, int argc, char **argv, struct err *e)
{
	int rc;

	*o = (struct vk_opts){.mem_mb = 512,
			      .gpu_kind = VK_GPU_SIM,
			      .gpu = "sim",
			      .vnc_port = 5900,
			      .name = "vkernel"};
	if ((rc = parse_loop(o, argc, argv, e)) != 0 || o->help)
		return rc;
	if (optind < argc && strcmp(argv[optind - 1], "--"))
		return usage_err(e,
				 "unexpected argument '%s' (kernel arguments "
				 "go after --)",
				 argv[optind]);
	o->extra = argv + optind;
	o->n_extra = argc - optind;
	if (o->vnc_set && o->gpu_kind == VK_GPU_UNIX)
		return usage_err(e,
				 "--vnc and --vnc-addr do not go with -G "
				 "unix:PATH (that gpud has its own)%s",
				 "");
	if (o->input && o->gpu_kind != VK_GPU_UNIX)
		return usage_err(e,
				 "--input only goes with -G unix:PATH (gpud "
				 "started here makes its own)%s",
				 "");
	if ((rc = check_nonempty(o, e)) != 0)
		return rc;
	return check_extra(o, e);
}
