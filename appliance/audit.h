/* SPDX-License-Identifier: Apache-2.0 */
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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
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

/* A row of the chain by its number and mac: the chain's head. */
struct audit_head {
	int64_t seq; /* 0: no rows */
	uint8_t mac[VAULT_HASH_LEN];
};

/*
 * The anchor: the chain's head kept outside the database, in
 * <state_dir>/audit.anchor, sealed under the box's local key (vault.h), so
 * that rows cut from the end of the chain, or all of them, are seen.  The
 * core owns the one anchor; it moves it with audit_anchor_advance() about
 * once a second while rows are added, at start, at shutdown and before each
 * verify.
 *
 * Why the anchor can never name a row that a crash takes away, so a crash
 * is never reported as tampering:
 * - audit_anchor_advance() runs outside any transaction and reads the head
 *   that is committed; it first makes the database durable (fsync of the WAL
 *   and the database file: read rows commit with synchronous=NORMAL), and
 *   only then writes the anchor: a temporary file, fsync, rename over the
 *   anchor, fsync of the folder.  A crash at any point leaves the old anchor
 *   or the new one, each naming a row that is on disk.
 * - Rows committed after the last advance are not anchored yet: after a
 *   crash the chain is longer than its anchor.  audit_verify() accepts that
 *   (the anchored row must hold; the rows after it chain on from it), and
 *   the next advance covers them.  The price is that the last second of
 *   rows before a crash is covered by the chain alone until the box runs
 *   again; central's witness (the heartbeat) does not cover them either.
 * - The anchor moves only while the chain still holds the anchored row: a
 *   chain cut behind the core's back keeps its old anchor as the evidence,
 *   even when new rows are written over the cut.
 * The anchor does not tell an old copy of the database and its anchor put
 * back together: central's record of the highest head it has seen does.
 */
struct audit_anchor;

/* Loads the anchor of state_dir; a missing file is not an error (the first
 * start, or a box from before anchors: the first advance writes it).  v must
 * outlive the anchor. */
enum status audit_anchor_open(const char *state_dir, const struct vault *v, struct audit_anchor **out);
void audit_anchor_free(struct audit_anchor **a);
/* The box starts for the first time (its admin account was just made): a
 * missing anchor is expected, not news. */
void audit_anchor_first_start(struct audit_anchor *a);

/* Makes the committed rows durable and moves the anchor to the chain's
 * head; ST_BUSY inside a transaction (try later), ST_PROTO when the chain
 * no longer holds the anchored row or the anchor file does not open (the
 * anchor stays; logged once). */
enum status audit_anchor_advance(sqlite3 *db, struct audit_anchor *a);

/* The database's head as the last advance made it durable: what the
 * heartbeat tells central. */
void audit_anchor_head(const struct audit_anchor *a, struct audit_head *out);

/* What audit_verify() found. */
struct audit_check {
	int64_t rows;	    /* rows that hold */
	int64_t bad_row;    /* the first row that does not hold or is missing */
	int64_t anchor_seq; /* the anchored head's row, 0 when none */
	bool truncated;	    /* rows were cut from the end (or all of them) */
	char why[200];	    /* in English */
	char why_zh[200];   /* the same in Chinese */
};

/*
 * Checks the whole chain, then the chain against the anchor (a may be NULL
 * for no anchor check).  ST_OK when both hold; else ST_PROTO with out
 * saying where and why.
 */
enum status audit_verify(sqlite3 *db, const struct vault *v, const struct audit_anchor *a, struct audit_check *out);

#endif
