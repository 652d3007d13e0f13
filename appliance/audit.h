/*
 * The audit log: one row for every staff action and every display of
 * personal data, chained so that no row can be edited, removed or moved
 * unnoticed.  Row n's mac is HMAC-SHA256 under the box's audit key of row
 * n-1's mac and row n's fields; rows are numbered from 1 without gaps.
 * Someone with the database but not the box key cannot forge a row.
 */
#ifndef OUTPOST_AUDIT_H
#define OUTPOST_AUDIT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "vault.h"

/* Appends a row in the caller's transaction (or on its own when there is
 * none).  staff is a user name or "system"/"central"; case_code and detail
 * may be NULL.  Detail never holds a personal number. */
enum status audit_append(sqlite3 *db, const struct vault *v, int64_t at, const char *staff, const char *action,
			 const char *case_code, const char *detail);

/*
 * The same for a read of personal data (a search, a case shown, a document
 * opened), committed on its own without waiting for the disk: a power cut
 * may lose the last fraction of a second of read rows, never a write's row
 * (those commit with their change, synchronous=FULL), and never the chain's
 * consistency.  It keeps a lookup from costing an fsync.
 */
enum status audit_read(sqlite3 *db, const struct vault *v, int64_t at, const char *staff, const char *action,
		       const char *case_code, const char *detail);

/*
 * Checks the whole chain.  ST_OK with *rows counted when it holds; else
 * ST_PROTO with *bad_row the first row that does not hold (or that is
 * missing) and why in words.
 */
enum status audit_verify(sqlite3 *db, const struct vault *v, int64_t *rows, int64_t *bad_row, char *why, size_t cap);

#endif
