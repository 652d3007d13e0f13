/* SPDX-License-Identifier: Apache-2.0 */
#include "buttons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk.h"
#include "leds.h"
#include "common/log.h"
#include "queue.h"
#include "ratings.h"
#include "common/store.h"

/* Who is signed in at window n, as a session of theirs. */
static bool window_staff(struct core *c, unsigned n, struct session *s)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT s.id, s.username, s.display_name, s.role FROM windows w "
					       "JOIN staff s ON s.id = w.staff_id WHERE w.number = ?1");
	bool found = false;

	if (!q)
		return false;
	sqlite3_bind_int(q, 1, (int)n);
	if (sqlite3_step(q) == SQLITE_ROW) {
		memset(s, 0, sizeof(*s));
		s->staff_id = sqlite3_column_int64(q, 0);
		snprintf(s->username, sizeof(s->username), "%s", (const char *)sqlite3_column_text(q, 1));
		snprintf(s->display_name, sizeof(s->display_name), "%s", (const char *)sqlite3_column_text(q, 2));
		snprintf(s->role, sizeof(s->role), "%s", (const char *)sqlite3_column_text(q, 3));
		found = true;
	}
	store_finish(q);
	return found;
}

static enum status window_button(struct core *c, const char *action, unsigned n)
{
	struct case_error why = {0};
	struct session s;
	json_t *ticket = NULL;
	bool announce = false;
	enum status st;

	if (!window_staff(c, n, &s)) {
		log_warn("panel: %s at window %u refused: nobody is signed in there", action, n);
		return ST_NOT_FOUND;
	}
	st = queue_window_action(c, &s, n, action, NULL, &ticket, &announce, &why);
	json_decref(why.extra);
	if (st != ST_OK) {
		log_info("panel: %s at window %u: %s", action, n, status_name(st));
		return st;
	}
	kiosk_queue_changed(c,
			    announce && json_is_object(ticket)
				? json_pack("{s:O, s:i}", "label", json_object_get(ticket, "label"), "window", (int)n)
				: NULL);
	json_decref(ticket);
	return ST_OK;
}

static enum status ticket_button(struct core *c, const char *letter)
{
	sqlite3_stmt *q =
	    store_prepare(c->db, "SELECT code FROM categories WHERE parent IS NULL AND queue_prefix = ?1");
	json_t *body = NULL;
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, letter, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		body = json_pack("{s:s}", "category", (const char *)sqlite3_column_text(q, 0));
	store_finish(q);
	if (!body) {
		log_warn("panel: no queue category has the letter %s", letter);
		return ST_NOT_FOUND;
	}
	st = kiosk_enqueue(c, body, 0, LANG_ZH);
	json_decref(body);
	return st;
}

/* Keeps the newest presses for the device test page. */
static void remember(struct core *c, const char *action, const char *line, enum status st)
{
	json_t *p;

	if (!c->presses && !(c->presses = json_array()))
		return;
	p = json_pack("{s:I, s:s, s:s, s:I, s:s}", "seq", (json_int_t)++c->press_seq, "action", action, "line", line,
		      "at", (json_int_t)core_now(), "result", st == ST_OK ? "ok" : status_name(st));
	if (p)
		json_array_append_new(c->presses, p);
	while (json_array_size(c->presses) > BUTTONS_RECENT)
		json_array_remove(c->presses, 0);
}

enum status buttons_press(struct core *c, json_t *body)
{
	const char *action, *line, *arg;
	enum status st;

	if (json_unpack(body, "{s:s, s:s}", "action", &action, "line", &line) != 0 || !(arg = strchr(action, ':')) ||
	    strlen(action) > 16 || strlen(line) > 32)
		return ST_PROTO;
	arg++;
	if (strncmp(action, "call:", 5) == 0)
		st = window_button(c, "call", (unsigned)atoi(arg));
	else if (strncmp(action, "recall:", 7) == 0)
		st = window_button(c, "recall", (unsigned)atoi(arg));
	else if (strncmp(action, "noshow:", 7) == 0)
		st = window_button(c, "no-show", (unsigned)atoi(arg));
	else if (strncmp(action, "ticket:", 7) == 0)
		st = ticket_button(c, arg);
	else if (strncmp(action, "rate:", 5) == 0)
		st = ratings_button(c, atoi(arg));
	else
		return ST_PROTO;
	/* A ticket's outcome comes with the printer's word; the rest buzz now. */
	if (st != ST_OK)
		leds_buzz(c);
	remember(c, action, line, st);
	return ST_OK;
}
