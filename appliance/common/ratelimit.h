/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rate limits per key (a client's address, a queue category): a token
 * bucket each, refilled at the key's rate per minute and as deep as one
 * minute's worth, in a table of fixed size.  When the table is full the
 * fullest bucket makes room: a full bucket is the same as none, so only an
 * attacker with more keys than the table has entries can make the box
 * forget a key it is limiting.  One table per limit: every key of a table
 * has the same rate.  Pure: the caller gives the time.
 */
#ifndef OUTPOST_RATELIMIT_H
#define OUTPOST_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#define RATELIMIT_KEY_MAX 48 /* longer keys are cut (an IPv6 address is 45) */

struct ratelimit;

enum status ratelimit_new(unsigned max_keys, struct ratelimit **out);
void ratelimit_free(struct ratelimit **rl);
/* Takes one event for key at now_s; false (nothing taken) when key has had
 * per_minute events in the last minute's worth of its bucket. */
bool ratelimit_take(struct ratelimit *rl, const char *key, unsigned per_minute, uint64_t now_s);

#endif
