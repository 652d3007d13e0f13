/* SPDX-License-Identifier: Apache-2.0 */
/* Timing helpers shared by the benchmark programs. */
#ifndef OUTPOST_BENCH_TIMING_H
#define OUTPOST_BENCH_TIMING_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Prints "rounds_per_s p50_ms p99_ms" for n latencies taken over total_ms;
 * sorts lat. */
static inline void print_rate(double *lat, int n, double total_ms)
{
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	printf("%.1f %.2f %.2f\n", n / (total_ms / 1e3), lat[n / 2], lat[(n * 99) / 100]);
}

#endif
