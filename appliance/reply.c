/* SPDX-License-Identifier: Apache-2.0 */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/msg.h"

/*
 * Answers request id: a small JSON header (the HTTP status, plus extra such
 * as set_cookie or file) and the HTTP body text (len bytes, none with a
 * file) as the message's tail, which the web passes on without parsing.
 * Steals extra; text and fd (a file to serve) stay the caller's.
 */
enum status reply_text(struct core *c, uint32_t id, int http, const char *text, size_t len, json_t *extra, int fd)
{
	json_t *head = json_pack("{s:i}", "status", http);
	enum status st;

	if (!head) {
		json_decref(extra);
		return ST_NOMEM;
	}
	if (extra)
		json_object_update_new(head, extra);
	st = core_send(c, ROLE_WEB, MSG_API_RESPONSE, id, head, text, len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	if (st == ST_TOO_LARGE) {
		json_t *err = status_json(ST_TOO_LARGE, LANG_ZH, NULL);
		char small[512];
		size_t n = json_dumpb(err, small, sizeof(small), JSON_COMPACT);

		log_err("answer %u is larger than a message (%zu bytes)", id, len);
		json_decref(err);
		json_object_set_new(head, "status", json_integer(500));
		st = core_send(c, ROLE_WEB, MSG_API_RESPONSE, id, head, small, n, NULL, 0);
	}
	if (st != ST_OK)
		log_warn("answer %u to web not sent: %s", id, status_name(st));
	json_decref(head);
	return ST_OK;
}

/* The same with a JSON body, serialised once here.  Steals body and extra. */
enum status reply_json(struct core *c, uint32_t id, int http, json_t *body, json_t *extra, int fd)
{
	char *text = NULL;
	enum status st;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!text) {
			json_decref(extra);
			return ST_NOMEM;
		}
	}
	st = reply_text(c, id, http, text, text ? strlen(text) : 0, extra, fd);
	free(text);
	return st;
}

/* Sends a report file (a sealed memfd) with its name and type. */
void reply_file(struct core *c, uint32_t web_id, int fd, const char *name, const char *type)
{
	off_t size = lseek(fd, 0, SEEK_END);

	lseek(fd, 0, SEEK_SET);
	reply_json(c, web_id, 200, NULL,
		   json_pack("{s:{s:s, s:s, s:I}}", "file", "filename", name, "type", type, "size", (json_int_t)size),
		   fd);
}
