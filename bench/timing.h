/* Timing helpers shared by the benchmarks. */
#ifndef GS_BENCH_TIMING_H
#define GS_BENCH_TIMING_H

#include <stddef.h>

/* Monotonic time in seconds. */
double bench_now(void);
/* The q-quantile (0.5: median) of n samples; sorts v. */
double bench_quantile(double *v, size_t n, double q);
/* Print "bench: what: msg" and exit 1. */
void bench_die(const char *what, const char *msg);

#endif
