/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What cases.c (intake and every change) and cases_read.c (lists, views,
 * search, documents) share, below both: the bounds of a case's fields,
 * the columns of a case row, and the helpers that read, open and check
 * them.  Private to those two files.
 */
#ifndef OUTPOST_CASES_ROWS_H
#define OUTPOST_CASES_ROWS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "common/lifecycle.h"
#include "core.h"
#include "docstore.h"
#include "vault.h"

#define NAME_MAX_CHARS	   40
#define ORG_NAME_MAX_CHARS 60
#define NOTE_MAX_CHARS	   200
#define FILENAME_MAX_BYTES 200
#define ID_MAX		   24
#define SEALED_MAX	   (FILENAME_MAX_BYTES + VAULT_SEAL_EXTRA)
#define PICKUP_CODE_MAX	   7 /* six digits and a NUL */

/* --- a case row -------------------------------------------------------------- */

#define CASE_COLS                                                                                                      \
	"id, code, state, version, item_code, item_name, department, applicant_kind, applicant_name, id_type, "        \
	"id_sealed, phone_sealed, by_agent, agent_name, agent_id_type, agent_id_sealed, ticket, incomplete_note, "     \
	"pickup_sealed, case_key, official_number, central_note, decision, created_at, received_at, ready_at, "        \
	"collected_at, closed_at, updated_at, promised_by, receipt_state, pickup_failures, pickup_locked_until, "      \
	"created_by"

enum {
	COL_ID,
	COL_CODE,
	COL_STATE,
	COL_VERSION,
	COL_ITEM_CODE,
	COL_ITEM_NAME,
	COL_DEPARTMENT,
	COL_KIND,
	COL_NAME,
	COL_ID_TYPE,
	COL_ID_SEALED,
	COL_PHONE_SEALED,
	COL_BY_AGENT,
	COL_AGENT_NAME,
	COL_AGENT_ID_TYPE,
	COL_AGENT_ID_SEALED,
	COL_TICKET,
	COL_NOTE,
	COL_PICKUP_SEALED,
	COL_CASE_KEY,
	COL_OFFICIAL,
	COL_CENTRAL_NOTE,
	COL_DECISION,
	COL_CREATED,
	COL_RECEIVED,
	COL_READY,
	COL_COLLECTED,
	COL_CLOSED,
	COL_UPDATED,
	COL_PROMISED,
	COL_RECEIPT,
	COL_PICKUP_FAILURES,
	COL_PICKUP_LOCKED,
	COL_CREATED_BY,
};

/* Who did it, for the history: the staff member, or "system". */
const char *case_actor(const struct session *s);
void case_bind_hash(sqlite3_stmt *q, int col, const struct core *c, const char *purpose, const char *value);
/* The case's own data key, unwrapped; ST_PURGED when it is gone. */
enum status case_key(struct core *c, sqlite3_stmt *q, uint8_t key[VAULT_KEY_LEN]);
/*
 * Checks an ID number of its type and writes its canonical form (upper
 * case).  Resident IDs carry the GB 11643 check digit, credit codes the
 * GB 32100 check character; other documents are 5 to 20 letters, digits
 * and hyphens.
 */
enum status case_check_id(const char *type, const char *raw, time_t now, char out[ID_MAX]);
const char *case_col_text(sqlite3_stmt *q, int col);
const char *case_get_text(json_t *obj, const char *key);
/* The row of a case by code (CASE_COLS); the statement is the caller's to
 * finish. */
enum status case_load(struct core *c, const char *code, sqlite3_stmt **out);
/* 1101**********002X, 138****8000: the ends only. */
void case_mask_number(const char *s, char *out, size_t cap);
bool case_phone_ok(const char *p);
enum case_state case_row_state(sqlite3_stmt *q);
/* Counts UTF-8 characters; -1 for control characters. */
int case_text_chars(const char *s);
/* Opens a sealed column into out (NUL-terminated); "" when NULL. */
enum status case_unseal_col(sqlite3_stmt *q, int col, const uint8_t key[VAULT_KEY_LEN], const char *aad, char *out,
			    size_t cap);
/* The case row's ID number, phone and agent's ID number, in the clear. */
enum status case_unseal_person(sqlite3_stmt *q, const uint8_t key[VAULT_KEY_LEN], char id[ID_MAX + 1],
			       char phone[ID_MAX + 1], char agent_id[ID_MAX + 1]);
json_t *case_materials_json(struct core *c, int64_t case_id);
json_t *case_opt_text(sqlite3_stmt *q, int col);
/* A document row's file name and SHA-256 (hex), opened with the case's key;
 * both "" when they are gone (purge). */
enum status case_unseal_document(sqlite3_stmt *d, int name_col, int sha_col, const uint8_t key[VAULT_KEY_LEN],
				 char name[FILENAME_MAX_BYTES + 1], char sha[DOCSTORE_SHA_HEX]);

#endif
