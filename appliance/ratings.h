/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 好差评 on the box: one rating per finished service (a ticket, an intake,
 * a pickup), enforced here.  A service gets a 评价码 when it is issued,
 * printed on its ticket, receipt or pickup slip and shown on the window's
 * paired rating tablet when the window finishes; the code is derived from
 * the box's index key and the service, so a reprint shows the same one,
 * and found again by its keyed hash (rating_codes).  A rating without a
 * code the box issued, or of a service not finished, is refused.
 *
 * Ratings go to central through the sync process (POST /v1/ratings), each
 * with its own id, so one sent twice is taken once; each keeps its state:
 * pending, sent, or refused with central's reason.  Central's word comes
 * back as events: rating.received (a rating from the citizen's phone,
 * which the box records so the tablet refuses the same service),
 * rating.followed_up (a 差评's 核实, 整改, 回访) and rating.appeal_decided.
 *
 * Comments and call-back phones are personal data: sealed under the case's
 * key (a ticket's: the local key), wiped when the case is purged or, for a
 * ticket, after the retention days.
 */
#ifndef OUTPOST_RATINGS_H
#define OUTPOST_RATINGS_H

#include <jansson.h>

#include "cases.h"
#include "core.h"

/* A rating: {"code", "level", "reasons"?, "comment"?, "phone"?} from the
 * tablet (channel "tablet"). */
enum status ratings_rate(struct core *c, json_t *body, const char *channel, struct case_error *why);
/* A GPIO rating button: the configured window's last finished ticket. */
enum status ratings_button(struct core *c, int level);
/* The paired tablet's prompt: {"window", "ticket", "code", "item"} of its
 * window's latest finished, unrated ticket, or {"window"} when there is none. */
enum status ratings_prompt(struct core *c, const char *tablet_key, json_t **out);
/* An admin pairs window n's tablet: {"key", "url"} (a new key replaces the old). */
enum status ratings_pair(struct core *c, unsigned n, json_t **out);
/* The reasons a low rating may name: central's (its catalog), or the standard list. */
json_t *ratings_reasons(struct core *c);

/* The office's ratings, newest first, with their forwarding, follow-up and
 * appeal.  Anonymous toward the staff: only with service (an admin's
 * view) does each name its service ("intake:<case code>", ...). */
enum status ratings_list(struct core *c, bool service, json_t **out);
/* An appeal (申诉) of 差评 uid by staff (audited): {"reason"}; it goes to
 * central with the ratings. */
enum status ratings_appeal(struct core *c, const char *staff, const char *uid, json_t *body, struct case_error *why);

/* Hands what waits (ratings, appeals) to the sync process, one lot at a time. */
void ratings_forward(struct core *c);
/* The sync process's word on the lot (MSG_SYNC_RATED). */
enum status ratings_forwarded(struct core *c, json_t *body);
void ratings_free(struct core *c);
/* A new sync process: the lot in flight is offered again. */
void ratings_sync_up(struct core *c);
/* A rating.* event of central's feed, recorded with its id and cursor. */
enum status ratings_central_event(struct core *c, json_t *ev, const char *cursor);

/* Ratings of purged cases lose their comments and phones; tickets' past
 * the retention days once forwarded (30 days later at most); how many. */
unsigned ratings_purge_due(struct core *c);

#endif
