/* SPDX-License-Identifier: Apache-2.0 */
#include "staff.h"

#include <string.h>

#include "audit.h"
#include "common/store.h"

enum status staff_list(struct core *c, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT username, display_name, role, disabled, created_at FROM staff "
					       "ORDER BY username");
	json_t *list = json_array();

	if (!q || !list) {
		store_finish(q);
		json_decref(list);
		return ST_IO;
	}
	while (sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:b, s:I}", "username", sqlite3_column_text(q, 0), "display_name",
				    sqlite3_column_text(q, 1), "role", sqlite3_column_text(q, 2), "disabled",
				    sqlite3_column_int(q, 3), "created_at", (json_int_t)sqlite3_column_int64(q, 4)));
	store_finish(q);
	*out = list;
	return ST_OK;
}

static bool username_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	if (n < 2 || n > 32)
		return false;
	for (; *u; u++) {
		if (!((*u >= 'a' && *u <= 'z') || (*u >= '0' && *u <= '9') || *u == '.' || *u == '_' || *u == '-'))
			return false;
	}
	return true;
}

enum status staff_check(json_t *who, const char **field)
{
	const char *pass = json_string_value(json_object_get(who, "password"));
	const char *role = json_string_value(json_object_get(who, "role"));
	const char *name = json_string_value(json_object_get(who, "display_name"));
	size_t n;

	*field = "password";
	if (!pass)
		return ST_MISSING_FIELD;
	n = strlen(pass);
	if (n < STAFF_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
		return ST_BAD_FIELD;
	if (!json_object_get(who, "username"))
		return ST_OK; /* a password change */
	*field = "username";
	if (!username_ok(json_string_value(json_object_get(who, "username"))))
		return ST_BAD_FIELD;
	*field = "display_name";
	if (!name || !*name || strlen(name) >= AUTH_NAME_MAX)
		return ST_BAD_FIELD;
	*field = "role";
	if (!role || (strcmp(role, "clerk") != 0 && strcmp(role, "admin") != 0))
		return ST_BAD_FIELD;
	*field = NULL;
	return ST_OK;
}

/* Runs one statement and its audit row in one transaction. */
static enum status change(struct core *c, sqlite3_stmt *q, const struct session *by, const char *action,
			  const char *detail)
{
	enum status st = store_begin(c->db);

	if (st == ST_OK)
		st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1)
		st = ST_NOT_FOUND;
	if (st == ST_OK)
		st = audit_append(c->db, c->vault, (int64_t)core_now(), by->username, action, NULL, detail);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		store_rollback(c->db);
	store_finish(q);
	return st;
}

enum status staff_insert(struct core *c, const struct session *by, json_t *who, const char *hash)
{
	const char *user = json_string_value(json_object_get(who, "username"));
	sqlite3_stmt *q = store_prepare(c->db, "INSERT INTO staff (username, display_name, role, password_hash, "
					       "created_at) SELECT ?1, ?2, ?3, ?4, ?5 "
					       "WHERE NOT EXISTS (SELECT 1 FROM staff WHERE username = ?1)");
	char detail[128];
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, json_string_value(json_object_get(who, "display_name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, json_string_value(json_object_get(who, "role")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, (int64_t)core_now());
	snprintf(detail, sizeof(detail), "%s as %s", user, json_string_value(json_object_get(who, "role")));
	st = change(c, q, by, "staff.create", detail);
	return st == ST_NOT_FOUND ? ST_BAD_FIELD : st;
}

static int64_t staff_id(struct core *c, const char *username)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT id FROM staff WHERE username = ?1");
	int64_t id = 0;

	if (q) {
		sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			id = sqlite3_column_int64(q, 0);
	}
	store_finish(q);
	return id;
}

enum status staff_set_password(struct core *c, const struct session *by, const char *username, const char *hash)
{
	sqlite3_stmt *q = store_prepare(c->db, "UPDATE staff SET password_hash = ?2 WHERE username = ?1");
	enum status st;

	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, hash, -1, SQLITE_STATIC);
	st = change(c, q, by, "staff.password", username);
	if (st == ST_OK) {
		auth_end_staff_sessions(c->auth, staff_id(c, username));
		auth_password_changed(c->auth, username);
	}
	return st;
}

enum status staff_set_disabled(struct core *c, const struct session *by, const char *username, bool disabled)
{
	sqlite3_stmt *q;
	enum status st;

	if (disabled && strcmp(username, by->username) == 0)
		return ST_FORBIDDEN;
	q = store_prepare(c->db, "UPDATE staff SET disabled = ?2 WHERE username = ?1");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, disabled);
	st = change(c, q, by, disabled ? "staff.disable" : "staff.enable", username);
	if (st == ST_OK && disabled)
		auth_end_staff_sessions(c->auth, staff_id(c, username));
	return st;
}
