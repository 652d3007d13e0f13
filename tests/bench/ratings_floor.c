/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ratings ingest's floor: what taking one rating costs central at the
 * least, one plain SQLite insert into a table shaped like central's
 * ratings (its keys and index), each in its own transaction, WAL and
 * synchronous=FULL as central runs.  Prints "rows_per_s p50_ms p99_ms".
 * Usage: bench_ratings_floor DIR ROWS
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "timing.h"

int main(int argc, char **argv)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *ins;
	double *lat, start;
	int rows;

	if (argc != 3 || (rows = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_ratings_floor DIR ROWS\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ratings-floor.db", argv[1]);
	lat = calloc((size_t)rows, sizeof(*lat));
	if (!lat || sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			 "CREATE TABLE ratings (office TEXT NOT NULL, id TEXT NOT NULL, service TEXT NOT NULL, "
			 "kind TEXT NOT NULL, level INTEGER NOT NULL, reasons TEXT NOT NULL, channel TEXT NOT NULL, "
			 "department TEXT NOT NULL, rated_at INTEGER NOT NULL, PRIMARY KEY (office, id), "
			 "UNIQUE (office, service)) STRICT;"
			 "CREATE INDEX ratings_department ON ratings(department, rated_at);",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO ratings VALUES (?1, ?2, ?3, 'ticket', ?4, '[]', 'tablet', ?5, ?6)", -1,
			       &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_ratings_floor: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	start = now_ms();
	for (int i = 0; i < rows; i++) {
		char office[16], id[40], service[64];
		double t0 = now_ms();

		snprintf(office, sizeof(office), "SQ%03d", i % 100);
		snprintf(id, sizeof(id), "%032x", i);
		snprintf(service, sizeof(service), "ticket:2026-12-04-A%05d", i);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_text(ins, 1, office, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, service, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 4, 1 + i % 5);
		sqlite3_bind_text(ins, 5, "区公安分局", -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, 1764800000 + i);
		if (sqlite3_step(ins) != SQLITE_DONE || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "bench_ratings_floor: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_reset(ins);
		lat[i] = now_ms() - t0;
	}
	print_rate(lat, rows, now_ms() - start);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	free(lat);
	return 0;
}
