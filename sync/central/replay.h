/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signatures central has seen, so a signed box request is taken once
 * (sync/PROTOCOL.md section 2).  Each is kept as long as its timestamp
 * could still pass the clock check, then forgotten; they expire in the
 * order they came, so the table is a ring in arrival order with a hash
 * index over it.  It never forgets one early: full, it refuses new ones
 * until the oldest expire.  Pure: the caller gives the (monotonic) time.
 */
#ifndef OUTPOST_REPLAY_H
#define OUTPOST_REPLAY_H

#include <stdint.h>

#include "appliance/common/status.h"

#define REPLAY_KEY_LEN 16 /* of a signature: its first bytes */

struct replay;

enum replay_answer { REPLAY_NEW, REPLAY_SEEN, REPLAY_FULL };

enum status replay_new(unsigned max_entries, struct replay **out);
void replay_free(struct replay **t);
/* REPLAY_NEW (and kept until expires_s) when key was not seen before;
 * REPLAY_SEEN when it was and has not expired; REPLAY_FULL when it is new
 * but the table holds max_entries unexpired keys.  expires_s must not
 * decrease from one call to the next. */
enum replay_answer replay_check(struct replay *t, const uint8_t key[REPLAY_KEY_LEN], uint64_t now_s,
				uint64_t expires_s);
unsigned replay_count(const struct replay *t);

#endif
