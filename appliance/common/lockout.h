/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login lockout per user name: failures counted in a table of fixed size,
 * a name locked for a while after too many.  Names are counted whether an
 * account has them or not, so a lock does not tell which names exist.
 * When the table is full the least valuable record makes room (a running
 * lock is kept longest, then more failures, then a more recent one), so a
 * flood of failures under made-up names cannot push out the count of a
 * name under attack.  Pure: the caller gives the time.  Used by the box's
 * auth.c and by outpost-central's clerk login.
 */
#ifndef OUTPOST_LOCKOUT_H
#define OUTPOST_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#define LOCKOUT_NAME_MAX 64 /* longer names are cut */

struct lockout_table;

enum status lockout_new(unsigned max_names, struct lockout_table **out);
void lockout_free(struct lockout_table **t);
/* Seconds name stays locked after now_s; 0 when it is not locked. */
uint64_t lockout_remaining(const struct lockout_table *t, const char *name, uint64_t now_s);
/* Counts a failure of name; true when it is locked now (this failure made
 * max_failures, or a lock was running).  A lock that ran out starts a
 * fresh count. */
bool lockout_fail(struct lockout_table *t, const char *name, unsigned max_failures, unsigned lock_seconds,
		  uint64_t now_s);
/* A success: the name's failures are forgotten. */
void lockout_clear(struct lockout_table *t, const char *name);

#endif
