/* SPDX-License-Identifier: Apache-2.0 */
#include "cases.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cases_rows.h"
#include "ratecode.h"
#include "common/casecode.h"
#include "common/entropy.h"
#include "common/idnum.h"
#include "common/log.h"
#include "common/msg.h"
#include "common/store.h"
#include "common/rating.h"
#include "common/timefmt.h"
#include "vault.h"

/* --- small checks ---------------------------------------------------------- */

static bool name_ok(const char *name, int max)
{
	int n = name ? case_text_chars(name) : -1;

	return n >= 1 && n <= max;
}

/* ID types a person may show; organisations show their credit code. */
static const char *const person_id_types[] = {"resident", "passport",	       "hk_macao",
					      "taiwan",	  "foreign_permanent", "other"};

static bool person_id_type_ok(const char *t)
{
	for (size_t i = 0; t && i < sizeof(person_id_types) / sizeof(person_id_types[0]); i++) {
		if (strcmp(t, person_id_types[i]) == 0)
			return true;
	}
	return false;
}

/* --- the case's data key and sealed fields -------------------------------- */

struct sealed {
	uint8_t data[SEALED_MAX];
	size_t len;
};

static enum status seal_text(const uint8_t key[VAULT_KEY_LEN], const char *aad, const char *text, struct sealed *out)
{
	size_t n = strlen(text);

	if (n > SEALED_MAX - VAULT_SEAL_EXTRA)
		return ST_BAD_FIELD;
	out->len = n + VAULT_SEAL_EXTRA;
	return vault_seal(key, aad, text, n, out->data);
}

static void bind_sealed(sqlite3_stmt *q, int col, const struct sealed *s)
{
	if (s && s->len)
		sqlite3_bind_blob(q, col, s->data, (int)s->len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, col);
}

/*
 * Applies event ev to the case (id, code, now in state from) inside the
 * caller's transaction: the state, its timestamp and one audit row.
 * ST_BAD_STATE, with the current state in why, when the diagram has no such
 * edge.
 */
static enum status transition(struct core *c, int64_t id, const char *code, enum case_state from, enum case_event ev,
			      const char *who, const char *detail, struct case_error *why)
{
	static const char *const stamp[__CS_MAX] = {
	    [CS_RECEIVED] = "received_at", [CS_READY] = "ready_at",	 [CS_COLLECTED] = "collected_at",
	    [CS_CLOSED] = "closed_at",	   [CS_DISCARDED] = "closed_at", [CS_WITHDRAWN] = "closed_at",
	};
	sqlite3_stmt *q;
	enum case_state to;
	char action[48];
	enum status st;
	int64_t now = (int64_t)core_now();

	if (!lifecycle_next(from, ev, &to)) {
		if (why) {
			why->extra = json_pack("{s:s, s:s}", "state", lifecycle_state_name(from), "event",
					       lifecycle_event_name(ev));
		}
		return ST_BAD_STATE;
	}
	q = store_prepare(c->db, "UPDATE cases SET state = ?2, updated_at = ?3, "
				 "received_at = CASE WHEN ?4 = 'received_at' THEN ?3 ELSE received_at END, "
				 "ready_at = CASE WHEN ?4 = 'ready_at' THEN ?3 ELSE ready_at END, "
				 "collected_at = CASE WHEN ?4 = 'collected_at' THEN ?3 ELSE collected_at END, "
				 "closed_at = CASE WHEN ?4 = 'closed_at' THEN ?3 ELSE closed_at END "
				 "WHERE id = ?1 AND state = ?5");
	if (!q)
		return ST_IO;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, lifecycle_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_text(q, 4, stamp[to] ? stamp[to] : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, lifecycle_state_name(from), -1, SQLITE_STATIC);
	st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1)
		st = ST_BAD_STATE;
	store_finish(q);
	snprintf(action, sizeof(action), "case.%s", lifecycle_event_name(ev));
	if (st == ST_OK)
		st = audit_append(c->db, c->vault, now, who, action, code, detail);
	if (st == ST_OK)
		log_info("case %s: %s -> %s by %s", code, lifecycle_state_name(from), lifecycle_state_name(to), who);
	return st;
}

/* --- intake ----------------------------------------------------------------- */

struct party {
	const char *name;
	const char *id_type;
	char id[ID_MAX];
};

struct intake {
	const char *item;
	bool draft;
	const char *kind; /* person or org */
	struct party applicant;
	const char *phone;
	bool has_agent;
	struct party agent;
	const char *ticket;
	const char *note;
	json_t *materials;
	json_t *doc_materials;
};

struct item_info {
	char name[256];
	char department[256];
	char applicant[8];
	int days;
};

static enum status load_item(struct core *c, const char *code, struct item_info *it)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT name, department, applicant, promised_days FROM catalog_items "
					       "WHERE code = ?1");
	enum status st = ST_UNKNOWN_ITEM;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(it->name, sizeof(it->name), "%s", case_col_text(q, 0));
		snprintf(it->department, sizeof(it->department), "%s", case_col_text(q, 1));
		snprintf(it->applicant, sizeof(it->applicant), "%s", case_col_text(q, 2));
		it->days = sqlite3_column_int(q, 3);
		st = ST_OK;
	}
	store_finish(q);
	return st;
}

static enum status fail_field(struct case_error *why, const char *field, enum status st)
{
	why->field = field;
	return st;
}

static enum status parse_party(json_t *p, bool org, time_t now, struct party *out, const char *prefix,
			       struct case_error *why)
{
	static char fields[4][32];
	const char *id_raw = case_get_text(p, "id_number");
	enum status st;

	/* Field names for messages: "agent_name", "agent_id_number", ... */
	snprintf(fields[0], sizeof(fields[0]), "%sname", prefix);
	snprintf(fields[1], sizeof(fields[1]), "%sid_number", prefix);
	snprintf(fields[2], sizeof(fields[2]), "%sid_type", prefix);
	out->name = case_get_text(p, "name");
	out->id_type = org ? "uscc" : case_get_text(p, "id_type");
	if (!out->id_type)
		out->id_type = "resident";
	if (!out->name)
		return fail_field(why, *prefix ? fields[0] : "applicant_name", ST_MISSING_FIELD);
	if (!name_ok(out->name, org ? ORG_NAME_MAX_CHARS : NAME_MAX_CHARS))
		return fail_field(why, *prefix ? fields[0] : "applicant_name", ST_BAD_FIELD);
	if (!org && !person_id_type_ok(out->id_type))
		return fail_field(why, *prefix ? fields[2] : "id_type", ST_BAD_FIELD);
	st = case_check_id(out->id_type, id_raw, now, out->id);
	if (st != ST_OK)
		return fail_field(why, *prefix ? fields[1] : "id_number", st);
	return ST_OK;
}

static enum status parse_intake(json_t *f, time_t now, struct intake *in, struct case_error *why)
{
	json_t *applicant = json_object_get(f, "applicant"), *agent = json_object_get(f, "agent");
	json_t *flat = NULL, *v;
	enum status st;

	memset(in, 0, sizeof(*in));
	/* Every text field is a string when present. */
	for (const char *const *k = (const char *const[]){"item", "ticket", "incomplete_note", "applicant_name",
							  "id_number", "phone", NULL};
	     *k; k++) {
		v = json_object_get(f, *k);
		if (v && !json_is_string(v))
			return fail_field(why, *k, ST_BAD_FIELD);
	}
	if (!(in->item = case_get_text(f, "item")))
		return fail_field(why, "item", ST_MISSING_FIELD);
	v = json_object_get(f, "draft");
	if (v && !json_is_boolean(v))
		return fail_field(why, "draft", ST_BAD_FIELD);
	in->draft = json_is_true(v);
	if (!applicant) {
		/* The short form: a person with a resident ID. */
		flat = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "kind", "person", "name",
				 case_get_text(f, "applicant_name"), "id_type", "resident", "id_number",
				 case_get_text(f, "id_number"), "phone", case_get_text(f, "phone"));
		applicant = flat;
	}
	if (!json_is_object(applicant)) {
		json_decref(flat);
		return fail_field(why, "applicant", ST_BAD_FIELD);
	}
	in->kind = case_get_text(applicant, "kind");
	if (!in->kind)
		in->kind = "person";
	if (strcmp(in->kind, "person") != 0 && strcmp(in->kind, "org") != 0) {
		json_decref(flat);
		return fail_field(why, "applicant_kind", ST_BAD_FIELD);
	}
	st = parse_party(applicant, strcmp(in->kind, "org") == 0, now, &in->applicant, "", why);
	in->phone = case_get_text(applicant, "phone");
	if (st == ST_OK && !in->phone)
		st = fail_field(why, "phone", ST_MISSING_FIELD);
	if (st == ST_OK && !case_phone_ok(in->phone))
		st = fail_field(why, "phone", ST_BAD_PHONE);
	/* The strings point into fields; flat only repeats them. */
	if (flat) {
		in->kind = "person";
		in->applicant.name = case_get_text(f, "applicant_name");
		in->applicant.id_type = "resident";
		in->phone = case_get_text(f, "phone");
	}
	json_decref(flat);
	if (st != ST_OK)
		return st;
	if (agent && !json_is_null(agent)) {
		if (!json_is_object(agent))
			return fail_field(why, "agent", ST_BAD_FIELD);
		if ((st = parse_party(agent, false, now, &in->agent, "agent_", why)) != ST_OK)
			return st;
		in->has_agent = true;
	}
	in->ticket = case_get_text(f, "ticket");
	if (in->ticket) {
		size_t n = strlen(in->ticket);
		bool ok = n >= 2 && n <= 6 && in->ticket[0] >= 'A' && in->ticket[0] <= 'Z';

		for (size_t i = 1; ok && i < n; i++)
			ok = in->ticket[i] >= '0' && in->ticket[i] <= '9';
		if (!ok)
			return fail_field(why, "ticket", ST_BAD_FIELD);
	}
	in->note = case_get_text(f, "incomplete_note");
	if (in->note && (case_text_chars(in->note) < 1 || case_text_chars(in->note) > NOTE_MAX_CHARS))
		return fail_field(why, "incomplete_note", ST_BAD_FIELD);
	in->materials = json_object_get(f, "materials");
	if (in->materials && !json_is_array(in->materials))
		return fail_field(why, "materials", ST_BAD_FIELD);
	in->doc_materials = json_object_get(f, "documents");
	if (in->doc_materials && !json_is_array(in->doc_materials))
		return fail_field(why, "documents", ST_BAD_FIELD);
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
	if (nfds > c->cfg.max_documents)
		return ST_TOO_MANY_DOCUMENTS;
	for (unsigned i = 0; i < nfds; i++) {
		json_t *d = json_array_get(docs, i);
		const char *filename = json_string_value(json_object_get(d, "filename"));

		if (!docstore_fd_sealed(fds[i]))
			return ST_PROTO;
		if (!filename || strlen(filename) > FILENAME_MAX_BYTES || case_text_chars(filename) < 1)
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

		entropy_fill(&r, sizeof(r));
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

/* The clerk's checklist entry for material position, or NULL. */
static json_t *checklist_entry(json_t *materials, int position)
{
	json_t *m;
	size_t i;

	json_array_foreach(materials, i, m)
	{
		if (json_integer_value(json_object_get(m, "position")) == position)
			return m;
	}
	return NULL;
}

/* Every checklist entry names a material of the case and says sensible
 * things about it. */
static enum status check_checklist(json_t *materials, int count, struct case_error *why)
{
	json_t *m;
	size_t i;

	json_array_foreach(materials, i, m)
	{
		json_t *pos = json_object_get(m, "position"), *rec = json_object_get(m, "received");
		json_t *pages = json_object_get(m, "pages");
		const char *form = json_string_value(json_object_get(m, "form"));

		if (!json_is_object(m) || !json_is_integer(pos) || json_integer_value(pos) < 1 ||
		    json_integer_value(pos) > count || (rec && !json_is_boolean(rec)) ||
		    (pages &&
		     (!json_is_integer(pages) || json_integer_value(pages) < 0 || json_integer_value(pages) > 9999)) ||
		    (form && strcmp(form, "original") != 0 && strcmp(form, "copy") != 0))
			return fail_field(why, "materials", ST_BAD_FIELD);
	}
	return ST_OK;
}

/* Copies the item's materials into the case with what the clerk ticked. */
static enum status insert_materials(struct core *c, int64_t case_id, const char *item, json_t *materials,
				    struct case_error *why)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT position, name, form, copies, optional FROM catalog_materials "
					       "WHERE item_code = ?1 ORDER BY position");
	sqlite3_stmt *ins = store_prepare(c->db, "INSERT INTO case_materials (case_id, position, name, form, copies, "
						 "optional, received, received_form, pages) "
						 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	int count = 0;
	enum status st = q && ins ? ST_OK : ST_IO;

	if (st == ST_OK) {
		sqlite3_bind_text(q, 1, item, -1, SQLITE_STATIC);
		while (st == ST_OK && sqlite3_step(q) == SQLITE_ROW) {
			int pos = sqlite3_column_int(q, 0);
			json_t *m = checklist_entry(materials, pos);
			bool received = json_is_true(json_object_get(m, "received"));
			const char *form = json_string_value(json_object_get(m, "form"));

			count++;
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, case_id);
			sqlite3_bind_int(ins, 2, pos);
			sqlite3_bind_text(ins, 3, case_col_text(q, 1), -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 4, case_col_text(q, 2), -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(ins, 5, sqlite3_column_int(q, 3));
			sqlite3_bind_int(ins, 6, sqlite3_column_int(q, 4));
			sqlite3_bind_int(ins, 7, received);
			if (received)
				sqlite3_bind_text(ins, 8, form ? form : case_col_text(q, 2), -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(ins, 8);
			sqlite3_bind_int(ins, 9, received ? (int)json_integer_value(json_object_get(m, "pages")) : 0);
			st = store_status(sqlite3_step(ins));
		}
	}
	store_finish(q);
	store_finish(ins);
	if (st == ST_OK)
		st = check_checklist(materials, count, why);
	return st;
}

/* Marks materials received on a supplement (never un-receives one). */
static enum status update_materials(struct core *c, int64_t case_id, int version, json_t *materials,
				    struct case_error *why)
{
	int64_t count = 0;
	sqlite3_stmt *n = store_prepare(c->db, "SELECT count(*) FROM case_materials WHERE case_id = ?1");
	sqlite3_stmt *up = NULL;
	enum status st = n ? ST_OK : ST_IO;
	json_t *m;
	size_t i;

	if (st == ST_OK) {
		sqlite3_bind_int64(n, 1, case_id);
		if (sqlite3_step(n) == SQLITE_ROW)
			count = sqlite3_column_int64(n, 0);
	}
	store_finish(n);
	if (st == ST_OK)
		st = check_checklist(materials, (int)count, why);
	if (st == ST_OK && !(up = store_prepare(c->db, "UPDATE case_materials SET received = 1, "
						       "received_form = coalesce(?3, form), pages = ?4, version = ?5 "
						       "WHERE case_id = ?1 AND position = ?2 AND received = 0")))
		st = ST_IO;
	json_array_foreach(materials, i, m)
	{
		if (st != ST_OK || !json_is_true(json_object_get(m, "received")))
			continue;
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, case_id);
		sqlite3_bind_int(up, 2, (int)json_integer_value(json_object_get(m, "position")));
		sqlite3_bind_text(up, 3, json_string_value(json_object_get(m, "form")), -1, SQLITE_STATIC);
		sqlite3_bind_int(up, 4, (int)json_integer_value(json_object_get(m, "pages")));
		sqlite3_bind_int(up, 5, version);
		st = store_status(sqlite3_step(up));
	}
	store_finish(up);
	return st;
}

/* The names of required materials not received, as a JSON array. */
static json_t *missing_materials(struct core *c, int64_t case_id)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT name FROM case_materials WHERE case_id = ?1 AND optional = 0 "
					       "AND received = 0 ORDER BY position");
	json_t *list = json_array();

	if (!q || !list) {
		store_finish(q);
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_int64(q, 1, case_id);
	while (sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(list, json_string(case_col_text(q, 0)));
	store_finish(q);
	return list;
}

/* Refuses an intake that lacks required materials unless it is recorded as
 * incomplete (容缺) with a note. */
static enum status materials_complete(struct core *c, int64_t case_id, const char *note, struct case_error *why)
{
	json_t *missing = missing_materials(c, case_id);

	if (!missing)
		return ST_IO;
	if (json_array_size(missing) == 0 || note) {
		json_decref(missing);
		return ST_OK;
	}
	why->field = "materials";
	why->extra = json_pack("{s:o}", "missing", missing);
	return ST_MATERIALS_MISSING;
}

/* Names of files stored during one request, removed again if it fails. */
struct stored_files {
	char names[MSG_MAX_FDS][DOCSTORE_NAME_HEX];
	unsigned n;
};

static void unstore(struct core *c, struct stored_files *sf)
{
	for (unsigned i = 0; i < sf->n; i++)
		docstore_remove(c->docs, sf->names[i]);
	sf->n = 0;
}

/* Encrypts and stores the uploads and links them to the case at positions
 * after the existing ones, for version. */
static enum status store_documents(struct core *c, int64_t case_id, const uint8_t key[VAULT_KEY_LEN], json_t *docs,
				   const int *fds, unsigned nfds, const enum doc_type types[], json_t *doc_materials,
				   int version, struct stored_files *sf, struct case_error *why)
{
	sqlite3_stmt *ins =
	    store_prepare(c->db, "INSERT INTO case_documents (case_id, position, material, file, "
				 "sha256, size, media_type, filename, version, sha256_sealed, filename_sealed) "
				 "SELECT ?1, coalesce(max(position), 0) + 1, "
				 "(SELECT position FROM case_materials WHERE case_id = ?1 AND position = ?2), "
				 "?3, '', ?5, ?6, '', ?8, ?4, ?7 FROM case_documents WHERE case_id = ?1");
	enum status st = ins ? ST_OK : ST_IO;

	for (unsigned i = 0; st == ST_OK && i < nfds; i++) {
		char sha[DOCSTORE_SHA_HEX];
		struct sealed sha_sealed, name_sealed;
		uint64_t size = 0;
		json_t *dm = json_array_get(doc_materials, i);

		st = docstore_put_sealed(c->docs, fds[i], c->cfg.max_document_bytes, key, sf->names[sf->n], sha, &size);
		if (st != ST_OK) {
			why->field = "documents";
			break;
		}
		sf->n++;
		/* The file name often names the person, and the hash would confirm
		 * a guessed document: both sealed, shredded with the key. */
		if ((st = seal_text(key, "document_sha256", sha, &sha_sealed)) != ST_OK ||
		    (st = seal_text(key, "document_filename",
				    json_string_value(json_object_get(json_array_get(docs, i), "filename")),
				    &name_sealed)) != ST_OK)
			break;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, case_id);
		sqlite3_bind_int64(ins, 2, json_integer_value(json_object_get(dm, "material")));
		sqlite3_bind_text(ins, 3, sf->names[sf->n - 1], -1, SQLITE_TRANSIENT);
		bind_sealed(ins, 4, &sha_sealed);
		sqlite3_bind_int64(ins, 5, (int64_t)size);
		sqlite3_bind_text(ins, 6, doc_type_media(types[i]), -1, SQLITE_STATIC);
		bind_sealed(ins, 7, &name_sealed);
		sqlite3_bind_int(ins, 8, version);
		st = store_status(sqlite3_step(ins));
	}
	store_finish(ins);
	return st;
}

static enum status insert_case(struct core *c, const struct session *s, const struct intake *in,
			       const struct item_info *it, const char *code, const uint8_t key[VAULT_KEY_LEN],
			       const uint8_t wrapped[VAULT_WRAPPED_LEN], const char *pickup, const char *promised,
			       int64_t now, int64_t *case_id)
{
	struct sealed id = {0}, phone = {0}, agent_id = {0}, code_sealed = {0};
	sqlite3_stmt *q;
	enum status st = seal_text(key, "id_number", in->applicant.id, &id);

	if (st == ST_OK)
		st = seal_text(key, "phone", in->phone, &phone);
	/* Sealed, not hashed: a reprinted receipt shows it again. */
	if (st == ST_OK)
		st = seal_text(key, "pickup_code", pickup, &code_sealed);
	if (st == ST_OK && in->has_agent)
		st = seal_text(key, "agent_id_number", in->agent.id, &agent_id);
	if (st != ST_OK)
		return st;
	q = store_prepare(c->db,
			  "INSERT INTO cases (code, state, item_code, item_name, department, applicant_kind, "
			  "applicant_name, id_type, id_sealed, id_hash, phone_sealed, phone_hash, by_agent, "
			  "agent_name, agent_id_type, agent_id_sealed, agent_id_hash, ticket, incomplete_note, "
			  "pickup_sealed, case_key, created_at, created_by, received_at, updated_at, promised_by, "
			  "receipt_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
			  "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?22, ?25, ?26)");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, in->draft ? "draft" : "received", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, in->item, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, it->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, it->department, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, in->applicant.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, in->applicant.id_type, -1, SQLITE_STATIC);
	bind_sealed(q, 9, &id);
	case_bind_hash(q, 10, c, "id", in->applicant.id);
	bind_sealed(q, 11, &phone);
	case_bind_hash(q, 12, c, "phone", in->phone);
	sqlite3_bind_int(q, 13, in->has_agent);
	sqlite3_bind_text(q, 14, in->has_agent ? in->agent.name : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 15, in->has_agent ? in->agent.id_type : NULL, -1, SQLITE_STATIC);
	bind_sealed(q, 16, in->has_agent ? &agent_id : NULL);
	case_bind_hash(q, 17, c, "id", in->has_agent ? in->agent.id : NULL);
	sqlite3_bind_text(q, 18, in->ticket, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 19, in->note, -1, SQLITE_STATIC);
	bind_sealed(q, 20, &code_sealed);
	sqlite3_bind_blob(q, 21, wrapped, VAULT_WRAPPED_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 22, now);
	sqlite3_bind_int64(q, 23, s->staff_id);
	if (in->draft)
		sqlite3_bind_null(q, 24);
	else
		sqlite3_bind_int64(q, 24, now);
	sqlite3_bind_text(q, 25, promised, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 26, in->draft ? "none" : "pending", -1, SQLITE_STATIC);
	st = store_status(sqlite3_step(q));
	*case_id = sqlite3_last_insert_rowid(c->db);
	store_finish(q);
	vault_wipe(&id, sizeof(id));
	vault_wipe(&phone, sizeof(phone));
	vault_wipe(&agent_id, sizeof(agent_id));
	vault_wipe(&code_sealed, sizeof(code_sealed));
	return st;
}

/* The 评价码 of a case's intake or pickup, registered in the caller's transaction. */
static enum status register_rating(struct core *c, const char *kind, int64_t case_id, const char *code)
{
	char service[80], rating[RATECODE_LEN];

	rating_service(kind, code, service, sizeof(service));
	ratecode_derive(c, service, rating);
	return ratecode_register(c, kind, 0, case_id, rating);
}

enum status cases_create(struct core *c, const struct session *s, json_t *fields, json_t *docs, const int *fds,
			 unsigned nfds, json_t **out, struct case_error *why)
{
	char pickup[7], code[CASECODE_MAX], day[16], promised[16], detail[128];
	uint8_t key[VAULT_KEY_LEN], wrapped[VAULT_WRAPPED_LEN];
	enum doc_type types[MSG_MAX_FDS];
	struct stored_files sf = {.n = 0};
	struct item_info it;
	struct intake in;
	time_t now = (time_t)core_now();
	struct tm tm, due;
	unsigned seq = 0;
	int64_t case_id = 0;
	bool in_tx = false;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if ((st = parse_intake(fields, now, &in, why)) != ST_OK)
		return st;
	if ((st = load_item(c, in.item, &it)) != ST_OK)
		return fail_field(why, "item", st);
	if (strcmp(it.applicant, "both") != 0 && strcmp(it.applicant, in.kind) != 0)
		return fail_field(why, "applicant_kind", ST_WRONG_APPLICANT);
	if ((st = check_documents(c, docs, fds, nfds, types, why)) != ST_OK)
		return st;
	if ((st = disk_reserve_ok(c, fds, nfds)) != ST_OK)
		return st;
	if ((st = random_pickup_code(pickup)) != ST_OK)
		return st;
	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	due = tm;
	due.tm_mday += it.days;
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
	if ((st = vault_new_case_key(c->vault, code, key, wrapped)) != ST_OK)
		goto out;
	if ((st = insert_case(c, s, &in, &it, code, key, wrapped, pickup, promised, (int64_t)now, &case_id)) != ST_OK)
		goto out;
	if ((st = insert_materials(c, case_id, in.item, in.materials, why)) != ST_OK)
		goto out;
	if (!in.draft && (st = materials_complete(c, case_id, in.note, why)) != ST_OK)
		goto out;
	/* Documents are durable before the row that names them commits. */
	if ((st = store_documents(c, case_id, key, docs, fds, nfds, types, in.doc_materials, 1, &sf, why)) != ST_OK)
		goto out;
	/* The intake's 评价码 is issued with the case (its receipt prints it). */
	if ((st = register_rating(c, "intake", case_id, code)) != ST_OK)
		goto out;
	snprintf(detail, sizeof(detail), "%s%s%s, %u documents", in.item, in.note ? ", incomplete intake" : "",
		 in.has_agent ? ", by agent" : "", nfds);
	st = audit_append(c->db, c->vault, (int64_t)now, s->username, in.draft ? "case.draft" : "case.intake", code,
			  detail);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		goto out;
	in_tx = false;
	log_info("case %s %s by %s with %u documents", code, in.draft ? "drafted" : "received", s->username, nfds);
	st = cases_get(c, NULL, code, false, out);
out:
	vault_wipe(key, sizeof(key));
	if (in_tx) {
		store_rollback(c->db);
		unstore(c, &sf);
	}
	return st;
}

/* --- transitions the clerk asks for ----------------------------------------- */

/* Opens the case, begins a transaction; *q holds the row. */
static enum status begin_on(struct core *c, const char *code, sqlite3_stmt **q)
{
	enum status st = store_begin(c->db);

	if (st != ST_OK)
		return st;
	st = case_load(c, code, q);
	if (st != ST_OK)
		store_rollback(c->db);
	return st;
}

static enum status end_on(struct core *c, sqlite3_stmt *q, enum status st)
{
	store_finish(q);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		store_rollback(c->db);
	return st;
}

enum status cases_submit(struct core *c, const struct session *s, const char *code, json_t *body,
			 struct case_error *why)
{
	sqlite3_stmt *q;
	const char *note = case_get_text(body, "incomplete_note");
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (note && (case_text_chars(note) < 1 || case_text_chars(note) > NOTE_MAX_CHARS))
		return fail_field(why, "incomplete_note", ST_BAD_FIELD);
	if ((st = begin_on(c, code, &q)) != ST_OK)
		return st;
	if (case_row_state(q) != CS_DRAFT) {
		why->extra = json_pack("{s:s}", "state", case_col_text(q, COL_STATE));
		return end_on(c, q, ST_BAD_STATE);
	}
	st = update_materials(c, sqlite3_column_int64(q, COL_ID), 1, json_object_get(body, "materials"), why);
	if (!note && sqlite3_column_type(q, COL_NOTE) != SQLITE_NULL)
		note = case_col_text(q, COL_NOTE);
	if (st == ST_OK)
		st = materials_complete(c, sqlite3_column_int64(q, COL_ID), note, why);
	if (st == ST_OK && note) {
		sqlite3_stmt *u =
		    store_prepare(c->db, "UPDATE cases SET incomplete_note = ?2, receipt_state = 'pending' "
					 "WHERE id = ?1");

		st = u ? ST_OK : ST_IO;
		if (u) {
			sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, COL_ID));
			sqlite3_bind_text(u, 2, note, -1, SQLITE_STATIC);
			st = store_status(sqlite3_step(u));
		}
		store_finish(u);
	}
	if (st == ST_OK)
		st = transition(c, sqlite3_column_int64(q, COL_ID), code, CS_DRAFT, LC_SUBMIT, s->username,
				note ? "incomplete intake" : NULL, why);
	return end_on(c, q, st);
}

/* A transition with nothing but the event: discard, close. */
static enum status simple_event(struct core *c, const struct session *s, const char *code, enum case_event ev,
				const char *detail, struct case_error *why)
{
	sqlite3_stmt *q;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if ((st = begin_on(c, code, &q)) != ST_OK)
		return st;
	st = transition(c, sqlite3_column_int64(q, COL_ID), code, case_row_state(q), ev, case_actor(s), detail, why);
	return end_on(c, q, st);
}

enum status cases_discard(struct core *c, const struct session *s, const char *code, struct case_error *why)
{
	return simple_event(c, s, code, LC_DISCARD, NULL, why);
}

enum status cases_close(struct core *c, const struct session *s, const char *code, struct case_error *why)
{
	return simple_event(c, s, code, LC_CLOSE, NULL, why);
}

/* A queued case in a batch still being sent, or stopped. */
static bool in_outgoing_batch(struct core *c, const char *code)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id "
					       "JOIN cases k ON k.id = bc.case_id WHERE k.code = ?1 AND "
					       "k.state = 'queued' AND b.state IN ('sending', 'failed')");
	bool yes = false;

	if (q) {
		sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
		yes = sqlite3_step(q) == SQLITE_ROW;
	}
	store_finish(q);
	return yes;
}

enum status cases_withdraw(struct core *c, const struct session *s, const char *code, json_t *body,
			   struct case_error *why)
{
	const char *reason = case_get_text(body, "reason");

	why->field = NULL;
	why->extra = NULL;
	if (!reason)
		return fail_field(why, "reason", ST_MISSING_FIELD);
	if (case_text_chars(reason) < 1 || case_text_chars(reason) > NOTE_MAX_CHARS)
		return fail_field(why, "reason", ST_BAD_FIELD);
	/* A queued case in a batch the box is still sending (or that stopped)
	 * may reach central whatever the office does now: its manifest is
	 * made.  It waits for central's answer; a case central refused is in
	 * no such batch and may go. */
	if (in_outgoing_batch(c, code))
		return ST_FORWARDING;
	return simple_event(c, s, code, LC_WITHDRAW, reason, why);
}

enum status cases_supplement(struct core *c, const struct session *s, const char *code, json_t *body, json_t *docs,
			     const int *fds, unsigned nfds, struct case_error *why)
{
	enum doc_type types[MSG_MAX_FDS];
	struct stored_files sf = {.n = 0};
	uint8_t key[VAULT_KEY_LEN];
	sqlite3_stmt *q = NULL, *u;
	int version;
	char detail[64];
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if ((st = check_documents(c, docs, fds, nfds, types, why)) != ST_OK)
		return st;
	if ((st = disk_reserve_ok(c, fds, nfds)) != ST_OK)
		return st;
	if ((st = begin_on(c, code, &q)) != ST_OK)
		return st;
	version = sqlite3_column_int(q, COL_VERSION) + 1;
	if (case_row_state(q) != CS_RETURNED) {
		why->extra = json_pack("{s:s, s:s}", "state", case_col_text(q, COL_STATE), "event", "supplement");
		st = ST_BAD_STATE;
	}
	if (st == ST_OK)
		st = case_key(c, q, key);
	if (st == ST_OK)
		st = update_materials(c, sqlite3_column_int64(q, COL_ID), version, json_object_get(body, "materials"),
				      why);
	if (st == ST_OK)
		st =
		    materials_complete(c, sqlite3_column_int64(q, COL_ID), case_get_text(body, "incomplete_note"), why);
	if (st == ST_OK)
		st = store_documents(c, sqlite3_column_int64(q, COL_ID), key, docs, fds, nfds, types,
				     json_object_get(body, "documents"), version, &sf, why);
	if (st == ST_OK) {
		u = store_prepare(c->db,
				  "UPDATE cases SET version = ?2, receipt_state = 'pending', central_note = NULL "
				  "WHERE id = ?1");
		st = u ? ST_OK : ST_IO;
		if (u) {
			sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, COL_ID));
			sqlite3_bind_int(u, 2, version);
			st = store_status(sqlite3_step(u));
		}
		store_finish(u);
	}
	snprintf(detail, sizeof(detail), "version %d, %u documents", version, nfds);
	if (st == ST_OK)
		st = transition(c, sqlite3_column_int64(q, COL_ID), code, CS_RETURNED, LC_SUPPLEMENT, s->username,
				detail, why);
	vault_wipe(key, sizeof(key));
	st = end_on(c, q, st);
	if (st != ST_OK)
		unstore(c, &sf);
	return st;
}

/* --- scanned documents ------------------------------------------------------ */

static bool material_exists(struct core *c, int64_t case_id, int material)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM case_materials WHERE case_id = ?1 AND position = ?2");
	bool found;

	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, case_id);
	sqlite3_bind_int(q, 2, material);
	found = sqlite3_step(q) == SQLITE_ROW;
	store_finish(q);
	return found;
}

enum status cases_attach_scans(struct core *c, const char *username, json_t *docs, const int *fds, unsigned n,
			       struct case_error *why)
{
	struct stored_files sf = {.n = 0};
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (n > MSG_MAX_FDS)
		return ST_TOO_MANY_DOCUMENTS;
	if ((st = disk_reserve_ok(c, fds, n)) != ST_OK)
		return st;
	if ((st = store_begin(c->db)) != ST_OK)
		return st;
	/* All of the stack or none of it: one transaction over its cases. */
	for (unsigned i = 0; st == ST_OK && i < n; i++) {
		json_t *d = json_array_get(docs, i);
		const char *code = json_string_value(json_object_get(d, "case"));
		int material = (int)json_integer_value(json_object_get(d, "material"));
		enum doc_type type = DOC_PDF;
		uint8_t key[VAULT_KEY_LEN];
		sqlite3_stmt *q = NULL;
		enum case_state cs;
		char detail[96];

		st = code ? case_load(c, code, &q) : ST_NOT_FOUND;
		if (st == ST_NOT_FOUND)
			why->extra = json_pack("{s:s}", "case", code ? code : "");
		if (st != ST_OK)
			break;
		cs = case_row_state(q);
		if (cs != CS_DRAFT && cs != CS_RECEIVED && cs != CS_QUEUED && cs != CS_RETURNED) {
			why->extra = json_pack("{s:s, s:s, s:s}", "case", code, "state", case_col_text(q, COL_STATE),
					       "event", "scan");
			st = ST_BAD_STATE;
		}
		if (st == ST_OK && !material_exists(c, sqlite3_column_int64(q, COL_ID), material)) {
			why->field = "material";
			why->extra = json_pack("{s:s, s:i}", "case", code, "material", material);
			st = ST_BAD_FIELD;
		}
		if (st == ST_OK && doc_type_of_fd(fds[i]) != DOC_PDF)
			st = ST_BAD_DOCUMENT_TYPE;
		if (st == ST_OK)
			st = case_key(c, q, key);
		if (st == ST_OK) {
			char name[64];
			json_t *one, *mat = json_pack("[{s:i}]", "material", material);

			snprintf(name, sizeof(name), "扫描件-材料%d.pdf", material);
			one = json_pack("[{s:s}]", "filename", name);
			st = one && mat ? store_documents(c, sqlite3_column_int64(q, COL_ID), key, one, fds + i, 1,
							  &type, mat, sqlite3_column_int(q, COL_VERSION), &sf, why)
					: ST_NOMEM;
			json_decref(one);
			json_decref(mat);
			vault_wipe(key, sizeof(key));
		}
		snprintf(detail, sizeof(detail), "material %d, %lld pages", material,
			 (long long)json_integer_value(json_object_get(d, "pages")));
		if (st == ST_OK)
			st = audit_append(c->db, c->vault, (int64_t)core_now(), username, "case.scan", code, detail);
		store_finish(q);
	}
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK) {
		store_rollback(c->db);
		unstore(c, &sf);
	}
	return st;
}

/* --- pickup ------------------------------------------------------------------ */

/* Counts a failed check; locks the case's pickup after too many. */
static void pickup_failed(struct core *c, const struct session *s, int64_t id, const char *code, int failures)
{
	sqlite3_stmt *u = store_prepare(c->db, "UPDATE cases SET pickup_failures = ?2, pickup_locked_until = ?3 "
					       "WHERE id = ?1");
	int64_t now = (int64_t)core_now();
	bool lock = (unsigned)failures >= c->cfg.pickup_max_failures;

	if (!u || store_begin(c->db) != ST_OK) {
		store_finish(u);
		return;
	}
	sqlite3_bind_int64(u, 1, id);
	sqlite3_bind_int(u, 2, lock ? 0 : failures);
	sqlite3_bind_int64(u, 3, lock ? now + c->cfg.pickup_lock_seconds : 0);
	if (store_status(sqlite3_step(u)) == ST_OK &&
	    audit_append(c->db, c->vault, now, s->username, lock ? "pickup.locked" : "pickup.failed", code, NULL) ==
		ST_OK)
		store_commit(c->db);
	else
		store_rollback(c->db);
	store_finish(u);
}

static bool same_text(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned diff = n != strlen(b);

	/* Constant time in the length: the codes are secrets. */
	for (size_t i = 0; i < n && !diff; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return diff == 0;
}

enum status cases_pickup(struct core *c, const struct session *s, const char *code, json_t *body,
			 struct case_error *why)
{
	json_t *collector = json_object_get(body, "collector");
	const char *kind = case_get_text(collector, "kind"), *given_code = case_get_text(body, "pickup_code");
	const char *given_last4 = case_get_text(body, "id_last4");
	uint8_t key[VAULT_KEY_LEN];
	char id[ID_MAX + 1], last4[5] = "";
	struct party agent = {0};
	struct sealed agent_id = {0};
	sqlite3_stmt *q = NULL, *ins;
	enum case_state state;
	bool match = false;
	int64_t id_row, now = (int64_t)core_now();
	int failures;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (!given_code && !given_last4)
		return fail_field(why, "pickup_code", ST_MISSING_FIELD);
	if (!kind || (strcmp(kind, "applicant") != 0 && strcmp(kind, "agent") != 0))
		return fail_field(why, "collector", ST_MISSING_FIELD);
	if (strcmp(kind, "agent") == 0 && (st = parse_party(collector, false, (time_t)now, &agent, "collector_", why)))
		return st;
	if ((st = case_load(c, code, &q)) != ST_OK)
		return st;
	state = case_row_state(q);
	id_row = sqlite3_column_int64(q, COL_ID);
	failures = sqlite3_column_int(q, COL_PICKUP_FAILURES);
	if (state == CS_COLLECTED || state == CS_CLOSED) {
		store_finish(q);
		return ST_ALREADY_COLLECTED;
	}
	if (state != CS_READY) {
		why->extra = json_pack("{s:s}", "state", lifecycle_state_name(state));
		store_finish(q);
		return ST_NOT_READY;
	}
	if (sqlite3_column_int64(q, COL_PICKUP_LOCKED) > now) {
		store_finish(q);
		return ST_PICKUP_LOCKED;
	}
	st = case_key(c, q, key);
	if (st == ST_OK && given_code) {
		char stored[PICKUP_CODE_MAX];

		st = case_unseal_col(q, COL_PICKUP_SEALED, key, "pickup_code", stored, sizeof(stored));
		match = st == ST_OK && stored[0] && same_text(given_code, stored);
		vault_wipe(stored, sizeof(stored));
	} else if (st == ST_OK) {
		st = case_unseal_col(q, COL_ID_SEALED, key, "id_number", id, sizeof(id));
		if (st == ST_OK && strlen(id) >= 4 && strlen(given_last4) == 4) {
			char given[5];

			for (int i = 0; i < 5; i++)
				given[i] = given_last4[i] == 'x' ? 'X' : given_last4[i];
			snprintf(last4, sizeof(last4), "%s", id + strlen(id) - 4);
			match = same_text(given, last4);
		}
		vault_wipe(id, sizeof(id));
	}
	store_finish(q);
	q = NULL;
	if (st != ST_OK) {
		vault_wipe(key, sizeof(key));
		return st;
	}
	if (!match) {
		vault_wipe(key, sizeof(key));
		pickup_failed(c, s, id_row, code, failures + 1);
		return fail_field(why, given_code ? "pickup_code" : "id_last4", ST_PICKUP_MISMATCH);
	}
	if (agent.name)
		st = seal_text(key, "collector_id_number", agent.id, &agent_id);
	vault_wipe(key, sizeof(key));
	if (st == ST_OK && (st = begin_on(c, code, &q)) != ST_OK)
		return st;
	ins = store_prepare(c->db, "INSERT INTO pickups (case_id, collector, collector_name, collector_id_sealed, "
				   "method, staff_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	st = ins ? ST_OK : ST_IO;
	if (ins) {
		sqlite3_bind_int64(ins, 1, id_row);
		sqlite3_bind_text(ins, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, agent.name, -1, SQLITE_STATIC);
		bind_sealed(ins, 4, agent.name ? &agent_id : NULL);
		sqlite3_bind_text(ins, 5, given_code ? "pickup_code" : "id_last4", -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, s->staff_id);
		sqlite3_bind_int64(ins, 7, now);
		st = store_status(sqlite3_step(ins));
	}
	store_finish(ins);
	vault_wipe(&agent_id, sizeof(agent_id));
	if (st == ST_OK) /* the pickup is a service of its own, rated on its slip */
		st = register_rating(c, "pickup", id_row, code);
	if (st == ST_OK)
		st = transition(c, id_row, code, CS_READY, LC_COLLECT, s->username,
				strcmp(kind, "agent") == 0 ? "collected by an agent" : "collected by the applicant",
				why);
	return end_on(c, q, st);
}

/* --- events from central ------------------------------------------------------ */

bool cases_central_seen(struct core *c, const char *id)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM central_events WHERE id = ?1");
	bool seen;

	if (!q)
		return false;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	seen = sqlite3_step(q) == SQLITE_ROW;
	store_finish(q);
	return seen;
}

/* Records an event (in the caller's transaction, or in its own with own)
 * and moves the feed's cursor when the event carries it. */
enum status cases_central_record(struct core *c, const char *id, const char *event, const char *code, bool applied,
				 const char *problem, const char *cursor, bool own)
{
	sqlite3_stmt *q;
	enum status st = own ? store_begin(c->db) : ST_OK;

	if (st != ST_OK)
		return st;
	q = store_prepare(c->db, "INSERT OR IGNORE INTO central_events (id, event, code, applied, problem, at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	st = q ? ST_OK : ST_IO;
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, event, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, code, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, applied);
		sqlite3_bind_text(q, 5, problem, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, (int64_t)core_now());
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	if (st == ST_OK && cursor && *cursor) {
		q = store_prepare(c->db, "UPDATE sync_state SET cursor = ?1");
		st = q ? ST_OK : ST_IO;
		if (q) {
			sqlite3_bind_text(q, 1, cursor, -1, SQLITE_STATIC);
			st = store_status(sqlite3_step(q));
		}
		store_finish(q);
	}
	if (own) {
		if (st == ST_OK)
			st = store_commit(c->db);
		if (st != ST_OK)
			store_rollback(c->db);
	}
	if (!applied)
		log_warn("central event %s (%s for %s) recorded, not applied: %s", id, event, code, problem);
	return st;
}

enum status cases_central_event(struct core *c, json_t *body, struct case_error *why)
{
	const char *code = NULL, *event = NULL, *number = NULL, *note = NULL, *decision = NULL, *event_id = NULL,
		   *cursor = NULL;
	sqlite3_stmt *q = NULL, *u;
	char detail[300];
	int ev;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (json_unpack(body, "{s:s, s:s, s?s, s?s, s?s, s?s, s?s}", "code", &code, "event", &event, "official_number",
			&number, "note", &note, "decision", &decision, "event_id", &event_id, "cursor", &cursor) != 0)
		return ST_PROTO;
	ev = lifecycle_event_parse(event);
	if (ev != LC_QUEUE && ev != LC_SEND && ev != LC_ACCEPT && ev != LC_RETURN && ev != LC_REJECT &&
	    ev != LC_DECIDE && ev != LC_READY)
		return ST_PROTO;
	if ((ev == LC_ACCEPT && !number) ||
	    (ev == LC_DECIDE && (!decision || (strcmp(decision, "approved") != 0 && strcmp(decision, "denied") != 0))))
		return ST_PROTO;
	if (event_id && cases_central_seen(c, event_id))
		return ST_OK; /* a replay: already applied, or recorded as not applicable */
	if ((st = begin_on(c, code, &q)) != ST_OK) {
		if (event_id)
			cases_central_record(c, event_id, event, code, false, status_name(st), cursor, true);
		return st;
	}
	u = store_prepare(c->db, "UPDATE cases SET official_number = coalesce(?2, official_number), "
				 "central_note = CASE WHEN ?5 THEN NULL ELSE coalesce(?3, central_note) END, "
				 "decision = coalesce(?4, decision) WHERE id = ?1");
	st = u ? ST_OK : ST_IO;
	if (u) {
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, COL_ID));
		sqlite3_bind_text(u, 2, number, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 3, note, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 4, decision, -1, SQLITE_STATIC);
		sqlite3_bind_int(u, 5, ev == LC_SEND); /* taken: an earlier refusal no longer stands */
		st = store_status(sqlite3_step(u));
	}
	store_finish(u);
	snprintf(detail, sizeof(detail), "%s%s%s%s", number ? number : "", decision ? decision : "", note ? " " : "",
		 note ? note : "");
	if (st == ST_OK)
		st = transition(c, sqlite3_column_int64(q, COL_ID), code, case_row_state(q), (enum case_event)ev,
				ev == LC_QUEUE || ev == LC_SEND ? "sync" : "central", detail, why);
	/* The event's id and the feed's cursor commit with its effect. */
	if (st == ST_OK && event_id)
		st = cases_central_record(c, event_id, event, code, true, NULL, cursor, false);
	st = end_on(c, q, st);
	if (st != ST_OK && st != ST_IO && event_id) /* does not fit the case: recorded and shown, not applied */
		cases_central_record(c, event_id, event, code, false, status_name(st), cursor, true);
	return st;
}

/* --- purge after retention ----------------------------------------------------- */

/* Crypto-shreds one case: the wrapped key, the sealed numbers, the names and
 * the document files go; item, department, dates and state stay for the
 * statistics. */
static enum status purge_case(struct core *c, int64_t id, const char *code, enum case_state from)
{
	struct stored_files sf = {.n = 0};
	sqlite3_stmt *f = NULL, *u;
	enum status st = store_begin(c->db);

	if (st != ST_OK)
		return st;
	f = store_prepare(c->db, "SELECT file FROM case_documents WHERE case_id = ?1 AND file IS NOT NULL");
	st = f ? ST_OK : ST_IO;
	if (f) {
		sqlite3_bind_int64(f, 1, id);
		while (sqlite3_step(f) == SQLITE_ROW && sf.n < MSG_MAX_FDS)
			snprintf(sf.names[sf.n++], DOCSTORE_NAME_HEX, "%s", case_col_text(f, 0));
	}
	store_finish(f);
	u = store_prepare(c->db,
			  "UPDATE cases SET case_key = NULL, applicant_name = '', id_sealed = NULL, "
			  "id_hash = NULL, phone_sealed = NULL, phone_hash = NULL, agent_name = NULL, "
			  "agent_id_sealed = NULL, agent_id_hash = NULL, pickup_code = NULL, pickup_sealed = NULL, "
			  "incomplete_note = NULL, central_note = NULL WHERE id = ?1");
	if (st == ST_OK && u) {
		sqlite3_bind_int64(u, 1, id);
		st = store_status(sqlite3_step(u));
	} else {
		st = ST_IO;
	}
	store_finish(u);
	u = store_prepare(c->db,
			  "UPDATE pickups SET collector_name = NULL, collector_id_sealed = NULL WHERE case_id = ?1");
	if (st == ST_OK && u) {
		sqlite3_bind_int64(u, 1, id);
		st = store_status(sqlite3_step(u));
	}
	store_finish(u);
	u = store_prepare(c->db, "UPDATE case_documents SET file = NULL, filename = '', sha256 = '', "
				 "filename_sealed = NULL, sha256_sealed = NULL WHERE case_id = ?1");
	if (st == ST_OK && u) {
		sqlite3_bind_int64(u, 1, id);
		st = store_status(sqlite3_step(u));
	}
	store_finish(u);
	if (st == ST_OK)
		st = transition(c, id, code, from, LC_PURGE, "system", "retention reached", NULL);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK) {
		store_rollback(c->db);
		return st;
	}
	/* The key is gone with the commit; the files are unreadable already and
	 * are removed now. */
	for (unsigned i = 0; i < sf.n; i++)
		docstore_remove(c->docs, sf.names[i]);
	return ST_OK;
}

unsigned cases_purge_due(struct core *c)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT id, code, state FROM cases "
					       "WHERE state IN ('closed', 'discarded', 'withdrawn') "
					       "AND coalesce(closed_at, updated_at) <= ?1 LIMIT 100");
	struct {
		int64_t id;
		char code[CASECODE_MAX];
		enum case_state state;
	} due[100];
	unsigned n = 0, done = 0;

	if (!q)
		return 0;
	sqlite3_bind_int64(q, 1, (int64_t)core_now() - (int64_t)c->cfg.retention_days * 86400);
	while (n < 100 && sqlite3_step(q) == SQLITE_ROW) {
		due[n].id = sqlite3_column_int64(q, 0);
		snprintf(due[n].code, sizeof(due[n].code), "%s", case_col_text(q, 1));
		due[n].state = (enum case_state)lifecycle_state_parse(case_col_text(q, 2));
		n++;
	}
	store_finish(q);
	for (unsigned i = 0; i < n; i++)
		done += purge_case(c, due[i].id, due[i].code, due[i].state) == ST_OK;
	if (done) {
		log_info("purged the personal data of %u cases past %u days", done, c->cfg.retention_days);
		/* The old rows are overwritten in the database (secure_delete), not
		 * in the WAL's earlier frames: empty it. */
		if (c->checkpointer)
			store_checkpointer_truncate(c->checkpointer);
	}
	return done;
}

/* --- reading ------------------------------------------------------------------ */

enum status cases_manifest(struct core *c, const char *code, json_t **out, json_t *docs, int *fds, unsigned max_fds,
			   unsigned *nfds)
{
	char id[ID_MAX + 1] = "", phone[ID_MAX + 1] = "", agent_id[ID_MAX + 1] = "", received[TIMEFMT_RFC3339_LEN];
	uint8_t key[VAULT_KEY_LEN];
	sqlite3_stmt *q = NULL, *d;
	json_t *j = NULL, *list = json_array();
	enum status st = case_load(c, code, &q);
	int64_t case_id;

	*out = NULL;
	if (st != ST_OK) {
		json_decref(list);
		return st;
	}
	case_id = sqlite3_column_int64(q, COL_ID);
	st = case_key(c, q, key);
	if (st == ST_OK)
		st = case_unseal_person(q, key, id, phone, agent_id);
	timefmt_rfc3339((time_t)sqlite3_column_int64(q, COL_RECEIVED), received);
	/* The documents, decrypted into memfds for the sync process. */
	d = st == ST_OK ? store_prepare(c->db, "SELECT position, material, filename_sealed, media_type, size, "
					       "sha256_sealed, file FROM case_documents WHERE case_id = ?1 "
					       "AND file IS NOT NULL ORDER BY position")
			: NULL;
	if (d) {
		sqlite3_bind_int64(d, 1, case_id);
		while (st == ST_OK && sqlite3_step(d) == SQLITE_ROW) {
			char name[FILENAME_MAX_BYTES + 1], sha[DOCSTORE_SHA_HEX];
			int fd = -1;

			if (*nfds == max_fds) {
				st = ST_TOO_MANY_DOCUMENTS;
				break;
			}
			st = case_unseal_document(d, 2, 5, key, name, sha);
			if (st == ST_OK)
				st = docstore_read(c->docs, case_col_text(d, 6), key,
						   (uint64_t)sqlite3_column_int64(d, 4), &fd);
			if (st != ST_OK)
				break;
			fds[(*nfds)++] = fd;
			json_array_append_new(list, json_pack("{s:o, s:s, s:s, s:I, s:s, s:i}", "material",
							      sqlite3_column_type(d, 1) == SQLITE_NULL
								  ? json_null()
								  : json_integer(sqlite3_column_int(d, 1)),
							      "filename", name, "media_type", case_col_text(d, 3),
							      "size", (json_int_t)sqlite3_column_int64(d, 4), "sha256",
							      sha, "index", (int)json_array_size(docs)));
			json_array_append_new(docs, json_pack("{s:s, s:s, s:s, s:s, s:I}", "case", code, "sha256", sha,
							      "filename", name, "media_type", case_col_text(d, 3),
							      "size", (json_int_t)sqlite3_column_int64(d, 4)));
		}
	}
	store_finish(d);
	vault_wipe(key, sizeof(key));
	if (st == ST_OK)
		j = json_pack(
		    "{s:s, s:i, s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:o, s:o, s:o, s:o, s:o}", "code",
		    code, "version", sqlite3_column_int(q, COL_VERSION), "item", "code",
		    case_col_text(q, COL_ITEM_CODE), "name", case_col_text(q, COL_ITEM_NAME), "received_at", received,
		    "promised_by", case_col_text(q, COL_PROMISED), "applicant", "kind", case_col_text(q, COL_KIND),
		    "name", case_col_text(q, COL_NAME), "id_type", case_col_text(q, COL_ID_TYPE), "id_number", id,
		    "phone", phone, "agent",
		    sqlite3_column_int(q, COL_BY_AGENT)
			? json_pack("{s:s, s:s, s:s}", "name", case_col_text(q, COL_AGENT_NAME), "id_type",
				    case_col_text(q, COL_AGENT_ID_TYPE), "id_number", agent_id)
			: json_null(),
		    "ticket", case_opt_text(q, COL_TICKET), "incomplete_note", case_opt_text(q, COL_NOTE), "materials",
		    case_materials_json(c, case_id), "documents", list);
	else
		json_decref(list);
	vault_wipe(id, sizeof(id));
	vault_wipe(phone, sizeof(phone));
	vault_wipe(agent_id, sizeof(agent_id));
	store_finish(q);
	*out = j;
	return st == ST_OK && !j ? ST_NOMEM : st;
}

/* --- printing ------------------------------------------------------------------ */

static void slip_materials(struct core *c, int64_t case_id, struct receipt *r, char lines[][256], unsigned max)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT name, received_form, copies FROM case_materials "
					       "WHERE case_id = ?1 AND received = 1 ORDER BY position");

	if (!q)
		return;
	sqlite3_bind_int64(q, 1, case_id);
	snprintf(lines[r->nlines], 256, "收件材料：");
	r->lines[r->nlines] = lines[r->nlines];
	r->nlines++;
	while (r->nlines < max && sqlite3_step(q) == SQLITE_ROW) {
		snprintf(lines[r->nlines], 256, "  %s（%s）%d 份", case_col_text(q, 0),
			 strcmp(case_col_text(q, 1), "copy") == 0 ? "复印件" : "原件", sqlite3_column_int(q, 2));
		r->lines[r->nlines] = lines[r->nlines];
		r->nlines++;
	}
	store_finish(q);
}

/* The separator sheets after a cover: one per received material. */
static void slip_separators(struct core *c, int64_t case_id, struct receipt *r)
{
	static char names[RECEIPT_MAX_SEPARATORS][256];
	sqlite3_stmt *q = store_prepare(c->db, "SELECT position, pages, name FROM case_materials "
					       "WHERE case_id = ?1 AND received = 1 ORDER BY position");

	if (!q)
		return;
	sqlite3_bind_int64(q, 1, case_id);
	while (r->nseparators < RECEIPT_MAX_SEPARATORS && sqlite3_step(q) == SQLITE_ROW) {
		unsigned i = r->nseparators++;

		snprintf(names[i], sizeof(names[0]), "%s", case_col_text(q, 2));
		r->separators[i] = (struct receipt_separator){
		    .material = sqlite3_column_int(q, 0), .pages = sqlite3_column_int(q, 1), .name = names[i]};
	}
	store_finish(q);
}

enum status cases_slip(struct core *c, const char *code, enum receipt_kind kind, json_t **out, int64_t *case_id)
{
	static char lines[RECEIPT_MAX_LINES][256];
	char masked_name[128], when[32], inquiry[256], pickup[PICKUP_CODE_MAX] = "";
	char rating_code[RATECODE_LEN] = "", rating_url[320] = "", service[80];
	uint8_t key[VAULT_KEY_LEN];
	sqlite3_stmt *q = NULL;
	struct receipt r;
	time_t t;
	struct tm tm;
	enum status st = case_load(c, code, &q);

	if (st != ST_OK)
		return st;
	if (case_row_state(q) == CS_PURGED) {
		store_finish(q);
		return ST_PURGED;
	}
	*case_id = sqlite3_column_int64(q, COL_ID);
	if (kind == RECEIPT_INTAKE) {
		st = case_key(c, q, key);
		if (st == ST_OK)
			st = case_unseal_col(q, COL_PICKUP_SEALED, key, "pickup_code", pickup, sizeof(pickup));
		vault_wipe(key, sizeof(key));
		if (st != ST_OK) {
			log_err("case %s: its pickup code does not decrypt", code);
			store_finish(q);
			return st;
		}
	}
	t = kind == RECEIPT_HANDOVER ? (time_t)core_now() : (time_t)sqlite3_column_int64(q, COL_CREATED);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	if (strcmp(case_col_text(q, COL_KIND), "org") == 0)
		snprintf(masked_name, sizeof(masked_name), "%s", case_col_text(q, COL_NAME));
	else
		receipt_mask_name(case_col_text(q, COL_NAME), masked_name, sizeof(masked_name));
	if (c->cfg.office_phone[0])
		snprintf(inquiry, sizeof(inquiry), "咨询电话：%s", c->cfg.office_phone);
	else
		inquiry[0] = '\0';
	/* The intake and the pickup are services of their own, each rated once. */
	if (kind == RECEIPT_INTAKE || kind == RECEIPT_HANDOVER) {
		const char *what = kind == RECEIPT_INTAKE ? "intake" : "pickup";

		rating_service(what, code, service, sizeof(service));
		if (ratecode_make(c, what, 0, *case_id, service, rating_code) != ST_OK)
			rating_code[0] = '\0';
		ratecode_phone_url(c, what, code, rating_url, sizeof(rating_url));
	}
	r = (struct receipt){
	    .kind = kind,
	    .office_name = c->cfg.office_name,
	    .case_code = code,
	    .item_name = case_col_text(q, COL_ITEM_NAME),
	    .department = case_col_text(q, COL_DEPARTMENT),
	    .applicant = masked_name,
	    .received_at = when,
	    .promised_by = kind == RECEIPT_INTAKE ? case_col_text(q, COL_PROMISED) : "",
	    .pickup_code = pickup,
	    .inquiry = kind == RECEIPT_INTAKE ? inquiry : "",
	    .rating_code = rating_code,
	    .rating_url = rating_url,
	    .documents = 0,
	};
	if (kind == RECEIPT_INTAKE) {
		slip_materials(c, *case_id, &r, lines, RECEIPT_MAX_LINES - 3);
		if (sqlite3_column_type(q, COL_NOTE) != SQLITE_NULL) {
			snprintf(lines[r.nlines], 256, "容缺受理：%s", case_col_text(q, COL_NOTE));
			r.lines[r.nlines] = lines[r.nlines];
			r.nlines++;
		}
		if (sqlite3_column_int(q, COL_VERSION) > 1) {
			snprintf(lines[r.nlines], 256, "补正材料：第 %d 次提交", sqlite3_column_int(q, COL_VERSION));
			r.lines[r.nlines] = lines[r.nlines];
			r.nlines++;
		}
	} else if (kind == RECEIPT_COVER) {
		slip_separators(c, *case_id, &r);
	} else if (kind == RECEIPT_HANDOVER) {
		snprintf(lines[0], 256, "领 取 人：%s",
			 sqlite3_column_int(q, COL_BY_AGENT) ? "代办人（已核验证件）" : "申请人本人");
		r.lines[r.nlines++] = lines[0];
		if (sqlite3_column_type(q, COL_OFFICIAL) != SQLITE_NULL) {
			snprintf(lines[1], 256, "受 理 号：%s", case_col_text(q, COL_OFFICIAL));
			r.lines[r.nlines++] = lines[1];
		}
	}
	{
		sqlite3_stmt *n = store_prepare(
		    c->db,
		    kind == RECEIPT_COVER
			? "SELECT coalesce(sum(pages), 0) FROM case_materials WHERE case_id = ?1 AND received = 1"
			: "SELECT count(*) FROM case_documents WHERE case_id = ?1");

		if (n) {
			sqlite3_bind_int64(n, 1, *case_id);
			if (sqlite3_step(n) == SQLITE_ROW)
				r.documents = sqlite3_column_int(n, 0);
		}
		store_finish(n);
	}
	if (kind == RECEIPT_HANDOVER) {
		/* Who collected, from the pickup record. */
		sqlite3_stmt *p =
		    store_prepare(c->db, "SELECT collector, collector_name FROM pickups WHERE case_id = ?1");

		if (p) {
			sqlite3_bind_int64(p, 1, *case_id);
			if (sqlite3_step(p) == SQLITE_ROW && strcmp(case_col_text(p, 0), "agent") == 0) {
				char masked[128];

				receipt_mask_name(case_col_text(p, 1), masked, sizeof(masked));
				snprintf(lines[0], 256, "领 取 人：代办人 %s（已核验证件）", masked);
			} else if (sqlite3_column_type(p, 0) != SQLITE_NULL) {
				snprintf(lines[0], 256, "领 取 人：申请人本人");
			}
		}
		store_finish(p);
	}
	/* r's strings point into q's row: it is finished last. */
	*out = receipt_to_json(&r);
	store_finish(q);
	vault_wipe(pickup, sizeof(pickup));
	return *out ? ST_OK : ST_NOMEM;
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

void cases_audit_print(struct core *c, const struct session *s, const char *code, enum receipt_kind kind)
{
	static const char *const what[__RECEIPT_KIND_MAX] = {"print.receipt", "print.cover", "print.handover",
							     "print.ticket"};

	audit_append(c->db, c->vault, (int64_t)core_now(), case_actor(s), what[kind], code, NULL);
}

/* --- schema 10: sealing what older versions kept in clear ------------------------------ */

/* The data key of case code, wrapped in column col of q; false when the
 * case has none any more (purged) or it does not open (*st says so: the
 * box refuses to start rather than drop what a restored box.key might
 * still open). */
static bool row_key(struct core *c, sqlite3_stmt *q, int col, const char *code, uint8_t key[VAULT_KEY_LEN],
		    enum status *st)
{
	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return false;
	*st = vault_unwrap_case_key(c->vault, code, sqlite3_column_blob(q, col), (size_t)sqlite3_column_bytes(q, col),
				    key);
	if (*st != ST_OK)
		log_err("case %s: its key does not open with this box.key", code);
	return *st == ST_OK;
}

/* Seals the pickup code of the case after id, if any; *id moves on, 0 when
 * none is left. */
static enum status seal_next_case(struct core *c, int64_t *id)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT id, code, case_key, pickup_code FROM cases "
					       "WHERE pickup_code IS NOT NULL AND id > ?1 ORDER BY id LIMIT 1");
	sqlite3_stmt *u = store_prepare(c->db, "UPDATE cases SET pickup_sealed = ?2, pickup_code = NULL WHERE id = ?1");
	struct sealed code_sealed = {0};
	uint8_t key[VAULT_KEY_LEN];
	enum status st = q && u ? ST_OK : ST_IO;
	int rc;

	if (st == ST_OK) {
		sqlite3_bind_int64(q, 1, *id);
		rc = sqlite3_step(q);
		*id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
		st = rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : store_status(rc);
	}
	if (st == ST_OK && *id) {
		if (row_key(c, q, 2, case_col_text(q, 1), key, &st))
			st = seal_text(key, "pickup_code", case_col_text(q, 3), &code_sealed);
		vault_wipe(key, sizeof(key));
		sqlite3_bind_int64(u, 1, *id);
		bind_sealed(u, 2, code_sealed.len ? &code_sealed : NULL);
		if (st == ST_OK)
			st = store_status(sqlite3_step(u));
	}
	vault_wipe(&code_sealed, sizeof(code_sealed));
	store_finish(q);
	store_finish(u);
	return st;
}

/* The same for the file name and SHA-256 of the document after (case_id,
 * position). */
static enum status seal_next_document(struct core *c, int64_t *case_id, int *position)
{
	sqlite3_stmt *q =
	    store_prepare(c->db, "SELECT d.case_id, d.position, c.code, c.case_key, d.filename, d.sha256 "
				 "FROM case_documents d JOIN cases c ON c.id = d.case_id "
				 "WHERE (d.filename <> '' OR d.sha256 <> '') AND (d.case_id, d.position) > (?1, ?2) "
				 "ORDER BY d.case_id, d.position LIMIT 1");
	sqlite3_stmt *u = store_prepare(c->db, "UPDATE case_documents SET filename_sealed = ?3, sha256_sealed = ?4, "
					       "filename = '', sha256 = '' WHERE case_id = ?1 AND position = ?2");
	struct sealed name = {0}, sha = {0};
	uint8_t key[VAULT_KEY_LEN];
	enum status st = q && u ? ST_OK : ST_IO;
	int rc;

	if (st == ST_OK) {
		sqlite3_bind_int64(q, 1, *case_id);
		sqlite3_bind_int(q, 2, *position);
		rc = sqlite3_step(q);
		*case_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
		*position = rc == SQLITE_ROW ? sqlite3_column_int(q, 1) : 0;
		st = rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : store_status(rc);
	}
	if (st == ST_OK && *case_id) {
		if (row_key(c, q, 3, case_col_text(q, 2), key, &st)) {
			st = seal_text(key, "document_filename", case_col_text(q, 4), &name);
			if (st == ST_OK)
				st = seal_text(key, "document_sha256", case_col_text(q, 5), &sha);
		}
		vault_wipe(key, sizeof(key));
		sqlite3_bind_int64(u, 1, *case_id);
		sqlite3_bind_int(u, 2, *position);
		bind_sealed(u, 3, name.len ? &name : NULL);
		bind_sealed(u, 4, sha.len ? &sha : NULL);
		if (st == ST_OK)
			st = store_status(sqlite3_step(u));
	}
	vault_wipe(&name, sizeof(name));
	vault_wipe(&sha, sizeof(sha));
	store_finish(q);
	store_finish(u);
	return st;
}

enum status cases_seal_clear(struct core *c)
{
	int64_t clear = store_int(c->db,
				  "SELECT (SELECT count(*) FROM cases WHERE pickup_code IS NOT NULL) + "
				  "(SELECT count(*) FROM case_documents WHERE filename <> '' OR sha256 <> '')",
				  -1);
	int64_t id = 0, doc_case = 0;
	unsigned ncases = 0, ndocs = 0;
	int position = 0;
	enum status st;

	if (clear <= 0)
		return clear < 0 ? ST_IO : ST_OK;
	if ((st = store_begin(c->db)) != ST_OK)
		return st;
	while (st == ST_OK && (st = seal_next_case(c, &id)) == ST_OK && id)
		ncases++;
	while (st == ST_OK && (st = seal_next_document(c, &doc_case, &position)) == ST_OK && doc_case)
		ndocs++;
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK) {
		store_rollback(c->db);
		return st;
	}
	/* The clear values are overwritten in the database (secure_delete);
	 * the WAL's older frames go too.  Before the loop runs: it may wait. */
	sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	log_info("sealed the pickup codes of %u cases and the file names and hashes of %u documents that an older "
		 "version kept in clear",
		 ncases, ndocs);
	return ST_OK;
}

/* --- what a crash leaves ---------------------------------------------------------- */

static bool document_referenced(void *ud, const char *name)
{
	struct core *c = ud;
	sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM case_documents WHERE file = ?1");
	int rc;

	if (!q)
		return true;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	store_finish(q);
	/* Only a clear "no row" lets the file go. */
	return rc != SQLITE_DONE;
}

void cases_sweep_orphans(struct core *c)
{
	unsigned orphans = 0, leftovers = 0;

	/*
	 * Why a grace: the core writes a document before the row naming it
	 * commits, and a commit still in the WAL at a crash is read back here
	 * like any other, so at start every unreferenced file of this box is an
	 * orphan.  The grace keeps what the core cannot see: a second outpostd
	 * started by mistake on the same folder (its intake writes the file
	 * first) and a restore that copies documents/ before outpost.db.  The
	 * files' times are the kernel's, so the real clock judges them.
	 */
	if (docstore_sweep(c->docs, time(NULL), c->cfg.orphan_grace_s, document_referenced, c, &orphans, &leftovers) !=
	    ST_OK)
		log_warn("the document store was not swept entirely");
	if (orphans || leftovers)
		log_info("removed %u orphan document files and %u leftovers in documents/tmp (older than %u s)",
			 orphans, leftovers, c->cfg.orphan_grace_s);
}

/* --- schema 2 ------------------------------------------------------------------ */

enum status cases_upgrade_v2(struct core *c)
{
	int64_t legacy = store_int(c->db, "SELECT count(*) FROM sqlite_schema WHERE name = 'cases_v2'", -1);
	int64_t rows;

	if (legacy <= 0)
		return legacy < 0 ? ST_IO : ST_OK;
	rows = store_int(c->db, "SELECT count(*) FROM cases_v2", -1);
	if (rows != 0) {
		/* Only pre-release demo boxes ever held schema 2 cases. */
		log_err("the database holds %lld cases of a pre-release build with unencrypted personal data; "
			"export them and start with an empty state folder",
			(long long)rows);
		return ST_CONFIG;
	}
	return store_status(sqlite3_exec(c->db,
					 "BEGIN IMMEDIATE; DROP TABLE case_documents_v2; DROP TABLE documents_v2; "
					 "DROP TABLE cases_v2; DROP TABLE catalog_items_v2; COMMIT;",
					 NULL, NULL, NULL));
}
