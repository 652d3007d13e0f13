/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intake benchmark client: creates ROUNDS cases one at a time, each with DOCS
 * (default 1) PDFs of its own of 1 MiB, over one kept-alive connection, and
 * prints "cases_per_s p50_ms p99_ms".  Written in C on libcurl so the figure
 * is the server's cost, not a JavaScript client's.
 * Usage: bench_intake BASE_URL COOKIE CSRF CASE_JSON ROUNDS [DOCS]
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timing.h"

#define DOC_BYTES (1u << 20)

/* The answer's first bytes, for the message when a case is refused. */
static char answer[512];
static size_t answer_len;

static size_t keep_head(char *p, size_t size, size_t n, void *ud)
{
	size_t take = size * n < sizeof(answer) - 1 - answer_len ? size * n : sizeof(answer) - 1 - answer_len;

	(void)ud;
	memcpy(answer + answer_len, p, take);
	answer_len += take;
	answer[answer_len] = '\0';
	return size * n;
}

/* A valid PDF head and tail around filler, so the type sniffing passes. */
static char *make_pdf(void)
{
	static const char head[] = "%PDF-1.4\n1 0 obj <<>> endobj\n";
	static const char tail[] = "\n%%EOF\n";
	char *doc = malloc(DOC_BYTES);

	if (!doc)
		return NULL;
	memset(doc, ' ', DOC_BYTES);
	memcpy(doc, head, sizeof(head) - 1);
	memcpy(doc + DOC_BYTES - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	return doc;
}

int main(int argc, char **argv)
{
	char cookie[512], csrf[512], url[512];
	struct curl_slist *hdrs = NULL;
	double *lat, start;
	char *doc;
	CURL *c;
	int rounds, docs = argc == 7 ? atoi(argv[6]) : 1;

	if ((argc != 6 && argc != 7) || (rounds = atoi(argv[5])) <= 0 || docs < 1 || docs > 8) {
		fprintf(stderr, "usage: bench_intake BASE_URL COOKIE CSRF CASE_JSON ROUNDS [DOCS]\n");
		return 2;
	}
	lat = calloc((size_t)rounds, sizeof(*lat));
	doc = make_pdf();
	c = curl_easy_init();
	if (!lat || !doc || !c)
		return 1;
	snprintf(url, sizeof(url), "%s/api/v1/cases", argv[1]);
	snprintf(cookie, sizeof(cookie), "Cookie: %s", argv[2]);
	snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %s", argv[3]);
	hdrs = curl_slist_append(hdrs, cookie);
	hdrs = curl_slist_append(hdrs, csrf);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* The console is HTTPS: the box's own certificate, from the caller. */
	if (getenv("BENCH_CAINFO"))
		curl_easy_setopt(c, CURLOPT_CAINFO, getenv("BENCH_CAINFO"));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_head);

	start = now_ms();
	for (int i = 0; i < rounds; i++) {
		curl_mime *form = curl_mime_init(c);
		curl_mimepart *part;
		long status = 0;
		double t0;

		part = curl_mime_addpart(form);
		curl_mime_name(part, "case");
		curl_mime_data(part, argv[4], CURL_ZERO_TERMINATED);
		for (int d = 0; d < docs; d++) {
			/* Different bytes each time: every document is a file of its own. */
			memcpy(doc + 100, &i, sizeof(i));
			memcpy(doc + 100 + sizeof(i), &d, sizeof(d));
			part = curl_mime_addpart(form);
			curl_mime_name(part, "document");
			curl_mime_filename(part, "scan.pdf");
			curl_mime_type(part, "application/pdf");
			curl_mime_data(part, doc, DOC_BYTES); /* curl copies the data */
		}
		curl_easy_setopt(c, CURLOPT_MIMEPOST, form);

		answer_len = 0;
		t0 = now_ms();
		CURLcode rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		lat[i] = now_ms() - t0;
		curl_mime_free(form);
		if (rc != CURLE_OK || status != 201) {
			fprintf(stderr, "bench_intake: case %d: %s, HTTP %ld: %s\n", i, curl_easy_strerror(rc), status,
				answer);
			return 1;
		}
	}
	double total = now_ms() - start;
	print_rate(lat, rounds, total);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(doc);
	free(lat);
	return 0;
}
