/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make bench: document scanning, pages per second through SANE to PDF
 * (outpost's pipeline: SANE read, ZBar, JPEG, split, cairo PDF) against
 * scanimage alone writing the same pages as PNM, in the same run, on
 * SANE's test backend: 10 pages from its feeder, 200 x 200 mm (its bed's
 * largest), 300 dpi gray.  Twice: with the backend answering at once (the
 * pipeline's own cost, an upper bound no scanner reaches) and paced by
 * the backend's read delay to about a fast office ADF's speed.
 *   bench_docscan SANE_CONFIG_DIR WORKDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/docscan.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void opt(struct docscan_request *r, const char *name, const char *value)
{
	snprintf(r->opt[r->nopt].name, sizeof(r->opt[r->nopt].name), "%s", name);
	snprintf(r->opt[r->nopt].value, sizeof(r->opt[r->nopt].value), "%s", value);
	r->nopt++;
}

static double scanimage(const char *work, const char *delay_us)
{
	char batch[512];
	double t0 = now();
	pid_t pid;
	int status;

	snprintf(batch, sizeof(batch), "--batch=%s/page%%d.pnm", work);
	pid = fork();
	if (pid == 0) {
		const char *argv[32] = {"scanimage",
					"-d",
					"test:0",
					"--source",
					"Automatic Document Feeder",
					"--mode",
					"Gray",
					"--resolution",
					"300",
					"-x",
					"200",
					"-y",
					"200",
					"--test-picture",
					"Grid",
					batch};
		int n = 16;

		if (delay_us) {
			argv[n++] = "--read-limit=yes";
			argv[n++] = "--read-limit-size=65536";
			argv[n++] = "--read-delay=yes";
			argv[n++] = "--read-delay-duration";
			argv[n++] = delay_us;
		}
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp("scanimage", (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_docscan: scanimage failed\n");
		exit(1);
	}
	return now() - t0;
}

static double outpost(const char *delay_us, unsigned *pages)
{
	struct docscan_cmd cmd = {.op = DOCSCAN_START, .more = false};
	struct docscan_request *r = &cmd.req;
	struct docscan_result *res;
	double t0 = now(), t;

	*r = (struct docscan_request){
	    .job = 1, .adf = true, .dpi = 300, .jpeg_quality = 80, .max_pages = 100, .target_material = 1};
	snprintf(r->device, sizeof(r->device), "test:0");
	snprintf(r->target_case, sizeof(r->target_case), "BENCH-000000-0001X");
	opt(r, "br-x", "200");
	opt(r, "br-y", "200");
	opt(r, "test-picture", "Grid");
	if (delay_us) {
		opt(r, "read-limit", "yes");
		opt(r, "read-limit-size", "65536");
		opt(r, "read-delay", "yes");
		opt(r, "read-delay-duration", delay_us);
	}
	res = docscan_run(&cmd);
	t = now() - t0;
	if (!res || strcmp(res->status, "ok") != 0 || res->split.ndocs != 1) {
		fprintf(stderr, "bench_docscan: scan failed: %s %s\n", res ? res->status : "?", res ? res->detail : "");
		exit(1);
	}
	*pages = res->pages;
	docscan_result_free(res);
	return t;
}

int main(int argc, char **argv)
{
	static const char *const delays[] = {NULL, "50000"};

	if (argc != 3) {
		fprintf(stderr, "usage: bench_docscan SANE_CONFIG_DIR WORKDIR\n");
		return 2;
	}
	setenv("SANE_CONFIG_DIR", argv[1], 1);
	printf("document scanning, 10 pages of 200 x 200 mm at 300 dpi gray from the SANE test backend's feeder\n");
	for (size_t i = 0; i < 2; i++) {
		unsigned pages = 0;
		double base = scanimage(argv[2], delays[i]), ours = outpost(delays[i], &pages);

		printf("  %s\n", delays[i] ? "paced (read delay 50 ms per 64 KiB, about a fast office feeder)"
					   : "unpaced (the backend answers at once: the pipeline's own cost)");
		printf("    outpost   %u pages in %.2f s, %.1f pages/s (SANE, ZBar, JPEG, one PDF)\n", pages, ours,
		       pages / ours);
		printf("    scanimage 10 pages in %.2f s, %.1f pages/s (PNM files)\n", base, 10 / base);
		printf("    overhead  %+.0f%% of scanimage's time%s\n", (ours / base - 1) * 100,
		       delays[i] ? " (target < 25%)" : "");
	}
	docscan_free();
	return 0;
}
