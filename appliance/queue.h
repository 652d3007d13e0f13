/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Take-a-number (取号叫号): tickets by queue category, windows and what each
 * serves, calling, the call display's state, ratings and statistics.
 *
 * Queue categories are the catalog's categories: a top-level one with a
 * queue_prefix (个人业务 A, 对公业务 B, 办事咨询 C) and the themes below it.
 * A ticket carries the category the citizen chose and the prefix of its
 * top-level ancestor; numbers run per prefix and business day, which
 * starts at [queue] reset_hour.  A window serving a category serves its
 * themes too.
 *
 * Ticket states:
 *
 *   waiting ──call──► called ──start──► serving ──finish──► done ──► (rated)
 *      ▲                │  │
 *      └── no-show ◄────┘  └── no-show past max_no_shows ──► no_show
 *      └── transfer (called or serving; number and place kept)
 */
#ifndef OUTPOST_QUEUE_H
#define OUTPOST_QUEUE_H

#include <jansson.h>

#include "auth.h"
#include "cases.h"
#include "core.h"

/* A ticket chosen but not yet issued: it becomes one only by
 * queue_commit_ticket(), once the printer confirmed it. */
struct queue_ticket {
	char day[11];
	char category[33];
	char category_name[128];
	char prefix[2];
	unsigned number;
	char label[8];
	char priority[16];
	unsigned weight;
	unsigned ahead; /* waiting before it in its category */
	int64_t at;
	int64_t id; /* once committed */
};

/* The business day (YYYY-MM-DD) a moment belongs to. */
void queue_day(const struct core *c, int64_t at, char day[11]);

/* The kiosk's choices: {"categories": [{code, name, name_en, prefix,
 * waiting, children: [...]}], "priorities": [...]}. */
enum status queue_kiosk_categories(struct core *c, json_t **out);

/* Picks the next number for body {"category", "priority"?}. */
enum status queue_prepare_ticket(struct core *c, json_t *body, struct queue_ticket *t, struct case_error *why);
/* Makes the prepared ticket issued (one transaction); *out the ticket. */
enum status queue_commit_ticket(struct core *c, struct queue_ticket *t, json_t **out);
/* The ticket slip for the dev process. */
json_t *queue_ticket_slip(struct core *c, const struct queue_ticket *t);
/* A ticket of today by label, as its slip (a staff reprint). */
enum status queue_reprint_slip(struct core *c, const char *label, json_t **slip);

/* Windows: [{number, name, categories, staff, current}]; set by an admin
 * with body {"number", "name", "categories": [...]}. */
enum status queue_windows(struct core *c, json_t **out);
enum status queue_set_window(struct core *c, const struct session *s, json_t *body, struct case_error *why);

/*
 * A clerk's action at window n: "signin", "call", "recall", "no-show",
 * "start", "finish", "transfer" (body {"category"} or {"window"}).  *out is
 * the window's ticket after it (or null).  *announce is set when the call
 * is to be announced (call, recall).
 */
enum status queue_window_action(struct core *c, const struct session *s, unsigned n, const char *action, json_t *body,
				json_t **out, bool *announce, struct case_error *why);

/* What the call display shows: {"seq", "office", "windows": [...],
 * "recent": [...], "waiting": [...]}. */
json_t *queue_display(struct core *c);

/* Statistics of a business day ({"date"}), as JSON or as CSV text. */
enum status queue_stats(struct core *c, json_t *query, json_t **out);
enum status queue_stats_csv(json_t *stats, char **out, size_t *len);

#endif
