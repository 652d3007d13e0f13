/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The intake floor: what one case costs at the least.  Each round hashes
 * the 1 MiB document (SHA-256) and encrypts it (AES-256-GCM), both with
 * OpenSSL as outpostd does, writes it, fsyncs it, renames it, fsyncs the
 * folder, and inserts one row in SQLite (WAL, synchronous=FULL): exactly
 * the work outpostd must do per case.  Prints "rounds_per_s p50_ms p99_ms
 * cpu_ms_per_round kib_written_per_round".
 * Usage: bench_floor DIR ROUNDS
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

/* This process's bytes written to storage so far (/proc/self/io). */
static long long written(void)
{
	char line[128];
	long long n = -1;
	FILE *f = fopen("/proc/self/io", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "write_bytes: %lld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* SHA-256 and AES-256-GCM of the document, as the core does them. */
static int seal(const unsigned char *in, int len, unsigned char *out, unsigned char digest[32])
{
	static const unsigned char key[32] = {1}, nonce[12] = {2};
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	unsigned int dl = 0;
	int n = 0, m = 0, ok;

	ok = EVP_Digest(in, (size_t)len, digest, &dl, EVP_sha256(), NULL) == 1 && cx &&
	     EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	     EVP_EncryptUpdate(cx, out, &n, in, len) == 1 && EVP_EncryptFinal_ex(cx, out + n, &m) == 1 &&
	     EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, out + n + m) == 1;
	EVP_CIPHER_CTX_free(cx);
	return ok ? n + m + 16 : -1;
}

int main(int argc, char **argv)
{
	static char data[1 << 20];
	static unsigned char sealed[(1 << 20) + 64], digest[32];
	long long w0;
	double c0;
	char path[512], tmp[512], final[512];
	sqlite3 *db;
	sqlite3_stmt *ins;
	double *lat, start;
	int rounds, dirfd;

	if (argc != 3 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_floor DIR ROUNDS\n");
		return 2;
	}
	lat = calloc((size_t)rounds, sizeof(*lat));
	memset(data, 'x', sizeof(data));
	snprintf(path, sizeof(path), "%s/floor.db", argv[1]);
	if (!lat || sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT, at INTEGER) STRICT;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (name, at) VALUES (?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
		return 1;
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	w0 = written();
	c0 = cpu_ms();
	start = now_ms();
	for (int i = 0; i < rounds; i++) {
		double t0 = now_ms();
		int fd, len;

		snprintf(tmp, sizeof(tmp), "%s/tmp.%d", argv[1], i);
		snprintf(final, sizeof(final), "%s/doc.%d", argv[1], i);
		data[100] = (char)i; /* a document of its own each round */
		len = seal((const unsigned char *)data, (int)sizeof(data), sealed, digest);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (len < 0 || fd < 0 || write(fd, sealed, (size_t)len) != (ssize_t)len || fsync(fd) < 0 ||
		    close(fd) < 0 || rename(tmp, final) < 0 || fsync(dirfd) < 0)
			return 1;
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, final, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, i);
		if (sqlite3_step(ins) != SQLITE_DONE)
			return 1;
		lat[i] = now_ms() - t0;
	}
	double total = now_ms() - start;
	qsort(lat, (size_t)rounds, sizeof(*lat), cmp_double);
	printf("%.1f %.2f %.2f %.2f %.0f\n", rounds / (total / 1e3), lat[rounds / 2], lat[(rounds * 99) / 100],
	       (cpu_ms() - c0) / rounds, (double)(written() - w0) / 1024.0 / rounds);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
