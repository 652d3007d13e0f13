/* SPDX-License-Identifier: Apache-2.0 */
#include "ratings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cases_rows.h"
#include "common/entropy.h"
#include "common/log.h"
#include "common/rating.h"
#include "common/sign.h"
#include "common/store.h"
#include "common/timefmt.h"
#include "queue.h"
#include "ratecode.h"
#include "vault.h"

#define CODE_DAYS	  7 /* a 评价码 rates its service within a week */
#define PROMPT_SECONDS	  600
#define LOT_MAX		  100
#define COMMENT_MAX	  500
#define REASONS_MAX	  8
#define PHONE_MAX	  20
#define TABLET_KEY_BYTES  16
#define RATING_SEALED_MAX (COMMENT_MAX * 4 + VAULT_SEAL_EXTRA)

static const char *col(sqlite3_stmt *q, int i)
{
	const char *s = (const char *)sqlite3_column_text(q, i);

	return s ? s : "";
}

/* --- rating ---------------------------------------------------------------------------------- */

/* What is rated, as the code or the button found it. */
struct service {
	char kind[8], service[80], case_code[40], item_code[64], item_name[160], department[160];
	int64_t ticket_id, case_id, staff_id;
	int window;
	bool finished;
};

static bool service_of_ticket(struct core *c, int64_t ticket_id, struct service *sv)
{
	sqlite3_stmt *q = store_prepare(
	    c->db,
	    "SELECT t.day, t.label, t.state = 'done', t.window, t.staff_id, t.category_name, "
	    "x.id, x.code, x.item_code, x.item_name, x.department FROM tickets t "
	    "LEFT JOIN cases x ON x.id = (SELECT id FROM cases WHERE ticket = t.label AND created_at >= t.issued_at "
	    "ORDER BY id DESC LIMIT 1) WHERE t.id = ?1");
	bool found = false;

	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, ticket_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		found = true;
		snprintf(sv->kind, sizeof(sv->kind), "ticket");
		snprintf(sv->service, sizeof(sv->service), "ticket:%s-%s", col(q, 0), col(q, 1));
		sv->ticket_id = ticket_id;
		sv->finished = sqlite3_column_int(q, 2) != 0;
		sv->window = sqlite3_column_int(q, 3);
		sv->staff_id = sqlite3_column_int64(q, 4);
		/* A ticket served with a case is that case's item and department;
		 * one without (a consultation) is the office's own. */
		if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
			sv->case_id = sqlite3_column_int64(q, 6);
			snprintf(sv->case_code, sizeof(sv->case_code), "%s", col(q, 7));
			snprintf(sv->item_code, sizeof(sv->item_code), "%s", col(q, 8));
			snprintf(sv->item_name, sizeof(sv->item_name), "%s", col(q, 9));
			snprintf(sv->department, sizeof(sv->department), "%s", col(q, 10));
		} else {
			snprintf(sv->item_name, sizeof(sv->item_name), "%s", col(q, 5));
			snprintf(sv->department, sizeof(sv->department), "%s", c->cfg.office_name);
		}
	}
	store_finish(q);
	return found;
}

static bool service_of_case(struct core *c, const char *kind, int64_t case_id, struct service *sv)
{
	bool pickup = strcmp(kind, "pickup") == 0;
	sqlite3_stmt *q = store_prepare(
	    c->db, "SELECT x.code, x.item_code, x.item_name, x.department, x.state NOT IN ('draft', 'discarded'), "
		   "x.created_by, p.staff_id FROM cases x LEFT JOIN pickups p ON p.case_id = x.id WHERE x.id = ?1");
	bool found = false;

	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, case_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		found = true;
		snprintf(sv->kind, sizeof(sv->kind), "%s", pickup ? "pickup" : "intake");
		snprintf(sv->case_code, sizeof(sv->case_code), "%s", col(q, 0));
		rating_service(sv->kind, sv->case_code, sv->service, sizeof(sv->service));
		snprintf(sv->item_code, sizeof(sv->item_code), "%s", col(q, 1));
		snprintf(sv->item_name, sizeof(sv->item_name), "%s", col(q, 2));
		snprintf(sv->department, sizeof(sv->department), "%s", col(q, 3));
		sv->case_id = case_id;
		/* An intake is finished once the case is received; a pickup once collected. */
		sv->finished = pickup ? sqlite3_column_type(q, 6) != SQLITE_NULL : sqlite3_column_int(q, 4) != 0;
		sv->staff_id = sqlite3_column_int64(q, pickup ? 6 : 5);
	}
	store_finish(q);
	if (found && sv->staff_id) {
		q = store_prepare(c->db, "SELECT number FROM windows WHERE staff_id = ?1 ORDER BY number LIMIT 1");
		if (q) {
			sqlite3_bind_int64(q, 1, sv->staff_id);
			if (sqlite3_step(q) == SQLITE_ROW)
				sv->window = sqlite3_column_int(q, 0);
		}
		store_finish(q);
	}
	return found;
}

/* The service a 评价码 names, while it may be rated. */
static enum status service_of_code(struct core *c, const char *code, struct service *sv)
{
	char upper[RATECODE_LEN], lookup[2 * VAULT_HASH_LEN + 1], kind[8] = "";
	sqlite3_stmt *q;
	int64_t ticket_id = 0, case_id = 0, issued = 0;
	size_t n = 0;

	for (const char *p = code; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (n == 8)
			return ST_RATING_CODE; /* longer than a code */
		upper[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	upper[n] = '\0';
	if (n != 8 || strspn(upper, RATECODE_ALPHABET) != 8)
		return ST_RATING_CODE;
	ratecode_lookup(c, upper, lookup);
	q = store_prepare(c->db, "SELECT kind, ticket_id, case_id, issued_at FROM rating_codes WHERE code_hash = ?1");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, lookup, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(kind, sizeof(kind), "%s", col(q, 0));
		ticket_id = sqlite3_column_int64(q, 1);
		case_id = sqlite3_column_int64(q, 2);
		issued = sqlite3_column_int64(q, 3);
	}
	store_finish(q);
	if (!*kind || (int64_t)core_now() - issued > CODE_DAYS * 86400)
		return ST_RATING_CODE;
	memset(sv, 0, sizeof(*sv));
	if (!(strcmp(kind, "ticket") == 0 ? service_of_ticket(c, ticket_id, sv)
					  : service_of_case(c, kind, case_id, sv)))
		return ST_RATING_CODE;
	return sv->finished ? ST_OK : ST_NOT_RATEABLE;
}

/* Whether each reason is one of the list's codes. */
static bool reasons_listed(struct core *c, json_t *reasons)
{
	json_t *list = ratings_reasons(c), *v, *r;
	size_t i, k;
	bool ok = true;

	json_array_foreach(reasons, i, v)
	{
		bool found = false;

		json_array_foreach(list, k, r)
		{
			found |= json_is_string(v) &&
				 strcmp(json_string_value(json_object_get(r, "code")) ?: "", json_string_value(v)) == 0;
		}
		ok &= found;
	}
	json_decref(list);
	return ok;
}

json_t *ratings_reasons(struct core *c)
{
	sqlite3_stmt *q;
	json_t *list = NULL;

	/* Every rating and kiosk page asks: the catalog is read once it changes. */
	if (c->rating_reasons)
		return json_incref(c->rating_reasons);
	q = store_prepare(c->db, "SELECT json_extract(document, '$.rating_reasons') FROM catalog_meta");
	if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
		list = json_loads(col(q, 0), 0, NULL);
	store_finish(q);
	if (!json_is_array(list) || json_array_size(list) == 0) {
		json_decref(list);
		list = rating_default_reasons();
	}
	c->rating_reasons = json_incref(list);
	return list;
}

/* Seals text (a comment, a phone) for rating uid under the case's key or,
 * for a ticket, the local key; *len 0 when there is nothing. */
static enum status seal_text(struct core *c, const struct service *sv, const char *what, const char *uid,
			     const char *text, uint8_t *out, size_t *len)
{
	char aad[96];
	uint8_t key[VAULT_KEY_LEN];
	sqlite3_stmt *q = NULL;
	enum status st;

	*len = 0;
	if (!text || !*text)
		return ST_OK;
	snprintf(aad, sizeof(aad), "rating-%s:%s", what, uid);
	if (!sv->case_id || strcmp(sv->kind, "ticket") == 0) {
		st = vault_seal_local(c->vault, aad, text, strlen(text), out);
	} else {
		if ((st = case_load(c, sv->case_code, &q)) == ST_OK && (st = case_key(c, q, key)) == ST_OK)
			st = vault_seal(key, aad, text, strlen(text), out);
		store_finish(q);
		vault_wipe(key, sizeof(key));
	}
	if (st == ST_OK)
		*len = strlen(text) + VAULT_SEAL_EXTRA;
	return st;
}

static void staff_ref(struct core *c, int64_t staff_id, char out[17])
{
	char id[24], h[2 * VAULT_HASH_LEN + 1];

	snprintf(id, sizeof(id), "%lld", (long long)staff_id);
	vault_index_hex(c->vault, "staff_ref", id, h);
	snprintf(out, 17, "%.16s", h);
}

/* Stores a rating of sv; ST_ALREADY_RATED when the service has one. */
static enum status store_rating(struct core *c, const struct service *sv, int level, json_t *reasons,
				const char *comment, const char *phone, const char *channel)
{
	uint8_t sealed_comment[RATING_SEALED_MAX], sealed_phone[PHONE_MAX + VAULT_SEAL_EXTRA];
	size_t comment_len = 0, phone_len = 0;
	char uid[33], *reasons_text = NULL;
	sqlite3_stmt *q;
	enum status st;

	entropy_hex(uid, 16);
	if ((st = seal_text(c, sv, "comment", uid, comment, sealed_comment, &comment_len)) != ST_OK ||
	    (st = seal_text(c, sv, "phone", uid, phone, sealed_phone, &phone_len)) != ST_OK)
		return st;
	reasons_text = json_dumps(reasons, JSON_COMPACT);
	q = reasons_text ? store_prepare(c->db, "INSERT INTO ratings (uid, kind, service, ticket_id, case_id, level, "
						"reasons, comment_sealed, phone_sealed, channel, window, staff_id, "
						"item_code, item_name, department, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
						"?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
						"ON CONFLICT (service) DO NOTHING")
			 : NULL;
	if (!q) {
		free(reasons_text);
		return reasons_text ? ST_IO : ST_NOMEM;
	}
	sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, sv->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, sv->service, -1, SQLITE_STATIC);
	if (sv->ticket_id)
		sqlite3_bind_int64(q, 4, sv->ticket_id);
	if (sv->case_id)
		sqlite3_bind_int64(q, 5, sv->case_id);
	sqlite3_bind_int(q, 6, level);
	sqlite3_bind_text(q, 7, reasons_text, -1, SQLITE_STATIC);
	if (comment_len)
		sqlite3_bind_blob(q, 8, sealed_comment, (int)comment_len, SQLITE_STATIC);
	if (phone_len)
		sqlite3_bind_blob(q, 9, sealed_phone, (int)phone_len, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, channel, -1, SQLITE_STATIC);
	if (sv->window)
		sqlite3_bind_int(q, 11, sv->window);
	if (sv->staff_id)
		sqlite3_bind_int64(q, 12, sv->staff_id);
	if (*sv->item_code)
		sqlite3_bind_text(q, 13, sv->item_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 14, sv->item_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 15, sv->department, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 16, (int64_t)core_now());
	st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1)
		st = ST_ALREADY_RATED;
	store_finish(q);
	free(reasons_text);
	if (st == ST_OK) {
		log_info("rating %d (%s) of %s recorded as %s", level, channel, sv->service, uid);
		ratings_forward(c);
	}
	return st;
}

enum status ratings_rate(struct core *c, json_t *body, const char *channel, struct case_error *why)
{
	const char *code = json_string_value(json_object_get(body, "code")),
		   *comment = json_string_value(json_object_get(body, "comment")),
		   *phone = json_string_value(json_object_get(body, "phone"));
	json_t *level = json_object_get(body, "level"), *reasons = json_object_get(body, "reasons");
	struct service sv;
	enum status st;
	json_t *none = NULL;

	why->field = NULL;
	why->extra = NULL;
	if (!code) {
		why->field = "code";
		return ST_MISSING_FIELD;
	}
	if (!json_is_integer(level) || json_integer_value(level) < 1 || json_integer_value(level) > 5) {
		why->field = "level";
		return ST_BAD_FIELD;
	}
	if (reasons && (!json_is_array(reasons) || json_array_size(reasons) > REASONS_MAX ||
			(json_array_size(reasons) && json_integer_value(level) > RATING_REASONS_UP_TO) ||
			!reasons_listed(c, reasons))) {
		why->field = "reasons";
		return ST_BAD_FIELD;
	}
	if (comment && (rating_text_chars(comment) > COMMENT_MAX || json_integer_value(level) > RATING_REASONS_UP_TO)) {
		why->field = "comment";
		return ST_BAD_FIELD;
	}
	if (phone && *phone && !rating_phone_ok(phone)) {
		why->field = "phone";
		return ST_BAD_FIELD;
	}
	if ((st = service_of_code(c, code, &sv)) != ST_OK) {
		why->field = "code";
		return st;
	}
	if (!reasons)
		reasons = none = json_array();
	st = store_rating(c, &sv, (int)json_integer_value(level), reasons, comment, phone, channel);
	json_decref(none);
	return st;
}

enum status ratings_button(struct core *c, int level)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT id FROM tickets WHERE day = ?1 AND window = ?2 AND "
					       "state = 'done' ORDER BY finished_at DESC, id DESC LIMIT 1");
	struct service sv = {0};
	char day[11];
	int64_t id = 0;
	json_t *none;
	enum status st;

	if (!q)
		return ST_IO;
	queue_day(c, (int64_t)core_now(), day);
	sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)c->cfg.gpio_rate_window);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	store_finish(q);
	if (!id || !service_of_ticket(c, id, &sv) || !sv.finished)
		return ST_NOT_RATEABLE;
	none = json_array();
	st = store_rating(c, &sv, level, none, NULL, NULL, "button");
	json_decref(none);
	return st;
}

/* --- the paired tablet ------------------------------------------------------------------------ */

enum status ratings_pair(struct core *c, unsigned n, json_t **out)
{
	uint8_t raw[TABLET_KEY_BYTES];
	char key[2 * TABLET_KEY_BYTES + 1], hash[2 * VAULT_HASH_LEN + 1], url[160];
	sqlite3_stmt *q = store_prepare(c->db, "UPDATE windows SET tablet_hash = ?2 WHERE number = ?1");
	enum status st;

	if (!q)
		return ST_IO;
	entropy_fill(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(key + 2 * i, 3, "%02x", raw[i]);
	vault_index_hex(c->vault, "rating_tablet", key, hash);
	sqlite3_bind_int(q, 1, (int)n);
	sqlite3_bind_text(q, 2, hash, -1, SQLITE_STATIC);
	st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1)
		st = ST_NOT_FOUND;
	store_finish(q);
	vault_wipe(raw, sizeof(raw));
	if (st != ST_OK)
		return st;
	snprintf(url, sizeof(url), "/kiosk/rate.html#tablet=%s", key);
	*out = json_pack("{s:i, s:s, s:s}", "window", (int)n, "key", key, "url", url);
	vault_wipe(key, sizeof(key));
	return *out ? ST_OK : ST_NOMEM;
}

enum status ratings_prompt(struct core *c, const char *tablet_key, json_t **out)
{
	char hash[2 * VAULT_HASH_LEN + 1], day[11], code[RATECODE_LEN];
	sqlite3_stmt *q;
	int window = 0;
	int64_t ticket = 0;
	struct service sv = {0};
	enum status st;

	if (!tablet_key || strlen(tablet_key) != 2 * TABLET_KEY_BYTES)
		return ST_FORBIDDEN;
	vault_index_hex(c->vault, "rating_tablet", tablet_key, hash);
	q = store_prepare(c->db, "SELECT number FROM windows WHERE tablet_hash = ?1");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		window = sqlite3_column_int(q, 0);
	store_finish(q);
	if (!window)
		return ST_FORBIDDEN;
	queue_day(c, (int64_t)core_now(), day);
	q = store_prepare(c->db,
			  "SELECT t.id FROM tickets t WHERE t.day = ?1 AND t.window = ?2 AND t.state = 'done' "
			  "AND t.finished_at >= ?3 AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id) "
			  "ORDER BY t.finished_at DESC, t.id DESC LIMIT 1");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, window);
	sqlite3_bind_int64(q, 3, (int64_t)core_now() - PROMPT_SECONDS);
	if (sqlite3_step(q) == SQLITE_ROW)
		ticket = sqlite3_column_int64(q, 0);
	store_finish(q);
	if (!ticket || !service_of_ticket(c, ticket, &sv)) {
		*out = json_pack("{s:i}", "window", window);
		return *out ? ST_OK : ST_NOMEM;
	}
	if ((st = ratecode_make(c, "ticket", ticket, 0, sv.service, code)) != ST_OK)
		return st;
	*out =
	    json_pack("{s:i, s:s, s:s, s:s}", "window", window, "ticket",
		      strchr(sv.service, '-') ? strrchr(sv.service, '-') + 1 : "", "code", code, "item", sv.item_name);
	return *out ? ST_OK : ST_NOMEM;
}

/* --- the office's view and appeals ------------------------------------------------------------------ */

enum status ratings_list(struct core *c, bool service, json_t **out)
{
	json_t *names = ratings_reasons(c);
	sqlite3_stmt *q = store_prepare(
	    c->db,
	    "SELECT uid, kind, service, level, reasons, channel, window, item_name, department, at, "
	    "forward_state, forward_message, followup_state, followup_note, followup_at, appeal_state, "
	    "appeal_reason, appeal_note, phone_sealed IS NOT NULL FROM ratings ORDER BY at DESC, id DESC LIMIT 500");
	json_t *list = json_array();

	if (!q || !list) {
		store_finish(q);
		json_decref(list);
		json_decref(names);
		return q ? ST_NOMEM : ST_IO;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_t *one = json_pack(
		    "{s:s, s:s, s:s, s:i, s:o, s:s, s:s, s:s, s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:b}", "id",
		    col(q, 0), "kind", col(q, 1), "service", col(q, 2), "level", sqlite3_column_int(q, 3), "reasons",
		    json_loads(col(q, 4), 0, NULL) ?: json_array(), "channel", col(q, 5), "item", col(q, 7),
		    "department", col(q, 8), "at", (json_int_t)sqlite3_column_int64(q, 9), "forwarding", col(q, 10),
		    "forward_message", col(q, 11), "followup",
		    sqlite3_column_type(q, 12) == SQLITE_NULL ? NULL : col(q, 12), "followup_note",
		    sqlite3_column_type(q, 13) == SQLITE_NULL ? NULL : col(q, 13), "appeal",
		    sqlite3_column_type(q, 15) == SQLITE_NULL ? NULL : col(q, 15), "appeal_reason",
		    sqlite3_column_type(q, 16) == SQLITE_NULL ? NULL : col(q, 16), "appeal_note",
		    sqlite3_column_type(q, 17) == SQLITE_NULL ? NULL : col(q, 17), "callback",
		    sqlite3_column_int(q, 18) != 0);

		if (one && sqlite3_column_type(q, 6) != SQLITE_NULL)
			json_object_set_new(one, "window", json_integer(sqlite3_column_int(q, 6)));
		if (one)
			json_object_set_new(one, "reason_texts",
					    rating_reason_texts(names, json_object_get(one, "reasons")));
		if (one && !service)
			json_object_del(one, "service");
		json_array_append_new(list, one);
	}
	store_finish(q);
	json_decref(names);
	*out = json_pack("{s:o}", "ratings", list);
	return *out ? ST_OK : ST_NOMEM;
}

enum status ratings_appeal(struct core *c, const char *staff, const char *uid, json_t *body, struct case_error *why)
{
	const char *reason = json_string_value(json_object_get(body, "reason"));
	sqlite3_stmt *q;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (!reason || !*reason) {
		why->field = "reason";
		return ST_MISSING_FIELD;
	}
	if (rating_text_chars(reason) > COMMENT_MAX) {
		why->field = "reason";
		return ST_BAD_FIELD;
	}
	if ((st = store_begin(c->db)) != ST_OK)
		return st;
	q = store_prepare(c->db, "UPDATE ratings SET appeal_state = 'pending', appeal_reason = ?2 WHERE uid = ?1 "
				 "AND appeal_state IS NULL AND level <= ?3");
	if (!q) {
		store_rollback(c->db);
		return ST_IO;
	}
	sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, RATING_BAD_UP_TO);
	st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1)
		st = ST_BAD_STATE;
	store_finish(q);
	if (st == ST_OK)
		st = audit_append(c->db, c->vault, (int64_t)core_now(), staff, "rating.appeal", NULL, uid);
	st = st == ST_OK ? store_commit(c->db) : st;
	if (st != ST_OK)
		store_rollback(c->db);
	if (st == ST_OK) {
		log_info("rating %s appealed by %s", uid, staff);
		ratings_forward(c);
	}
	return st;
}

/* --- forwarding ------------------------------------------------------------------------------------ */

static bool sync_enrolled(struct core *c)
{
	return store_int(c->db, "SELECT enrolled_at IS NOT NULL FROM sync_state", 0) != 0;
}

/* A rating as central takes it (sync/PROTOCOL.md 8): comment and phone
 * unsealed for the trip. */
static json_t *rating_json(struct core *c, sqlite3_stmt *q)
{
	const char *uid = col(q, 0), *kind = col(q, 1);
	char at[TIMEFMT_RFC3339_LEN], staff[17], aad[96], text[RATING_SEALED_MAX];
	uint8_t key[VAULT_KEY_LEN];
	bool have_key = false;
	json_t *j;

	timefmt_rfc3339((time_t)sqlite3_column_int64(q, 12), at);
	j = json_pack("{s:s, s:s, s:s, s:i, s:o, s:s, s:s, s:s, s:s}", "id", uid, "kind", kind, "service", col(q, 2),
		      "level", sqlite3_column_int(q, 3), "reasons", json_loads(col(q, 4), 0, NULL) ?: json_array(),
		      "channel", col(q, 5), "item_name", col(q, 9), "department", col(q, 10), "rated_at", at);
	if (!j)
		return NULL;
	if (sqlite3_column_type(q, 6) != SQLITE_NULL)
		json_object_set_new(j, "window", json_integer(sqlite3_column_int(q, 6)));
	if (sqlite3_column_type(q, 7) != SQLITE_NULL) {
		staff_ref(c, sqlite3_column_int64(q, 7), staff);
		json_object_set_new(j, "staff", json_string(staff));
	}
	if (sqlite3_column_type(q, 8) != SQLITE_NULL)
		json_object_set_new(j, "item_code", json_string(col(q, 8)));
	if (*col(q, 11))
		json_object_set_new(j, "case", json_string(col(q, 11)));
	/* The case's key for a case's rating; a purged case has none and its
	 * sealed texts are gone too. */
	if (*col(q, 11) && strcmp(kind, "ticket") != 0) {
		sqlite3_stmt *k = NULL;

		have_key = case_load(c, col(q, 11), &k) == ST_OK && case_key(c, k, key) == ST_OK;
		store_finish(k);
	}
	for (int i = 0; i < 2; i++) {
		int colno = i ? 14 : 13;
		int n = sqlite3_column_bytes(q, colno);
		const char *what = i ? "phone" : "comment";

		if (sqlite3_column_type(q, colno) != SQLITE_BLOB || n <= VAULT_SEAL_EXTRA || n > (int)sizeof(text))
			continue;
		snprintf(aad, sizeof(aad), "rating-%s:%s", what, uid);
		if ((strcmp(kind, "ticket") == 0 || !*col(q, 11)
			 ? vault_unseal_local(c->vault, aad, sqlite3_column_blob(q, colno), (size_t)n, text)
		     : have_key ? vault_unseal(key, aad, sqlite3_column_blob(q, colno), (size_t)n, text)
				: ST_PROTO) == ST_OK) {
			text[n - VAULT_SEAL_EXTRA] = '\0';
			json_object_set_new(j, what, json_string(text));
		}
		vault_wipe(text, sizeof(text));
	}
	vault_wipe(key, sizeof(key));
	return j;
}

void ratings_forward(struct core *c)
{
	sqlite3_stmt *q;
	json_t *ratings, *appeals, *msg;

	if (c->ratings_busy || !c->children[ROLE_SYNC].ready || !sync_enrolled(c))
		return;
	ratings = json_array();
	appeals = json_array();
	q = store_prepare(c->db,
			  "SELECT r.uid, r.kind, r.service, r.level, r.reasons, r.channel, r.window, r.staff_id, "
			  "r.item_code, r.item_name, r.department, x.code, r.at, r.comment_sealed, r.phone_sealed "
			  "FROM ratings r LEFT JOIN cases x ON x.id = r.case_id WHERE r.forward_state = 'pending' "
			  "ORDER BY r.id LIMIT ?1");
	if (q) {
		sqlite3_bind_int(q, 1, LOT_MAX);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(ratings, rating_json(c, q));
	}
	store_finish(q);
	q = store_prepare(c->db, "SELECT uid, appeal_reason FROM ratings WHERE appeal_state = 'pending' AND "
				 "forward_state = 'sent' ORDER BY id LIMIT ?1");
	if (q) {
		sqlite3_bind_int(q, 1, LOT_MAX);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(appeals,
					      json_pack("{s:s, s:s}", "rating", col(q, 0), "reason", col(q, 1)));
	}
	store_finish(q);
	if (json_array_size(ratings) + json_array_size(appeals) == 0) {
		json_decref(ratings);
		json_decref(appeals);
		return;
	}
	msg = json_pack("{s:o, s:o}", "ratings", ratings, "appeals", appeals);
	if (msg && core_send(c, ROLE_SYNC, MSG_SYNC_RATINGS, 0, msg, NULL, 0, NULL, 0) == ST_OK)
		c->ratings_busy = true;
	else
		log_warn("ratings not handed to sync");
	json_decref(msg);
}

static int on_ratings_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	(void)s, (void)usec;
	ratings_forward(c);
	return 0;
}

static void retry_later(struct core *c, uint64_t usec)
{
	uint64_t now;

	if (c->ratings_timer && sd_event_now(c->ev, CLOCK_MONOTONIC, &now) >= 0) {
		sd_event_source_set_time(c->ratings_timer, now + usec);
		sd_event_source_set_enabled(c->ratings_timer, SD_EVENT_ONESHOT);
	} else if (!c->ratings_timer && sd_event_add_time_relative(c->ev, &c->ratings_timer, CLOCK_MONOTONIC, usec,
								   100000, on_ratings_retry, c) < 0) {
		log_warn("cannot arm the ratings' retry");
	}
}

void ratings_free(struct core *c)
{
	c->ratings_timer = sd_event_source_disable_unref(c->ratings_timer);
	json_decref(c->rating_reasons);
	c->rating_reasons = NULL;
}

void ratings_sync_up(struct core *c)
{
	c->ratings_busy = false;
	ratings_forward(c);
}

static enum status set_forwarded(struct core *c, const char *uid, const char *state, const char *message)
{
	sqlite3_stmt *q = store_prepare(c->db, "UPDATE ratings SET forward_state = ?2, forward_message = ?3, "
					       "forwarded_at = ?4 WHERE uid = ?1 AND forward_state = 'pending'");
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (int64_t)core_now());
	st = store_status(sqlite3_step(q));
	store_finish(q);
	return st;
}

enum status ratings_forwarded(struct core *c, json_t *body)
{
	json_t *results = json_object_get(body, "results"), *appeals = json_object_get(body, "appeals"), *v;
	json_int_t retry = json_integer_value(json_object_get(body, "retry_usec"));
	size_t i;
	enum status st = store_begin(c->db);
	bool more;

	c->ratings_busy = false;
	if (st != ST_OK)
		return st;
	json_array_foreach(results, i, v)
	{
		const char *uid = json_string_value(json_object_get(v, "id")),
			   *status = json_string_value(json_object_get(v, "status"));

		if (!uid || !status)
			continue;
		if (strcmp(status, "taken") == 0 || strcmp(status, "duplicate") == 0)
			st = set_forwarded(c, uid, "sent", NULL);
		else if (strcmp(status, "refused") == 0)
			st = set_forwarded(c, uid, "refused", json_string_value(json_object_get(v, "message")));
		if (st != ST_OK)
			break;
	}
	json_array_foreach(appeals, i, v)
	{
		const char *uid = json_string_value(json_object_get(v, "rating"));
		json_int_t http = json_integer_value(json_object_get(v, "http"));
		sqlite3_stmt *q;

		if (!uid || st != ST_OK || (http != 201 && (http < 400 || http >= 500)))
			continue; /* not answered, or transient: it goes again */
		q = store_prepare(c->db, "UPDATE ratings SET appeal_state = ?2, appeal_note = ?3 WHERE uid = ?1 AND "
					 "appeal_state = 'pending'");
		if (q) {
			sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, http == 201 ? "filed" : "refused", -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, json_string_value(json_object_get(v, "message")), -1, SQLITE_STATIC);
			st = store_status(sqlite3_step(q));
		}
		store_finish(q);
	}
	st = st == ST_OK ? store_commit(c->db) : st;
	if (st != ST_OK) {
		store_rollback(c->db);
		return st;
	}
	if (retry > 0) { /* central not reached: the lot goes again later */
		retry_later(c, (uint64_t)retry);
		return ST_OK;
	}
	more = store_int(c->db,
			 "SELECT EXISTS (SELECT 1 FROM ratings WHERE forward_state = 'pending' OR "
			 "(appeal_state = 'pending' AND forward_state = 'sent'))",
			 0) != 0;
	if (more && json_array_size(results) + json_array_size(appeals) > 0)
		ratings_forward(c);
	return ST_OK;
}

/* --- central's events ---------------------------------------------------------------------------------- */

enum status ratings_central_event(struct core *c, json_t *ev, const char *cursor)
{
	const char *id = json_string_value(json_object_get(ev, "id")),
		   *type = json_string_value(json_object_get(ev, "type")),
		   *uid = json_string_value(json_object_get(json_object_get(ev, "rating"), "id"));
	json_t *data = json_object_get(ev, "data");
	sqlite3_stmt *q = NULL;
	enum status st;
	bool applied = false;

	if (!id || !type || !uid || strlen(id) > 64 || strlen(uid) > 64 || !json_is_object(data))
		return ST_BAD_REQUEST;
	if (cases_central_seen(c, id))
		return ST_OK;
	if ((st = store_begin(c->db)) != ST_OK)
		return st;
	if (strcmp(type, "rating.followed_up") == 0) {
		q = store_prepare(c->db, "UPDATE ratings SET followup_state = ?2, followup_note = ?3, followup_at = ?4 "
					 "WHERE uid = ?1");
		if (q) {
			sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, json_string_value(json_object_get(data, "state")), -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, json_string_value(json_object_get(data, "note")), -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 4, (int64_t)core_now());
		}
	} else if (strcmp(type, "rating.appeal_decided") == 0) {
		q = store_prepare(c->db, "UPDATE ratings SET appeal_state = ?2, appeal_note = ?3 WHERE uid = ?1");
		if (q) {
			const char *decision = json_string_value(json_object_get(data, "decision"));

			sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, decision && strcmp(decision, "accepted") == 0 ? "accepted" : "refused",
					  -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, json_string_value(json_object_get(data, "note")), -1, SQLITE_STATIC);
		}
	} else if (strcmp(type, "rating.received") == 0) {
		/* From the citizen's phone: kept, so the tablet refuses the same service. */
		json_t *reasons = json_object_get(data, "reasons");
		char *text = json_dumps(json_is_array(reasons) ? reasons : json_array(), JSON_COMPACT);

		q = text ? store_prepare(c->db,
					 "INSERT INTO ratings (uid, kind, service, case_id, level, reasons, channel, "
					 "item_name, department, at, forward_state) SELECT ?1, ?2, ?3, x.id, ?5, ?6, "
					 "'phone', x.item_name, x.department, ?7, 'sent' FROM cases x WHERE "
					 "x.code = ?4 ON CONFLICT DO NOTHING")
			 : NULL;
		if (q) {
			sqlite3_bind_text(q, 1, uid, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, json_string_value(json_object_get(data, "kind")), -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, json_string_value(json_object_get(data, "service")), -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, json_string_value(json_object_get(data, "case")), -1, SQLITE_STATIC);
			sqlite3_bind_int(q, 5, (int)json_integer_value(json_object_get(data, "level")));
			sqlite3_bind_text(q, 6, text, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(q, 7, (int64_t)core_now());
		}
		free(text);
	}
	st = q ? store_status(sqlite3_step(q)) : ST_OK;
	applied = q && st == ST_OK && sqlite3_changes(c->db) == 1;
	store_finish(q);
	if (st == ST_OK)
		st = cases_central_record(c, id, type, uid, applied, applied ? NULL : "no such rating", cursor, false);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		store_rollback(c->db);
	else
		log_info("central event %s: %s for rating %s%s", id, type, uid, applied ? "" : " (not applied)");
	return st;
}

/* --- purge ----------------------------------------------------------------------------------------------- */

unsigned ratings_purge_due(struct core *c)
{
	int64_t past = (int64_t)core_now() - (int64_t)c->cfg.retention_days * 86400;
	sqlite3_stmt *q;
	unsigned n = 0;

	/* A case's go with its purge (its key is gone already: they were
	 * unreadable from then); a ticket's past the retention days, once
	 * central has the call-back number, or 30 days later at most. */
	q = store_prepare(c->db,
			  "UPDATE ratings SET comment_sealed = NULL, phone_sealed = NULL WHERE "
			  "(comment_sealed IS NOT NULL OR phone_sealed IS NOT NULL) AND "
			  "(case_id IN (SELECT id FROM cases WHERE state = 'purged') OR (case_id IS NULL AND at < ?1 "
			  "AND (forward_state <> 'pending' OR at < ?2)))");
	if (!q)
		return 0;
	sqlite3_bind_int64(q, 1, past);
	sqlite3_bind_int64(q, 2, past - 30 * 86400);
	if (store_status(sqlite3_step(q)) == ST_OK)
		n = (unsigned)sqlite3_changes(c->db);
	store_finish(q);
	if (n)
		log_info("purged the comments and call-back phones of %u ratings", n);
	/* A 评价码 rates within CODE_DAYS: its lookup row goes a day later. */
	q = store_prepare(c->db, "DELETE FROM rating_codes WHERE issued_at < ?1");
	if (q) {
		sqlite3_bind_int64(q, 1, (int64_t)core_now() - (CODE_DAYS + 1) * 86400);
		sqlite3_step(q);
	}
	store_finish(q);
	return n;
}
