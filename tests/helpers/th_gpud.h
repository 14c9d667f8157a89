/* Test helpers for end-to-end tests with real processes: the work
 * directory, child processes and their logs, gpud, and the RFB wire. */
#ifndef GS_TH_GPUD_H
#define GS_TH_GPUD_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "dev/hw.h"

/* BUILD of BUILD/tests/AREA/test_X (where gpud and gpustate are), and
 * the work directory (a mkdtemp template of at most 127 characters);
 * both set by th_work_make. */
extern char th_build[PATH_MAX];
extern char th_work[128];

/* The halves of an unchecked fixture (run in the runner process): set
 * th_build and make th_work from a mkdtemp template; remove th_work.
 * th_work_make aborts on error. */
void th_work_make(const char *template);
void th_work_remove(void);

/* Fork and exec argv (argv[0] a path) with stdout and stderr appended to
 * log (/dev/null if NULL); the child dies with the test process
 * (PR_SET_PDEATHSIG). Returns its pid. */
pid_t th_spawn(const char *const argv[], const char *log);

/* Lines of the file at path containing what; if num, *num gets the number
 * after the first occurrence of after in the last such line. */
int th_log_count(const char *path, const char *what, const char *after,
		 long long *num);
/* Wait up to ms for n lines of log containing what; fails otherwise. */
void th_wait_log(const char *log, const char *what, int n, int ms);

/* A gpud serving the simulated device. */
struct th_gpud {
	pid_t pid;
	int vnc; /* the VNC port, with TH_GPUD_VNC */
	char sock[256], in[256], log[256];
};

enum { TH_GPUD_VNC = 1, TH_GPUD_INPUT = 2 };

/* BUILD/gpud --device sim --foreground serving WORK/name/gpu.sock, its
 * output in WORK/name.log; with TH_GPUD_VNC also --vnc 0, with
 * TH_GPUD_INPUT --input-socket WORK/name/in.sock. Returns once it serves
 * (and shows the display); fails if it exits first or takes 5 s. */
void th_gpud_start(struct th_gpud *g, const char *name, unsigned flags);
/* SIGTERM; fails unless gpud exits 0, removes its sockets and logs no
 * sanitizer report. */
void th_gpud_stop(struct th_gpud *g);
/* A vfio-user client of g; fails the test on error. */
struct hw *th_gpud_client(const struct th_gpud *g);

/* The RFB wire: whole reads and writes (failing the test on error or end
 * of file) and big-endian fields. */
void th_get(int fd, void *buf, size_t n);
void th_put(int fd, const void *buf, size_t n);
unsigned th_be16(const uint8_t *p);
uint32_t th_be32(const uint8_t *p);
/* Connect to 127.0.0.1:port as an RFB 3.8 viewer (no authentication,
 * shared, 5 s receive timeout) and read ServerInit; *w and *h get the
 * screen size. Returns the socket. */
int th_rfb_open(int port, unsigned *w, unsigned *h);

#endif
