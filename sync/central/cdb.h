/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outpost-central's database, as the rest of central sees it: statements
 * with numbered parameters, rows, columns, transactions.  Nothing outside
 * the backend names SQLite, so a PostgreSQL backend (libpq) can follow by
 * implementing this header and its own schema steps.
 *
 * The SQL central writes is the subset both engines speak:
 *   - parameters are ?1, ?2, ... (a libpq backend rewrites them as $1, $2);
 *   - upserts are INSERT ... ON CONFLICT (...) DO UPDATE / DO NOTHING;
 *   - no SQLite-only functions (datetime(), unixepoch(), json_*) and no
 *     rowid: times are Unix seconds bound by the caller, keys are columns;
 *   - no identifiers PostgreSQL reserves (offset, user, order, ...);
 *   - a parameter whose type nothing beside it fixes is CAST (CAST(?2 AS
 *     TEXT) IS NULL, THEN NULL ELSE CAST(?4 AS BIGINT));
 *   - a comparison selected as a column (SELECT a = ?1) is read with
 *     cdb_col_int, which the backend maps from its boolean.
 * tests/integration/central-sql.test.mjs prepares every statement on a
 * real PostgreSQL over sync/central/schema-postgresql.sql.
 * The schema is the backend's own (SQLite: STRICT tables, AUTOINCREMENT;
 * PostgreSQL would use bytea, bigint and identity columns).
 */
#ifndef OUTPOST_CDB_H
#define OUTPOST_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appliance/common/status.h"

struct cdb;	 /* a connection */
struct cdb_stmt; /* a prepared statement, cached by its SQL */

/* Opens (creating) the database at path and applies the schema steps it
 * has not seen: steps[v] takes version v to v + 1. */
enum status cdb_open(const char *path, const char *const *steps, int nsteps, struct cdb **db, char *err, size_t errlen);
void cdb_close(struct cdb **db);

/* sql must be a string literal (statements are cached by its address).
 * NULL (logged) is a bug or I/O.  Release with cdb_finish(). */
struct cdb_stmt *cdb_prepare(struct cdb *db, const char *sql);
void cdb_finish(struct cdb_stmt *st);

/* Parameters, numbered from 1; values must outlive the statement's use.
 * A NULL text binds SQL NULL. */
void cdb_text(struct cdb_stmt *st, int i, const char *s);
void cdb_text_n(struct cdb_stmt *st, int i, const char *s, size_t len);
void cdb_int(struct cdb_stmt *st, int i, int64_t v);
void cdb_blob(struct cdb_stmt *st, int i, const void *p, size_t len);

/* The next row: true while there is one. */
bool cdb_row(struct cdb_stmt *st);
/* Runs a statement that returns no rows (or ignores them). */
enum status cdb_exec(struct cdb_stmt *st);
/* The same for a write whose loss at a power cut is harmless (a contact
 * time, a push attempt): it need not wait for the disk. */
enum status cdb_exec_unsynced(struct cdb *db, struct cdb_stmt *st);
/* Rows the last write changed. */
int64_t cdb_changes(struct cdb *db);

/* Columns of the current row, numbered from 0.  Text is "" for NULL. */
const char *cdb_col_text(struct cdb_stmt *st, int i);
int64_t cdb_col_int(struct cdb_stmt *st, int i);
const void *cdb_col_blob(struct cdb_stmt *st, int i, size_t *len);
bool cdb_col_null(struct cdb_stmt *st, int i);

enum status cdb_begin(struct cdb *db);
enum status cdb_commit(struct cdb *db);
void cdb_rollback(struct cdb *db);

/* The first column of the first row of sql, or fallback. */
int64_t cdb_int_of(struct cdb *db, const char *sql, int64_t fallback);

#endif
