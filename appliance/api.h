/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON API under /api/v1, answered by the core.  The web process turns
 * each HTTP request into an API request message (method, path, session
 * cookie, CSRF header, language, parsed body, uploads as descriptors) and
 * relays the response.  Every authorization decision is made here.
 */
#ifndef OUTPOST_API_H
#define OUTPOST_API_H

#include <jansson.h>
#include <stdint.h>

#include "core.h"

/* Handles one request; fds (nfds) are the uploads, borrowed for the call.
 * ST_PROTO when the request message itself is malformed. */
enum status api_handle(struct core *c, uint32_t id, json_t *req, const int *fds, unsigned nfds);
enum status api_init(struct core *c);
/* Once a second: writes the audit row that counts the last minute's failed
 * logins beyond those audited one by one. */
void api_audit_tick(struct core *c, uint64_t now);
void api_free(struct core *c);

/* The sync process's word on an enrolment the console asked for (id is
 * the web request waiting for it). */
enum status api_sync_enrolled(struct core *c, uint32_t id, json_t *body);
/* The same for a key rotation. */
enum status api_sync_rotated(struct core *c, uint32_t id, json_t *body);

#endif
