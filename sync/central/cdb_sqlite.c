/* SPDX-License-Identifier: Apache-2.0 */
/* cdb.h on SQLite, through the box's own store code (appliance/common/store.h):
 * WAL, synchronous=FULL, the statement cache.  The handles are SQLite's
 * own, cast: no allocation and no copy per call. */
#include "cdb.h"

#include "appliance/common/store.h"

#define DB(d) ((sqlite3 *)(d))
#define ST(s) ((sqlite3_stmt *)(s))

enum status cdb_open(const char *path, const char *const *steps, int nsteps, struct cdb **db, char *err, size_t errlen)
{
	sqlite3 *s = NULL;
	enum status st = store_open_schema(path, steps, nsteps, &s, err, errlen);

	*db = (struct cdb *)s;
	return st;
}

void cdb_close(struct cdb **db)
{
	sqlite3 *s = DB(*db);

	store_close(&s);
	*db = NULL;
}

struct cdb_stmt *cdb_prepare(struct cdb *db, const char *sql)
{
	return (struct cdb_stmt *)store_prepare(DB(db), sql);
}

void cdb_finish(struct cdb_stmt *st)
{
	store_finish(ST(st));
}

void cdb_text(struct cdb_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(ST(st), i, s, -1, SQLITE_STATIC);
}

void cdb_text_n(struct cdb_stmt *st, int i, const char *s, size_t len)
{
	sqlite3_bind_text64(ST(st), i, s, len, SQLITE_STATIC, SQLITE_UTF8);
}

void cdb_int(struct cdb_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(ST(st), i, v);
}

void cdb_blob(struct cdb_stmt *st, int i, const void *p, size_t len)
{
	sqlite3_bind_blob64(ST(st), i, p, len, SQLITE_STATIC);
}

bool cdb_row(struct cdb_stmt *st)
{
	return sqlite3_step(ST(st)) == SQLITE_ROW;
}

enum status cdb_exec(struct cdb_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(ST(st))) == SQLITE_ROW)
		;
	return store_status(rc);
}

enum status cdb_exec_unsynced(struct cdb *db, struct cdb_stmt *st)
{
	return store_step_unsynced(DB(db), ST(st));
}

int64_t cdb_changes(struct cdb *db)
{
	return sqlite3_changes64(DB(db));
}

const char *cdb_col_text(struct cdb_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(ST(st), i);

	return t ? (const char *)t : "";
}

int64_t cdb_col_int(struct cdb_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

const void *cdb_col_blob(struct cdb_stmt *st, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(ST(st), i);

	*len = (size_t)sqlite3_column_bytes(ST(st), i);
	return p;
}

bool cdb_col_null(struct cdb_stmt *st, int i)
{
	return sqlite3_column_type(ST(st), i) == SQLITE_NULL;
}

enum status cdb_begin(struct cdb *db)
{
	return store_begin(DB(db));
}

enum status cdb_commit(struct cdb *db)
{
	return store_commit(DB(db));
}

void cdb_rollback(struct cdb *db)
{
	store_rollback(DB(db));
}

int64_t cdb_int_of(struct cdb *db, const char *sql, int64_t fallback)
{
	return store_int(DB(db), sql, fallback);
}
