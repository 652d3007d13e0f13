/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One status code for every recoverable outcome in Outpost.  Functions return
 * it; the web answers it as an HTTP status and a message in the user's
 * language.  Append only: never remove or renumber a value, since numbers
 * travel between processes.
 */
#ifndef OUTPOST_STATUS_H
#define OUTPOST_STATUS_H

#include <jansson.h>

enum status {
	ST_OK = 0,
	ST_NOMEM,
	ST_IO,
	ST_BAD_JSON,
	ST_MISSING_FIELD,
	ST_BAD_FIELD,
	ST_BAD_ID_NUMBER,
	ST_BAD_PHONE,
	ST_UNKNOWN_ITEM,
	ST_NO_DOCUMENT,
	ST_TOO_MANY_DOCUMENTS,
	ST_TOO_LARGE,
	ST_BAD_DOCUMENT_TYPE,
	ST_NOT_LOGGED_IN,
	ST_BAD_LOGIN,
	ST_LOCKED,
	ST_CSRF,
	ST_FORBIDDEN,
	ST_NOT_FOUND,
	ST_METHOD,
	ST_BUSY,
	ST_UNAVAILABLE,
	ST_CONFIG,
	ST_PROTO,
	ST_PRINTER,
	ST_DISK_FULL,
	ST_BAD_REQUEST,
	ST_TIMEOUT,
	ST_SEQ_EXHAUSTED,
	ST_MATERIALS_MISSING,
	ST_BAD_STATE,
	ST_NOT_READY,
	ST_ALREADY_COLLECTED,
	ST_PICKUP_MISMATCH,
	ST_PICKUP_LOCKED,
	ST_BAD_CREDIT_CODE,
	ST_WRONG_APPLICANT,
	ST_PURGED,
	ST_BAD_CATALOG,
	ST_UNKNOWN_CATEGORY,
	ST_WINDOW_BUSY,
	ST_QUEUE_EMPTY,
	ST_NO_TICKET,
	ST_NOT_RATEABLE,
	ST_TOO_MANY_TICKETS,
	ST_PRINT_HELD,
	ST_SCANNER_BUSY,
	ST_NOT_ENROLLED,
	ST_BAD_SIGNATURE,
	ST_STALE_REQUEST,
	ST_ENROL_FAILED,
	ST_FORWARDING,
	ST_BAD_TEXT,
	ST_BAD_CONTENT_TYPE,
	ST_CROSS_ORIGIN,
	ST_LOGIN_RATE,
	ST_UPLOADS_BUSY,
	ST_NOT_HTTPS,
	ST_RATING_CODE,
	ST_ALREADY_RATED,
	ST_TOO_MANY_RATINGS,
	__ST_MAX
};

enum lang { LANG_ZH = 0, LANG_EN, __LANG_MAX };

/* Static strings: never freed, valid for the life of the process. */
const char *status_name(enum status st);
const char *status_message(enum status st, enum lang lang);
int status_http(enum status st);
/* The error body every API answer uses: {"error", "message", "field"}, the
 * message naming the field in the user's language.  Caller decrefs. */
json_t *status_json(enum status st, enum lang lang, const char *field);

#endif
