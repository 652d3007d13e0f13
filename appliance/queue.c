/* SPDX-License-Identifier: Apache-2.0 */
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/store.h"
#include "ratecode.h"

static const char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? (const char *)t : "";
}

void queue_day(const struct core *c, int64_t at, char day[11])
{
	time_t t = (time_t)(at - (int64_t)c->cfg.reset_hour * 3600);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

/* --- priorities ------------------------------------------------------------- */

static const char *const priorities[] = {"normal", "elderly", "disabled", "pregnant", "military"};
static const char *const priority_zh[] = {"普通", "老年人", "残疾人", "孕妇", "军人军属"};

static int priority_weight(const struct core *c, const char *p)
{
	const unsigned weights[] = {0, c->cfg.weight_elderly, c->cfg.weight_disabled, c->cfg.weight_pregnant,
				    c->cfg.weight_military};

	for (size_t i = 0; i < sizeof(priorities) / sizeof(priorities[0]); i++) {
		if (strcmp(p, priorities[i]) == 0)
			return (int)weights[i];
	}
	return -1;
}

/* --- categories --------------------------------------------------------------- */

/* The queue category a code names: itself when it has a prefix, else its
 * top-level ancestor's prefix.  Only groups and consultations queue. */
static enum status category_of(struct core *c, const char *code, char name[128], char prefix[2])
{
	sqlite3_stmt *q = store_prepare(c->db, "WITH RECURSIVE up(code, parent, prefix, depth) AS ("
					       "  SELECT code, parent, queue_prefix, 0 FROM categories WHERE code = ?1 "
					       "  AND kind IN ('group', 'consult') "
					       "  UNION ALL SELECT c.code, c.parent, c.queue_prefix, up.depth + 1 "
					       "  FROM categories c JOIN up ON c.code = up.parent) "
					       "SELECT (SELECT name FROM categories WHERE code = ?1), prefix FROM up "
					       "WHERE prefix IS NOT NULL ORDER BY depth LIMIT 1");
	enum status st = ST_UNKNOWN_ITEM;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(name, 128, "%s", col(q, 0));
		snprintf(prefix, 2, "%s", col(q, 1));
		st = ST_OK;
	}
	store_finish(q);
	return st;
}

static int64_t waiting_in(struct core *c, const char *day, const char *prefix)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT count(*) FROM tickets WHERE day = ?1 AND prefix = ?2 "
					       "AND state = 'waiting'");
	int64_t n = 0;

	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, prefix, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
	}
	store_finish(q);
	return n;
}

enum status queue_kiosk_categories(struct core *c, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT code, name, name_en, queue_prefix, kind FROM categories "
					       "WHERE parent IS NULL AND queue_prefix IS NOT NULL ORDER BY position");
	sqlite3_stmt *kids = NULL;
	json_t *list = json_array(), *prio = json_array();
	char day[11];

	queue_day(c, (int64_t)core_now(), day);
	if (!q || !list || !prio) {
		store_finish(q);
		json_decref(list);
		json_decref(prio);
		return ST_IO;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_t *children = json_array();

		kids = store_prepare(c->db, "SELECT code, name, name_en FROM categories WHERE parent = ?1 "
					    "AND kind = 'group' ORDER BY position");
		if (kids) {
			sqlite3_bind_text(kids, 1, col(q, 0), -1, SQLITE_TRANSIENT);
			while (sqlite3_step(kids) == SQLITE_ROW)
				json_array_append_new(children,
						      json_pack("{s:s, s:s, s:s}", "code", col(kids, 0), "name",
								col(kids, 1), "name_en", col(kids, 2)));
		}
		store_finish(kids);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "code", col(q, 0), "name",
						      col(q, 1), "name_en", col(q, 2), "prefix", col(q, 3), "waiting",
						      (json_int_t)waiting_in(c, day, col(q, 3)), "children", children));
	}
	store_finish(q);
	for (size_t i = 0; i < sizeof(priorities) / sizeof(priorities[0]); i++)
		json_array_append_new(prio, json_pack("{s:s, s:s}", "code", priorities[i], "name", priority_zh[i]));
	*out = json_pack("{s:o, s:o, s:s}", "categories", list, "priorities", prio, "office", c->cfg.office_name);
	return *out ? ST_OK : ST_NOMEM;
}

/* --- issuing -------------------------------------------------------------------- */

enum status queue_prepare_ticket(struct core *c, json_t *body, struct queue_ticket *t, struct case_error *why)
{
	const char *category = json_string_value(json_object_get(body, "category"));
	const char *priority = json_string_value(json_object_get(body, "priority"));
	sqlite3_stmt *q;
	int weight;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	memset(t, 0, sizeof(*t));
	if (!category || strlen(category) >= sizeof(t->category)) {
		why->field = "category";
		return ST_MISSING_FIELD;
	}
	priority = priority ? priority : "normal";
	if ((weight = priority_weight(c, priority)) < 0) {
		why->field = "priority";
		return ST_BAD_FIELD;
	}
	if ((st = category_of(c, category, t->category_name, t->prefix)) != ST_OK) {
		why->field = "category";
		return ST_UNKNOWN_CATEGORY;
	}
	snprintf(t->category, sizeof(t->category), "%s", category);
	snprintf(t->priority, sizeof(t->priority), "%s", priority);
	t->weight = (unsigned)weight;
	t->at = (int64_t)core_now();
	queue_day(c, t->at, t->day);
	q = store_prepare(c->db, "SELECT coalesce(max(number), 0) + 1, "
				 "(SELECT count(*) FROM tickets WHERE day = ?1 AND prefix = ?2 AND state = 'waiting') "
				 "FROM tickets WHERE day = ?1 AND prefix = ?2");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, t->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, t->prefix, -1, SQLITE_STATIC);
	st = sqlite3_step(q) == SQLITE_ROW ? ST_OK : ST_IO;
	if (st == ST_OK) {
		t->number = (unsigned)sqlite3_column_int(q, 0);
		t->ahead = (unsigned)sqlite3_column_int(q, 1);
	}
	store_finish(q);
	if (st == ST_OK && t->number > c->cfg.number_max)
		st = ST_SEQ_EXHAUSTED;
	snprintf(t->label, sizeof(t->label), "%s%03u", t->prefix, t->number % 10000);
	return st;
}

/* The kiosk shows the ticket as printed, its 评价码 too. */
static json_t *ticket_json(struct core *c, const struct queue_ticket *t, bool printed)
{
	char service[80], code[RATECODE_LEN];

	snprintf(service, sizeof(service), "ticket:%s-%s", t->day, t->label);
	ratecode_derive(c, service, code);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:s}", "label", t->label, "day", t->day, "category",
			 t->category, "category_name", t->category_name, "ahead", (int)t->ahead, "priority",
			 t->priority, "printed", printed, "rating_code", code);
}

enum status queue_commit_ticket(struct core *c, struct queue_ticket *t, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "INSERT INTO tickets (day, prefix, number, label, category, "
					       "category_name, priority, weight, state, issued_at) "
					       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'waiting', ?9)");
	enum status st = q ? store_begin(c->db) : ST_IO;

	if (st != ST_OK) {
		store_finish(q);
		return st;
	}
	sqlite3_bind_text(q, 1, t->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, t->prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, (int)t->number);
	sqlite3_bind_text(q, 4, t->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, t->category_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, t->priority, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 8, (int)t->weight);
	sqlite3_bind_int64(q, 9, t->at);
	st = store_status(sqlite3_step(q));
	store_finish(q);
	if (st == ST_OK) {
		char service[80], code[RATECODE_LEN];

		t->id = sqlite3_last_insert_rowid(c->db);
		snprintf(service, sizeof(service), "ticket:%s-%s", t->day, t->label);
		ratecode_derive(c, service, code);
		st = ratecode_register(c, "ticket", t->id, 0, code);
	}
	/* The ticket and its 评价码 are issued together. */
	st = st == ST_OK ? store_commit(c->db) : st;
	if (st != ST_OK) {
		store_rollback(c->db);
		return st;
	}
	*out = ticket_json(c, t, c->cfg.print_tickets);
	return st == ST_OK && !*out ? ST_NOMEM : st;
}

json_t *queue_ticket_slip(struct core *c, const struct queue_ticket *t)
{
	char when[32], ahead[64], service[80], code[RATECODE_LEN] = "";
	time_t at = (time_t)t->at;
	struct tm tm;
	struct receipt r;

	/* The ticket's 评价码, for the tablet once the window has finished it
	 * (registered when the ticket is issued; a test page has none). */
	snprintf(service, sizeof(service), "ticket:%s-%s", t->day, t->label);
	if (t->day[0])
		ratecode_derive(c, service, code);
	localtime_r(&at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	snprintf(ahead, sizeof(ahead), "您前面还有 %u 人等候", t->ahead);
	r = (struct receipt){.kind = RECEIPT_TICKET,
			     .office_name = c->cfg.office_name,
			     .case_code = t->label,
			     .item_name = t->category_name,
			     .department = "",
			     .applicant = "",
			     .received_at = when,
			     .promised_by = "",
			     .pickup_code = "",
			     .inquiry = "",
			     .rating_code = code,
			     .rating_url = "",
			     .lines = {ahead},
			     .nlines = 1,
			     .documents = (int)t->ahead};
	return receipt_to_json(&r);
}

enum status queue_reprint_slip(struct core *c, const char *label, json_t **slip)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT day, prefix, number, category, category_name, priority, "
					       "issued_at, id FROM tickets WHERE day = ?1 AND label = ?2");
	struct queue_ticket t = {0};
	enum status st = ST_NOT_FOUND;
	char day[11];

	queue_day(c, (int64_t)core_now(), day);
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, label, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(t.day, sizeof(t.day), "%s", col(q, 0));
		snprintf(t.prefix, sizeof(t.prefix), "%s", col(q, 1));
		t.number = (unsigned)sqlite3_column_int(q, 2);
		snprintf(t.label, sizeof(t.label), "%s", label);
		snprintf(t.category, sizeof(t.category), "%s", col(q, 3));
		snprintf(t.category_name, sizeof(t.category_name), "%s", col(q, 4));
		snprintf(t.priority, sizeof(t.priority), "%s", col(q, 5));
		t.at = sqlite3_column_int64(q, 6);
		t.id = sqlite3_column_int64(q, 7);
		st = ST_OK;
	}
	store_finish(q);
	if (st == ST_OK)
		*slip = queue_ticket_slip(c, &t);
	return st == ST_OK && !*slip ? ST_NOMEM : st;
}

/* --- windows ------------------------------------------------------------------------ */

static json_t *window_categories(struct core *c, int n)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT category FROM window_categories WHERE window = ?1 "
					       "ORDER BY category");
	json_t *list = json_array();

	if (q) {
		sqlite3_bind_int(q, 1, n);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(list, json_string(col(q, 0)));
	}
	store_finish(q);
	return list;
}

/* The ticket at window n today (called or serving), as JSON or null. */
static json_t *current_ticket(struct core *c, int n, int64_t *id)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT id, label, category_name, state, priority, recalls, no_shows "
					       "FROM tickets WHERE day = ?1 AND window = ?2 "
					       "AND state IN ('called', 'serving')");
	json_t *t = json_null();
	char day[11];

	*id = 0;
	queue_day(c, (int64_t)core_now(), day);
	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, n);
		if (sqlite3_step(q) == SQLITE_ROW) {
			*id = sqlite3_column_int64(q, 0);
			t = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "label", col(q, 1), "category_name", col(q, 2),
				      "state", col(q, 3), "priority", col(q, 4), "recalls", sqlite3_column_int(q, 5),
				      "no_shows", sqlite3_column_int(q, 6));
		}
	}
	store_finish(q);
	return t;
}

enum status queue_windows(struct core *c, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT w.number, w.name, coalesce(s.display_name, '') FROM windows w "
					       "LEFT JOIN staff s ON s.id = w.staff_id ORDER BY w.number");
	json_t *list = json_array();
	int64_t id;

	if (!q || !list) {
		store_finish(q);
		json_decref(list);
		return ST_IO;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		int n = sqlite3_column_int(q, 0);

		json_array_append_new(list, json_pack("{s:i, s:s, s:o, s:s, s:o}", "number", n, "name", col(q, 1),
						      "categories", window_categories(c, n), "staff", col(q, 2),
						      "current", current_ticket(c, n, &id)));
	}
	store_finish(q);
	*out = list;
	return ST_OK;
}

enum status queue_set_window(struct core *c, const struct session *s, json_t *body, struct case_error *why)
{
	json_t *cats = json_object_get(body, "categories"), *v;
	json_int_t n = json_integer_value(json_object_get(body, "number"));
	const char *name = json_string_value(json_object_get(body, "name"));
	char cname[128], prefix[2], detail[96];
	sqlite3_stmt *q;
	size_t i;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (n < 1 || n > 99) {
		why->field = "number";
		return ST_BAD_FIELD;
	}
	if (!name || !*name || strlen(name) > 60) {
		why->field = "name";
		return ST_BAD_FIELD;
	}
	if (!json_is_array(cats) || json_array_size(cats) == 0 || json_array_size(cats) > 20) {
		why->field = "categories";
		return ST_BAD_FIELD;
	}
	json_array_foreach(cats, i, v)
	{
		if (!json_is_string(v) || category_of(c, json_string_value(v), cname, prefix) != ST_OK) {
			why->field = "categories";
			return ST_UNKNOWN_CATEGORY;
		}
	}
	if ((st = store_begin(c->db)) != ST_OK)
		return st;
	q = store_prepare(c->db, "INSERT INTO windows (number, name) VALUES (?1, ?2) "
				 "ON CONFLICT (number) DO UPDATE SET name = ?2");
	st = q ? ST_OK : ST_IO;
	if (q) {
		sqlite3_bind_int64(q, 1, n);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	q = store_prepare(c->db, "DELETE FROM window_categories WHERE window = ?1");
	if (st == ST_OK && q) {
		sqlite3_bind_int64(q, 1, n);
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	q = store_prepare(c->db, "INSERT OR IGNORE INTO window_categories (window, category) VALUES (?1, ?2)");
	json_array_foreach(cats, i, v)
	{
		if (st != ST_OK || !q)
			break;
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, n);
		sqlite3_bind_text(q, 2, json_string_value(v), -1, SQLITE_STATIC);
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	snprintf(detail, sizeof(detail), "window %d: %zu categories", (int)n, json_array_size(cats));
	if (st == ST_OK)
		st = audit_append(c->db, c->vault, (int64_t)core_now(), s->username, "window.set", NULL, detail);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		store_rollback(c->db);
	return st;
}

/* --- calling ----------------------------------------------------------------------- */

static enum status exec_ticket(struct core *c, const char *sql, int64_t id, int n, int64_t staff, int64_t now)
{
	sqlite3_stmt *q = store_prepare(c->db, sql);
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 2, n);
	sqlite3_bind_int64(q, 3, staff);
	sqlite3_bind_int64(q, 4, now);
	st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1)
		st = ST_BAD_STATE;
	store_finish(q);
	return st;
}

/* The next ticket for window n: highest weight, then the oldest, among the
 * categories (and their themes) it serves, and those sent to it. */
static int64_t next_for(struct core *c, int n, const char *day)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT t.id FROM tickets t WHERE t.day = ?1 AND t.state = 'waiting' "
					       "AND (t.target_window = ?2 OR (t.target_window IS NULL AND EXISTS ("
					       "  SELECT 1 FROM window_categories wc WHERE wc.window = ?2 AND "
					       "  (t.category = wc.category OR t.category LIKE wc.category || '-%')))) "
					       "ORDER BY t.weight DESC, t.id LIMIT 1");
	int64_t id = 0;

	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, n);
		if (sqlite3_step(q) == SQLITE_ROW)
			id = sqlite3_column_int64(q, 0);
	}
	store_finish(q);
	return id;
}

static bool window_exists(struct core *c, int n)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM windows WHERE number = ?1");
	bool ok = false;

	if (q) {
		sqlite3_bind_int(q, 1, n);
		ok = sqlite3_step(q) == SQLITE_ROW;
	}
	store_finish(q);
	return ok;
}

static enum status transfer(struct core *c, int64_t id, json_t *body, struct case_error *why)
{
	const char *category = json_string_value(json_object_get(body, "category"));
	json_int_t to = json_integer_value(json_object_get(body, "window"));
	char name[128], prefix[2];
	sqlite3_stmt *q;
	enum status st;

	if (category && category_of(c, category, name, prefix) != ST_OK) {
		why->field = "category";
		return ST_UNKNOWN_CATEGORY;
	}
	if (!category && (to < 1 || !window_exists(c, (int)to))) {
		why->field = "window";
		return ST_BAD_FIELD;
	}
	/* Back to waiting with its number and its place (the id orders it). */
	q = store_prepare(c->db, "UPDATE tickets SET state = 'waiting', window = NULL, staff_id = NULL, "
				 "category = coalesce(?2, category), category_name = coalesce(?3, category_name), "
				 "target_window = ?4 WHERE id = ?1");
	if (!q)
		return ST_IO;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, category, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, category ? name : NULL, -1, SQLITE_STATIC);
	if (category)
		sqlite3_bind_null(q, 4);
	else
		sqlite3_bind_int64(q, 4, to);
	st = store_status(sqlite3_step(q));
	store_finish(q);
	return st;
}

enum status queue_window_action(struct core *c, const struct session *s, unsigned n, const char *action, json_t *body,
				json_t **out, bool *announce, struct case_error *why)
{
	int64_t now = (int64_t)core_now(), current = 0, next;
	json_t *cur;
	char day[11], detail[64];
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	*announce = false;
	*out = NULL;
	if (!window_exists(c, (int)n))
		return ST_NOT_FOUND;
	queue_day(c, now, day);
	if ((st = store_begin(c->db)) != ST_OK)
		return st;
	cur = current_ticket(c, (int)n, &current);
	if (strcmp(action, "signin") == 0) {
		st = exec_ticket(c, "UPDATE windows SET staff_id = ?3, signed_in_at = ?4 WHERE number = ?2", 0, (int)n,
				 s->staff_id, now);
	} else if (strcmp(action, "call") == 0) {
		if (current) {
			why->extra = json_pack("{s:O}", "current", cur);
			st = ST_WINDOW_BUSY;
		} else if (!(next = next_for(c, (int)n, day))) {
			st = ST_QUEUE_EMPTY;
		} else {
			st = exec_ticket(c,
					 "UPDATE tickets SET state = 'called', window = ?2, staff_id = ?3, "
					 "called_at = ?4, target_window = NULL WHERE id = ?1 AND state = 'waiting'",
					 next, (int)n, s->staff_id, now);
			*announce = true;
		}
	} else if (!current) {
		st = ST_NO_TICKET;
	} else if (strcmp(action, "recall") == 0) {
		st = exec_ticket(c,
				 "UPDATE tickets SET recalls = recalls + 1, called_at = ?4 WHERE id = ?1 "
				 "AND state = 'called'",
				 current, (int)n, 0, now);
		*announce = st == ST_OK;
	} else if (strcmp(action, "no-show") == 0) {
		/* Back to waiting (its place kept) until max_no_shows, then closed. */
		st = exec_ticket(c,
				 "UPDATE tickets SET no_shows = no_shows + 1, "
				 "state = CASE WHEN no_shows + 1 > ?2 THEN 'no_show' ELSE 'waiting' END, "
				 "window = CASE WHEN no_shows + 1 > ?2 THEN window ELSE NULL END, "
				 "finished_at = CASE WHEN no_shows + 1 > ?2 THEN ?4 ELSE NULL END "
				 "WHERE id = ?1 AND state = 'called'",
				 current, (int)c->cfg.max_no_shows, 0, now);
	} else if (strcmp(action, "start") == 0) {
		st = exec_ticket(c,
				 "UPDATE tickets SET state = 'serving', served_at = ?4 WHERE id = ?1 "
				 "AND state = 'called'",
				 current, (int)n, 0, now);
	} else if (strcmp(action, "finish") == 0) {
		st = exec_ticket(c,
				 "UPDATE tickets SET state = 'done', finished_at = ?4 WHERE id = ?1 "
				 "AND state = 'serving'",
				 current, (int)n, 0, now);
	} else if (strcmp(action, "transfer") == 0) {
		st = transfer(c, current, body, why);
	} else {
		st = ST_NOT_FOUND;
	}
	if (st == ST_BAD_STATE && cur && json_is_object(cur))
		why->extra = json_pack("{s:O}", "current", cur);
	json_decref(cur);
	snprintf(detail, sizeof(detail), "window %u", n);
	if (st == ST_OK && strcmp(action, "signin") != 0) {
		char what[32];

		snprintf(what, sizeof(what), "ticket.%s", action);
		st = audit_append(c->db, c->vault, now, s->username, what, NULL, detail);
	} else if (st == ST_OK) {
		st = audit_append(c->db, c->vault, now, s->username, "window.signin", NULL, detail);
	}
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK) {
		store_rollback(c->db);
		*announce = false;
		return st;
	}
	*out = current_ticket(c, (int)n, &current);
	return ST_OK;
}

/* --- the display ------------------------------------------------------------------------- */

json_t *queue_display(struct core *c)
{
	static uint64_t seq;
	sqlite3_stmt *q;
	json_t *windows = NULL, *recent = json_array(), *waiting = json_array();
	char day[11];

	queue_day(c, (int64_t)core_now(), day);
	queue_windows(c, &windows);
	/* The display is public: who sits at a window is the office's call. */
	for (size_t i = 0; windows && !c->cfg.display_staff_names && i < json_array_size(windows); i++)
		json_object_del(json_array_get(windows, i), "staff");
	q = store_prepare(c->db, "SELECT label, window, called_at, recalls FROM tickets WHERE day = ?1 "
				 "AND called_at IS NOT NULL ORDER BY called_at DESC, id DESC LIMIT 8");
	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(recent, json_pack("{s:s, s:i, s:I, s:i}", "label", col(q, 0), "window",
								sqlite3_column_int(q, 1), "at",
								(json_int_t)sqlite3_column_int64(q, 2), "recalls",
								sqlite3_column_int(q, 3)));
	}
	store_finish(q);
	q = store_prepare(c->db, "SELECT c.queue_prefix, c.name, (SELECT count(*) FROM tickets t WHERE t.day = ?1 "
				 "AND t.prefix = c.queue_prefix AND t.state = 'waiting') FROM categories c "
				 "WHERE c.parent IS NULL AND c.queue_prefix IS NOT NULL ORDER BY c.position");
	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(waiting, json_pack("{s:s, s:s, s:i}", "prefix", col(q, 0), "name",
								 col(q, 1), "count", sqlite3_column_int(q, 2)));
	}
	store_finish(q);
	return json_pack("{s:I, s:s, s:o, s:o, s:o}", "seq", (json_int_t)++seq, "office", c->cfg.office_name, "windows",
			 windows ? windows : json_array(), "recent", recent, "waiting", waiting);
}

/* --- statistics ----------------------------------------------------------------------------- */

static json_t *group_stats(struct core *c, const char *sql, const char *day)
{
	sqlite3_stmt *q = store_prepare(c->db, sql);
	json_t *list = json_array();

	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(list,
					      json_pack("{s:s, s:I, s:f, s:f, s:I, s:I, s:f}", "key", col(q, 0),
							"tickets", (json_int_t)sqlite3_column_int64(q, 1),
							"average_wait_minutes", sqlite3_column_double(q, 2) / 60.0,
							"average_service_minutes", sqlite3_column_double(q, 3) / 60.0,
							"no_shows", (json_int_t)sqlite3_column_int64(q, 4), "ratings",
							(json_int_t)sqlite3_column_int64(q, 5), "average_rating",
							sqlite3_column_double(q, 6)));
	}
	store_finish(q);
	return list;
}

#define STATS_COLS                                                                                                     \
	"count(*), avg(t.called_at - t.issued_at), avg(t.finished_at - t.served_at), "                                 \
	"sum(t.state = 'no_show'), count(r.level), coalesce(avg(r.level), 0) FROM tickets t "                          \
	"LEFT JOIN ratings r ON r.ticket_id = t.id WHERE t.day = ?1 "

enum status queue_stats(struct core *c, json_t *query, json_t **out)
{
	const char *date = json_string_value(json_object_get(query, "date"));
	sqlite3_stmt *q;
	json_t *hours = json_array(), *levels = json_object();
	char day[11];
	struct tm tm = {0};
	char *end;

	if (date) {
		end = strptime(date, "%Y-%m-%d", &tm);
		if (!end || *end || strlen(date) != 10)
			return ST_BAD_REQUEST;
		snprintf(day, sizeof(day), "%s", date);
	} else {
		queue_day(c, (int64_t)core_now(), day);
	}
	q = store_prepare(c->db, "SELECT strftime('%H', issued_at, 'unixepoch', 'localtime'), count(*) FROM tickets "
				 "WHERE day = ?1 GROUP BY 1 ORDER BY 1");
	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_array_append_new(
			    hours, json_pack("{s:s, s:i}", "hour", col(q, 0), "tickets", sqlite3_column_int(q, 1)));
	}
	store_finish(q);
	q = store_prepare(c->db, "SELECT r.level, count(*) FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
				 "WHERE t.day = ?1 GROUP BY r.level");
	if (q) {
		sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			json_object_set_new(levels, col(q, 0), json_integer(sqlite3_column_int(q, 1)));
	}
	store_finish(q);
	*out = json_pack(
	    "{s:s, s:o, s:o, s:o, s:o, s:o}", "day", day, "by_category",
	    group_stats(c, "SELECT t.prefix || ' ' || t.category_name, " STATS_COLS "GROUP BY 1 ORDER BY 1", day),
	    "by_window",
	    group_stats(c, "SELECT t.window, " STATS_COLS "AND t.window IS NOT NULL GROUP BY 1 ORDER BY 1", day),
	    "by_staff",
	    group_stats(c,
			"SELECT coalesce((SELECT display_name FROM staff s WHERE s.id = t.staff_id), ''), " STATS_COLS
			"AND t.staff_id IS NOT NULL GROUP BY t.staff_id ORDER BY 1",
			day),
	    "per_hour", hours, "ratings", levels);
	return *out ? ST_OK : ST_NOMEM;
}

enum status queue_stats_csv(json_t *stats, char **out, size_t *len)
{
	static const char *const groups[] = {"by_category", "by_window", "by_staff"};
	static const char *const names[] = {"类别", "窗口", "工作人员"};
	struct buf b;
	enum status st;

	buf_init(&b, (size_t)8 << 20);
	st = buf_printf(&b, "\xef\xbb\xbf分组,名称,取号数,平均等候(分钟),平均办理(分钟),过号,评价数,平均评价\r\n");
	for (size_t g = 0; st == ST_OK && g < 3; g++) {
		json_t *row;
		size_t i;

		json_array_foreach(json_object_get(stats, groups[g]), i, row)
		{
			const char *key = json_string_value(json_object_get(row, "key"));

			/* Keys are category names, window numbers and staff names:
			 * quoted, and a leading formula character defused. */
			st = buf_printf(&b, "%s,\"%s%s\",%lld,%.1f,%.1f,%lld,%lld,%.2f\r\n", names[g],
					key && strchr("=+-@", key[0]) && key[0] ? "'" : "", key ? key : "",
					json_integer_value(json_object_get(row, "tickets")),
					json_real_value(json_object_get(row, "average_wait_minutes")),
					json_real_value(json_object_get(row, "average_service_minutes")),
					json_integer_value(json_object_get(row, "no_shows")),
					json_integer_value(json_object_get(row, "ratings")),
					json_real_value(json_object_get(row, "average_rating")));
			if (st != ST_OK)
				break;
		}
	}
	if (st != ST_OK) {
		buf_free(&b);
		return st;
	}
	*len = b.len;
	*out = (char *)b.data;
	return ST_OK;
}
