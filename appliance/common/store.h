/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The database: SQLite in WAL mode with synchronous=FULL (a printed receipt
 * promises the row is on disk), foreign keys on, STRICT tables, migrations by
 * PRAGMA user_version.  Only the core opens it.
 */
#ifndef OUTPOST_STORE_H
#define OUTPOST_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "status.h"
#include "worker.h"

/* Opens (creating) path and migrates it to the box's newest schema.  On
 * failure err holds the reason. */
enum status store_open(const char *path, sqlite3 **db, char *err, size_t errlen);
/* The same for another program's schema (outpost-central's): steps[v]
 * takes user_version v to v + 1. */
enum status store_open_schema(const char *path, const char *const *steps, int nsteps, sqlite3 **db, char *err,
			      size_t errlen);
void store_close(sqlite3 **db);

/*
 * Runs a one-statement write whose loss at a power failure is harmless:
 * it commits with synchronous=NORMAL (in WAL, durable once the next FULL
 * commit or checkpoint syncs), so the caller does not wait for the disk.
 */
enum status store_step_unsynced(sqlite3 *db, sqlite3_stmt *st);
/* The same around several statements: commits between begin and end do not
 * wait for the disk. */
void store_unsynced_begin(sqlite3 *db);
void store_unsynced_end(sqlite3 *db);

enum status store_begin(sqlite3 *db);
enum status store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);

/*
 * A prepared statement for sql, which must be a string literal: statements
 * are cached by its address.  NULL (logged) means a bug or I/O.  Release it
 * with store_finish(), never sqlite3_finalize().
 */
sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql);
void store_finish(sqlite3_stmt *st);
/* Maps a SQLite result code to a status (SQLITE_FULL is ST_DISK_FULL). */
enum status store_status(int rc);

/* The first column of the first row of sql, or fallback when there is none
 * or the query fails. */
int64_t store_int(sqlite3 *db, const char *sql, int64_t fallback);
/* A number that moves whenever the database's rows may have changed: by
 * this connection (its total changes) or by another one, an operator's
 * sqlite3 shell say (PRAGMA data_version).  What was rendered from the
 * rows at one version may be answered again while it stays.  0 when a
 * transaction is open (its rows may yet be rolled back) or it cannot be
 * read: nothing is to be kept then. */
uint64_t store_version(sqlite3 *db);
int store_schema_version(sqlite3 *db);
int64_t store_size_bytes(sqlite3 *db);

/*
 * WAL checkpoints off the event loop: a second connection to path, used
 * only by the worker thread, checkpoints (PASSIVE) whenever a commit on db
 * leaves 1000 pages or more in the WAL, so no request waits for one.  If
 * the worker cannot take the job and the WAL reaches 16000 pages, db
 * checkpoints itself, so the WAL stays bounded.  Free after the worker.
 */
struct store_checkpointer;
enum status store_checkpointer_new(sqlite3 *db, const char *path, struct worker *w, struct store_checkpointer **out);
/*
 * Asks for a checkpoint that also empties the WAL (TRUNCATE), off the loop
 * like the others: after a purge, so the old frames holding the purged
 * rows leave the disk.  Asked while a job runs, it follows that job; found
 * busy (a reader holds the WAL), it is tried again with the next commits,
 * up to 20 times.  It holds the write lock for at most 200 ms of waiting,
 * so a write on db never waits for seconds.  Logged when done.
 */
void store_checkpointer_truncate(struct store_checkpointer *cp);
void store_checkpointer_free(struct store_checkpointer **cp);

#endif
