/* SPDX-License-Identifier: Apache-2.0 */
#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "appliance/common/fdio.h"
#include "appliance/common/log.h"

struct webreq *webreq_new(const struct config *cfg)
{
	struct webreq *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = cfg;
	r->docs = json_array();
	buf_init(&r->json, REQUEST_JSON_MAX);
	for (unsigned i = 0; i < MSG_MAX_FDS; i++)
		r->fds[i] = -1;
	if (!r->docs) {
		free(r);
		return NULL;
	}
	return r;
}

void webreq_free(struct webreq **rp)
{
	struct webreq *r = *rp;

	if (!r)
		return;
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	msg_close_fds(r->fds, r->nfds);
	json_decref(r->docs);
	buf_free(&r->json);
	sd_event_source_disable_unref(r->timeout);
	if (r->resp)
		MHD_destroy_response(r->resp);
	free(r);
	*rp = NULL;
}

static void set_error(struct webreq *r, enum status st, const char *field)
{
	if (r->error == ST_OK) {
		r->error = st;
		r->error_field = field;
	}
}

/* Counts body bytes against the request's limit (the budgets of all
 * uploads and of the session were taken by its length when it was admitted). */
static bool account(struct webreq *r, size_t size)
{
	if (r->body_bytes + size > r->cfg->max_upload_bytes) {
		set_error(r, ST_TOO_LARGE, NULL);
		return false;
	}
	r->body_bytes += size;
	return true;
}

/*
 * A file part's name and type as the core gets them (docs entry i belongs
 * to descriptor i).  Both come from the network: text that is not UTF-8,
 * or a name longer than any the core keeps, is the client's error, answered
 * 400 here; a docs entry that cannot be made at all stops the request, so
 * the message to the core never carries a descriptor without its entry.
 */
static bool part_begin(struct webreq *r, const char *filename, const char *content_type)
{
	json_t *name = json_string(filename), *type = json_string(content_type ? content_type : "");
	json_t *entry = NULL;
	int fd = -1;

	if (!name || !type) {
		set_error(r, ST_BAD_TEXT, "documents");
		goto fail;
	}
	if (strlen(filename) >= REQUEST_PART_NAME_MAX ||
	    (content_type && strlen(content_type) >= REQUEST_PART_NAME_MAX)) {
		set_error(r, ST_BAD_FIELD, "documents");
		goto fail;
	}
	if (r->nfds >= r->cfg->max_documents || r->nfds >= MSG_MAX_FDS) {
		set_error(r, ST_TOO_MANY_DOCUMENTS, "documents");
		goto fail;
	}
	entry = json_pack("{s:o, s:o}", "filename", name, "type", type);
	name = type = NULL; /* json_pack took them, even when it failed */
	fd = entry ? memfd_create("outpost-upload", MFD_CLOEXEC | MFD_ALLOW_SEALING) : -1;
	if (fd < 0) {
		set_error(r, ST_NOMEM, NULL);
		goto fail;
	}
	if (json_array_append_new(r->docs, entry) != 0) {
		entry = NULL; /* json_array_append_new() took it */
		set_error(r, ST_NOMEM, NULL);
		goto fail;
	}
	r->fds[r->nfds++] = fd;
	r->doc_bytes = 0;
	snprintf(r->part_name, sizeof(r->part_name), "%s", filename);
	snprintf(r->part_type, sizeof(r->part_type), "%s", content_type ? content_type : "");
	return true;
fail:
	json_decref(name);
	json_decref(type);
	json_decref(entry);
	if (fd >= 0)
		close(fd);
	return false;
}

/*
 * libmicrohttpd 0.9.75 announces each part once with offset 0 and, when its
 * buffer ended right after the part's headers, with no data; the data then
 * comes at offset 0 again.  So offset 0 begins a new part unless the part
 * before had only that empty announcement under the same name and type.
 * (An empty file followed by one of the same name and type is therefore
 * taken as one file; an empty file alone is still refused by the core.)
 */
static bool part_continues(const struct webreq *r, const char *filename, const char *content_type)
{
	return r->nfds > 0 && r->part_empty_call && r->doc_bytes == 0 && strcmp(r->part_name, filename) == 0 &&
	       strcmp(r->part_type, content_type ? content_type : "") == 0;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct webreq *r = cls;

	(void)kind;
	(void)transfer_encoding;
	if (r->error != ST_OK)
		return MHD_YES; /* keep reading, store nothing */
	if (!filename) {
		if (strcmp(key, "case") == 0 && buf_append(&r->json, data, size) != ST_OK)
			set_error(r, ST_TOO_LARGE, "case");
		return MHD_YES;
	}
	if (off == 0 && !part_continues(r, filename, content_type) && !part_begin(r, filename, content_type))
		return MHD_YES;
	r->part_empty_call = off == 0 && size == 0;
	if (r->doc_bytes + size > r->cfg->max_document_bytes) {
		set_error(r, ST_TOO_LARGE, "documents");
		return MHD_YES;
	}
	if (!account(r, size))
		return MHD_YES;
	r->doc_bytes += size;
	if (!fdio_write_all(r->fds[r->nfds - 1], data, size))
		set_error(r, ST_NOMEM, NULL);
	return MHD_YES;
}

enum status webreq_multipart(struct webreq *r, struct MHD_Connection *conn)
{
	r->pp = MHD_create_post_processor(conn, 32 * 1024, on_part, r);
	if (!r->pp)
		return ST_BAD_REQUEST;
	r->multipart = true;
	return ST_OK;
}

void webreq_feed(struct webreq *r, const char *data, size_t size)
{
	if (r->error != ST_OK)
		return;
	if (r->multipart) {
		if (MHD_post_process(r->pp, data, size) != MHD_YES)
			set_error(r, ST_BAD_REQUEST, NULL);
		return;
	}
	if (buf_append(&r->json, data, size) != ST_OK)
		set_error(r, ST_TOO_LARGE, NULL);
}

enum status webreq_body(struct webreq *r, json_t **body)
{
	json_error_t jerr;
	json_t *j;

	*body = NULL;
	if (r->error != ST_OK)
		return r->error;
	/* Frozen before the hand-over: the core checks and stores the same bytes. */
	for (unsigned i = 0; i < r->nfds; i++) {
		if (fcntl(r->fds[i], F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
			return ST_NOMEM;
	}
	if (r->json.len == 0) {
		r->error_field = r->multipart ? "case" : NULL;
		return r->multipart ? ST_MISSING_FIELD : ST_OK;
	}
	j = json_loadb((const char *)r->json.data, r->json.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		r->error_field = r->multipart ? "case" : NULL;
		return ST_BAD_JSON;
	}
	if (r->multipart) {
		*body = json_pack("{s:o}", "case", j);
		return *body ? ST_OK : ST_NOMEM;
	}
	*body = j;
	return ST_OK;
}
