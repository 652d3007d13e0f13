/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP request as the web role collects it before handing it to the
 * core: a JSON body (bounded) or, for intake, a multipart form whose "case"
 * field is JSON and whose files go into memfds (bounded per file and per
 * request; the web budgets uploads across requests and sessions).  Never
 * touches the disk.
 */
#ifndef OUTPOST_REQUEST_H
#define OUTPOST_REQUEST_H

#include <jansson.h>
#include "mhd.h"
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "appliance/common/buf.h"
#include "appliance/common/config.h"
#include "appliance/common/msg.h"

#define REQUEST_JSON_MAX (48 * 1024)
/* Longer file names than the core keeps (200 bytes) are refused anyway. */
#define REQUEST_PART_NAME_MAX 256

/* Where a request is; an upload is admitted by the core before its body. */
enum webreq_phase {
	WEBREQ_HEADERS = 0, /* the body, if any, is read as it comes */
	WEBREQ_ADMITTING,   /* the core checks an upload's session first */
	WEBREQ_ADMITTED,    /* yes: libmicrohttpd's next call is its first again */
	WEBREQ_BODY,	    /* reading the admitted upload */
	WEBREQ_FORWARDED,   /* the core has the request */
};

struct webreq {
	uint32_t id; /* nonzero while the core has it */
	enum webreq_phase phase;
	unsigned slot;
	enum lang lang;
	struct MHD_Connection *conn;
	bool multipart;
	enum status error; /* the first problem with the body */
	const char *error_field;
	struct MHD_PostProcessor *pp;
	struct buf json;
	int fds[MSG_MAX_FDS];
	unsigned nfds;
	json_t *docs;
	uint64_t doc_bytes; /* of the current file */
	char part_name[REQUEST_PART_NAME_MAX];
	char part_type[REQUEST_PART_NAME_MAX];
	bool part_empty_call; /* the last call for the part was at offset 0 with no data */
	uint64_t body_bytes;
	uint64_t content_length;
	uint64_t reserved; /* of the upload budgets, by content_length */
	unsigned budget;   /* the session's entry in the web's budgets */
	const struct config *cfg;
	sd_event_source *timeout;
	struct MHD_Response *resp;
	unsigned resp_code;
};

struct webreq *webreq_new(const struct config *cfg);
void webreq_free(struct webreq **r);
/* Starts multipart parsing; ST_BAD_REQUEST when the form is not multipart. */
enum status webreq_multipart(struct webreq *r, struct MHD_Connection *conn);
/* Takes the next piece of the body. */
void webreq_feed(struct webreq *r, const char *data, size_t size);
/* Parses what was collected into the "body" of the request to the core:
 * a JSON object, or NULL for an empty body.  ST_BAD_JSON on bad JSON. */
enum status webreq_body(struct webreq *r, json_t **body);

#endif
