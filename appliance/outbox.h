/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The outbox: what goes to central and how it stands (the core's side of
 * sync; the sync process does the talking).  Received cases are put in a
 * batch per department on a schedule or on demand (received -> queued),
 * their manifests and decrypted documents handed to the sync process, and
 * its word on each attempt kept for the console: last attempt, HTTP
 * status, central's message, next retry.  A case central took goes
 * queued -> sent; a refused one stays queued with central's reason.  A
 * permanent error stops the outbox until "retry now".
 */
#ifndef OUTPOST_OUTBOX_H
#define OUTPOST_OUTBOX_H

#include <jansson.h>

#include "core.h"

enum status outbox_init(struct core *c);
void outbox_free(struct core *c);
/* A (new) sync process said hello: it gets the cursor and the batch in flight. */
void outbox_sync_up(struct core *c);

/* From the sync process. */
enum status outbox_upload(struct core *c, json_t *body);
enum status outbox_result(struct core *c, json_t *body);
/* {"reachable","message"}: central answered as central, or stopped doing
 * so; kept for the console and the online LED. */
enum status outbox_contact(struct core *c, json_t *body);

/* The console's: {"enrolled", "office", "central_url", "cursor", "queued",
 * "central": {"reachable" (true, false or null: not known), "since", "message"},
 * "schedule": {"every_seconds", "at", "next_at"}, "batches": [...]} */
enum status outbox_status(struct core *c, json_t **out);
/* How a case's forwarding stands: its latest batch ({"batch_id", "state",
 * "attempts", "last_attempt", "last_http", "last_message", "next_retry"})
 * and central's word on the case in it ("result": taken or refused, "" not
 * yet; "message"); NULL when it was never in a batch. */
json_t *outbox_case_forwarding(struct core *c, const char *code);
/* Sends what waits now; after a stop, the failed batch again. */
enum status outbox_now(struct core *c);

/* Central's catalog ({"etag"} and the document as fd): replaces the box's. */
enum status outbox_catalog(struct core *c, json_t *body, const int *fds, unsigned nfds);

/* An event of central's feed ({"id","type","case","data"}), pulled with
 * the feed's cursor or pushed (cursor NULL): applied with its id once;
 * *duplicate (when given) says it was seen before. */
enum status outbox_central_event(struct core *c, json_t *ev, const char *cursor, bool *duplicate);

/* An event pushed as a Standard Webhook: webhook-id, webhook-timestamp
 * (Unix seconds, at most 300 s off), webhook-signature ("v1a,<Ed25519 by
 * central's key>" and/or "v1,<HMAC-SHA256 with the webhook secret>" over
 * id "." timestamp "." raw), raw the exact body.  A replay answers
 * {"duplicate": true} and changes nothing. */
enum status outbox_webhook(struct core *c, const char *id, const char *ts, const char *sigs, const char *raw,
			   json_t **answer);

#endif
