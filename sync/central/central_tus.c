/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tus 1.0.0 receiver at /v1/uploads: core, creation, termination and
 * checksum (sha256).  Creation is a signed box request; the upload's URL
 * (128 random bits) is the capability for HEAD, PATCH and DELETE, so any
 * tus client can carry on an upload it was given.  Offsets are durable:
 * the bytes are synced before the new offset commits.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/crypto.h"
#include "appliance/common/entropy.h"
#include "appliance/common/log.h"
#include "cdb.h"
#include "central.h"

#define ID_HEX 32

struct tus_patch {
	char id[ID_HEX + 1];
	int fd;
	uint64_t offset, length, written;
	struct crypto_sha256 *chunk; /* the chunk's SHA-256, when Upload-Checksum came */
	uint8_t want[32];
	bool checksum, failed;
};

static enum MHD_Result tus_answer(struct creq *r, unsigned code, const char *const (*headers)[2], unsigned n)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (unsigned i = 0; i < n; i++)
		MHD_add_response_header(resp, headers[i][0], headers[i][1]);
	ret = MHD_queue_response(r->conn, code, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}

static const char *upload_id(struct creq *r)
{
	const char *id = r->url + strlen("/v1/uploads/");

	if (strncmp(r->url, "/v1/uploads/", 12) != 0 || strlen(id) != ID_HEX ||
	    strspn(id, "0123456789abcdef") != ID_HEX)
		return NULL;
	return id;
}

static void file_path(struct central *c, const char *id, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%.32s", c->uploads_dir, id);
}

/* The upload's length, offset and state; false when there is none. */
static bool lookup(struct central *c, const char *id, uint64_t *length, uint64_t *offset, char state[16])
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT length, received, state FROM uploads WHERE id = ?1");
	bool found = false;

	if (!q)
		return false;
	cdb_text(q, 1, id);
	if (cdb_row(q)) {
		*length = (uint64_t)cdb_col_int(q, 0);
		*offset = (uint64_t)cdb_col_int(q, 1);
		snprintf(state, 16, "%s", cdb_col_text(q, 2));
		found = true;
	}
	cdb_finish(q);
	return found && strcmp(state, "terminated") != 0;
}

/* "key base64,key base64" -> the value of key (decoded), or false. */
static bool metadata(const char *meta, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);

	for (const char *p = meta; p && *p;) {
		const char *end = strchr(p, ','), *sp;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char b64[1400];

		while (*p == ' ' && len)
			p++, len--;
		sp = memchr(p, ' ', len);
		if (sp && (size_t)(sp - p) == klen && strncmp(p, key, klen) == 0 && len - klen - 1 < sizeof(b64)) {
			long n;

			memcpy(b64, sp + 1, len - klen - 1);
			b64[len - klen - 1] = '\0';
			n = sign_unb64(b64, (uint8_t *)out, cap - 1);
			if (n < 0)
				return false;
			out[n] = '\0';
			return strlen(out) == (size_t)n;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

static enum MHD_Result create(struct creq *r)
{
	struct central *c = r->c;
	const char *len_hdr = central_header(r, "Upload-Length"), *meta = central_header(r, "Upload-Metadata");
	char sha[80] = "", filename[256] = "", media[80] = "", case_code[40] = "", id[ID_HEX + 1], path[400],
	     location[64];
	uint64_t length;
	char *end;
	struct cdb_stmt *q;
	enum MHD_Result answered;
	enum status st = ST_IO;
	int fd;

	if (!central_signed(r, NULL, 0, &answered))
		return answered;
	length = len_hdr ? strtoull(len_hdr, &end, 10) : 0;
	if (!len_hdr || !*len_hdr || *end)
		return central_error(r, 400, "no_length", "缺少 Upload-Length", "Upload-Length is missing");
	if (length > c->cfg.max_upload_bytes)
		return central_error(r, 413, "too_large", "文件超过中心允许的大小", "the file is over central's limit");
	if (!meta || !metadata(meta, "sha256", sha, sizeof(sha)) || strlen(sha) != 64 ||
	    strspn(sha, "0123456789abcdef") != 64 || !metadata(meta, "filename", filename, sizeof(filename)))
		return central_error(r, 400, "bad_metadata", "Upload-Metadata 须含 filename 和 sha256",
				     "Upload-Metadata needs filename and sha256");
	metadata(meta, "media_type", media, sizeof(media));
	metadata(meta, "case", case_code, sizeof(case_code));
	entropy_hex(id, 16);
	file_path(c, id, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return central_error(r, 507, "no_space", "中心无法保存文件", "central cannot store the file");
	close(fd);
	q = cdb_prepare(c->db, "INSERT INTO uploads (id, office, length, received, sha256, filename, media_type, "
			       "case_code, state, created_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, 'open', ?8)");
	if (q) {
		cdb_text(q, 1, id);
		cdb_text(q, 2, r->office);
		cdb_int(q, 3, (int64_t)length);
		cdb_text(q, 4, sha);
		cdb_text(q, 5, filename);
		cdb_text(q, 6, media);
		cdb_text(q, 7, case_code);
		cdb_int(q, 8, (int64_t)time(NULL));
		st = cdb_exec(q);
	}
	cdb_finish(q);
	if (st != ST_OK) {
		unlink(path);
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	}
	snprintf(location, sizeof(location), "/v1/uploads/%s", id);
	log_info("upload %s from %s: %s, %" PRIu64 " bytes", id, r->office, filename, length);
	return tus_answer(r, 201, (const char *const[][2]){{"Location", location}}, 1);
}

static enum MHD_Result head(struct creq *r, const char *id)
{
	uint64_t length, offset;
	char state[16], off[24], len[24];

	if (!lookup(r->c, id, &length, &offset, state))
		return tus_answer(r, 404, NULL, 0);
	snprintf(off, sizeof(off), "%" PRIu64, offset);
	snprintf(len, sizeof(len), "%" PRIu64, length);
	return tus_answer(r, 200, (const char *const[][2]){{"Upload-Offset", off}, {"Upload-Length", len}}, 2);
}

static enum MHD_Result terminate(struct creq *r, const char *id)
{
	uint64_t length, offset;
	char state[16], path[400];
	struct cdb_stmt *q;

	if (!lookup(r->c, id, &length, &offset, state))
		return tus_answer(r, 404, NULL, 0);
	q = cdb_prepare(r->c->db, "UPDATE uploads SET state = 'terminated' WHERE id = ?1");
	if (q) {
		cdb_text(q, 1, id);
		cdb_exec(q);
	}
	cdb_finish(q);
	file_path(r->c, id, path, sizeof(path));
	unlink(path);
	log_info("upload %s terminated", id);
	return tus_answer(r, 204, NULL, 0);
}

/* The whole file's SHA-256 against the metadata's, when the last byte is in. */
static const char *final_state(struct central *c, const char *id)
{
	char path[400], hex[65];
	uint8_t d[32];
	int fd;
	const char *state = "bad_hash";
	struct cdb_stmt *q;
	bool read_ok;

	file_path(c, id, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return state;
	read_ok = sign_sha256_fd(fd, 0, SIGN_TO_END, d);
	close(fd);
	if (!read_ok)
		return state;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	q = cdb_prepare(c->db, "SELECT sha256 = ?2 FROM uploads WHERE id = ?1");
	if (q) {
		cdb_text(q, 1, id);
		cdb_text(q, 2, hex);
		if (cdb_row(q) && (int)cdb_col_int(q, 0))
			state = "complete";
	}
	cdb_finish(q);
	return state;
}

/* Commits what a PATCH wrote: synced bytes first, then the offset. */
static uint64_t commit_patch(struct central *c, struct tus_patch *p)
{
	uint64_t offset = p->offset + p->written;
	const char *state = "open";
	struct cdb_stmt *q;

	if (p->written == 0)
		return p->offset;
	if (fdatasync(p->fd) < 0) {
		log_err("upload %s: cannot sync: %s", p->id, strerror(errno));
		return p->offset;
	}
	if (offset == p->length)
		state = final_state(c, p->id);
	q = cdb_prepare(c->db,
			"UPDATE uploads SET received = ?2, state = ?3, completed_at = "
			"CASE WHEN ?3 = 'open' THEN NULL ELSE CAST(?4 AS BIGINT) END WHERE id = ?1 AND received = ?5");
	if (q) {
		cdb_text(q, 1, p->id);
		cdb_int(q, 2, (int64_t)offset);
		cdb_text(q, 3, state);
		cdb_int(q, 4, (int64_t)time(NULL));
		cdb_int(q, 5, (int64_t)p->offset);
		if (cdb_exec(q) != ST_OK || cdb_changes(c->db) != 1)
			offset = p->offset;
	}
	cdb_finish(q);
	if (strcmp(state, "open") != 0)
		log_info("upload %s %s", p->id,
			 strcmp(state, "complete") == 0 ? "complete" : "complete, but its SHA-256 differs");
	return offset;
}

static void patch_free(struct creq *r)
{
	struct tus_patch *p = r->patch;

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	crypto_sha256_abort(p->chunk);
	free(p);
	r->patch = NULL;
}

static enum MHD_Result patch_begin(struct creq *r, const char *id)
{
	const char *type = central_header(r, "Content-Type"), *off = central_header(r, "Upload-Offset"),
		   *sum = central_header(r, "Upload-Checksum");
	struct tus_patch *p;
	uint64_t length, offset, claimed;
	char state[16], path[400], *end;

	if (!type || strcmp(type, "application/offset+octet-stream") != 0)
		return tus_answer(r, 415, NULL, 0);
	if (!lookup(r->c, id, &length, &offset, state))
		return tus_answer(r, 404, NULL, 0);
	claimed = off ? strtoull(off, &end, 10) : 0;
	if (off && *off && !*end && claimed < offset) {
		/* Bytes central has already: counted, a client should HEAD first. */
		struct cdb_stmt *q = cdb_prepare(r->c->db, "UPDATE uploads SET stale_patches = stale_patches + 1 "
							   "WHERE id = ?1");

		if (q) {
			cdb_text(q, 1, id);
			cdb_exec(q);
		}
		cdb_finish(q);
	}
	if (!off || !*off || *end || claimed != offset)
		return tus_answer(r, 409, NULL, 0);
	if (strcmp(state, "open") != 0)
		return tus_answer(r, 409, NULL, 0);
	p = calloc(1, sizeof(*p));
	if (!p)
		return MHD_NO;
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->offset = offset;
	p->length = length;
	if (sum) {
		if (strncmp(sum, "sha256 ", 7) != 0 || sign_unb64(sum + 7, p->want, sizeof(p->want)) != 32) {
			free(p);
			return tus_answer(r, 400, NULL, 0);
		}
		p->checksum = true;
		p->chunk = crypto_sha256_start();
	}
	file_path(r->c, id, path, sizeof(path));
	p->fd = open(path, O_WRONLY | O_CLOEXEC);
	if (p->fd < 0) {
		crypto_sha256_abort(p->chunk);
		free(p);
		return tus_answer(r, 404, NULL, 0);
	}
	r->patch = p;
	return MHD_YES;
}

static void patch_data(struct creq *r, const char *data, size_t size)
{
	struct tus_patch *p = r->patch;

	if (p->failed)
		return;
	if (p->offset + p->written + size > p->length) {
		p->failed = true; /* more than Upload-Length: answered 400 at the end */
		return;
	}
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(p->fd, data + done, size - done, (off_t)(p->offset + p->written));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->failed = true;
			return;
		}
		if (p->checksum)
			crypto_sha256_update(p->chunk, (const uint8_t *)data + done, (size_t)n);
		p->written += (uint64_t)n;
		done += (size_t)n;
	}
}

static enum MHD_Result patch_end(struct creq *r)
{
	struct tus_patch *p = r->patch;
	uint64_t offset;
	char off[24];

	if (p->failed) {
		p->written = 0;
		return tus_answer(r, 400, NULL, 0);
	}
	if (p->checksum) {
		uint8_t d[CRYPTO_SHA256_LEN];

		crypto_sha256_finish(p->chunk, d);
		p->chunk = NULL;
		if (memcmp(d, p->want, 32) != 0) {
			/* The chunk is dropped; the box sends it again. */
			log_warn("upload %s: chunk at %" PRIu64 " fails its checksum", p->id, p->offset);
			p->written = 0;
			return tus_answer(r, 460, NULL, 0);
		}
	}
	offset = commit_patch(r->c, p);
	p->written = 0; /* committed */
	snprintf(off, sizeof(off), "%" PRIu64, offset);
	return tus_answer(r, 204, (const char *const[][2]){{"Upload-Offset", off}}, 1);
}

enum MHD_Result tus_request(struct creq *r, const char *upload_data, size_t *upload_size)
{
	const char *resumable = central_header(r, "Tus-Resumable"), *id;

	if (r->answered) { /* an early answer: the rest of the body is dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->patch) {
		if (*upload_size) {
			patch_data(r, upload_data, *upload_size);
			*upload_size = 0;
			return MHD_YES;
		}
		return patch_end(r);
	}
	if (r->tus_begun) { /* a body on a request that takes none */
		*upload_size = 0;
		return MHD_YES;
	}
	r->tus_begun = true;
	if (strcmp(r->method, "OPTIONS") == 0 && strcmp(r->url, "/v1/uploads") == 0) {
		char max[24];

		snprintf(max, sizeof(max), "%" PRIu64, r->c->cfg.max_upload_bytes);
		return tus_answer(r, 204,
				  (const char *const[][2]){{"Tus-Version", "1.0.0"},
							   {"Tus-Extension", "creation,termination,checksum"},
							   {"Tus-Checksum-Algorithm", "sha256"},
							   {"Tus-Max-Size", max}},
				  4);
	}
	if (!resumable || strcmp(resumable, "1.0.0") != 0)
		return tus_answer(r, 412, (const char *const[][2]){{"Tus-Version", "1.0.0"}}, 1);
	if (strcmp(r->method, "POST") == 0 && strcmp(r->url, "/v1/uploads") == 0)
		return create(r);
	if (!(id = upload_id(r)))
		return tus_answer(r, 404, NULL, 0);
	if (strcmp(r->method, "HEAD") == 0)
		return head(r, id);
	if (strcmp(r->method, "DELETE") == 0)
		return terminate(r, id);
	if (strcmp(r->method, "PATCH") == 0)
		return patch_begin(r, id);
	return tus_answer(r, 405, NULL, 0);
}

void tus_request_done(struct creq *r)
{
	struct tus_patch *p = r->patch;

	/* A PATCH cut off: without a checksum the bytes that came count (tus
	 * core); with one, the chunk cannot be trusted and is sent again. */
	if (p && p->written && !p->checksum && !p->failed)
		commit_patch(r->c, p);
	patch_free(r);
}

enum status tus_complete(struct central *c, const char *office, const char *url, const char *sha256, uint64_t size,
			 char id[33])
{
	const char *p = strstr(url, "/v1/uploads/");
	struct cdb_stmt *q;
	enum status st = ST_NOT_FOUND;

	if (!p || strlen(p + 12) != ID_HEX)
		return ST_NOT_FOUND;
	q = cdb_prepare(c->db, "SELECT state, sha256 = ?3, length FROM uploads WHERE id = ?1 AND office = ?2");
	if (!q)
		return ST_IO;
	cdb_text(q, 1, p + 12);
	cdb_text(q, 2, office);
	cdb_text(q, 3, sha256);
	if (cdb_row(q)) {
		const char *state = cdb_col_text(q, 0);

		if (strcmp(state, "open") == 0)
			st = ST_BUSY; /* not all there */
		else if (strcmp(state, "complete") != 0 || !(int)cdb_col_int(q, 1) ||
			 (uint64_t)cdb_col_int(q, 2) != size)
			st = ST_BAD_FIELD; /* its hash or size is not the manifest's */
		else
			st = ST_OK;
	}
	cdb_finish(q);
	if (st == ST_OK)
		snprintf(id, 33, "%s", p + 12);
	return st;
}

unsigned tus_expire(struct central *c)
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT id FROM uploads WHERE state = 'open' AND created_at < ?1 "
						"LIMIT 1000");
	char ids[1000][ID_HEX + 1];
	unsigned n = 0;

	if (!q)
		return 0;
	cdb_int(q, 1, (int64_t)time(NULL) - (int64_t)c->cfg.upload_expiry_seconds);
	while (n < 1000 && cdb_row(q))
		snprintf(ids[n++], sizeof(ids[0]), "%s", cdb_col_text(q, 0));
	cdb_finish(q);
	for (unsigned i = 0; i < n; i++) {
		char path[400];

		q = cdb_prepare(c->db, "UPDATE uploads SET state = 'terminated' WHERE id = ?1 AND state = 'open'");
		if (q) {
			cdb_text(q, 1, ids[i]);
			cdb_exec(q);
		}
		cdb_finish(q);
		file_path(c, ids[i], path, sizeof(path));
		unlink(path);
		log_info("upload %s abandoned: terminated after %u s", ids[i], c->cfg.upload_expiry_seconds);
	}
	return n;
}
