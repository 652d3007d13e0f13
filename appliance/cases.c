#include "cases.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "casecode.h"
#include "idnum.h"
#include "log.h"
#include "store.h"

#define NAME_MAX_CHARS	   40
#define FILENAME_MAX_BYTES 200

/* Counts UTF-8 characters; -1 for control characters. */
static int text_chars(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return -1;
		n += (c & 0xc0) != 0x80;
	}
	return n;
}

static bool phone_ok(const char *p)
{
	size_t n = strlen(p), digits = 0;

	/* Mobile: 1[3-9] and 9 digits.  Landline: 0, area code, optional '-'. */
	if (n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9') {
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return false;
		}
		return true;
	}
	if (p[0] != '0' || n < 10 || n > 13)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			digits++;
		else if (p[i] != '-' || i < 3 || i > 4)
			return false;
	}
	return digits >= 10 && digits <= 12;
}

static long today_yyyymmdd(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static const char *get_text(json_t *fields, const char *key)
{
	json_t *v = json_object_get(fields, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	return s && *s ? s : NULL;
}

static enum status validate(json_t *fields, time_t now, char id_number[19], struct case_error *why)
{
	static const char *const required[] = {"applicant_name", "id_number", "phone", "item"};
	const char *name, *id, *phone;
	int chars;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		json_t *v = json_object_get(fields, required[i]);

		if (v && !json_is_string(v)) {
			why->field = required[i];
			return ST_BAD_FIELD;
		}
		if (!get_text(fields, required[i])) {
			why->field = required[i];
			return ST_MISSING_FIELD;
		}
	}
	name = get_text(fields, "applicant_name");
	chars = text_chars(name);
	if (chars < 1 || chars > NAME_MAX_CHARS) {
		why->field = "applicant_name";
		return ST_BAD_FIELD;
	}
	id = get_text(fields, "id_number");
	if (!idnum_valid(id, today_yyyymmdd(now))) {
		why->field = "id_number";
		return ST_BAD_ID_NUMBER;
	}
	memcpy(id_number, id, 18);
	id_number[17] = id_number[17] == 'x' ? 'X' : id_number[17];
	id_number[18] = '\0';
	phone = get_text(fields, "phone");
	if (!phone_ok(phone)) {
		why->field = "phone";
		return ST_BAD_PHONE;
	}
	return ST_OK;
}

/*
 * Checks every upload (names, count, declared type against content) before
 * any is stored, so a bad file leaves nothing behind; types[i] is the type
 * of upload i.  The web guarantees one descriptor per entry of docs.
 */
static enum status check_documents(struct core *c, json_t *docs, const int *fds, unsigned nfds, enum doc_type types[],
				   struct case_error *why)
{
	why->field = "documents";
	if (nfds == 0)
		return ST_NO_DOCUMENT;
	if (nfds > c->cfg.max_documents)
		return ST_TOO_MANY_DOCUMENTS;
	for (unsigned i = 0; i < nfds; i++) {
		json_t *d = json_array_get(docs, i);
		const char *filename = json_string_value(json_object_get(d, "filename"));

		if (!filename || strlen(filename) > FILENAME_MAX_BYTES || text_chars(filename) < 1)
			return ST_BAD_FIELD;
		types[i] = doc_type_declared(json_string_value(json_object_get(d, "type")), filename);
		if (types[i] == DOC_UNKNOWN || doc_type_of_fd(fds[i]) != types[i])
			return ST_BAD_DOCUMENT_TYPE;
	}
	why->field = NULL;
	return ST_OK;
}

static enum status disk_reserve_ok(struct core *c, const int *fds, unsigned nfds)
{
	struct statvfs sv;
	uint64_t need = c->cfg.min_free_disk_bytes;

	for (unsigned i = 0; i < nfds; i++) {
		off_t end = lseek(fds[i], 0, SEEK_END);

		if (end > 0)
			need += (uint64_t)end;
	}
	if (statvfs(c->cfg.state_dir, &sv) < 0)
		return ST_IO;
	return (uint64_t)sv.f_bavail * sv.f_frsize < need ? ST_DISK_FULL : ST_OK;
}

static enum status random_pickup_code(char out[7])
{
	/* Rejection sampling keeps every 6-digit code equally likely. */
	for (;;) {
		uint32_t r;

		if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
			return ST_NOMEM;
		if (r >= 4294000000u)
			continue;
		snprintf(out, 7, "%06u", (unsigned)(r % 1000000u));
		return ST_OK;
	}
}

static enum status next_sequence(struct core *c, const char *day, unsigned *seq)
{
	sqlite3_stmt *q = store_prepare(c->db, "INSERT INTO case_sequence (day, last) VALUES (?1, 1) "
					       "ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last");
	enum status st = ST_IO;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		*seq = (unsigned)sqlite3_column_int64(q, 0);
		st = ST_OK;
	} else {
		st = store_status(sqlite3_errcode(c->db));
	}
	store_finish(q);
	return st;
}

enum status cases_create(struct core *c, const struct session *s, json_t *fields, json_t *docs, const int *fds,
			 unsigned nfds, json_t **out, struct case_error *why)
{
	char id_number[19], pickup[7], code[CASECODE_MAX], day[16], received[32], promised[16];
	char shas[MSG_MAX_FDS][DOCSTORE_SHA_HEX];
	uint64_t sizes[MSG_MAX_FDS];
	enum doc_type types[MSG_MAX_FDS];
	sqlite3_stmt *q = NULL;
	const char *item, *item_name = NULL, *dept = NULL;
	time_t now = (time_t)core_now();
	struct tm tm, due;
	unsigned seq = 0;
	int64_t case_id;
	int days;
	bool in_tx = false;
	enum status st;

	why->field = NULL;
	if ((st = validate(fields, now, id_number, why)) != ST_OK)
		return st;
	if ((st = check_documents(c, docs, fds, nfds, types, why)) != ST_OK)
		return st;
	item = get_text(fields, "item");
	q = store_prepare(c->db, "SELECT name, department, promised_days FROM catalog_items WHERE code = ?1");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, item, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		store_finish(q);
		why->field = "item";
		return ST_UNKNOWN_ITEM;
	}
	days = sqlite3_column_int(q, 2);
	if (!(item_name = strdup((const char *)sqlite3_column_text(q, 0))) ||
	    !(dept = strdup((const char *)sqlite3_column_text(q, 1)))) {
		st = ST_NOMEM;
		goto out;
	}
	store_finish(q);
	q = NULL;
	if ((st = disk_reserve_ok(c, fds, nfds)) != ST_OK)
		goto out;

	/* Documents first: durable before the row that names them commits. */
	for (unsigned i = 0; i < nfds; i++) {
		if ((st = docstore_put_fd(c->docs, fds[i], c->cfg.max_document_bytes, shas[i], &sizes[i])) != ST_OK) {
			why->field = "documents";
			goto out;
		}
	}
	if ((st = random_pickup_code(pickup)) != ST_OK)
		goto out;
	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strftime(received, sizeof(received), "%Y-%m-%d %H:%M", &tm);
	due = tm;
	due.tm_mday += days;
	due.tm_isdst = -1;
	mktime(&due);
	strftime(promised, sizeof(promised), "%Y-%m-%d", &due);

	if ((st = store_begin(c->db)) != ST_OK)
		goto out;
	in_tx = true;
	if ((st = next_sequence(c, day, &seq)) != ST_OK)
		goto out;
	if ((st = casecode_format(code, sizeof(code), c->cfg.office_code, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				  seq)) != ST_OK)
		goto out;
	q = store_prepare(c->db, "INSERT INTO cases (code, state, item_code, applicant_name, id_number, phone, "
				 "pickup_code, created_at, created_by, promised_by) "
				 "VALUES (?1, 'received', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	if (!q) {
		st = ST_IO;
		goto out;
	}
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, item, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, get_text(fields, "applicant_name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, id_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, get_text(fields, "phone"), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, pickup, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, (int64_t)now);
	sqlite3_bind_int64(q, 8, s->staff_id);
	sqlite3_bind_text(q, 9, promised, -1, SQLITE_STATIC);
	if ((st = store_status(sqlite3_step(q))) != ST_OK)
		goto out;
	case_id = sqlite3_last_insert_rowid(c->db);
	store_finish(q);
	q = NULL;
	for (unsigned i = 0; i < nfds; i++) {
		json_t *d = json_array_get(docs, i);
		sqlite3_stmt *ins = store_prepare(c->db, "INSERT INTO documents (sha256, size, media_type) "
							 "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
		sqlite3_stmt *link = store_prepare(c->db, "INSERT INTO case_documents (case_id, position, sha256, "
							  "filename) VALUES (?1, ?2, ?3, ?4)");

		if (ins && link) {
			sqlite3_bind_text(ins, 1, shas[i], -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 2, (int64_t)sizes[i]);
			sqlite3_bind_text(ins, 3, doc_type_media(types[i]), -1, SQLITE_STATIC);
			sqlite3_bind_int64(link, 1, case_id);
			sqlite3_bind_int(link, 2, (int)i + 1);
			sqlite3_bind_text(link, 3, shas[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(link, 4, json_string_value(json_object_get(d, "filename")), -1,
					  SQLITE_STATIC);
			st = store_status(sqlite3_step(ins));
			if (st == ST_OK)
				st = store_status(sqlite3_step(link));
		} else {
			st = ST_IO;
		}
		store_finish(ins);
		store_finish(link);
		if (st != ST_OK)
			goto out;
	}
	if ((st = store_commit(c->db)) != ST_OK)
		goto out;
	in_tx = false;
	log_info("case %s received by %s with %u documents", code, s->username, nfds);
	st = cases_get(c, code, out);
out:
	if (in_tx)
		store_rollback(c->db);
	store_finish(q);
	free((void *)item_name);
	free((void *)dept);
	return st;
}

/*
 * A case as the API shows it, written by SQLite so the list goes out as one
 * string without a JSON tree in between.  CASE_ROWS is every case with its
 * item and its local-time offset (tz, seconds); CASE_JSON turns one row r
 * into an object.  Personal numbers show only their ends
 * (1101**********002X, 138****8000).  json_object() feeds
 * json_group_array() at the same query level, so nothing is parsed twice.
 */
#define CASE_ROWS                                                                                                      \
	"(SELECT c.*, i.name AS item_name, i.department AS item_department, "                                          \
	"strftime('%s', c.created_at, 'unixepoch', 'localtime') - c.created_at AS tz "                                 \
	"FROM cases c JOIN catalog_items i ON i.code = c.item_code) r "
#define CASE_JSON                                                                                                      \
	"json_object('id', r.id, 'code', r.code, 'state', r.state, "                                                   \
	"'item', json_object('code', r.item_code, 'name', r.item_name, 'department', r.item_department), "             \
	"'applicant_name', r.applicant_name, "                                                                         \
	"'id_number', substr(r.id_number, 1, 4) || '**********' || substr(r.id_number, -4), "                          \
	"'phone', substr(r.phone, 1, 3) || substr('**********', 1, length(r.phone) - 7) || substr(r.phone, -4), "      \
	"'created_at', strftime('%Y-%m-%dT%H:%M:%S', r.created_at, 'unixepoch', 'localtime') || "                      \
	"  printf('%s%02d:%02d', CASE WHEN r.tz < 0 THEN '-' ELSE '+' END, abs(r.tz) / 3600, abs(r.tz) % 3600 / 60), " \
	"'promised_by', r.promised_by, 'receipt_state', r.receipt_state, "                                             \
	"'documents', (SELECT count(*) FROM case_documents d WHERE d.case_id = r.id))"

/* The first column of the only row as a malloc'd string. */
static enum status text_result(sqlite3_stmt *q, enum status none, char **out)
{
	int rc = sqlite3_step(q);

	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? none : store_status(rc);
	if (sqlite3_column_type(q, 0) == SQLITE_NULL)
		return none;
	*out = strdup((const char *)sqlite3_column_text(q, 0));
	return *out ? ST_OK : ST_NOMEM;
}

enum status cases_list(struct core *c, int64_t before_id, unsigned limit, char **out)
{
	/* The subquery keeps its order: with a LIMIT SQLite does not flatten it. */
	sqlite3_stmt *q = store_prepare(c->db, "SELECT json_object('cases', json_group_array(" CASE_JSON ")) "
					       "FROM (SELECT * FROM " CASE_ROWS "WHERE ?1 = 0 OR r.id < ?1 "
					       "ORDER BY r.id DESC LIMIT ?2) r");
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_int64(q, 1, before_id);
	sqlite3_bind_int(q, 2, (int)limit);
	st = text_result(q, ST_IO, out);
	store_finish(q);
	return st;
}

/* The receipt preview, rendered from the same data as the printed receipt. */
static enum status add_receipt_text(struct core *c, const char *code, json_t *detail)
{
	json_t *rj = NULL;
	struct receipt r;
	struct buf text;
	int64_t case_id;
	enum status st = cases_receipt(c, code, &rj, &case_id);

	buf_init(&text, 8192);
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

enum status cases_get(struct core *c, const char *code, json_t **out)
{
	sqlite3_stmt *q =
	    store_prepare(c->db, "SELECT json_set(" CASE_JSON
				 ", '$.document_list', (SELECT json_group_array(json_object('n', cd.position, "
				 "'filename', cd.filename, 'sha256', cd.sha256, 'size', doc.size, "
				 "'media_type', doc.media_type)) FROM (SELECT * FROM case_documents "
				 "WHERE case_id = r.id ORDER BY position) cd "
				 "JOIN documents doc ON doc.sha256 = cd.sha256)) "
				 "FROM " CASE_ROWS "WHERE r.code = ?1");
	json_error_t jerr;
	char *text = NULL;
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	st = text_result(q, ST_NOT_FOUND, &text);
	store_finish(q);
	if (st != ST_OK)
		return st;
	*out = json_loads(text, 0, &jerr);
	free(text);
	if (!*out) {
		log_err("case %s: SQLite wrote JSON that jansson refuses: %s", code, jerr.text);
		return ST_IO;
	}
	st = add_receipt_text(c, code, *out);
	if (st != ST_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return st;
}

enum status cases_document(struct core *c, const char *code, unsigned n, int *fd, const char **media, json_t **meta)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT cd.sha256, cd.filename, doc.media_type, doc.size "
					       "FROM cases c JOIN case_documents cd ON cd.case_id = c.id "
					       "JOIN documents doc ON doc.sha256 = cd.sha256 "
					       "WHERE c.code = ?1 AND cd.position = ?2");
	enum status st = ST_NOT_FOUND;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)n);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(q, 2);

		*fd = docstore_open_doc(c->docs, (const char *)sqlite3_column_text(q, 0));
		*media = doc_type_media(doc_type_declared(type, NULL));
		*meta = json_pack("{s:s, s:s, s:I}", "filename", (const char *)sqlite3_column_text(q, 1), "type",
				  *media, "size", (json_int_t)sqlite3_column_int64(q, 3));
		st = *fd >= 0 && *meta ? ST_OK : ST_IO;
		if (st != ST_OK) {
			log_err("document %s of case %s cannot be opened", (const char *)sqlite3_column_text(q, 0),
				code);
			if (*fd >= 0)
				close(*fd);
			json_decref(*meta);
		}
	}
	store_finish(q);
	return st;
}

enum status cases_receipt(struct core *c, const char *code, json_t **out, int64_t *case_id)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT c.id, c.code, i.name, i.department, c.applicant_name, "
					       "c.created_at, c.promised_by, c.pickup_code, "
					       "(SELECT count(*) FROM case_documents d WHERE d.case_id = c.id) "
					       "FROM cases c JOIN catalog_items i ON i.code = c.item_code "
					       "WHERE c.code = ?1");
	enum status st = ST_NOT_FOUND;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		char masked_name[128], received[32];
		time_t t = (time_t)sqlite3_column_int64(q, 5);
		struct tm tm;
		struct receipt r;

		localtime_r(&t, &tm);
		strftime(received, sizeof(received), "%Y-%m-%d %H:%M", &tm);
		receipt_mask_name((const char *)sqlite3_column_text(q, 4), masked_name, sizeof(masked_name));
		r = (struct receipt){
		    .office_name = c->cfg.office_name,
		    .case_code = (const char *)sqlite3_column_text(q, 1),
		    .item_name = (const char *)sqlite3_column_text(q, 2),
		    .department = (const char *)sqlite3_column_text(q, 3),
		    .applicant = masked_name,
		    .received_at = received,
		    .promised_by = (const char *)sqlite3_column_text(q, 6),
		    .pickup_code = (const char *)sqlite3_column_text(q, 7),
		    .documents = sqlite3_column_int(q, 8),
		};
		*case_id = sqlite3_column_int64(q, 0);
		*out = receipt_to_json(&r);
		st = *out ? ST_OK : ST_NOMEM;
	}
	store_finish(q);
	return st;
}

enum status cases_set_receipt_state(struct core *c, int64_t case_id, const char *state)
{
	sqlite3_stmt *q = store_prepare(c->db, "UPDATE cases SET receipt_state = ?1 WHERE id = ?2");
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, case_id);
	/* Bookkeeping: if power fails first, the receipt shows as not printed
	 * and the clerk reprints; nothing the citizen holds depends on it. */
	st = store_step_unsynced(c->db, q);
	store_finish(q);
	return st;
}

enum status catalog_list(struct core *c, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT code, name, department, promised_days FROM catalog_items "
					       "ORDER BY department, code");
	json_t *list = json_array();

	if (!q || !list) {
		store_finish(q);
		json_decref(list);
		return ST_IO;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:s, s:i}", "code", (const char *)sqlite3_column_text(q, 0),
						"name", (const char *)sqlite3_column_text(q, 1), "department",
						(const char *)sqlite3_column_text(q, 2), "promised_days",
						sqlite3_column_int(q, 3)));
	}
	store_finish(q);
	*out = list;
	return ST_OK;
}

enum status catalog_seed(struct core *c, const char *path)
{
	int64_t have = store_int(c->db, "SELECT count(*) FROM catalog_items", -1);
	sqlite3_stmt *q = NULL;
	json_error_t jerr;
	json_t *items = NULL, *it;
	size_t i;
	enum status st = ST_IO;

	if (have < 0)
		return ST_IO;
	if (have > 0 || !path[0])
		return ST_OK;
	items = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_array(items)) {
		log_err("catalog %s:%d: %s", path, jerr.line, items ? "not a JSON array" : jerr.text);
		json_decref(items);
		return ST_CONFIG;
	}
	if ((st = store_begin(c->db)) != ST_OK)
		goto out;
	q = store_prepare(c->db, "INSERT INTO catalog_items (code, name, department, promised_days) "
				 "VALUES (?1, ?2, ?3, ?4)");
	st = q ? ST_OK : ST_IO;
	json_array_foreach(items, i, it)
	{
		const char *code, *name, *dept;
		int days;

		if (st != ST_OK)
			break;
		if (json_unpack(it, "{s:s, s:s, s:s, s:i}", "code", &code, "name", &name, "department", &dept,
				"promised_days", &days) != 0) {
			log_err("catalog %s: item %zu lacks code, name, department or promised_days", path, i);
			st = ST_CONFIG;
			break;
		}
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, dept, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, days);
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		store_rollback(c->db);
	else
		log_info("catalog: %zu items loaded from %s", json_array_size(items), path);
out:
	json_decref(items);
	return st;
}
