/*
 * gpud: owns a graphics device and serves it over vfio-user
 * (QEMU docs/interop/vfio-user.rst) on a UNIX socket.
 *
 *   gpud --device sim[:vram=MB] --socket PATH [--vnc PORT]
 *        [--input-socket PATH] [--foreground]
 *
 * The socket is created mode 0600 in a private directory (made 0700 when
 * missing; a directory others may write to is refused; a stale socket is
 * removed only when nothing listens on it; gpud_sock.c). Up to 8 clients
 * at once, one message at a time (gpud_clients.c); the device and its
 * state live here, not in the connections. --input-socket: a second
 * socket, made the same way, on which the VNC viewers' keyboard and
 * pointer events go to one client, the vkernel's input driver
 * (gpud_input.c). One poll loop: the listening socket and the clients,
 * the input socket and its client, the display ticks, SIGINT/SIGTERM (the
 * sockets are removed on the way out), SIGUSR1 (a line of display
 * statistics). One log line per connection and per error, on stderr.
 *
 * The clients reach the device through the damage window of
 * gpud_damage.c (BAR2 0xF00-0xF0F, a gpud extension); the display
 * refreshes periodically until a client reports damage there, then on
 * damage until every such client has disconnected.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dev/backend.h"
#include "dev/vfu_server.h"
#include "gpud.h"
#include "lib/vfio_user.h"

/* Display frames wait until the clients have been quiet this long. */
#define QUIET_MS 10

static const char usage_text[] =
	"usage: gpud --device DEV --socket PATH [--vnc PORT] [--vnc-addr ADDR]"
	"\n            [--input-socket PATH] [--foreground]\n"
	"Serve a graphics device over vfio-user on a UNIX socket, to up to 8 "
	"clients\nat once.\n"
	"  -d, --device DEV     sim (the stdvga model, 16 MiB VRAM), "
	"sim:vram=MB, or\n"
	"                       pci:DDDD:BB:DD.F (real hardware through "
	"libpciaccess)\n"
	"  -s, --socket PATH    the socket; created mode 0600, its directory "
	"must be\n"
	"                       private (created 0700 when missing). Also "
	"--socket-path\n"
	"      --vnc PORT       show the live display over VNC on PORT (0: "
	"any free)\n"
	"      --vnc-addr ADDR  listen for VNC on ADDR (default 127.0.0.1)\n"
	"      --input-socket PATH\n"
	"                       send the VNC viewers' keyboard and pointer "
	"events\n"
	"                       to one client on this UNIX socket (8-byte "
	"Linux input\n"
	"                       records; made like --socket)\n"
	"  -f, --foreground     stay in the foreground; otherwise gpud goes to "
	"the\n"
	"                       background once the socket is ready and prints "
	"its pid\n"
	"  -h, --help           this text\n"
	"A client may report the rectangles it draws in BAR2 0xF00-0xF0F "
	"(README.md);\nthe display then refreshes on damage instead of 30 "
	"times a second.\n"
	"SIGINT or SIGTERM stop gpud and remove the sockets; SIGUSR1 logs "
	"display\nstatistics.\n";

struct gpud {
	const char *device, *path, *vnc_addr, *input_path;
	int vnc_port, foreground;
	struct hw *backend; /* the device; hw wraps it */
	struct gpud_damage *damage;
	struct hw *hw;
	struct vfu_server *srv;
	struct gpud_display *display;
	struct gpud_input *input;
	struct gpud_sock sock;
	struct gpud_clients *clients;
};

static volatile sig_atomic_t stop_signal, stats_signal;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_signal = 1;
	else
		stop_signal = sig;
}

static int parse_args(struct gpud *g, int argc, char **argv)
{
	enum { OPT_VNC = 256, OPT_VNC_ADDR, OPT_INPUT };
	static const struct option opts[] = {
		{"device", required_argument, 0, 'd'},
		{"socket", required_argument, 0, 's'},
		{"socket-path", required_argument, 0, 's'},
		{"vnc", required_argument, 0, OPT_VNC},
		{"vnc-addr", required_argument, 0, OPT_VNC_ADDR},
		{"input-socket", required_argument, 0, OPT_INPUT},
		{"foreground", no_argument, 0, 'f'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	char *end;
	long port;
	int c;

	while ((c = getopt_long(argc, argv, "d:s:fh", opts, NULL)) != -1) {
		if (c == 'd') {
			g->device = optarg;
		} else if (c == 's') {
			g->path = optarg;
		} else if (c == 'f') {
			g->foreground = 1;
		} else if (c == OPT_VNC_ADDR) {
			g->vnc_addr = optarg;
		} else if (c == OPT_INPUT) {
			g->input_path = optarg;
		} else if (c == OPT_VNC) {
			port = strtol(optarg, &end, 10);
			if (*end || !*optarg || port < 0 || port > 65535) {
				fprintf(stderr, "gpud: --vnc PORT must be "
						"0..65535\n");
				return 2;
			}
			g->vnc_port = (int)port;
		} else {
			fputs(usage_text, c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || !g->device || !g->path ||
	    (g->vnc_addr && g->vnc_port < 0)) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (g->input_path && !strcmp(g->input_path, g->path)) {
		fprintf(stderr, "gpud: --input-socket must differ from "
				"--socket\n");
		return 2;
	}
	return -1;
}

/* ---- The loop ---- */

/* Publish a frame if one is due, only between messages of quiet clients
 * and with the device running; returns the ms to wait before the next
 * step (-1: no display). */
static int display_step(struct gpud *g, long long now)
{
	int due, quiet, on_damage;
	uint32_t st = vfu_server_mig_state(g->srv);

	if (!g->display)
		return -1;
	if (st != VFU_STATE_RUNNING && st != VFU_STATE_PRE_COPY)
		return 100;
	on_damage = gpud_clients_report_damage(g->clients);
	due = gpud_display_due_ms(g->display, now, on_damage);
	quiet = gpud_clients_quiet_in(g->clients, now, QUIET_MS);
	if (quiet > due)
		due = quiet;
	if (due > 0)
		return due;
	gpud_display_tick(g->display, now, on_damage);
	return gpud_display_due_ms(g->display, now, on_damage);
}

static void log_stats(struct gpud *g)
{
	stats_signal = 0;
	if (g->display)
		gpud_display_log_stats(g->display,
				       gpud_clients_report_damage(g->clients));
	else
		fprintf(stderr, "gpud: no display (--vnc) to report on\n");
}

static void run(struct gpud *g, const sigset_t *waitmask)
{
	while (!stop_signal) {
		struct pollfd p[GPUD_CLIENT_POLLFDS + GPUD_INPUT_POLLFDS];
		long long now = gpud_now_ms();
		int wait = display_step(g, now);
		int nc = gpud_clients_pollfds(g->clients, p, now, &wait);
		int n = g->input ? gpud_input_pollfds(g->input, p + nc) : 0;
		struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
		int r = ppoll(p, (nfds_t)(nc + n), wait < 0 ? NULL : &ts,
			      waitmask);

		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "gpud: poll: %s\n", strerror(errno));
			return;
		}
		if (stats_signal)
			log_stats(g);
		if (r <= 0 || stop_signal)
			continue;
		if (n)
			gpud_input_ready(g->input, p + nc, n);
		gpud_clients_ready(g->clients, p, nc);
	}
}

/* ---- Start and stop ---- */

static int start(struct gpud *g, struct err *e)
{
	uint64_t vram = 0;
	struct hw_region r;
	int rc;

	if ((rc = backend_open(g->device, &g->backend, e)) < 0)
		return rc;
	if ((rc = gpud_damage_wrap(g->backend, &g->damage, e)) < 0) {
		hw_destroy(g->backend);
		return rc;
	}
	g->hw = gpud_damage_hw(g->damage); /* owns the backend now */
	if ((rc = vfu_server_create(g->hw, &g->srv, e)) < 0 ||
	    (rc = gpud_sock_listen(&g->sock, g->path, e)) < 0 ||
	    (rc = gpud_clients_open(g->srv, g->damage, g->sock.fd, &g->clients,
				    e)) < 0)
		return rc;
	if (g->input_path &&
	    (rc = gpud_input_open(g->input_path, &g->input, e)) < 0)
		return rc;
	if (hw_region_info(g->hw, HW_REGION_BAR0, &r, NULL) == 0)
		vram = r.size;
	fprintf(stderr, "gpud: serving %s (%llu MiB VRAM) on %s\n", g->device,
		(unsigned long long)(vram >> 20), g->path);
	if (g->input)
		fprintf(stderr, "gpud: input events on %s\n", g->input_path);
	if (!gpud_damage_serves_window(g->damage))
		fprintf(stderr, "gpud: not a std VGA with a 4 KiB BAR2: no "
				"damage window, the display refreshes "
				"periodically\n");
	return 0;
}

/* After going to the background: the VNC server runs its own thread,
 * which a fork would not carry over. */
static int start_display(struct gpud *g, struct err *e)
{
	int rc;

	if (g->vnc_port < 0)
		return 0;
	rc = gpud_display_start(g->backend, g->damage, g->vnc_addr, g->vnc_port,
				&g->display, e);
	if (rc == 0 && g->input)
		gpud_display_set_input(g->display, gpud_input_send, g->input);
	if (rc == 0)
		fprintf(stderr, "gpud: display over VNC on %s port %d\n",
			g->vnc_addr ? g->vnc_addr : "127.0.0.1",
			gpud_display_port(g->display));
	return rc;
}

static void shutdown_all(struct gpud *g)
{
	gpud_clients_close(g->clients);
	gpud_sock_close(&g->sock);
	/* The display's thread sends input: it stops first. */
	gpud_display_stop(g->display);
	gpud_input_close(g->input);
	vfu_server_destroy(g->srv);
	hw_destroy(g->hw);
}

/* Without --foreground: the parent prints the pid and leaves. */
static int background(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -errno;
	if (pid > 0) {
		printf("%d\n", (int)pid);
		fflush(stdout);
		_exit(0);
	}
	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return 0;
}

static void setup_signals(sigset_t *waitmask)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGUSR1);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct gpud g = {.sock.fd = -1, .vnc_port = -1};
	struct err e = {{0}};
	sigset_t waitmask;
	int rc = parse_args(&g, argc, argv);

	if (rc >= 0)
		return rc;
	setup_signals(&waitmask);
	rc = start(&g, &e);
	if (rc == 0 && !g.foreground && (rc = background()) < 0)
		err_set(&e, rc, "cannot go to the background: %s",
			strerror(-rc));
	if (rc == 0)
		rc = start_display(&g, &e);
	if (rc == 0) {
		run(&g, &waitmask);
		if (stop_signal)
			fprintf(stderr, "gpud: %s, shutting down\n",
				strsignal(stop_signal));
	} else {
		fprintf(stderr, "gpud: %s\n", e.msg);
	}
	shutdown_all(&g);
	return rc == 0 ? 0 : 1;
}
