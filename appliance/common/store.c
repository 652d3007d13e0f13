/* SPDX-License-Identifier: Apache-2.0 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>

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
    /* 3: the whole case lifecycle, the catalog tree with materials, personal
     * data sealed under per-case keys, pickups and the audit chain.  The
     * old tables keep their rows as *_v2 until cases_upgrade_v2() has moved
     * them (encrypting what was plain) and dropped them. */
    "ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));"
    "DROP INDEX cases_created;"
    "ALTER TABLE case_documents RENAME TO case_documents_v2;"
    "ALTER TABLE documents RENAME TO documents_v2;"
    "ALTER TABLE cases RENAME TO cases_v2;"
    "ALTER TABLE catalog_items RENAME TO catalog_items_v2;"
    "CREATE TABLE catalog_meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version TEXT NOT NULL,"
    "  installed_at INTEGER NOT NULL,"
    "  document TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE categories ("
    "  code TEXT PRIMARY KEY,"
    "  parent TEXT REFERENCES categories(code),"
    "  kind TEXT NOT NULL CHECK (kind IN ('group', 'service', 'consult', 'rating')),"
    "  name TEXT NOT NULL,"
    "  name_en TEXT NOT NULL,"
    "  queue_prefix TEXT,"
    "  position INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE catalog_items ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  name_en TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  category TEXT NOT NULL REFERENCES categories(code),"
    "  applicant TEXT NOT NULL CHECK (applicant IN ('person', 'org', 'both')),"
    "  promised_days INTEGER NOT NULL CHECK (promised_days > 0),"
    "  fees TEXT NOT NULL,"
    "  position INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE catalog_materials ("
    "  item_code TEXT NOT NULL REFERENCES catalog_items(code) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  form TEXT NOT NULL CHECK (form IN ('original', 'copy')),"
    "  copies INTEGER NOT NULL CHECK (copies > 0),"
    "  optional INTEGER NOT NULL CHECK (optional IN (0, 1)),"
    "  PRIMARY KEY (item_code, position)"
    ") STRICT;"
    /* A case keeps its own copy of the item and its materials: the catalog
     * is replaced as a whole, cases are not. */
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  item_code TEXT NOT NULL,"
    "  item_name TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('person', 'org')),"
    "  applicant_name TEXT NOT NULL,"
    "  id_type TEXT NOT NULL,"
    "  id_sealed BLOB,"
    "  id_hash BLOB,"
    "  phone_sealed BLOB,"
    "  phone_hash BLOB,"
    "  by_agent INTEGER NOT NULL DEFAULT 0,"
    "  agent_name TEXT,"
    "  agent_id_type TEXT,"
    "  agent_id_sealed BLOB,"
    "  agent_id_hash BLOB,"
    "  ticket TEXT,"
    "  incomplete_note TEXT,"
    "  pickup_code TEXT,"
    "  case_key BLOB,"
    "  official_number TEXT,"
    "  central_note TEXT,"
    "  decision TEXT CHECK (decision IN ('approved', 'denied')),"
    "  created_at INTEGER NOT NULL,"
    "  created_by INTEGER NOT NULL REFERENCES staff(id),"
    "  received_at INTEGER,"
    "  ready_at INTEGER,"
    "  collected_at INTEGER,"
    "  closed_at INTEGER,"
    "  updated_at INTEGER NOT NULL,"
    "  promised_by TEXT NOT NULL,"
    "  receipt_state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (receipt_state IN ('none', 'pending', 'printed', 'failed')),"
    "  pickup_failures INTEGER NOT NULL DEFAULT 0,"
    "  pickup_locked_until INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX cases_state ON cases(state, promised_by);"
    "CREATE INDEX cases_created ON cases(created_at);"
    "CREATE INDEX cases_department ON cases(department, created_at);"
    "CREATE INDEX cases_name ON cases(applicant_name);"
    "CREATE INDEX cases_id_hash ON cases(id_hash) WHERE id_hash IS NOT NULL;"
    "CREATE INDEX cases_phone_hash ON cases(phone_hash) WHERE phone_hash IS NOT NULL;"
    "CREATE INDEX cases_agent_hash ON cases(agent_id_hash) WHERE agent_id_hash IS NOT NULL;"
    "CREATE TABLE case_materials ("
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  position INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  form TEXT NOT NULL CHECK (form IN ('original', 'copy')),"
    "  copies INTEGER NOT NULL,"
    "  optional INTEGER NOT NULL,"
    "  received INTEGER NOT NULL CHECK (received IN (0, 1)),"
    "  received_form TEXT CHECK (received_form IN ('original', 'copy')),"
    "  pages INTEGER NOT NULL DEFAULT 0,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  PRIMARY KEY (case_id, position)"
    ") STRICT;"
    "CREATE TABLE case_documents ("
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  position INTEGER NOT NULL,"
    "  material INTEGER,"
    "  file TEXT,"
    "  sha256 TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  filename TEXT NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  PRIMARY KEY (case_id, position)"
    ") STRICT;"
    "CREATE TABLE pickups ("
    "  case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
    "  collector TEXT NOT NULL CHECK (collector IN ('applicant', 'agent')),"
    "  collector_name TEXT,"
    "  collector_id_sealed BLOB,"
    "  method TEXT NOT NULL CHECK (method IN ('pickup_code', 'id_last4')),"
    "  staff_id INTEGER NOT NULL REFERENCES staff(id),"
    "  at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  staff TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  case_code TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  mac BLOB NOT NULL"
    ") STRICT;",
    /* 4: take-a-number: windows, tickets and ratings. */
    "CREATE TABLE windows ("
    "  number INTEGER PRIMARY KEY CHECK (number BETWEEN 1 AND 99),"
    "  name TEXT NOT NULL,"
    "  staff_id INTEGER REFERENCES staff(id),"
    "  signed_in_at INTEGER"
    ") STRICT;"
    "CREATE TABLE window_categories ("
    "  window INTEGER NOT NULL REFERENCES windows(number) ON DELETE CASCADE,"
    "  category TEXT NOT NULL,"
    "  PRIMARY KEY (window, category)"
    ") STRICT;"
    "CREATE TABLE tickets ("
    "  id INTEGER PRIMARY KEY,"
    "  day TEXT NOT NULL,"
    "  prefix TEXT NOT NULL,"
    "  number INTEGER NOT NULL,"
    "  label TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  category_name TEXT NOT NULL,"
    "  priority TEXT NOT NULL,"
    "  weight INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('waiting', 'called', 'serving', 'done', 'no_show')),"
    "  issued_at INTEGER NOT NULL,"
    "  called_at INTEGER,"
    "  served_at INTEGER,"
    "  finished_at INTEGER,"
    "  window INTEGER,"
    "  target_window INTEGER,"
    "  staff_id INTEGER REFERENCES staff(id),"
    "  no_shows INTEGER NOT NULL DEFAULT 0,"
    "  recalls INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (day, prefix, number)"
    ") STRICT;"
    "CREATE INDEX tickets_waiting ON tickets(day, state, weight DESC, id);"
    "CREATE TABLE ratings ("
    "  ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),"
    "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    "  reason TEXT,"
    "  window INTEGER,"
    "  staff_id INTEGER,"
    "  case_code TEXT,"
    "  at INTEGER NOT NULL,"
    "  forwarded INTEGER NOT NULL DEFAULT 0"
    ") STRICT;",
    /* 5: forwarding to central: the feed's cursor, the events seen (a replay
     * is a no-op), the batches with every attempt's outcome, and the tus
     * URL of each document sent, so an upload resumes after a restart. */
    "CREATE TABLE sync_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  office TEXT,"
    "  central_url TEXT,"
    "  enrolled_at INTEGER,"
    "  cursor TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "INSERT INTO sync_state (id) VALUES (1);"
    "CREATE TABLE central_events ("
    "  id TEXT PRIMARY KEY,"
    "  event TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  applied INTEGER NOT NULL,"
    "  problem TEXT,"
    "  at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE batches ("
    "  id TEXT PRIMARY KEY,"
    "  department TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'partial', 'failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt INTEGER,"
    "  last_http INTEGER,"
    "  last_message TEXT,"
    "  next_retry INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  done_at INTEGER"
    ") STRICT;"
    "CREATE TABLE batch_cases ("
    "  batch_id TEXT NOT NULL REFERENCES batches(id),"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  version INTEGER NOT NULL,"
    "  result TEXT,"
    "  message TEXT,"
    "  PRIMARY KEY (batch_id, case_id)"
    ") STRICT;"
    "CREATE TABLE batch_documents ("
    "  batch_id TEXT NOT NULL REFERENCES batches(id),"
    "  idx INTEGER NOT NULL,"
    "  upload TEXT,"
    "  PRIMARY KEY (batch_id, idx)"
    ") STRICT;",
    /* 6: what checks events central pushes (Standard Webhooks). */
    "ALTER TABLE sync_state ADD COLUMN central_public_key TEXT;"
    "ALTER TABLE sync_state ADD COLUMN webhook_secret TEXT;",
    /* 7: the ETag of central's catalog last installed. */
    "ALTER TABLE sync_state ADD COLUMN catalog_etag TEXT NOT NULL DEFAULT '';",
    /* 8: an upload goes on only for the same document's bytes. */
    "ALTER TABLE batch_documents ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';",
    /* 9: the sweep at start looks up each stored file's row. */
    "CREATE INDEX case_documents_file ON case_documents(file) WHERE file IS NOT NULL;",
    /* 10: the pickup code, the document file names and their SHA-256 are
     * sealed under the case's key; cases_seal_clear() moves what older
     * versions kept in clear.  Uploads are matched by a keyed hash: a
     * resumable upload of before starts afresh once. */
    "ALTER TABLE cases ADD COLUMN pickup_sealed BLOB;"
    "ALTER TABLE case_documents ADD COLUMN filename_sealed BLOB;"
    "ALTER TABLE case_documents ADD COLUMN sha256_sealed BLOB;"
    "UPDATE batch_documents SET sha256 = '';",
    /* 11: 好差评 end to end (appliance/ratings.c).  A rateable service gets
     * a 评价码 when it is issued (a ticket, an intake, a pickup), found by
     * its keyed hash; a rating is kept once per service with an id for
     * central (exactly once), its forwarding state, and what central
     * wrote back of its follow-up and of an appeal.  Comments and call-back
     * phones are sealed (the case's key, or the local key for a ticket).
     * A paired rating tablet is known by its key's hash. */
    "CREATE TABLE rating_codes ("
    "  code_hash TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('ticket', 'intake', 'pickup')),"
    "  ticket_id INTEGER REFERENCES tickets(id),"
    "  case_id INTEGER REFERENCES cases(id),"
    "  issued_at INTEGER NOT NULL"
    ") STRICT;"
    "ALTER TABLE ratings RENAME TO ratings_v10;"
    "CREATE TABLE ratings ("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('ticket', 'intake', 'pickup')),"
    "  service TEXT NOT NULL UNIQUE,"
    "  ticket_id INTEGER,"
    "  case_id INTEGER,"
    "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    "  reasons TEXT NOT NULL DEFAULT '[]',"
    "  comment_sealed BLOB,"
    "  phone_sealed BLOB,"
    "  channel TEXT NOT NULL CHECK (channel IN ('tablet', 'button', 'phone')),"
    "  window INTEGER,"
    "  staff_id INTEGER,"
    "  item_code TEXT,"
    "  item_name TEXT NOT NULL DEFAULT '',"
    "  department TEXT NOT NULL DEFAULT '',"
    "  at INTEGER NOT NULL,"
    "  forward_state TEXT NOT NULL DEFAULT 'pending' CHECK (forward_state IN ('pending', 'sent', 'refused')),"
    "  forward_message TEXT,"
    "  forwarded_at INTEGER,"
    "  followup_state TEXT,"
    "  followup_note TEXT,"
    "  followup_at INTEGER,"
    "  appeal_state TEXT CHECK (appeal_state IN ('pending', 'filed', 'accepted', 'refused')),"
    "  appeal_reason TEXT,"
    "  appeal_note TEXT"
    ") STRICT;"
    "CREATE INDEX ratings_forward ON ratings(forward_state, id);"
    "CREATE INDEX ratings_case ON ratings(case_id) WHERE case_id IS NOT NULL;"
    "INSERT INTO ratings (uid, kind, service, ticket_id, level, reasons, channel, window, staff_id, at) "
    "  SELECT lower(hex(randomblob(16))), 'ticket', 'ticket:' || t.day || '-' || t.label, r.ticket_id, r.level, "
    "  CASE WHEN r.reason IS NULL THEN '[]' ELSE json_array(r.reason) END, 'tablet', r.window, r.staff_id, r.at "
    "  FROM ratings_v10 r JOIN tickets t ON t.id = r.ticket_id;"
    "DROP TABLE ratings_v10;"
    "ALTER TABLE windows ADD COLUMN tablet_hash TEXT;",
    /* 12: 政务公开测评 campaigns as central last gave them (appliance/survey.c),
     * each with its questionnaire, replaced as a whole by ETag. */
    "CREATE TABLE campaigns ("
    "  id TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  start_day TEXT NOT NULL,"
    "  end_day TEXT NOT NULL,"
    "  document TEXT NOT NULL"
    ") STRICT;"
    "ALTER TABLE sync_state ADD COLUMN campaigns_etag TEXT NOT NULL DEFAULT '';",
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

static enum status migrate(sqlite3 *db, const char *const *steps, int newest, char *err, size_t errlen)
{
	int v = store_schema_version(db);

	if (v < 0) {
		snprintf(err, errlen, "cannot read the schema version");
		return ST_IO;
	}
	if (v > newest) {
		snprintf(err, errlen, "database schema %d is newer than this program's (%d)", v, newest);
		return ST_CONFIG;
	}
	for (; v < newest; v++) {
		char bump[64];
		enum status st;

		/* Each step and its version bump commit together. */
		if ((st = exec(db, "BEGIN IMMEDIATE", err, errlen)) != ST_OK)
			return st;
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if ((st = exec(db, steps[v], err, errlen)) != ST_OK || (st = exec(db, bump, err, errlen)) != ST_OK ||
		    (st = exec(db, "COMMIT", err, errlen)) != ST_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return st;
		}
		log_info("database migrated to schema %d", v + 1);
	}
	return ST_OK;
}

enum status store_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	return store_open_schema(path, migrations, SCHEMA_VERSION, out, err, errlen);
}

static bool memstatus_off;

enum status store_open_schema(const char *path, const char *const *steps, int nsteps, sqlite3 **out, char *err,
			      size_t errlen)
{
	sqlite3 *db = NULL;
	enum status st;
	int rc;

	*out = NULL;
	/* Before SQLite initialises (the first open): its allocation statistics
	 * take a global mutex on every malloc and free, and nothing reads them. */
	if (!memstatus_off) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		memstatus_off = true;
	}
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
	/* WAL for concurrent readers later; FULL so a commit survives power loss;
	 * secure_delete so purged personal data is overwritten, not left in
	 * free pages. */
	st = exec(db,
		  "PRAGMA journal_mode = WAL;"
		  "PRAGMA journal_size_limit = 67108864;"
		  "PRAGMA synchronous = FULL;"
		  "PRAGMA foreign_keys = ON;"
		  "PRAGMA secure_delete = ON;"
		  "PRAGMA trusted_schema = OFF;",
		  err, errlen);
	if (st == ST_OK)
		st = migrate(db, steps, nsteps, err, errlen);
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

uint64_t store_version(sqlite3 *db)
{
	sqlite3_stmt *q;
	uint64_t v = 0;

	if (!sqlite3_get_autocommit(db))
		return 0;
	q = store_prepare(db, "PRAGMA data_version");
	if (q && sqlite3_step(q) == SQLITE_ROW)
		v = ((uint64_t)sqlite3_column_int64(q, 0) << 40) ^ (uint64_t)sqlite3_total_changes64(db);
	store_finish(q);
	return v;
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

void store_unsynced_begin(sqlite3 *db)
{
	if (run(db, "PRAGMA synchronous = NORMAL") != ST_OK)
		fatalx("cannot set synchronous=NORMAL");
}

void store_unsynced_end(sqlite3 *db)
{
	if (run(db, "PRAGMA synchronous = FULL") != ST_OK)
		fatalx("cannot restore synchronous=FULL");
}

enum status store_step_unsynced(sqlite3 *db, sqlite3_stmt *st)
{
	enum status result;

	store_unsynced_begin(db);
	result = store_status(sqlite3_step(st));
	store_unsynced_end(db);
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

struct store_checkpointer {
	struct worker_job job; /* first: the worker hands back &job */
	sqlite3 *db;	       /* the worker's own connection */
	sqlite3 *main_db;      /* the loop's, which calls the hook */
	struct worker *worker;
	bool busy;	      /* the job is with the worker */
	bool truncating;      /* the job in flight truncates (set before it is handed over) */
	bool truncate_wanted; /* asked for and not done yet */
	int result;	      /* the SQLite code of the last run, set in the worker */
	unsigned truncate_tries;
};

#define WAL_CHECKPOINT_PAGES 1000
#define WAL_INLINE_PAGES     16000
/* A truncating checkpoint holds the write lock while it waits for readers:
 * it waits this long at most, so a write on the loop's connection waits no
 * longer either.  A busy one is tried again with the next commits. */
#define TRUNCATE_BUSY_MS   200
#define TRUNCATE_MAX_TRIES 20

static void checkpoint_run(struct worker_job *job)
{
	struct store_checkpointer *cp = (struct store_checkpointer *)job;

	/* PASSIVE copies what it can without locking anyone out.  A truncating
	 * checkpoint then has little left to copy under the write lock, and it
	 * empties the WAL: the frames that held a purged case's old rows go with
	 * it (secure_delete overwrites them only in the database file). */
	cp->result = sqlite3_wal_checkpoint_v2(cp->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (cp->truncating)
		cp->result = sqlite3_wal_checkpoint_v2(cp->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

static void checkpoint_submit(struct store_checkpointer *cp)
{
	if (cp->busy)
		return; /* checkpoint_done() asks again */
	cp->truncating = cp->truncate_wanted;
	if (worker_submit(cp->worker, WORKER_STAFF, &cp->job) == ST_OK)
		cp->busy = true;
}

static void checkpoint_done(struct worker_job *job)
{
	struct store_checkpointer *cp = (struct store_checkpointer *)job;

	cp->busy = false;
	if (cp->truncating && cp->result == SQLITE_OK) {
		cp->truncate_wanted = false;
		log_info("database WAL checkpointed and truncated");
	} else if (cp->truncating && ++cp->truncate_tries >= TRUNCATE_MAX_TRIES) {
		cp->truncate_wanted = false;
		log_warn("database WAL not truncated after %u tries: %s", cp->truncate_tries,
			 sqlite3_errstr(cp->result));
	}
	/* Asked for while a passive one ran: now.  (One that found the WAL
	 * busy waits for the next commit, on_wal_commit().) */
	if (cp->truncate_wanted && !cp->truncating)
		checkpoint_submit(cp);
}

static int on_wal_commit(void *ud, sqlite3 *db, const char *name, int pages)
{
	struct store_checkpointer *cp = ud;

	if ((pages < WAL_CHECKPOINT_PAGES && !cp->truncate_wanted) || cp->busy)
		return SQLITE_OK;
	checkpoint_submit(cp);
	if (!cp->busy && pages >= WAL_INLINE_PAGES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

void store_checkpointer_truncate(struct store_checkpointer *cp)
{
	cp->truncate_wanted = true;
	cp->truncate_tries = 0;
	checkpoint_submit(cp);
}

enum status store_checkpointer_new(sqlite3 *db, const char *path, struct worker *w, struct store_checkpointer **out)
{
	struct store_checkpointer *cp = calloc(1, sizeof(*cp));

	if (!cp)
		return ST_NOMEM;
	/* NOMUTEX: the worker thread alone uses this connection.  It learns
	 * that the database is in WAL mode, and opens the WAL, with its first
	 * read: before that a checkpoint on it does nothing and answers
	 * SQLITE_OK. */
	if (sqlite3_open_v2(path, &cp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(cp->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
		log_err("checkpoint connection: %s", cp->db ? sqlite3_errmsg(cp->db) : path);
		sqlite3_close(cp->db);
		free(cp);
		return ST_IO;
	}
	sqlite3_busy_timeout(cp->db, TRUNCATE_BUSY_MS);
	cp->worker = w;
	cp->main_db = db;
	cp->job = (struct worker_job){.run = checkpoint_run, .done = checkpoint_done};
	/* The hook replaces SQLite's own automatic checkpoint on db. */
	sqlite3_wal_hook(db, on_wal_commit, cp);
	*out = cp;
	return ST_OK;
}

void store_checkpointer_free(struct store_checkpointer **cp)
{
	if (!*cp)
		return;
	sqlite3_wal_hook((*cp)->main_db, NULL, NULL);
	sqlite3_close((*cp)->db);
	free(*cp);
	*cp = NULL;
}
