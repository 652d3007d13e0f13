/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Document scan jobs seen from the core.  The console starts a job; the
 * dev process scans in its SANE worker (drivers/docscan.h), splits the
 * stack by its cover and separator sheets and sends one PDF per
 * material; the core files them all into their cases in one transaction,
 * or none.  One job runs at a time (there is one scanner); the last few
 * are kept for the console to read.
 *
 *   scanning ──► open (flatbed: more pages may follow) ──► finishing ──► done
 *       │            │                                         │
 *       └────────────┴───────────► failed ◄────────────────────┘
 */
#ifndef OUTPOST_SCANJOBS_H
#define OUTPOST_SCANJOBS_H

#include <jansson.h>

#include "auth.h"
#include "cases.h"
#include "core.h"

/* Body {"case"?, "material"?, "source"?, "resolution"?, "mode"?,
 * "device"? and "options"? (admins only), "more"?, "test"?}; *out {"job",
 * "state"}. */
enum status scanjobs_start(struct core *c, const struct session *s, bool admin, json_t *body, json_t **out,
			   struct case_error *why);
/* op: "more" (body {"options"?}), "finish" or "cancel". */
enum status scanjobs_command(struct core *c, uint32_t id, const char *op, bool admin, json_t *body, json_t **out,
			     struct case_error *why);
enum status scanjobs_get(struct core *c, uint32_t id, enum lang lang, json_t **out);

/* A MSG_DOCSCAN_RESULT; takes the descriptor it wants out of fds. */
enum status scanjobs_result(struct core *c, json_t *body, int *fds, unsigned nfds);
/* A new dev process: a job it was running is lost. */
void scanjobs_dev_restarted(struct core *c);
void scanjobs_free(struct core *c);

#endif
