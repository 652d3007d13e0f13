/* SPDX-License-Identifier: Apache-2.0 */
#include "cases_rows.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/idnum.h"
#include "common/store.h"

static long today_yyyymmdd(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

const char *case_actor(const struct session *s)
{
	return s ? s->username : "system";
}

void case_bind_hash(sqlite3_stmt *q, int col, const struct core *c, const char *purpose, const char *value)
{
	uint8_t h[VAULT_HASH_LEN];

	if (!value || !*value) {
		sqlite3_bind_null(q, col);
		return;
	}
	vault_index(c->vault, purpose, value, h);
	sqlite3_bind_blob(q, col, h, sizeof(h), SQLITE_TRANSIENT);
}

enum status case_key(struct core *c, sqlite3_stmt *q, uint8_t key[VAULT_KEY_LEN])
{
	if (sqlite3_column_type(q, COL_CASE_KEY) == SQLITE_NULL)
		return ST_PURGED;
	return vault_unwrap_case_key(c->vault, case_col_text(q, COL_CODE), sqlite3_column_blob(q, COL_CASE_KEY),
				     (size_t)sqlite3_column_bytes(q, COL_CASE_KEY), key);
}

/*
 * Checks an ID number of its type and writes its canonical form (upper
 * case).  Resident IDs carry the GB 11643 check digit, credit codes the
 * GB 32100 check character; other documents are 5 to 20 letters, digits
 * and hyphens.
 */
enum status case_check_id(const char *type, const char *raw, time_t now, char out[ID_MAX])
{
	size_t n = raw ? strlen(raw) : 0;

	if (!raw || n == 0)
		return ST_MISSING_FIELD;
	if (n >= ID_MAX)
		return strcmp(type, "uscc") == 0 ? ST_BAD_CREDIT_CODE : ST_BAD_ID_NUMBER;
	for (size_t i = 0; i <= n; i++)
		out[i] = (raw[i] >= 'a' && raw[i] <= 'z') ? (char)(raw[i] - 'a' + 'A') : raw[i];
	if (strcmp(type, "resident") == 0)
		return idnum_valid(out, today_yyyymmdd(now)) ? ST_OK : ST_BAD_ID_NUMBER;
	if (strcmp(type, "uscc") == 0)
		return uscc_valid(out) ? ST_OK : ST_BAD_CREDIT_CODE;
	if (n < 5 || n > 20)
		return ST_BAD_ID_NUMBER;
	for (size_t i = 0; i < n; i++) {
		if (!((out[i] >= 'A' && out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9') || out[i] == '-'))
			return ST_BAD_ID_NUMBER;
	}
	return ST_OK;
}

const char *case_col_text(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	return t ? (const char *)t : "";
}

const char *case_get_text(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	return s && *s ? s : NULL;
}

enum status case_load(struct core *c, const char *code, sqlite3_stmt **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT " CASE_COLS " FROM cases WHERE code = ?1");
	int rc;

	*out = NULL;
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		store_finish(q);
		return rc == SQLITE_DONE ? ST_NOT_FOUND : store_status(rc);
	}
	*out = q;
	return ST_OK;
}

/* 1101**********002X, 138****8000: the ends only. */
void case_mask_number(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s), keep = n >= 11 ? 4 : n >= 6 ? 2 : 0;
	size_t head = n >= 15 ? 4 : n >= 11 ? 3 : keep;

	if (cap == 0)
		return;
	if (n + 1 > cap || keep == 0) {
		snprintf(out, cap, "%s", n ? "****" : "");
		return;
	}
	memcpy(out, s, head);
	memset(out + head, '*', n - head - keep);
	memcpy(out + n - keep, s + n - keep, keep + 1);
}

bool case_phone_ok(const char *p)
{
	size_t n = strlen(p), digits = 0;

	/* Mobile: 1[3-9] and 9 digits.  Landline: 0, area code, optional '-'. */
	if (n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9') {
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return false;
		}
		return true;
	}
	if (p[0] != '0' || n < 10 || n > 13)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			digits++;
		else if (p[i] != '-' || i < 3 || i > 4)
			return false;
	}
	return digits >= 10 && digits <= 12;
}

enum case_state case_row_state(sqlite3_stmt *q)
{
	int s = lifecycle_state_parse(case_col_text(q, COL_STATE));

	return s < 0 ? CS_PURGED : (enum case_state)s;
}

/* Counts UTF-8 characters; -1 for control characters. */
int case_text_chars(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return -1;
		n += (c & 0xc0) != 0x80;
	}
	return n;
}

/* Opens a sealed column into out (NUL-terminated); "" when NULL. */
enum status case_unseal_col(sqlite3_stmt *q, int col, const uint8_t key[VAULT_KEY_LEN], const char *aad, char *out,
			    size_t cap)
{
	int n = sqlite3_column_bytes(q, col);

	out[0] = '\0';
	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return ST_OK;
	if (n < VAULT_SEAL_EXTRA || (size_t)(n - VAULT_SEAL_EXTRA) >= cap)
		return ST_PROTO;
	if (vault_unseal(key, aad, sqlite3_column_blob(q, col), (size_t)n, out) != ST_OK)
		return ST_PROTO;
	out[n - VAULT_SEAL_EXTRA] = '\0';
	return ST_OK;
}

/* The row of a case by code; the statement is the caller's to finish. */
/* The case row's ID number, phone and agent's ID number, in the clear. */
enum status case_unseal_person(sqlite3_stmt *q, const uint8_t key[VAULT_KEY_LEN], char id[ID_MAX + 1],
			       char phone[ID_MAX + 1], char agent_id[ID_MAX + 1])
{
	enum status st = case_unseal_col(q, COL_ID_SEALED, key, "id_number", id, ID_MAX + 1);

	if (st == ST_OK)
		st = case_unseal_col(q, COL_PHONE_SEALED, key, "phone", phone, ID_MAX + 1);
	if (st == ST_OK)
		st = case_unseal_col(q, COL_AGENT_ID_SEALED, key, "agent_id_number", agent_id, ID_MAX + 1);
	return st;
}

json_t *case_materials_json(struct core *c, int64_t case_id)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT position, name, form, copies, optional, received, "
					       "received_form, pages, version FROM case_materials WHERE case_id = ?1 "
					       "ORDER BY position");
	json_t *list = json_array();

	if (!q)
		return list;
	sqlite3_bind_int64(q, 1, case_id);
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_array_append_new(
		    list, json_pack("{s:i, s:s, s:s, s:i, s:b, s:b, s:o, s:i, s:i}", "position",
				    sqlite3_column_int(q, 0), "name", case_col_text(q, 1), "form", case_col_text(q, 2),
				    "copies", sqlite3_column_int(q, 3), "optional", sqlite3_column_int(q, 4),
				    "received", sqlite3_column_int(q, 5), "received_form", case_opt_text(q, 6), "pages",
				    sqlite3_column_int(q, 7), "version", sqlite3_column_int(q, 8)));
	}
	store_finish(q);
	return list;
}

json_t *case_opt_text(sqlite3_stmt *q, int col)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL ? json_null() : json_string(case_col_text(q, col));
}

/* A document row's file name and SHA-256 (hex), opened with the case's key;
 * both "" when they are gone (purge). */
enum status case_unseal_document(sqlite3_stmt *d, int name_col, int sha_col, const uint8_t key[VAULT_KEY_LEN],
				 char name[FILENAME_MAX_BYTES + 1], char sha[DOCSTORE_SHA_HEX])
{
	enum status st = case_unseal_col(d, name_col, key, "document_filename", name, FILENAME_MAX_BYTES + 1);

	if (st == ST_OK)
		st = case_unseal_col(d, sha_col, key, "document_sha256", sha, DOCSTORE_SHA_HEX);
	return st;
}
