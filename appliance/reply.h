/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Answers to the web process's API requests: by the router (api.c) at
 * once, or later by the work that finishes them (a receipt's print job, a
 * kiosk's ticket, a report drawn in the worker).
 */
#ifndef OUTPOST_REPLY_H
#define OUTPOST_REPLY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* Answers request id: a small JSON header (the HTTP status, plus extra such
 * as set_cookie or file) and the HTTP body text (len bytes, none with a
 * file) as the message's tail, which the web passes on without parsing.
 * Steals extra; text and fd (a file to serve) stay the caller's. */
enum status reply_text(struct core *c, uint32_t id, int http, const char *text, size_t len, json_t *extra, int fd);
/* The same with a JSON body, serialised once.  Steals body and extra. */
enum status reply_json(struct core *c, uint32_t id, int http, json_t *body, json_t *extra, int fd);
/* A file (a sealed memfd) with its name and type. */
void reply_file(struct core *c, uint32_t web_id, int fd, const char *name, const char *type);

#endif
