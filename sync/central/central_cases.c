/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batches, case records, events and their feed at outpost-central
 * (sync/PROTOCOL.md sections 5 to 7).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/entropy.h"
#include "appliance/common/fdio.h"
#include "appliance/common/log.h"
#include "appliance/common/timefmt.h"
#include "appliance/common/timer.h"
#include "cdb.h"
#include "central.h"

#define BATCH_MAX_CASES	   500
#define CASE_MAX_DOCUMENTS 64
#define EVENTS_PER_ANSWER  100
#define WAIT_MAX_SECONDS   60
#define POLL_USEC	   (1000 * 1000ULL)

const char *const central_schema[] = {
    "CREATE TABLE offices ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  public_key BLOB,"
    "  webhook_secret BLOB,"
    "  software TEXT,"
    "  enrolled_at INTEGER,"
    "  last_contact INTEGER,"
    "  heartbeat TEXT,"
    "  heartbeat_at INTEGER"
    ") STRICT;"
    "CREATE TABLE enrol_tokens ("
    "  token_hash TEXT PRIMARY KEY,"
    "  office_code TEXT NOT NULL,"
    "  office_name TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER"
    ") STRICT;"
    "CREATE TABLE uploads ("
    "  id TEXT PRIMARY KEY,"
    "  office TEXT NOT NULL,"
    "  length INTEGER NOT NULL,"
    "  offset INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  filename TEXT NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  case_code TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'complete', 'bad_hash', 'terminated')),"
    "  created_at INTEGER NOT NULL,"
    "  completed_at INTEGER"
    ") STRICT;"
    /* One record per office and idempotency key, kept for good. */
    "CREATE TABLE batches ("
    "  office TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL,"
    "  body_sha256 TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  answer TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"
    "  manifest TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (office, idempotency_key)"
    ") STRICT;"
    /* One record per office, case code and version: a case is taken once. */
    "CREATE TABLE cases ("
    "  office TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  department TEXT NOT NULL,"
    "  item_name TEXT NOT NULL,"
    "  applicant_name TEXT NOT NULL,"
    "  data TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('taken', 'accepted', 'returned', 'rejected', 'decided', 'ready')),"
    "  official_number TEXT,"
    "  note TEXT,"
    "  batch TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (office, code, version)"
    ") STRICT;"
    "CREATE INDEX cases_department ON cases(department, state, received_at);"
    "CREATE TABLE case_documents ("
    "  office TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  position INTEGER NOT NULL,"
    "  material INTEGER,"
    "  filename TEXT NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  upload TEXT NOT NULL REFERENCES uploads(id),"
    "  PRIMARY KEY (office, code, version, position)"
    ") STRICT;"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  office TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX events_office ON events(office, seq);",
    /* 2: the clerks, each working one department's inbox. */
    "CREATE TABLE clerks ("
    "  username TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;",
    /* 3: PATCHes of bytes the upload had already: chunks sent twice. */
    "ALTER TABLE uploads ADD COLUMN stale_patches INTEGER NOT NULL DEFAULT 0;",
    /* 4: events pushed to the offices that gave a webhook URL, with retries. */
    "ALTER TABLE offices ADD COLUMN webhook_url TEXT;"
    "ALTER TABLE events ADD COLUMN pushed_at INTEGER;"
    "ALTER TABLE events ADD COLUMN push_attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE events ADD COLUMN next_push INTEGER NOT NULL DEFAULT 0;",
    /* 5: "offset" is reserved in PostgreSQL (cdb.h): the bytes received. */
    "ALTER TABLE uploads RENAME COLUMN offset TO received;",
    /* 6: the official numbers central gives, counted per year; numbers
     * given before this step (YYYY-NNNNNN) are where each year goes on. */
    "CREATE TABLE official_numbers ("
    "  year INTEGER PRIMARY KEY,"
    "  last INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO official_numbers (year, last) "
    "  SELECT CAST(substr(official_number, 1, 4) AS INTEGER), max(CAST(substr(official_number, 6) AS INTEGER)) "
    "  FROM cases WHERE official_number GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]' "
    "  GROUP BY 1;",
    /* 7: the highest audit head each office's heartbeat showed, and the
     * flag raised when a later one was below it (cases_heartbeat). */
    "ALTER TABLE offices ADD COLUMN audit_seq INTEGER;"
    "ALTER TABLE offices ADD COLUMN audit_hash TEXT;"
    "ALTER TABLE offices ADD COLUMN audit_flag TEXT;"
    "ALTER TABLE offices ADD COLUMN audit_flag_seq INTEGER;"
    "ALTER TABLE offices ADD COLUMN audit_flag_at INTEGER;",
    /* 8: 好差评 (central_ratings.c): the ratings, each keyed by the box's
     * id and by its service, a 差评's follow-up and its steps, the
     * offices' appeals, and the clerks who decide them. */
    "CREATE TABLE ratings ("
    "  office TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('ticket', 'intake', 'pickup')),"
    "  case_code TEXT,"
    "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    "  reasons TEXT NOT NULL,"
    "  comment TEXT,"
    "  phone BLOB,"
    "  channel TEXT NOT NULL,"
    "  window_no INTEGER,"
    "  staff TEXT,"
    "  item_code TEXT,"
    "  item_name TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  rated_at INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  excluded INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (office, id),"
    "  UNIQUE (office, service)"
    ") STRICT;"
    "CREATE INDEX ratings_department ON ratings(department, rated_at);"
    "CREATE TABLE followups ("
    "  office TEXT NOT NULL,"
    "  rating TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('verify', 'rectify', 'callback', 'closed')),"
    "  due_at INTEGER NOT NULL,"
    "  opened_at INTEGER NOT NULL,"
    "  closed_at INTEGER,"
    "  PRIMARY KEY (office, rating)"
    ") STRICT;"
    "CREATE INDEX followups_department ON followups(department, state, due_at);"
    "CREATE TABLE followup_steps ("
    "  office TEXT NOT NULL,"
    "  rating TEXT NOT NULL,"
    "  step TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  clerk TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (office, rating, step)"
    ") STRICT;"
    "CREATE TABLE appeals ("
    "  office TEXT NOT NULL,"
    "  rating TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  filed_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'refused')),"
    "  decided_by TEXT,"
    "  decision_note TEXT,"
    "  decided_at INTEGER,"
    "  PRIMARY KEY (office, rating)"
    ") STRICT;"
    "ALTER TABLE clerks ADD COLUMN role TEXT NOT NULL DEFAULT 'clerk';",
    /* 9: 政务公开测评 (central_survey.c): the indicator tree and the
     * questionnaires, each version kept. */
    "CREATE TABLE indicators ("
    "  code TEXT PRIMARY KEY,"
    "  parent TEXT REFERENCES indicators(code),"
    "  name TEXT NOT NULL,"
    "  name_en TEXT NOT NULL,"
    "  position INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE questionnaires ("
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  document TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (id, version)"
    ") STRICT;",
    /* 10: 测评 campaigns: a questionnaire version for a period. */
    "CREATE TABLE campaigns ("
    "  id TEXT PRIMARY KEY,"
    "  questionnaire TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  document TEXT NOT NULL,"
    "  start_day TEXT NOT NULL,"
    "  end_day TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  FOREIGN KEY (questionnaire, version) REFERENCES questionnaires(id, version)"
    ") STRICT;",
};
const int central_schema_steps = (int)(sizeof(central_schema) / sizeof(central_schema[0]));

/* --- batches ---------------------------------------------------------------------- */

struct doc_ref {
	char upload[33];
};

/* The first document of a case that lacks what central stores of it, and
 * why (a field's name); NULL when every one is whole. */
/* Whether a time in the manifest is not RFC 3339; field names the first:
 * "created_at" or "cases[i].received_at" (either may be left out). */
static bool time_malformed(json_t *m, json_t *cases, char *field, size_t cap)
{
	json_t *at = json_object_get(m, "created_at"), *cs;
	size_t i;

	if (at && !timefmt_is_rfc3339(json_string_value(at))) {
		snprintf(field, cap, "created_at");
		return true;
	}
	json_array_foreach(cases, i, cs)
	{
		at = json_object_get(cs, "received_at");
		if (at && !timefmt_is_rfc3339(json_string_value(at))) {
			snprintf(field, cap, "cases[%zu].received_at", i);
			return true;
		}
	}
	return false;
}

static const char *document_malformed(json_t *cs, const char **what)
{
	json_t *docs = json_object_get(cs, "documents"), *d;
	size_t k;

	json_array_foreach(docs, k, d)
	{
		const char *name = json_string_value(json_object_get(d, "filename")),
			   *type = json_string_value(json_object_get(d, "media_type")),
			   *sha = json_string_value(json_object_get(d, "sha256")),
			   *url = json_string_value(json_object_get(d, "upload"));
		json_t *material = json_object_get(d, "material"), *size = json_object_get(d, "size");

		/* material may be null: a document of no material of the item's */
		if (material && !json_is_integer(material) && !json_is_null(material))
			*what = "material";
		else if (!name || !*name || strlen(name) > 255)
			*what = "filename";
		else if (!type || !*type || strlen(type) > 100)
			*what = "media_type";
		else if (!json_is_integer(size) || json_integer_value(size) < 0)
			*what = "size";
		else if (!sha || strlen(sha) != 64)
			*what = "sha256";
		else if (!url || !strstr(url, "/v1/uploads/"))
			*what = "upload";
		if (*what)
			return json_string_value(json_object_get(cs, "code"));
	}
	return NULL;
}

/* A manifest's documents must all be complete uploads of this office with
 * the hash and size named; else the batch is refused whole. */
static enum MHD_Result check_documents(struct creq *r, json_t *cases, enum MHD_Result *answered)
{
	size_t i, k;
	json_t *cs, *d;

	json_array_foreach(cases, i, cs)
	{
		json_array_foreach(json_object_get(cs, "documents"), k, d)
		{
			const char *url = json_string_value(json_object_get(d, "upload")),
				   *sha = json_string_value(json_object_get(d, "sha256"));
			json_int_t size = json_integer_value(json_object_get(d, "size"));
			char id[33];
			enum status st =
			    url && sha ? tus_complete(r->c, r->office, url, sha, (uint64_t)size, id) : ST_NOT_FOUND;

			if (st == ST_BUSY) {
				*answered =
				    central_json(r, 422,
						 json_pack("{s:s, s:s, s:s, s:s}", "error", "upload_incomplete",
							   "message", "材料文件尚未上传完成", "message_en",
							   "a document's upload is not complete", "upload", url));
				return MHD_NO;
			}
			if (st != ST_OK) {
				log_warn("batch from %s: document %s of %s (%s, %lld bytes) %s", r->office,
					 url ? url : "?", json_string_value(json_object_get(cs, "code")),
					 sha ? sha : "?", (long long)size,
					 st == ST_NOT_FOUND ? "is no upload of this office" : "differs");
				*answered = central_json(
				    r, 422,
				    json_pack("{s:s, s:s, s:s, s:s}", "error", "document_hash_mismatch", "message",
					      "材料文件与清单不符（哈希或大小不同，或未上传）", "message_en",
					      "a document differs from the manifest (hash, size, or not uploaded)",
					      "upload", url ? url : ""));
				return MHD_NO;
			}
		}
	}
	return MHD_YES;
}

/* --- the catalog ------------------------------------------------------------------------ */

#define CATALOG_MAX (16 << 20)

void central_catalog_free(struct central *c)
{
	free(c->catalog.text);
	json_decref(c->catalog.codes);
	c->catalog = (struct central_catalog){0};
}

/* The catalog as its file holds it now (one stat() per call; read, hashed,
 * signed and parsed again only when the file changed), or NULL when there
 * is none or it cannot be read: then any item is taken. */
const struct central_catalog *central_catalog_now(struct central *c)
{
	struct central_catalog *k = &c->catalog, fresh = {0};
	uint8_t sig[SIGN_SIG_LEN];
	char hex[65];
	struct stat st;
	json_t *doc, *items, *it;
	size_t i;
	int fd;

	if (!c->cfg.catalog[0] || stat(c->cfg.catalog, &st) < 0 || st.st_size <= 0 || st.st_size >= CATALOG_MAX) {
		central_catalog_free(c);
		return NULL;
	}
	if (k->text && st.st_size == k->size && st.st_mtim.tv_sec == k->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == k->mtime.tv_nsec)
		return k;
	fresh.mtime = st.st_mtim;
	fresh.size = st.st_size;
	fd = open(c->cfg.catalog, O_RDONLY | O_CLOEXEC);
	fresh.text = fd >= 0 ? malloc((size_t)st.st_size) : NULL;
	if (!fresh.text || !fdio_pread_all(fd, fresh.text, (size_t)st.st_size, 0)) {
		log_warn("cannot read the catalog %s", c->cfg.catalog);
		free(fresh.text);
		if (fd >= 0)
			close(fd);
		central_catalog_free(c);
		return NULL;
	}
	close(fd);
	sign_sha256_hex(fresh.text, (size_t)fresh.size, hex);
	snprintf(fresh.etag, sizeof(fresh.etag), "\"%.16s\"", hex);
	sign_ed25519(c->key, fresh.text, (size_t)fresh.size, sig);
	sign_header(sig, fresh.signature);
	doc = json_loadb(fresh.text, (size_t)fresh.size, 0, NULL);
	fresh.codes = json_object();
	items = json_object_get(doc, "items");
	json_array_foreach(items, i, it) if (json_is_string(json_object_get(it, "code")))
	    json_object_set_new(fresh.codes, json_string_value(json_object_get(it, "code")), json_true());
	json_decref(doc);
	central_catalog_free(c);
	*k = fresh;
	log_info("catalog %s loaded: %zu items, ETag %s", c->cfg.catalog, json_object_size(k->codes), k->etag);
	return k;
}

/* One case of a manifest: taken (stored now, or before), or refused with why. */
static json_t *take_case(struct central *c, const char *office, const char *department, const char *batch, json_t *cs,
			 json_t *catalog, bool *refused)
{
	const char *code = json_string_value(json_object_get(cs, "code")),
		   *item_code = json_string_value(json_object_get(json_object_get(cs, "item"), "code")),
		   *item = json_string_value(json_object_get(json_object_get(cs, "item"), "name")),
		   *name = json_string_value(json_object_get(json_object_get(cs, "applicant"), "name"));
	json_int_t version = json_integer_value(json_object_get(cs, "version"));
	json_t *docs = json_object_get(cs, "documents"), *d;
	char *data;
	struct cdb_stmt *q;
	enum status st;
	size_t k;

	*refused = true;
	if (!code || strlen(code) > 31 || version < 1 || version > 999 || !item || !name || !json_is_array(docs) ||
	    json_array_size(docs) > CASE_MAX_DOCUMENTS)
		return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "code", code ? code : "", "version", version,
				 "status", "refused", "error", "bad_case", "message", "案件信息不完整", "message_en",
				 "the case lacks required fields");
	q = cdb_prepare(c->db, "SELECT 1 FROM cases WHERE office = ?1 AND code = ?2 AND version = ?3");
	if (!q)
		return NULL;
	cdb_text(q, 1, office);
	cdb_text(q, 2, code);
	cdb_int(q, 3, version);
	bool before = cdb_row(q);

	cdb_finish(q);
	if (before) { /* taken before, by this batch or another */
		*refused = false;
		return json_pack("{s:s, s:I, s:s}", "code", code, "version", version, "status", "taken");
	}
	if (catalog && !(item_code && json_object_get(catalog, item_code))) {
		char zh[160], en[160];

		snprintf(zh, sizeof(zh), "中心事项目录中没有该事项（%.40s），请更新目录后重新报送",
			 item_code ? item_code : "");
		snprintf(en, sizeof(en), "central's catalog has no item %.40s; update the catalog and send again",
			 item_code ? item_code : "");
		return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "code", code, "version", version, "status",
				 "refused", "error", "unknown_item", "message", zh, "message_en", en);
	}
	*refused = false;
	data = json_dumps(cs, JSON_COMPACT);
	q = cdb_prepare(c->db, "INSERT INTO cases (office, code, version, department, item_name, applicant_name, "
			       "data, state, batch, received_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
			       "'taken', ?8, ?9, ?9)");
	st = q && data ? ST_OK : ST_IO;
	if (st == ST_OK) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		cdb_text(q, 4, department);
		cdb_text(q, 5, item);
		cdb_text(q, 6, name);
		cdb_text(q, 7, data);
		cdb_text(q, 8, batch);
		cdb_int(q, 9, (int64_t)time(NULL));
		st = cdb_exec(q);
	}
	cdb_finish(q);
	free(data);
	json_array_foreach(docs, k, d)
	{
		const char *url = json_string_value(json_object_get(d, "upload"));

		q = st == ST_OK ? cdb_prepare(c->db, "INSERT INTO case_documents (office, code, version, position, "
						     "material, filename, media_type, size, sha256, upload) VALUES "
						     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
				: NULL;
		if (!q)
			break;
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		cdb_int(q, 4, (json_int_t)k + 1);
		cdb_int(q, 5, json_integer_value(json_object_get(d, "material")));
		cdb_text(q, 6, json_string_value(json_object_get(d, "filename")));
		cdb_text(q, 7, json_string_value(json_object_get(d, "media_type")));
		cdb_int(q, 8, json_integer_value(json_object_get(d, "size")));
		cdb_text(q, 9, json_string_value(json_object_get(d, "sha256")));
		cdb_text(q, 10, strstr(url, "/v1/uploads/") + 12);
		st = cdb_exec(q);
		cdb_finish(q);
	}
	if (st != ST_OK)
		return NULL;
	log_info("case %s v%lld from %s taken (%s)", code, (long long)version, office, department);
	return json_pack("{s:s, s:I, s:s}", "code", code, "version", version, "status", "taken");
}

enum MHD_Result cases_batch(struct creq *r)
{
	struct central *c = r->c;
	const char *key = central_header(r, "Idempotency-Key"), *msig = central_header(r, "Outpost-Manifest-Signature"),
		   *department, *office;
	uint8_t sig[SIGN_SIG_LEN], pub[SIGN_KEY_LEN];
	char hash[65], *answer_text = NULL;
	enum MHD_Result answered;
	const struct central_catalog *catalog = central_catalog_now(c);
	json_t *m = NULL, *cases, *results, *cs, *answer;
	json_error_t err;
	struct cdb_stmt *q;
	bool any_refused = false, have_key = false;
	char bad_time[48];
	size_t i;
	enum status st;
	int code;

	if (!central_signed(r, r->body.data, r->body.len, &answered))
		return answered;
	if (!key || !*key || strlen(key) > 64)
		return central_error(r, 400, "no_idempotency_key", "缺少 Idempotency-Key",
				     "Idempotency-Key is missing");
	sign_sha256_hex(r->body.data, r->body.len, hash);
	/* The same key again: the same body gets the same answer. */
	q = cdb_prepare(c->db, "SELECT body_sha256 = ?3, status, answer FROM batches WHERE office = ?1 AND "
			       "idempotency_key = ?2");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_text(q, 2, key);
		cdb_text(q, 3, hash);
		if (cdb_row(q)) {
			bool same = (int)cdb_col_int(q, 0);
			int status = (int)cdb_col_int(q, 1);
			json_t *again = json_loads(cdb_col_text(q, 2), 0, NULL);

			cdb_finish(q);
			if (!same) {
				json_decref(again);
				return central_error(r, 409, "idempotency_conflict",
						     "该批次编号已用于内容不同的另一批次",
						     "this Idempotency-Key was used with another body");
			}
			return central_json(r, (unsigned)status, again);
		}
	}
	cdb_finish(q);
	/* The manifest's own signature, kept with it as evidence. */
	q = cdb_prepare(c->db, "SELECT public_key FROM offices WHERE code = ?1");
	if (q) {
		cdb_text(q, 1, r->office);
		size_t key_len = 0;
		const void *stored = cdb_row(q) ? cdb_col_blob(q, 0, &key_len) : NULL;

		if (stored && key_len == SIGN_KEY_LEN) {
			memcpy(pub, stored, SIGN_KEY_LEN);
			have_key = true;
		}
	}
	cdb_finish(q);
	if (!have_key || !sign_header_parse(msig, sig) || !sign_ed25519_ok(pub, r->body.data, r->body.len, sig))
		return central_error(r, 401, "bad_signature", "批次清单签名无效",
				     "the manifest's signature does not hold");
	m = json_loadb((const char *)r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (json_unpack(m, "{s:s, s:s, s:o}", "office", &office, "department", &department, "cases", &cases) != 0 ||
	    json_integer_value(json_object_get(m, "protocol")) != 1 || strcmp(office, r->office) != 0 ||
	    !json_is_array(cases) || json_array_size(cases) == 0 || json_array_size(cases) > BATCH_MAX_CASES) {
		json_decref(m);
		return central_error(r, 400, "bad_manifest", "批次清单格式不正确", "the manifest is malformed");
	}
	/* Times are RFC 3339 (PROTOCOL 1): a box that writes them otherwise is
	 * told which, permanently. */
	if (time_malformed(m, cases, bad_time, sizeof(bad_time))) {
		char zh[200], en[200];

		snprintf(zh, sizeof(zh), "批次清单的时间格式不正确（%s），应为 RFC 3339，如 2026-11-28T10:00:00+08:00",
			 bad_time);
		snprintf(en, sizeof(en), "the manifest's %s is not an RFC 3339 time (2026-11-28T10:00:00+08:00)",
			 bad_time);
		log_warn("batch from %s: %s", r->office, en);
		answer = json_pack("{s:s, s:s, s:s, s:s}", "error", "bad_manifest", "message", zh, "message_en", en,
				   "field", bad_time);
		json_decref(m);
		return central_json(r, 400, answer);
	}
	/* A case central cannot store is named, so the box can leave it out
	 * and send the others: 400, a permanent answer, never "try again". */
	json_array_foreach(cases, i, cs)
	{
		const char *what = NULL, *bad = document_malformed(cs, &what);
		char zh[200], en[200];

		if (!what)
			continue;
		snprintf(zh, sizeof(zh), "案件 %.31s 的材料文件信息有误（%s），中心无法受理", bad ? bad : "?", what);
		snprintf(en, sizeof(en), "case %.31s: a document's %s is missing or malformed", bad ? bad : "?", what);
		log_warn("batch from %s: %s", r->office, en);
		answer = json_pack("{s:s, s:s, s:s, s:s, s:s}", "error", "bad_manifest", "message", zh, "message_en",
				   en, "case", bad ? bad : "", "field", what);
		json_decref(m); /* bad and what were in it */
		return central_json(r, 400, answer);
	}
	if (check_documents(r, cases, &answered) != MHD_YES) {
		json_decref(m);
		return answered;
	}
	if ((st = cdb_begin(c->db)) != ST_OK) {
		json_decref(m);
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	}
	results = json_array();
	json_array_foreach(cases, i, cs)
	{
		bool refused;
		json_t *res = take_case(c, r->office, department, key, cs, catalog ? catalog->codes : NULL, &refused);

		if (!res) {
			st = ST_IO;
			break;
		}
		any_refused |= refused;
		json_array_append_new(results, res);
	}
	code = any_refused ? 202 : 201;
	answer = json_pack("{s:s, s:o}", "batch_id", key, "results", results);
	answer_text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
	q = st == ST_OK && answer_text
		? cdb_prepare(c->db, "INSERT INTO batches (office, idempotency_key, body_sha256, status, answer, "
				     "signature, manifest, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
		: NULL;
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_text(q, 2, key);
		cdb_text(q, 3, hash);
		cdb_int(q, 4, code);
		cdb_text(q, 5, answer_text);
		cdb_text(q, 6, msig);
		cdb_text_n(q, 7, (const char *)r->body.data, r->body.len);
		cdb_int(q, 8, (int64_t)time(NULL));
		st = cdb_exec(q);
	} else {
		st = ST_IO;
	}
	cdb_finish(q);
	free(answer_text);
	json_decref(m);
	if (st == ST_OK)
		st = cdb_commit(c->db);
	if (st != ST_OK) {
		cdb_rollback(c->db);
		json_decref(answer);
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	}
	return central_json(r, (unsigned)code, answer);
}

/* --- events ------------------------------------------------------------------------- */

static const struct {
	const char *type, *from[3], *to;
} transitions[] = {
    {"case.accepted", {"taken"}, "accepted"},	      {"case.returned", {"taken", "accepted"}, "returned"},
    {"case.rejected", {"taken"}, "rejected"},	      {"case.decided", {"accepted"}, "decided"},
    {"case.ready", {"decided", "rejected"}, "ready"},
};

/* An acceptance the clerk gave no number gets the next of the year, in
 * the event's transaction: a refused event takes none. */
static enum status give_official_number(struct central *c, json_t *data)
{
	const char *given = json_string_value(json_object_get(data, "official_number"));
	time_t now = time(NULL);
	struct tm tm;
	struct cdb_stmt *q;
	int64_t n = 0;
	char number[40];

	if (given && *given)
		return ST_OK;
	localtime_r(&now, &tm);
	q = cdb_prepare(c->db, "INSERT INTO official_numbers (year, last) VALUES (?1, 1) ON CONFLICT (year) "
			       "DO UPDATE SET last = official_numbers.last + 1 RETURNING last");
	if (!q)
		return ST_IO;
	cdb_int(q, 1, tm.tm_year + 1900);
	if (cdb_row(q))
		n = cdb_col_int(q, 0);
	cdb_finish(q);
	if (n <= 0)
		return ST_IO;
	snprintf(number, sizeof(number), "%04d-%06" PRId64, tm.tm_year + 1900, n);
	return json_object_set_new(data, "official_number", json_string(number)) == 0 ? ST_OK : ST_NOMEM;
}

enum status central_case_event(struct central *c, const char *office, const char *code, int version, const char *type,
			       json_t *data, char *why, size_t whylen)
{
	const char *to = NULL, *state = NULL;
	char id[40], at[32], *body = NULL;
	struct cdb_stmt *q;
	json_t *ev;
	enum status st;
	size_t t;

	for (t = 0; t < sizeof(transitions) / sizeof(transitions[0]); t++)
		if (strcmp(transitions[t].type, type) == 0)
			break;
	if (t == sizeof(transitions) / sizeof(transitions[0])) {
		snprintf(why, whylen, "unknown event type %s", type);
		return ST_BAD_FIELD;
	}
	if (strcmp(type, "case.decided") == 0 && !json_is_string(json_object_get(data, "decision"))) {
		snprintf(why, whylen, "%s needs decision", type);
		return ST_MISSING_FIELD;
	}
	if ((st = cdb_begin(c->db)) != ST_OK)
		return st;
	q = cdb_prepare(c->db, "SELECT state FROM cases WHERE office = ?1 AND code = ?2 AND version = ?3");
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		if (cdb_row(q)) {
			state = cdb_col_text(q, 0);
			for (int k = 0; k < 3 && transitions[t].from[k]; k++)
				if (strcmp(state, transitions[t].from[k]) == 0)
					to = transitions[t].to;
		}
	}
	if (!state || !to) {
		snprintf(why, whylen, state ? "case %s v%d is %s: %s does not apply" : "no case %s v%d%s%s", code,
			 version, state ? state : "", state ? type : "");
		cdb_finish(q);
		cdb_rollback(c->db);
		return state ? ST_BAD_STATE : ST_NOT_FOUND;
	}
	cdb_finish(q);
	if (strcmp(type, "case.accepted") == 0 && (st = give_official_number(c, data)) != ST_OK) {
		snprintf(why, whylen, "no official number: %s", status_name(st));
		cdb_rollback(c->db);
		return st;
	}
	memcpy(id, "evt_", 4);
	entropy_hex(id + 4, 12);
	central_now_rfc3339(at);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:i}, s:O}", "id", id, "type", type, "at", at, "office", office,
		       "case", "code", code, "version", version, "data", data);
	body = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	q = body ? cdb_prepare(c->db, "INSERT INTO events (id, office, code, version, type, body, at) VALUES "
				      "(?1, ?2, ?3, ?4, ?5, ?6, ?7)")
		 : NULL;
	st = q ? ST_OK : ST_IO;
	if (q) {
		cdb_text(q, 1, id);
		cdb_text(q, 2, office);
		cdb_text(q, 3, code);
		cdb_int(q, 4, version);
		cdb_text(q, 5, type);
		cdb_text(q, 6, body);
		cdb_int(q, 7, (int64_t)time(NULL));
		st = cdb_exec(q);
	}
	cdb_finish(q);
	q = st == ST_OK
		? cdb_prepare(c->db, "UPDATE cases SET state = ?4, updated_at = ?5, "
				     "official_number = coalesce(?6, official_number), "
				     "note = coalesce(?7, note) WHERE office = ?1 AND code = ?2 AND version = ?3")
		: NULL;
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		cdb_text(q, 4, to);
		cdb_int(q, 5, (int64_t)time(NULL));
		cdb_text(q, 6, json_string_value(json_object_get(data, "official_number")));
		cdb_text(q, 7,
			 json_string_value(json_object_get(data, "note"))
			     ? json_string_value(json_object_get(data, "note"))
			     : json_string_value(json_object_get(data, "reason")));
		st = cdb_exec(q);
	}
	cdb_finish(q);
	free(body);
	if (st == ST_OK)
		st = cdb_commit(c->db);
	if (st != ST_OK) {
		cdb_rollback(c->db);
		snprintf(why, whylen, "not stored: %s", status_name(st));
		return st;
	}
	log_info("event %s: %s for %s v%d of %s", id, type, code, version, office);
	cases_wake_pollers(c);
	central_push_kick(c);
	return ST_OK;
}

/* The office's events after seq: {"events": [...], "cursor"}; NULL when none. */
static json_t *events_after(struct central *c, const char *office, int64_t after)
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT seq, body FROM events WHERE office = ?1 AND seq > ?2 "
						"ORDER BY seq LIMIT ?3");
	json_t *list = json_array();
	int64_t last = after;
	char cursor[24];

	if (!q || !list) {
		cdb_finish(q);
		json_decref(list);
		return NULL;
	}
	cdb_text(q, 1, office);
	cdb_int(q, 2, after);
	cdb_int(q, 3, EVENTS_PER_ANSWER);
	while (cdb_row(q)) {
		last = cdb_col_int(q, 0);
		json_array_append_new(list, json_loads(cdb_col_text(q, 1), 0, NULL));
	}
	cdb_finish(q);
	if (json_array_size(list) == 0) {
		json_decref(list);
		return NULL;
	}
	snprintf(cursor, sizeof(cursor), "%" PRId64, last);
	return json_pack("{s:o, s:s}", "events", list, "cursor", cursor);
}

static int on_poll_timer(sd_event_source *s, uint64_t usec, void *ud);

/* Answers every waiting long-poll that has events or has waited enough;
 * stopping, every one: with its events, or 503 to ask again later. */
static void wake(struct central *c, bool stopping)
{
	uint64_t now;
	bool resumed = false;

	sd_event_now(c->ev, CLOCK_MONOTONIC, &now);
	for (struct creq **p = &c->pollers; *p;) {
		struct creq *r = *p;
		json_t *ev = events_after(c, r->office, r->after);
		char cursor[24];

		if (!ev && now < r->deadline_usec && !stopping) {
			p = &r->next_poller;
			continue;
		}
		r->code = 200;
		if (!ev && stopping) {
			r->code = 503;
			ev = json_pack("{s:s, s:s, s:s}", "error", "stopping", "message", "中心正在停止，请稍后再试",
				       "message_en", "central is stopping; ask again later");
		} else if (!ev) {
			snprintf(cursor, sizeof(cursor), "%" PRId64, r->after);
			ev = json_pack("{s:[], s:s}", "events", "cursor", cursor);
		}
		r->answer = ev;
		*p = r->next_poller;
		r->next_poller = NULL;
		MHD_resume_connection(r->conn);
		resumed = true;
	}
	if (resumed && !stopping)
		mhd_loop_kick(&c->loop);
	if (!c->pollers)
		c->poll_timer = sd_event_source_disable_unref(c->poll_timer);
}

void cases_wake_pollers(struct central *c)
{
	wake(c, false);
}

void cases_stop_pollers(struct central *c)
{
	wake(c, true);
}

/* Events may come from another process (the command line, a second
 * node): waiting polls look again every second. */
static int on_poll_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct central *c = ud;

	cases_wake_pollers(c);
	if (c->poll_timer) {
		timer_again(s, usec, POLL_USEC);
	}
	return 0;
}

enum MHD_Result cases_events(struct creq *r)
{
	struct central *c = r->c;
	const char *after_s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "after"),
		   *wait_s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "wait");
	long long after = after_s ? atoll(after_s) : 0, wait = wait_s ? atoll(wait_s) : 0;
	enum MHD_Result answered;
	json_t *ev;
	uint64_t now;

	if (!central_signed(r, NULL, 0, &answered))
		return answered;
	if (after < 0 || wait < 0)
		return central_error(r, 400, "bad_cursor", "游标无效", "bad cursor");
	if (wait > WAIT_MAX_SECONDS)
		wait = WAIT_MAX_SECONDS;
	r->after = after;
	ev = events_after(c, r->office, after);
	if (ev || wait == 0) {
		char cursor[24];

		snprintf(cursor, sizeof(cursor), "%lld", after);
		return central_json(r, 200, ev ? ev : json_pack("{s:[], s:s}", "events", "cursor", cursor));
	}
	sd_event_now(c->ev, CLOCK_MONOTONIC, &now);
	r->deadline_usec = now + (uint64_t)wait * 1000000;
	r->suspended = true;
	r->next_poller = c->pollers;
	c->pollers = r;
	MHD_suspend_connection(r->conn);
	if (!c->poll_timer &&
	    sd_event_add_time_relative(c->ev, &c->poll_timer, CLOCK_MONOTONIC, POLL_USEC, 100000, on_poll_timer, c) < 0)
		log_err("cannot arm the long-poll timer");
	return MHD_YES;
}

/* --- heartbeat -------------------------------------------------------------------------- */

/*
 * Central as the witness of each box's audit chain (PROTOCOL 7): it keeps
 * the highest head (row number, hash) a heartbeat showed.  A later head
 * below it means rows were cut from the box's chain, or an older copy of
 * its database was put back; another hash at the same row, that rows were
 * replaced.  Either flags the office on the fleet page, and the flag stays
 * (the first one is kept) until the office enrols again.  A head above the
 * kept one cannot be checked against it (central has no audit key): it is
 * kept as the new highest.
 */
static void witness_audit(struct creq *r, const json_t *hb)
{
	const json_t *audit = json_object_get(hb, "audit");
	json_t *seq = json_object_get(audit, "seq");
	const char *hash = json_string_value(json_object_get(audit, "hash"));
	struct cdb_stmt *q;

	if (!json_is_integer(seq) || json_integer_value(seq) < 0 || !hash || strlen(hash) != 64)
		return; /* a box from before the witness */
	q = cdb_prepare(r->c->db, "UPDATE offices SET audit_flag = CASE WHEN ?2 < audit_seq THEN 'shorter' ELSE "
				  "'different' END, audit_flag_seq = ?2, audit_flag_at = ?4 WHERE code = ?1 AND "
				  "audit_flag IS NULL AND (?2 < audit_seq OR (?2 = audit_seq AND ?3 <> audit_hash))");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_int(q, 2, (int64_t)json_integer_value(seq));
		cdb_text(q, 3, hash);
		cdb_int(q, 4, (int64_t)time(NULL));
		if (cdb_exec(q) == ST_OK && cdb_changes(r->c->db) > 0)
			log_warn("office %s: its audit chain now ends at row %lld, below or unlike what it showed "
				 "before: flagged",
				 r->office, (long long)json_integer_value(seq));
	}
	cdb_finish(q);
	q = cdb_prepare(r->c->db, "UPDATE offices SET audit_seq = ?2, audit_hash = ?3 WHERE code = ?1 AND "
				  "(audit_seq IS NULL OR audit_seq < ?2)");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_int(q, 2, (int64_t)json_integer_value(seq));
		cdb_text(q, 3, hash);
		cdb_exec_unsynced(r->c->db, q);
	}
	cdb_finish(q);
}

enum MHD_Result cases_heartbeat(struct creq *r)
{
	struct cdb_stmt *q;
	enum MHD_Result answered;
	json_t *hb;

	if (!central_signed(r, r->body.data, r->body.len, &answered))
		return answered;
	q = cdb_prepare(r->c->db, "UPDATE offices SET heartbeat = ?2, heartbeat_at = ?3 WHERE code = ?1");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_text_n(q, 2, (const char *)r->body.data, r->body.len);
		cdb_int(q, 3, (int64_t)time(NULL));
		cdb_exec_unsynced(r->c->db, q);
	}
	cdb_finish(q);
	hb = json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
	witness_audit(r, hb);
	json_decref(hb);
	return central_json(r, 204, NULL);
}

enum MHD_Result cases_catalog(struct creq *r)
{
	const char *inm = central_header(r, "If-None-Match");
	const struct central_catalog *k;
	enum MHD_Result answered, ret;
	struct MHD_Response *resp;
	bool same;

	if (!central_signed(r, NULL, 0, &answered))
		return answered;
	if (!(k = central_catalog_now(r->c)))
		return central_error(r, 404, "no_catalog", "中心尚未发布事项目录", "central has no catalog yet");
	same = inm && strcmp(inm, k->etag) == 0;
	resp = same ? MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT)
		    : MHD_create_response_from_buffer((size_t)k->size, k->text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "ETag", k->etag);
	if (!same) {
		MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
		MHD_add_response_header(resp, "Outpost-Protocol", "1");
		MHD_add_response_header(resp, "Outpost-Signature", k->signature);
	}
	ret = MHD_queue_response(r->conn, same ? 304 : 200, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}
