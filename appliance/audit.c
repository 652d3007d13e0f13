/* SPDX-License-Identifier: Apache-2.0 */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdio.h"
#include "common/log.h"
#include "common/store.h"

/* The bytes a row's mac covers: the previous mac, then each field with its
 * length, so no two different rows give the same bytes. */
static enum status row_mac(const struct vault *v, const uint8_t prev[VAULT_HASH_LEN], int64_t id, int64_t at,
			   const char *staff, const char *action, const char *case_code, const char *detail,
			   uint8_t out[VAULT_HASH_LEN])
{
	const char *fields[] = {staff, action, case_code, detail};
	struct buf b;
	enum status st;

	buf_init(&b, 64 * 1024);
	st = buf_append(&b, prev, VAULT_HASH_LEN);
	if (st == ST_OK)
		st = buf_printf(&b, "%lld|%lld", (long long)id, (long long)at);
	for (size_t i = 0; st == ST_OK && i < sizeof(fields) / sizeof(fields[0]); i++)
		st = buf_printf(&b, "|%zu:%s", strlen(fields[i]), fields[i]);
	if (st == ST_OK)
		vault_audit_mac(v, b.data, b.len, out);
	buf_free(&b);
	return st;
}

static bool last_row(sqlite3 *db, int64_t *id, uint8_t mac[VAULT_HASH_LEN])
{
	sqlite3_stmt *q = store_prepare(db, "SELECT id, mac FROM audit ORDER BY id DESC LIMIT 1");
	bool ok = q != NULL;

	*id = 0;
	memset(mac, 0, VAULT_HASH_LEN);
	if (q && sqlite3_step(q) == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		if (sqlite3_column_bytes(q, 1) == VAULT_HASH_LEN)
			memcpy(mac, sqlite3_column_blob(q, 1), VAULT_HASH_LEN);
	}
	store_finish(q);
	return ok;
}

enum status audit_append(sqlite3 *db, const struct vault *v, int64_t at, const char *staff, const char *action,
			 const char *case_code, const char *detail)
{
	uint8_t prev[VAULT_HASH_LEN], mac[VAULT_HASH_LEN];
	sqlite3_stmt *q = NULL;
	int64_t id;
	enum status st;

	case_code = case_code ? case_code : "";
	detail = detail ? detail : "";
	if (!last_row(db, &id, prev))
		return ST_IO;
	id++;
	if ((st = row_mac(v, prev, id, at, staff, action, case_code, detail, mac)) != ST_OK)
		return st;
	q = store_prepare(db, "INSERT INTO audit (id, at, staff, action, case_code, detail, mac) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!q)
		return ST_IO;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_text(q, 3, staff, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, case_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 7, mac, sizeof(mac), SQLITE_STATIC);
	st = store_status(sqlite3_step(q));
	store_finish(q);
	return st;
}

enum status audit_read(sqlite3 *db, const struct vault *v, int64_t at, const char *staff, const char *action,
		       const char *case_code, const char *detail)
{
	enum status st;

	store_unsynced_begin(db);
	st = audit_append(db, v, at, staff, action, case_code, detail);
	store_unsynced_end(db);
	return st;
}

static const char *text_col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? (const char *)t : "";
}

/* Checks every row against the one before it. */
static enum status verify_chain(sqlite3 *db, const struct vault *v, struct audit_check *out, struct audit_head *head)
{
	sqlite3_stmt *q =
	    store_prepare(db, "SELECT id, at, staff, action, case_code, detail, mac FROM audit ORDER BY id");
	uint8_t prev[VAULT_HASH_LEN] = {0}, mac[VAULT_HASH_LEN];
	int64_t expect = 1;
	enum status st = ST_OK;
	int rc;

	if (!q)
		return ST_IO;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);

		if (id != expect) {
			out->bad_row = expect;
			snprintf(out->why, sizeof(out->why), "row %lld is missing (the next row is %lld)",
				 (long long)expect, (long long)id);
			snprintf(out->why_zh, sizeof(out->why_zh), "第 %lld 行缺失（下一行是第 %lld 行）",
				 (long long)expect, (long long)id);
			st = ST_PROTO;
			break;
		}
		if (sqlite3_column_type(q, 1) != SQLITE_INTEGER ||
		    (st = row_mac(v, prev, id, sqlite3_column_int64(q, 1), text_col(q, 2), text_col(q, 3),
				  text_col(q, 4), text_col(q, 5), mac)) != ST_OK)
			st = ST_PROTO;
		if (st != ST_OK || sqlite3_column_bytes(q, 6) != VAULT_HASH_LEN ||
		    memcmp(sqlite3_column_blob(q, 6), mac, VAULT_HASH_LEN) != 0) {
			out->bad_row = id;
			snprintf(out->why, sizeof(out->why), "row %lld was altered, moved or forged", (long long)id);
			snprintf(out->why_zh, sizeof(out->why_zh), "第 %lld 行被修改、移动或伪造", (long long)id);
			st = ST_PROTO;
			break;
		}
		memcpy(prev, mac, sizeof(prev));
		out->rows++;
		expect++;
	}
	if (st == ST_OK && rc != SQLITE_DONE)
		st = store_status(rc);
	store_finish(q);
	head->seq = out->rows;
	memcpy(head->mac, prev, VAULT_HASH_LEN);
	return st;
}

/* --- the anchor ----------------------------------------------------------- */

#define ANCHOR_FILE  "audit.anchor"
#define ANCHOR_AAD   "outpost audit anchor v1"
#define ANCHOR_PLAIN (8 + VAULT_HASH_LEN)
#define ANCHOR_SIZE  (ANCHOR_PLAIN + VAULT_SEAL_EXTRA)

struct audit_anchor {
	const struct vault *v;
	char dir[PATH_MAX];
	char path[PATH_MAX + 16];
	bool present;		    /* a sealed head is known (file read or written) */
	bool damaged;		    /* the file is there but does not open */
	bool warned;		    /* said once that the chain lost the anchored row */
	bool first_start;	    /* a new box: no anchor is expected yet */
	struct audit_head anchored; /* as in the file */
	struct audit_head durable;  /* the database's head at the last advance */
};

static void head_encode(const struct audit_head *h, uint8_t out[ANCHOR_PLAIN])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)((uint64_t)h->seq >> (56 - 8 * i));
	memcpy(out + 8, h->mac, VAULT_HASH_LEN);
}

static void head_decode(const uint8_t in[ANCHOR_PLAIN], struct audit_head *h)
{
	uint64_t seq = 0;

	for (int i = 0; i < 8; i++)
		seq = seq << 8 | in[i];
	h->seq = (int64_t)seq;
	memcpy(h->mac, in + 8, VAULT_HASH_LEN);
}

enum status audit_anchor_open(const char *state_dir, const struct vault *v, struct audit_anchor **out)
{
	uint8_t sealed[ANCHOR_SIZE + 1], plain[ANCHOR_PLAIN];
	struct audit_anchor *a = calloc(1, sizeof(*a));
	enum status st = ST_OK;
	ssize_t n = 0;
	int fd = -1;

	if (!a)
		return ST_NOMEM;
	a->v = v;
	snprintf(a->dir, sizeof(a->dir), "%s", state_dir);
	snprintf(a->path, sizeof(a->path), "%s/" ANCHOR_FILE, state_dir);
	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		log_err("cannot read %s: %s", a->path, strerror(errno));
		st = ST_IO;
		goto out;
	}
	if (fd < 0)
		goto out;
	a->present = true;
	n = read(fd, sealed, sizeof(sealed));
	if (n != ANCHOR_SIZE || vault_unseal_local(v, ANCHOR_AAD, sealed, ANCHOR_SIZE, plain) != ST_OK) {
		log_err("%s does not open: altered, or another box's", a->path);
		a->damaged = true;
		goto out;
	}
	head_decode(plain, &a->anchored);
	a->durable = a->anchored;
out:
	if (fd >= 0)
		close(fd);
	if (st != ST_OK) {
		audit_anchor_free(&a);
		return st;
	}
	*out = a;
	return ST_OK;
}

void audit_anchor_first_start(struct audit_anchor *a)
{
	a->first_start = true;
}

void audit_anchor_free(struct audit_anchor **a)
{
	free(*a);
	*a = NULL;
}

/* fsync of the database file and its WAL through SQLite's own handles:
 * read rows commit with synchronous=NORMAL, so they may be in the WAL but
 * not yet on disk. */
static enum status sync_db(sqlite3 *db)
{
	sqlite3_file *f[2] = {NULL, NULL};

	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f[0]) != SQLITE_OK ||
	    sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f[1]) != SQLITE_OK)
		return ST_IO;
	for (int i = 0; i < 2; i++) {
		if (f[i] && f[i]->pMethods && f[i]->pMethods->xSync(f[i], SQLITE_SYNC_NORMAL) != SQLITE_OK)
			return ST_IO;
	}
	return ST_OK;
}

/* The sealed head to a temporary file, fsync, rename over the anchor,
 * fsync of the folder: a crash leaves the old anchor or the new one. */
static enum status write_anchor(struct audit_anchor *a, const struct audit_head *h)
{
	uint8_t plain[ANCHOR_PLAIN], sealed[ANCHOR_SIZE];
	char tmp[sizeof(a->path) + 8];
	enum status st = ST_IO;
	int fd = -1, dfd = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", a->path);
	head_encode(h, plain);
	if (vault_seal_local(a->v, ANCHOR_AAD, plain, sizeof(plain), sealed) != ST_OK)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !fdio_write_all(fd, sealed, sizeof(sealed)) || fsync(fd) < 0 || rename(tmp, a->path) < 0)
		goto out;
	dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		goto out;
	st = ST_OK;
out:
	if (st != ST_OK)
		log_err("cannot write %s: %s", a->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return st;
}

static bool same_head(const struct audit_head *x, const struct audit_head *y)
{
	return x->seq == y->seq && memcmp(x->mac, y->mac, VAULT_HASH_LEN) == 0;
}

/* Whether the chain still holds the anchored row, with its mac. */
static bool holds_anchor(sqlite3 *db, const struct audit_anchor *a)
{
	sqlite3_stmt *q;
	bool held;

	if (a->anchored.seq == 0)
		return true;
	q = store_prepare(db, "SELECT mac FROM audit WHERE id = ?1");
	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, a->anchored.seq);
	held = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == VAULT_HASH_LEN &&
	       memcmp(sqlite3_column_blob(q, 0), a->anchored.mac, VAULT_HASH_LEN) == 0;
	store_finish(q);
	return held;
}

enum status audit_anchor_advance(sqlite3 *db, struct audit_anchor *a)
{
	struct audit_head h;
	enum status st;

	if (!sqlite3_get_autocommit(db))
		return ST_BUSY;
	if (!last_row(db, &h.seq, h.mac))
		return ST_IO;
	if (a->present && !a->damaged && same_head(&h, &a->anchored))
		return ST_OK;
	/* An anchor that cannot move stays so for the run: no fsync a second. */
	if ((a->damaged || a->warned) && same_head(&h, &a->durable))
		return ST_PROTO;
	if ((st = sync_db(db)) != ST_OK)
		return st;
	a->durable = h;
	if (a->damaged)
		return ST_PROTO;
	if (a->present && (h.seq < a->anchored.seq || !holds_anchor(db, a))) {
		if (!a->warned)
			log_err("audit chain no longer holds its anchored row %lld (it ends at row %lld): "
				"rows were cut from its end; the anchor stays",
				(long long)a->anchored.seq, (long long)h.seq);
		a->warned = true;
		return ST_PROTO;
	}
	if (!a->present && h.seq > 0 && a->first_start)
		log_info("first start: audit chain anchored at its row %lld", (long long)h.seq);
	else if (!a->present && h.seq > 0)
		log_warn("audit chain had no anchor: anchored at its row %lld", (long long)h.seq);
	if ((st = write_anchor(a, &h)) != ST_OK)
		return st;
	a->anchored = h;
	a->present = true;
	return ST_OK;
}

void audit_anchor_head(const struct audit_anchor *a, struct audit_head *out)
{
	*out = a->durable;
}

enum status audit_verify(sqlite3 *db, const struct vault *v, const struct audit_anchor *a, struct audit_check *out)
{
	struct audit_head head;
	enum status st;

	memset(out, 0, sizeof(*out));
	if ((st = verify_chain(db, v, out, &head)) != ST_OK || !a)
		return st;
	out->anchor_seq = a->anchored.seq;
	if (a->damaged) {
		snprintf(out->why, sizeof(out->why),
			 "the anchor " ANCHOR_FILE " does not open: altered, or another box's");
		snprintf(out->why_zh, sizeof(out->why_zh),
			 "锚定文件 " ANCHOR_FILE " 无法打开：被修改，或来自另一台设备");
		out->bad_row = head.seq + 1;
		return ST_PROTO;
	}
	if (!a->present) {
		snprintf(out->why, sizeof(out->why),
			 "the chain has no anchor yet (" ANCHOR_FILE "): a cut end cannot be seen");
		snprintf(out->why_zh, sizeof(out->why_zh), "审计链尚无锚定（" ANCHOR_FILE "）：无法发现末尾被删除的行");
		out->bad_row = head.seq + 1;
		return ST_PROTO;
	}
	if (head.seq < a->anchored.seq) {
		out->truncated = true;
		out->bad_row = head.seq + 1;
		snprintf(out->why, sizeof(out->why),
			 "truncated: rows %lld to %lld were removed from the end (the chain ends at row %lld, "
			 "its anchor is row %lld)",
			 (long long)head.seq + 1, (long long)a->anchored.seq, (long long)head.seq,
			 (long long)a->anchored.seq);
		snprintf(out->why_zh, sizeof(out->why_zh),
			 "被截断：末尾第 %lld 至 %lld 行被删除（链止于第 %lld 行，锚定在第 %lld 行）",
			 (long long)head.seq + 1, (long long)a->anchored.seq, (long long)head.seq,
			 (long long)a->anchored.seq);
		return ST_PROTO;
	}
	if (!holds_anchor(db, a)) {
		out->truncated = true;
		out->bad_row = a->anchored.seq;
		snprintf(out->why, sizeof(out->why),
			 "truncated: row %lld is not the anchored one; rows were removed from the end and others "
			 "written after the cut",
			 (long long)a->anchored.seq);
		snprintf(out->why_zh, sizeof(out->why_zh), "被截断：第 %lld 行与锚定不符；末尾的行被删除后又写入了新行",
			 (long long)a->anchored.seq);
		return ST_PROTO;
	}
	return ST_OK;
}
