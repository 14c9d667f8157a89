/*
 * gpud's live display: frames decoded per second and gpud's CPU time
 * (all its threads, /proc/PID/task/N/schedstat) with a vfio-user client
 * that does not report damage (periodic refresh, gpud's behaviour before
 * the damage window) and one that does (tools/gpud_damage.c), each idle
 * and drawing a 64x64 block 60 times a second. gpud serves the stdvga
 * model at 1024x768x32 with a desktop-like picture, --vnc on a free port,
 * no viewer connected. Frame counts come from gpud's SIGUSR1 log line.
 *
 *   bench_gpud_display [GPUD]      (default: the gpud next to build/bench)
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/util.h"
#include "dev/backend.h"
#include "lib/script.h"

#define W	 1024
#define H	 768
#define PHASE_S	 4.0
#define DRAW_HZ	 60
#define BLOCK_PX 64

static char dir[] = "/tmp/bench-gpud-display-XXXXXX";
static char sock[PATH_MAX], log_path[PATH_MAX];
static pid_t gpud_pid;

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (gpud_pid > 0) {
		kill(gpud_pid, SIGTERM);
		waitpid(gpud_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_gpud_display: cannot remove %s\n", dir);
}

static void die(const char *what, const char *why)
{
	cleanup();
	bench_die(what, why);
}

/* Lines of the log with what; *num: the number after "display: " in the
 * last one. */
static int log_lines(const char *what, long long *num)
{
	char line[512], *p;
	FILE *f = fopen(log_path, "r");
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, what))
			continue;
		n++;
		if (num && (p = strstr(line, "display: ")))
			*num = atoll(p + 9);
	}
	if (f)
		fclose(f);
	return n;
}

static void wait_log(const char *what, int n)
{
	for (int i = 0; i < 1000 && log_lines(what, NULL) < n; i++)
		usleep(5000);
	if (log_lines(what, NULL) < n)
		die("gpud did not log", what);
}

static void start_gpud(const char *bin)
{
	const char *argv[] = {bin,	  "--device",	  "sim",
			      "--socket", sock,		  "--vnc",
			      "0",	  "--foreground", NULL};
	pid_t parent = getpid();

	gpud_pid = fork();
	if (gpud_pid < 0)
		die("fork", "failed");
	if (gpud_pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	wait_log("display over VNC", 1);
}

/* gpud's CPU time so far, every thread, in seconds. */
static double cpu_s(void)
{
	char path[64], line[128];
	struct dirent *de;
	double ns = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)gpud_pid);
	if (!(d = opendir(path)))
		die("cpu time", "no /proc/PID/task");
	while ((de = readdir(d))) {
		char f[sizeof(path) + sizeof(de->d_name) + 16];
		FILE *fp;

		if (de->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s/schedstat", path, de->d_name);
		if ((fp = fopen(f, "r"))) {
			if (fgets(line, sizeof(line), fp))
				ns += strtod(line, NULL);
			fclose(fp);
		}
	}
	closedir(d);
	return ns / 1e9;
}

static long long frames(void)
{
	int n = log_lines("frames decoded", NULL);
	long long num = -1;

	kill(gpud_pid, SIGUSR1);
	wait_log("frames decoded", n + 1);
	log_lines("frames decoded", &num);
	return num;
}

struct client {
	struct hw *hw;
	uint32_t *vram;
	uint64_t size;
};

static void client_open(struct client *c)
{
	char spec[PATH_MAX + 8];
	struct err e = {{0}};

	snprintf(spec, sizeof(spec), "unix:%s", sock);
	if (backend_open(spec, &c->hw, &e))
		die("connect", e.msg);
	c->vram = hw_region_map(c->hw, HW_REGION_BAR0, &c->size, &e);
	if (!c->vram)
		die("map VRAM", e.msg);
}

static void client_close(struct client *c)
{
	hw_region_unmap(c->vram, c->size);
	hw_destroy(c->hw);
}

static void modeset(struct client *c)
{
	struct script *s = NULL;
	struct err e = {{0}};
	const char *text = "cfg.w16 0x04 0x0003\nbar2.w16 0x508 0\n"
			   "bar2.w16 0x506 32\nbar2.w16 0x502 1024\n"
			   "bar2.w16 0x504 768\nbar2.w16 0x50c 1024\n"
			   "bar2.w16 0x50e 768\nbar2.w16 0x508 0xc1\n";

	if (script_parse(text, strlen(text), "modeset", ".", &s, &e) ||
	    script_run(s, c->hw, NULL, &e))
		die("modeset", e.msg);
	script_free(s);
	bench_fill_desktop((uint8_t *)c->vram, c->size);
}

static void report(struct client *c, unsigned x, unsigned y, unsigned w,
		   unsigned h)
{
	struct err e = {{0}};

	if (hw_region_write(c->hw, HW_REGION_BAR2, 0xf08, 4, x | y << 16, &e) ||
	    hw_region_write(c->hw, HW_REGION_BAR2, 0xf0c, 4, w | h << 16, &e))
		die("report damage", e.msg);
}

/* One phase of PHASE_S seconds: idle, or drawing (and reporting, if
 * report) a block DRAW_HZ times a second. One table row. */
static void phase(struct client *c, const char *name, int draw, int report_)
{
	long long f0 = frames(), f1;
	double c0 = cpu_s(), t0 = bench_now(), t;
	unsigned n = 0;

	while ((t = bench_now() - t0) < PHASE_S) {
		unsigned x, y;

		if (!draw) {
			usleep((useconds_t)((PHASE_S - t) * 1e6) + 1000);
			continue;
		}
		x = (n * 97) % (W - BLOCK_PX);
		y = (n * 53) % (H - BLOCK_PX);
		for (unsigned r = y; r < y + BLOCK_PX; r++)
			for (unsigned k = x; k < x + BLOCK_PX; k++)
				c->vram[(size_t)r * W + k] = n * 0x010305u;
		if (report_)
			report(c, x, y, BLOCK_PX, BLOCK_PX);
		n++;
		t = (double)n / DRAW_HZ - (bench_now() - t0);
		if (t > 0)
			usleep((useconds_t)(t * 1e6));
	}
	t = bench_now() - t0;
	f1 = frames();
	printf("| %-40s | %8.1f | %7.2f |\n", name, (double)(f1 - f0) / t,
	       (cpu_s() - c0) / t * 100);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], bin[PATH_MAX + 8];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct client a, b;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_gpud_display [GPUD]\n");
		return 2;
	}
	if (len <= 0)
		bench_die("readlink", "/proc/self/exe");
	self[len] = 0;
	/* BUILD/bench/bench_gpud_display: gpud is BUILD/gpud. */
	snprintf(bin, sizeof(bin), "%s/gpud", dirname(dirname(self)));
	if (!mkdtemp(dir))
		bench_die("mkdtemp", dir);
	snprintf(sock, sizeof(sock), "%s/s/gpu.sock", dir);
	snprintf(log_path, sizeof(log_path), "%s/gpud.log", dir);
	start_gpud(argc == 2 ? argv[1] : bin);
	client_open(&a);
	modeset(&a);
	usleep(200000);
	printf("\ngpud live display, %dx%d, %.0f s per row; CPU = gpud's, "
	       "all threads, %% of one core\n\n",
	       W, H, PHASE_S);
	printf("| %-40s | %8s | %7s |\n", "client", "frames/s", "CPU %");
	printf("|%.42s|%.10s|%.9s|\n",
	       "------------------------------------------", "----------",
	       "---------");
	phase(&a, "idle, no damage reports (periodic)", 0, 0);
	phase(&a, "drawing 60/s, no reports (periodic)", 1, 0);
	client_close(&a);
	client_open(&b);
	report(&b, 0, 0, W, H);
	wait_log("reports damage", 1);
	usleep(200000);
	phase(&b, "idle, reports damage", 0, 0);
	phase(&b, "drawing 60/s, reports each block", 1, 1);
	client_close(&b);
	cleanup();
	return 0;
}
