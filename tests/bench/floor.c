/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The intake floor: what one case costs the disk at the least.  Each round
 * writes a 1 MiB file, fsyncs it, renames it, fsyncs the folder, and inserts
 * one row in SQLite (WAL, synchronous=FULL), exactly the durable steps
 * outpostd takes per case.  Prints rounds per second and p50/p99 in ms.
 * Usage: bench_floor DIR ROUNDS
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

int main(int argc, char **argv)
{
	static char data[1 << 20];
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
	start = now_ms();
	for (int i = 0; i < rounds; i++) {
		double t0 = now_ms();
		int fd;

		snprintf(tmp, sizeof(tmp), "%s/tmp.%d", argv[1], i);
		snprintf(final, sizeof(final), "%s/doc.%d", argv[1], i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || fsync(fd) < 0 ||
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
	print_rate(lat, rounds, total);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
