/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A few rendered answers kept for asking again: text under a key, good for
 * one version of whatever it was rendered from.  The caller says what the
 * version is (for the case lists, the count of rows the database has
 * changed); an entry of another version is never returned.  A fixed number
 * of slots, each of bounded size, the least recently used replaced first.
 */
#ifndef OUTPOST_MEMO_H
#define OUTPOST_MEMO_H

#include <stddef.h>
#include <stdint.h>

#define MEMO_SLOTS    8
#define MEMO_KEY_MAX  512
#define MEMO_TEXT_MAX (128 * 1024)

struct memo_slot {
	char *key, *text;
	size_t len;
	uint64_t version, used;
};

struct memo {
	struct memo_slot slot[MEMO_SLOTS];
	uint64_t clock;
	uint64_t hits, misses;
};

/* The text kept under key at version, or NULL; it stays valid until the
 * next memo_put() or memo_clear(). */
const char *memo_get(struct memo *m, const char *key, uint64_t version, size_t *len);
/* Keeps a copy of text; a key or text too long, or no memory, keeps nothing. */
void memo_put(struct memo *m, const char *key, uint64_t version, const char *text, size_t len);
void memo_clear(struct memo *m);

#endif
