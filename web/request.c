#include "request.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "appliance/fdio.h"
#include "appliance/log.h"

struct webreq *webreq_new(const struct config *cfg, uint64_t *in_flight)
{
	struct webreq *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = cfg;
	r->in_flight = in_flight;
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
	*r->in_flight -= r->body_bytes;
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

/* Counts body bytes against the request's and the role's limits. */
static bool account(struct webreq *r, size_t size)
{
	if (r->body_bytes + size > r->cfg->max_upload_bytes) {
		set_error(r, ST_TOO_LARGE, NULL);
		return false;
	}
	if (*r->in_flight + size > r->cfg->max_uploads_in_flight_bytes) {
		set_error(r, ST_BUSY, NULL);
		return false;
	}
	r->body_bytes += size;
	*r->in_flight += size;
	return true;
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
	if (off == 0) {
		int fd;

		if (r->nfds >= r->cfg->max_documents || r->nfds >= MSG_MAX_FDS) {
			set_error(r, ST_TOO_MANY_DOCUMENTS, "documents");
			return MHD_YES;
		}
		fd = memfd_create("outpost-upload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0) {
			set_error(r, ST_NOMEM, NULL);
			return MHD_YES;
		}
		r->fds[r->nfds++] = fd;
		r->doc_bytes = 0;
		json_array_append_new(
		    r->docs, json_pack("{s:s, s:s}", "filename", filename, "type", content_type ? content_type : ""));
	}
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
