/* SPDX-License-Identifier: Apache-2.0 */
#include "ratecode.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/rating.h"
#include "common/sign.h"
#include "common/store.h"
#include "vault.h"

#define PHONE_DAYS 14 /* the phone page's token */

static const char *col(sqlite3_stmt *q, int i)
{
	const char *s = (const char *)sqlite3_column_text(q, i);

	return s ? s : "";
}

void ratecode_lookup(struct core *c, const char *code, char out[2 * VAULT_HASH_LEN + 1])
{
	vault_index_hex(c->vault, "rating_code_lookup", code, out);
}

void ratecode_derive(struct core *c, const char *service, char code[RATECODE_LEN])
{
	uint8_t h[VAULT_HASH_LEN];
	uint64_t bits = 0;

	vault_index(c->vault, "rating_code", service, h);
	for (int i = 0; i < 5; i++)
		bits = bits << 8 | h[i];
	for (int i = 7; i >= 0; i--, bits >>= 5)
		code[i] = RATECODE_ALPHABET[bits & 31];
	code[8] = '\0';
}

enum status ratecode_register(struct core *c, const char *kind, int64_t ticket_id, int64_t case_id, const char *code)
{
	char lookup[2 * VAULT_HASH_LEN + 1];
	sqlite3_stmt *q;
	enum status st;

	ratecode_lookup(c, code, lookup);
	/* Registered already (a reprint): no write, so no sync. */
	q = store_prepare(c->db, "SELECT 1 FROM rating_codes WHERE code_hash = ?1");
	if (q) {
		sqlite3_bind_text(q, 1, lookup, -1, SQLITE_STATIC);
		st = sqlite3_step(q) == SQLITE_ROW ? ST_OK : ST_NOT_FOUND;
		store_finish(q);
		if (st == ST_OK)
			return ST_OK;
	}
	q = store_prepare(c->db, "INSERT OR IGNORE INTO rating_codes (code_hash, kind, ticket_id, case_id, issued_at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, lookup, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
	if (ticket_id)
		sqlite3_bind_int64(q, 3, ticket_id);
	if (case_id)
		sqlite3_bind_int64(q, 4, case_id);
	sqlite3_bind_int64(q, 5, (int64_t)core_now());
	st = store_status(sqlite3_step(q));
	store_finish(q);
	return st;
}

enum status ratecode_make(struct core *c, const char *kind, int64_t ticket_id, int64_t case_id, const char *service,
			  char code[RATECODE_LEN])
{
	ratecode_derive(c, service, code);
	return ratecode_register(c, kind, ticket_id, case_id, code);
}

/* The office's token key (rating.h), from the webhook secret; false when
 * the box is not enrolled. */
static bool token_key(struct core *c, char office[16], char url[256], uint8_t key[32])
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT office, central_url, webhook_secret FROM sync_state "
					       "WHERE enrolled_at IS NOT NULL");
	uint8_t secret[64];
	long n = -1;

	if (q && sqlite3_step(q) == SQLITE_ROW && strncmp(col(q, 2), "whsec_", 6) == 0) {
		snprintf(office, 16, "%s", col(q, 0));
		snprintf(url, 256, "%s", col(q, 1));
		n = sign_unb64(col(q, 2) + 6, secret, sizeof(secret));
	}
	store_finish(q);
	if (n <= 0)
		return false;
	rating_token_key(secret, (size_t)n, key);
	vault_wipe(secret, sizeof(secret));
	return true;
}

void ratecode_phone_url(struct core *c, const char *kind, const char *case_code, char *out, size_t cap)
{
	char office[16], url[256], token[RATING_TOKEN_MAX];
	uint8_t key[32];

	out[0] = '\0';
	if (!token_key(c, office, url, key))
		return;
	/* [rating] phone_url, the page's address as phones reach it, or central's */
	if (rating_token_make(key, office, kind, case_code, (time_t)core_now() + PHONE_DAYS * 86400, token)) {
		if (c->cfg.rating_phone_url[0])
			snprintf(out, cap, "%s%s", c->cfg.rating_phone_url, token);
		else
			snprintf(out, cap, "%s/r/%s", url, token);
	}
	vault_wipe(key, sizeof(key));
}
