/* Helpers shared by the benchmarks: timing, quantiles, test content. */
#ifndef GS_BENCH_UTIL_H
#define GS_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in seconds. */
double bench_now(void);
/* The q-quantile (0.5: median) of n samples; sorts v. */
double bench_quantile(double *v, size_t n, double q);
/* Print "bench: what: msg" and exit 1. */
void bench_die(const char *what, const char *msg);
/* Desktop-like VRAM of size bytes (at least 3 MiB): a 1024x768x32 frame
 * of flat areas and text-like noise, the rest zero. */
void bench_fill_desktop(uint8_t *v, size_t size);

#endif
