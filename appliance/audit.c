#include "audit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store.h"

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

enum status audit_verify(sqlite3 *db, const struct vault *v, int64_t *rows, int64_t *bad_row, char *why, size_t cap)
{
	sqlite3_stmt *q =
	    store_prepare(db, "SELECT id, at, staff, action, case_code, detail, mac FROM audit ORDER BY id");
	uint8_t prev[VAULT_HASH_LEN] = {0}, mac[VAULT_HASH_LEN];
	int64_t expect = 1;
	enum status st = ST_OK;
	int rc;

	*rows = 0;
	*bad_row = 0;
	if (!q)
		return ST_IO;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);

		if (id != expect) {
			*bad_row = expect;
			snprintf(why, cap, "row %lld is missing (the next row is %lld)", (long long)expect,
				 (long long)id);
			st = ST_PROTO;
			break;
		}
		if (sqlite3_column_type(q, 1) != SQLITE_INTEGER ||
		    (st = row_mac(v, prev, id, sqlite3_column_int64(q, 1), text_col(q, 2), text_col(q, 3),
				  text_col(q, 4), text_col(q, 5), mac)) != ST_OK)
			st = ST_PROTO;
		if (st != ST_OK || sqlite3_column_bytes(q, 6) != VAULT_HASH_LEN ||
		    memcmp(sqlite3_column_blob(q, 6), mac, VAULT_HASH_LEN) != 0) {
			*bad_row = id;
			snprintf(why, cap, "row %lld was altered, moved or forged", (long long)id);
			st = ST_PROTO;
			break;
		}
		memcpy(prev, mac, sizeof(prev));
		(*rows)++;
		expect++;
	}
	if (st == ST_OK && rc != SQLITE_DONE)
		st = store_status(rc);
	store_finish(q);
	return st;
}
