#include "store.h"

#include <stdio.h>

#include "log.h"

/*
 * Prepared statements are kept and reused, keyed by the address of their
 * SQL: parsing a query cost the core more than running it.  A statement
 * still in use when asked for again (nested use) is prepared afresh and
 * finalized by store_finish().
 */
#define STMT_CACHE 64

static struct {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *stmt;
} stmt_cache[STMT_CACHE];

/*
 * Migrations, oldest first.  Never edit one that has shipped: add the next.
 * Migration i brings the schema from user_version i to i + 1.
 */
static const char *const migrations[] = {
    /* 1: the first slice: office, staff, catalog, cases and documents. */
    "CREATE TABLE staff ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  display_name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('clerk', 'admin')),"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE catalog_items ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  promised_days INTEGER NOT NULL CHECK (promised_days > 0)"
    ") STRICT;"
    "CREATE TABLE case_sequence ("
    "  day TEXT PRIMARY KEY,"
    "  last INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL,"
    "  item_code TEXT NOT NULL REFERENCES catalog_items(code),"
    "  applicant_name TEXT NOT NULL,"
    "  id_number TEXT NOT NULL,"
    "  phone TEXT NOT NULL,"
    "  pickup_code TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  created_by INTEGER NOT NULL REFERENCES staff(id),"
    "  promised_by TEXT NOT NULL,"
    "  receipt_state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (receipt_state IN ('pending', 'printed', 'failed')),"
    "  receipt_text TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX cases_created ON cases(created_at);"
    "CREATE TABLE documents ("
    "  sha256 TEXT PRIMARY KEY,"
    "  size INTEGER NOT NULL,"
    "  media_type TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE case_documents ("
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  position INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL REFERENCES documents(sha256),"
    "  filename TEXT NOT NULL,"
    "  PRIMARY KEY (case_id, position)"
    ") STRICT;",
    /* 2: the receipt preview is rendered from the case, not stored. */
    "ALTER TABLE cases DROP COLUMN receipt_text;",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static enum status exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store_status(rc);
	}
	return ST_OK;
}

int64_t store_int(sqlite3 *db, const char *sql, int64_t fallback)
{
	sqlite3_stmt *q = store_prepare(db, sql);
	int64_t v = fallback;

	if (q && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	store_finish(q);
	return v;
}

int store_schema_version(sqlite3 *db)
{
	return (int)store_int(db, "PRAGMA user_version", -1);
}

static enum status migrate(sqlite3 *db, char *err, size_t errlen)
{
	int v = store_schema_version(db);

	if (v < 0) {
		snprintf(err, errlen, "cannot read the schema version");
		return ST_IO;
	}
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema %d is newer than this outpostd (%d)", v, SCHEMA_VERSION);
		return ST_CONFIG;
	}
	for (; v < SCHEMA_VERSION; v++) {
		char bump[64];
		enum status st;

		/* Each step and its version bump commit together. */
		if ((st = exec(db, "BEGIN IMMEDIATE", err, errlen)) != ST_OK)
			return st;
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if ((st = exec(db, migrations[v], err, errlen)) != ST_OK ||
		    (st = exec(db, bump, err, errlen)) != ST_OK || (st = exec(db, "COMMIT", err, errlen)) != ST_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return st;
		}
		log_info("database migrated to schema %d", v + 1);
	}
	return ST_OK;
}

enum status store_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	enum status st;
	int rc;

	*out = NULL;
	rc = sqlite3_open_v2(
	    path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return ST_IO;
	}
	/* NOMUTEX: only the core's loop thread uses the connection (the worker
	 * thread never does), so SQLite's per-call locking buys nothing. */
	sqlite3_busy_timeout(db, 5000);
	/* WAL for concurrent readers later; FULL so a commit survives power loss. */
	st = exec(db,
		  "PRAGMA journal_mode = WAL;"
		  "PRAGMA synchronous = FULL;"
		  "PRAGMA foreign_keys = ON;"
		  "PRAGMA trusted_schema = OFF;",
		  err, errlen);
	if (st == ST_OK)
		st = migrate(db, err, errlen);
	if (st != ST_OK) {
		sqlite3_close(db);
		return st;
	}
	*out = db;
	return ST_OK;
}

void store_close(sqlite3 **db)
{
	if (!*db)
		return;
	for (int i = 0; i < STMT_CACHE; i++) {
		if (stmt_cache[i].db == *db) {
			sqlite3_finalize(stmt_cache[i].stmt);
			stmt_cache[i].db = NULL;
			stmt_cache[i].sql = NULL;
			stmt_cache[i].stmt = NULL;
		}
	}
	sqlite3_close(*db);
	*db = NULL;
}

enum status store_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return ST_OK;
	case SQLITE_FULL:
		return ST_DISK_FULL;
	case SQLITE_NOMEM:
		return ST_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ST_BUSY;
	default:
		return ST_IO;
	}
}

sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int slot = -1;

	for (int i = 0; i < STMT_CACHE; i++) {
		if (stmt_cache[i].db == db && stmt_cache[i].sql == sql) {
			if (!sqlite3_stmt_busy(stmt_cache[i].stmt))
				return stmt_cache[i].stmt;
			slot = -2; /* in use: a fresh one, not cached */
			break;
		}
		if (!stmt_cache[i].db && slot == -1)
			slot = i;
	}
	if (sqlite3_prepare_v3(db, sql, -1, slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
		log_err("prepare failed: %s: %s", sqlite3_errmsg(db), sql);
		return NULL;
	}
	if (slot >= 0) {
		stmt_cache[slot].db = db;
		stmt_cache[slot].sql = sql;
		stmt_cache[slot].stmt = st;
	}
	return st;
}

void store_finish(sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < STMT_CACHE; i++) {
		if (stmt_cache[i].stmt == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	}
	sqlite3_finalize(st);
}

static enum status run(sqlite3 *db, const char *sql)
{
	char err[256];
	enum status st = exec(db, sql, err, sizeof(err));

	if (st != ST_OK)
		log_err("%s: %s", sql, err);
	return st;
}

enum status store_step_unsynced(sqlite3 *db, sqlite3_stmt *st)
{
	enum status result;

	if (run(db, "PRAGMA synchronous = NORMAL") != ST_OK)
		return ST_IO;
	result = store_status(sqlite3_step(st));
	if (run(db, "PRAGMA synchronous = FULL") != ST_OK)
		fatalx("cannot restore synchronous=FULL");
	return result;
}

enum status store_begin(sqlite3 *db)
{
	return run(db, "BEGIN IMMEDIATE");
}

enum status store_commit(sqlite3 *db)
{
	return run(db, "COMMIT");
}

void store_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int64_t store_size_bytes(sqlite3 *db)
{
	return store_int(db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size", -1);
}
