/* Helpers shared by the benchmarks (see util.h). */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void bench_fill_desktop(uint8_t *v, size_t size)
{
	uint32_t *px = (uint32_t *)v, x = 1;

	memset(v, 0, size);
	for (unsigned y = 0; y < 768; y++)
		for (unsigned c = 0; c < 1024; c++) {
			uint32_t p = 0x3a6ea5;

			if (c > 100 && c < 700 && y > 80 && y < 600) {
				x = x * 1103515245 + 12345;
				p = (y % 16 < 12 && (x >> 16) % 3 == 0)
					    ? 0
					    : 0xffffff;
			}
			px[y * 1024 + c] = p;
		}
}
