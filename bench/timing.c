/* Timing helpers shared by the benchmarks (see timing.h). */
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

void bench_die(const char *what, const char *msg)
{
	fprintf(stderr, "bench: %s: %s\n", what, msg);
	exit(1);
}
