/* SPDX-License-Identifier: Apache-2.0 */
/* The read side of cases: the lists (written by SQLite as one string), a
 * case's view, search by name, code, ID number or phone, and its documents. */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cases_rows.h"
#include "common/casecode.h"
#include "common/store.h"
#include "common/timefmt.h"

/*
 * A case as lists show it, written by SQLite so the list goes out as one
 * string without a JSON tree in between: the name masked (persons only),
 * no personal numbers.  r is a cases row with tz, its local-time offset.
 */
#define CASE_JSON                                                                                                      \
	"json_object('id', r.id, 'code', r.code, 'state', r.state, 'version', r.version, "                             \
	"'item', json_object('code', r.item_code, 'name', r.item_name, 'department', r.department), "                  \
	"'applicant_kind', r.applicant_kind, 'applicant_name', CASE "                                                  \
	"  WHEN r.applicant_kind = 'org' OR length(r.applicant_name) <= 1 THEN r.applicant_name "                      \
	"  WHEN length(r.applicant_name) = 2 THEN substr(r.applicant_name, 1, 1) || '*' "                              \
	"  ELSE substr(r.applicant_name, 1, 1) || '*' || substr(r.applicant_name, -1) END, "                           \
	"'by_agent', json(CASE WHEN r.by_agent THEN 'true' ELSE 'false' END), "                                        \
	"'incomplete', json(CASE WHEN r.incomplete_note IS NULL THEN 'false' ELSE 'true' END), "                       \
	"'created_at', strftime('%Y-%m-%dT%H:%M:%S', r.created_at, 'unixepoch', 'localtime') || "                      \
	"  printf('%s%02d:%02d', CASE WHEN r.tz < 0 THEN '-' ELSE '+' END, abs(r.tz) / 3600, abs(r.tz) % 3600 / 60), " \
	"'promised_by', r.promised_by, 'receipt_state', r.receipt_state, "                                             \
	"'official_number', r.official_number, "                                                                       \
	"'documents', (SELECT count(*) FROM case_documents d WHERE d.case_id = r.id))"
#define TZ_COL "strftime('%s', c.created_at, 'unixepoch', 'localtime') - c.created_at AS tz"

/* Runs a list statement whose only column is the finished JSON text. */
static enum status text_result(sqlite3_stmt *q, char **out)
{
	int rc = sqlite3_step(q);

	if (rc != SQLITE_ROW)
		return store_status(rc) == ST_OK ? ST_IO : store_status(rc);
	*out = strdup(case_col_text(q, 0));
	return *out ? ST_OK : ST_NOMEM;
}

static const char *const list_sql[] = {
    /* 0: browse, with optional state, department and dates */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE (?1 IS NULL OR c.state = ?1) AND (?2 IS NULL OR c.department = ?2) AND c.created_at >= ?3 "
    "AND c.created_at < ?4 AND (?5 = 0 OR c.id < ?5) ORDER BY c.id DESC LIMIT ?6) r",
    /* 1: by case code */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE c.code = ?7) r",
    /* 2: by ID number (applicant's or agent's), through the keyed hash */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE (c.id_hash = ?8 OR c.agent_id_hash = ?8) AND (?1 IS NULL OR c.state = ?1) "
    "ORDER BY c.id DESC LIMIT ?6) r",
    /* 3: by phone */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE c.phone_hash = ?8 AND (?1 IS NULL OR c.state = ?1) ORDER BY c.id DESC LIMIT ?6) r",
    /* 4: by the start of a name */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE c.applicant_name >= ?7 AND c.applicant_name < ?7 || char(1114111) AND (?1 IS NULL OR c.state = ?1) "
    "ORDER BY c.id DESC LIMIT ?6) r",
    /* 5: ready for pickup, oldest first */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE c.state = 'ready' AND (?5 = 0 OR c.id < ?5) ORDER BY c.id DESC LIMIT ?6) r",
    /* 6: overdue against the promised date */
    "SELECT json_object('cases', json_group_array(" CASE_JSON ")) FROM (SELECT c.*, " TZ_COL " FROM cases c "
    "WHERE c.state IN ('received', 'queued', 'sent', 'accepted', 'returned', 'decided') AND c.promised_by < ?9 "
    "AND (?5 = 0 OR c.id < ?5) ORDER BY c.promised_by, c.id LIMIT ?6) r",
};

enum list_kind { LIST_BROWSE, LIST_CODE, LIST_ID, LIST_PHONE, LIST_NAME, LIST_READY, LIST_OVERDUE };

static int64_t day_start(const char *ymd, int64_t fallback)
{
	struct tm tm = {0};
	char *end;

	if (!ymd)
		return fallback;
	end = strptime(ymd, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static const char *qtext(json_t *query, const char *key)
{
	return case_get_text(query, key);
}

enum status cases_list(struct core *c, const struct session *s, json_t *query, char **out)
{
	const char *q = qtext(query, "q"), *state = qtext(query, "state"), *view = qtext(query, "view");
	const char *dept = qtext(query, "department");
	char norm[ID_MAX], today[16], key[MEMO_KEY_MAX + 1] = "";
	uint64_t changes = 0;
	long long limit = qtext(query, "limit") ? strtoll(qtext(query, "limit"), NULL, 10) : 50;
	long long before = qtext(query, "before") ? strtoll(qtext(query, "before"), NULL, 10) : 0;
	int64_t from = day_start(qtext(query, "from"), 0), to = day_start(qtext(query, "to"), INT64_MAX - 86400);
	enum list_kind kind = LIST_BROWSE;
	time_t now = (time_t)core_now();
	struct tm tm;
	sqlite3_stmt *st_q;
	enum status st;

	if (limit < 1 || limit > 200 || before < 0 || from < 0 || to < 0 || (state && lifecycle_state_parse(state) < 0))
		return ST_BAD_REQUEST;
	if (q && strlen(q) > 64)
		return ST_BAD_REQUEST;
	if (q) {
		if (casecode_valid(q))
			kind = LIST_CODE;
		else if (case_check_id("resident", q, now, norm) == ST_OK ||
			 case_check_id("uscc", q, now, norm) == ST_OK)
			kind = LIST_ID;
		else if (case_phone_ok(q))
			kind = LIST_PHONE;
		else if (case_text_chars(q) >= 1)
			kind = LIST_NAME;
		else
			return ST_BAD_REQUEST;
	} else if (view && strcmp(view, "ready") == 0) {
		kind = LIST_READY;
	} else if (view && strcmp(view, "overdue") == 0) {
		kind = LIST_OVERDUE;
	} else if (view) {
		return ST_BAD_REQUEST;
	}
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	/* Searches are audited each time; the rest may be answered as rendered
	 * while the database is as it was.  The key holds every parameter the
	 * statement binds; only the department is free text, so the separators
	 * cannot make two queries one key. */
	if (kind != LIST_ID && kind != LIST_PHONE && kind != LIST_NAME && (changes = store_version(c->db)) != 0 &&
	    snprintf(key, sizeof(key), "%d\x1f%s\x1f%s\x1f%" PRId64 "\x1f%" PRId64 "\x1f%lld\x1f%lld\x1f%s\x1f%s",
		     (int)kind, state ? state : "\x1e", dept ? dept : "\x1e", from, to, before, limit, q ? q : "",
		     today) < (int)sizeof(key)) {
		size_t len;
		const char *kept = memo_get(&c->lists, key, changes, &len);

		if (kept)
			return (*out = strndup(kept, len)) ? ST_OK : ST_NOMEM;
	} else {
		key[0] = '\0';
	}
	st_q = store_prepare(c->db, list_sql[kind]);
	if (!st_q)
		return ST_IO;
	sqlite3_bind_text(st_q, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_q, 2, dept, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st_q, 3, from);
	sqlite3_bind_int64(st_q, 4, to + 86400);
	sqlite3_bind_int64(st_q, 5, before);
	sqlite3_bind_int64(st_q, 6, limit);
	sqlite3_bind_text(st_q, 7, q, -1, SQLITE_STATIC);
	if (kind == LIST_ID)
		case_bind_hash(st_q, 8, c, "id", norm);
	else if (kind == LIST_PHONE)
		case_bind_hash(st_q, 8, c, "phone", q);
	sqlite3_bind_text(st_q, 9, today, -1, SQLITE_STATIC);
	st = text_result(st_q, out);
	store_finish(st_q);
	if (st == ST_OK && key[0])
		memo_put(&c->lists, key, changes, *out, strlen(*out));
	/* Looking a person up is itself a use of their data. */
	if (st == ST_OK && (kind == LIST_ID || kind == LIST_PHONE || kind == LIST_NAME)) {
		static const char *const what[] = {
		    [LIST_ID] = "by ID number", [LIST_PHONE] = "by phone", [LIST_NAME] = "by name"};

		st = audit_read(c->db, c->vault, (int64_t)now, case_actor(s), "case.search", NULL, what[kind]);
		if (st != ST_OK) {
			free(*out);
			*out = NULL;
		}
	}
	return st;
}

static json_t *local_time(sqlite3_stmt *q, int col)
{
	char buf[TIMEFMT_RFC3339_LEN];

	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return json_null();
	timefmt_rfc3339((time_t)sqlite3_column_int64(q, col), buf);
	return json_string(buf);
}

/* The case's documents; key is NULL after a purge (names and hashes are
 * gone with it). */
static enum status documents_json(struct core *c, int64_t case_id, const uint8_t *key, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT position, material, filename_sealed, sha256_sealed, size, "
					       "media_type, version, file IS NOT NULL FROM case_documents "
					       "WHERE case_id = ?1 ORDER BY position");
	json_t *list = json_array();
	enum status st = q && list ? ST_OK : ST_IO;

	if (st == ST_OK)
		sqlite3_bind_int64(q, 1, case_id);
	while (st == ST_OK && sqlite3_step(q) == SQLITE_ROW) {
		char name[FILENAME_MAX_BYTES + 1] = "", sha[DOCSTORE_SHA_HEX] = "";

		if (key && (st = case_unseal_document(q, 2, 3, key, name, sha)) != ST_OK)
			break;
		json_array_append_new(
		    list,
		    json_pack("{s:i, s:o, s:s, s:s, s:I, s:s, s:i, s:b}", "n", sqlite3_column_int(q, 0), "material",
			      sqlite3_column_type(q, 1) == SQLITE_NULL ? json_null()
								       : json_integer(sqlite3_column_int(q, 1)),
			      "filename", name, "sha256", sha, "size", (json_int_t)sqlite3_column_int64(q, 4),
			      "media_type", case_col_text(q, 5), "version", sqlite3_column_int(q, 6), "available",
			      sqlite3_column_int(q, 7)));
	}
	store_finish(q);
	if (st != ST_OK) {
		json_decref(list);
		list = NULL;
	}
	*out = list;
	return st;
}

static json_t *history_json(struct core *c, const char *code)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT at, staff, action, detail FROM audit WHERE case_code = ?1 "
					       "AND action NOT IN ('case.view', 'case.reveal', 'document.open') "
					       "ORDER BY id");
	json_t *list = json_array();

	if (!q)
		return list;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:o, s:s, s:s, s:s}", "at", local_time(q, 0), "staff",
						      case_col_text(q, 1), "action", case_col_text(q, 2), "detail",
						      case_col_text(q, 3)));
	store_finish(q);
	return list;
}

/* The receipt preview, rendered from the same data as the printed receipt. */
static enum status add_receipt_text(struct core *c, const char *code, json_t *detail)
{
	json_t *rj = NULL;
	struct receipt r;
	struct buf text;
	int64_t case_id;
	enum status st = cases_slip(c, code, RECEIPT_INTAKE, &rj, &case_id);

	buf_init(&text, 16384);
	if (st == ST_OK)
		st = receipt_from_json(rj, &r);
	if (st == ST_OK)
		st = receipt_text(&r, &text);
	if (st == ST_OK)
		st = json_object_set_new(detail, "receipt_text", json_string(buf_cstr(&text))) == 0 ? ST_OK : ST_NOMEM;
	buf_free(&text);
	json_decref(rj);
	return st;
}

enum status cases_get(struct core *c, const struct session *s, const char *code, bool reveal, json_t **out)
{
	char id[ID_MAX + 1] = "", phone[ID_MAX + 1] = "", agent_id[ID_MAX + 1] = "";
	char m_id[ID_MAX + 1] = "", m_phone[ID_MAX + 1] = "", m_agent[ID_MAX + 1] = "";
	uint8_t key[VAULT_KEY_LEN];
	sqlite3_stmt *q;
	enum case_state state;
	bool purged;
	json_t *j, *docs = NULL;
	enum status st = case_load(c, code, &q);

	if (st != ST_OK)
		return st;
	state = case_row_state(q);
	purged = state == CS_PURGED;
	if (!purged) {
		st = case_key(c, q, key);
		if (st == ST_OK)
			st = case_unseal_person(q, key, id, phone, agent_id);
	}
	if (st == ST_OK)
		st = documents_json(c, sqlite3_column_int64(q, COL_ID), purged ? NULL : key, &docs);
	vault_wipe(key, sizeof(key));
	if (st != ST_OK) {
		log_err("case %s: its personal data does not decrypt", code);
		store_finish(q);
		return st;
	}
	case_mask_number(id, m_id, sizeof(m_id));
	case_mask_number(phone, m_phone, sizeof(m_phone));
	case_mask_number(agent_id, m_agent, sizeof(m_agent));
	j = json_pack(
	    "{s:I, s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b}",
	    "id", (json_int_t)sqlite3_column_int64(q, COL_ID), "code", code, "state", case_col_text(q, COL_STATE),
	    "state_label", lifecycle_state_label(state, false), "version", sqlite3_column_int(q, COL_VERSION), "item",
	    "code", case_col_text(q, COL_ITEM_CODE), "name", case_col_text(q, COL_ITEM_NAME), "department",
	    case_col_text(q, COL_DEPARTMENT), "applicant", "kind", case_col_text(q, COL_KIND), "name",
	    case_col_text(q, COL_NAME), "id_type", case_col_text(q, COL_ID_TYPE), "id_number", reveal ? id : m_id,
	    "phone", reveal ? phone : m_phone, "agent",
	    sqlite3_column_int(q, COL_BY_AGENT)
		? json_pack("{s:s, s:s, s:s}", "name", case_col_text(q, COL_AGENT_NAME), "id_type",
			    case_col_text(q, COL_AGENT_ID_TYPE), "id_number", reveal ? agent_id : m_agent)
		: json_null(),
	    "ticket", case_opt_text(q, COL_TICKET), "incomplete_note", case_opt_text(q, COL_NOTE), "official_number",
	    case_opt_text(q, COL_OFFICIAL), "central_note", case_opt_text(q, COL_CENTRAL_NOTE), "decision",
	    case_opt_text(q, COL_DECISION), "created_at", local_time(q, COL_CREATED), "promised_by",
	    case_col_text(q, COL_PROMISED), "receipt_state", case_col_text(q, COL_RECEIPT), "received_at",
	    local_time(q, COL_RECEIVED), "ready_at", local_time(q, COL_READY), "collected_at",
	    local_time(q, COL_COLLECTED), "closed_at", local_time(q, COL_CLOSED), "materials",
	    case_materials_json(c, sqlite3_column_int64(q, COL_ID)), "revealed", reveal);
	if (j) {
		json_object_set_new(j, "document_list", docs);
		json_object_set_new(j, "history", history_json(c, code));
	} else {
		json_decref(docs);
	}
	store_finish(q);
	vault_wipe(id, sizeof(id));
	vault_wipe(phone, sizeof(phone));
	vault_wipe(agent_id, sizeof(agent_id));
	if (!j)
		return ST_NOMEM;
	st = purged ? ST_OK : add_receipt_text(c, code, j);
	/* Showing a case shows its applicant: that is audited (s is NULL only
	 * when the intake itself answers with the new case). */
	if (st == ST_OK && s)
		st = audit_read(c->db, c->vault, (int64_t)core_now(), s->username, reveal ? "case.reveal" : "case.view",
				code, NULL);
	if (st != ST_OK) {
		json_decref(j);
		return st;
	}
	*out = j;
	return ST_OK;
}

enum status cases_document(struct core *c, const struct session *s, const char *code, unsigned n, int *fd,
			   json_t **meta)
{
	sqlite3_stmt *q = NULL, *d;
	uint8_t key[VAULT_KEY_LEN];
	enum status st = case_load(c, code, &q);
	char file[DOCSTORE_NAME_HEX] = "";
	uint64_t size = 0;

	*fd = -1;
	*meta = NULL;
	if (st != ST_OK)
		return st;
	st = case_key(c, q, key);
	d = store_prepare(c->db, "SELECT file, filename_sealed, media_type, size FROM case_documents "
				 "WHERE case_id = ?1 AND position = ?2");
	if (st == ST_OK && !d)
		st = ST_IO;
	if (st == ST_OK) {
		sqlite3_bind_int64(d, 1, sqlite3_column_int64(q, COL_ID));
		sqlite3_bind_int(d, 2, (int)n);
		if (sqlite3_step(d) != SQLITE_ROW || sqlite3_column_type(d, 0) == SQLITE_NULL) {
			st = ST_NOT_FOUND;
		} else {
			char name[FILENAME_MAX_BYTES + 1];

			snprintf(file, sizeof(file), "%s", case_col_text(d, 0));
			size = (uint64_t)sqlite3_column_int64(d, 3);
			st = case_unseal_col(d, 1, key, "document_filename", name, sizeof(name));
			if (st == ST_OK) {
				*meta = json_pack("{s:s, s:s, s:I}", "filename", name, "type",
						  doc_type_media(doc_type_declared(case_col_text(d, 2), NULL)), "size",
						  (json_int_t)size);
				st = *meta ? ST_OK : ST_NOMEM;
			}
		}
	}
	store_finish(d);
	store_finish(q);
	if (st == ST_OK)
		st = docstore_read(c->docs, file, key, size, fd);
	vault_wipe(key, sizeof(key));
	if (st == ST_OK) {
		char detail[32];

		snprintf(detail, sizeof(detail), "document %u", n);
		st = audit_read(c->db, c->vault, (int64_t)core_now(), s->username, "document.open", code, detail);
	}
	if (st != ST_OK) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		json_decref(*meta);
		*meta = NULL;
	}
	return st;
}

/* --- forwarding to central ------------------------------------------------------- */
