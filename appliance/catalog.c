/* SPDX-License-Identifier: Apache-2.0 */
#include "catalog.h"

#include <string.h>

#include "audit.h"
#include "common/log.h"
#include "common/store.h"

#define MAX_DEPTH 4

static bool text_ok(json_t *v, size_t max)
{
	const char *s = json_string_value(v);

	return s && *s && strlen(s) <= max;
}

static bool code_ok(json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || !*s || strlen(s) > 32)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	}
	return true;
}

static enum status put_category(struct core *c, json_t *cat, const char *parent, int depth, int *position,
				const char **why)
{
	static const char *const kinds[] = {"group", "service", "consult", "rating"};
	sqlite3_stmt *q;
	json_t *children = json_object_get(cat, "children"), *child;
	const char *kind = json_string_value(json_object_get(cat, "kind"));
	const char *prefix = json_string_value(json_object_get(cat, "queue_prefix"));
	bool kind_ok = false;
	enum status st;
	size_t i;

	for (size_t k = 0; kind && k < sizeof(kinds) / sizeof(kinds[0]); k++)
		kind_ok |= strcmp(kind, kinds[k]) == 0;
	if (depth > MAX_DEPTH || !code_ok(json_object_get(cat, "code")) || !kind_ok ||
	    !text_ok(json_object_get(cat, "name"), 60) || !text_ok(json_object_get(cat, "name_en"), 120) ||
	    (prefix && (strlen(prefix) != 1 || prefix[0] < 'A' || prefix[0] > 'Z')) ||
	    (children && !json_is_array(children))) {
		*why = "category: code, kind, name, name_en or queue_prefix missing or invalid";
		return ST_BAD_FIELD;
	}
	q = store_prepare(c->db, "INSERT INTO categories (code, parent, kind, name, name_en, queue_prefix, position) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, json_string_value(json_object_get(cat, "code")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, json_string_value(json_object_get(cat, "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, json_string_value(json_object_get(cat, "name_en")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, (*position)++);
	st = store_status(sqlite3_step(q));
	store_finish(q);
	if (st != ST_OK) {
		*why = "category: duplicate code";
		return ST_BAD_FIELD;
	}
	json_array_foreach(children, i, child)
	{
		if ((st = put_category(c, child, json_string_value(json_object_get(cat, "code")), depth + 1, position,
				       why)) != ST_OK)
			return st;
	}
	return ST_OK;
}

static enum status put_materials(struct core *c, const char *item, json_t *materials, const char **why)
{
	sqlite3_stmt *q;
	json_t *m;
	size_t i;
	enum status st = ST_OK;

	if (!json_is_array(materials) || json_array_size(materials) > CATALOG_MAX_MATERIALS) {
		*why = "item: materials must be a list of at most 30";
		return ST_BAD_FIELD;
	}
	q = store_prepare(c->db, "INSERT INTO catalog_materials (item_code, position, name, form, copies, optional) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!q)
		return ST_IO;
	json_array_foreach(materials, i, m)
	{
		const char *form = json_string_value(json_object_get(m, "form"));
		json_t *copies = json_object_get(m, "copies"), *optional = json_object_get(m, "optional");

		if (!text_ok(json_object_get(m, "name"), 120) || !form ||
		    (strcmp(form, "original") != 0 && strcmp(form, "copy") != 0) || !json_is_integer(copies) ||
		    json_integer_value(copies) < 1 || json_integer_value(copies) > 99 || !json_is_boolean(optional)) {
			*why = "material: name, form (original/copy), copies (1-99) or optional missing or invalid";
			st = ST_BAD_FIELD;
			break;
		}
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, item, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, (int)i + 1);
		sqlite3_bind_text(q, 3, json_string_value(json_object_get(m, "name")), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, form, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 5, (int)json_integer_value(copies));
		sqlite3_bind_int(q, 6, json_is_true(optional));
		if ((st = store_status(sqlite3_step(q))) != ST_OK)
			break;
	}
	store_finish(q);
	return st;
}

static enum status put_item(struct core *c, json_t *it, int position, const char **why)
{
	static const char *const applicants[] = {"person", "org", "both"};
	const char *code = json_string_value(json_object_get(it, "code"));
	const char *applicant = json_string_value(json_object_get(it, "applicant"));
	json_t *days = json_object_get(it, "promised_days"), *fees = json_object_get(it, "fees");
	bool applicant_ok = false;
	sqlite3_stmt *q;
	enum status st;

	for (size_t k = 0; applicant && k < 3; k++)
		applicant_ok |= strcmp(applicant, applicants[k]) == 0;
	if (!code_ok(json_object_get(it, "code")) || !text_ok(json_object_get(it, "name"), 60) ||
	    !text_ok(json_object_get(it, "name_en"), 160) || !text_ok(json_object_get(it, "department"), 60) ||
	    !code_ok(json_object_get(it, "category")) || !applicant_ok || !json_is_integer(days) ||
	    json_integer_value(days) < 1 || json_integer_value(days) > 365 || !json_is_string(fees) ||
	    strlen(json_string_value(fees)) > 200) {
		*why = "item: code, name, name_en, department, category, applicant, promised_days (1-365) or fees "
		       "missing or invalid";
		return ST_BAD_FIELD;
	}
	q = store_prepare(c->db, "INSERT INTO catalog_items (code, name, name_en, department, category, applicant, "
				 "promised_days, fees, position) "
				 "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM categories "
				 "WHERE code = ?5 AND kind = 'service'");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, json_string_value(json_object_get(it, "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, json_string_value(json_object_get(it, "name_en")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, json_string_value(json_object_get(it, "department")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, json_string_value(json_object_get(it, "category")), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, applicant, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, (int)json_integer_value(days));
	sqlite3_bind_text(q, 8, json_string_value(fees), -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 9, position);
	st = store_status(sqlite3_step(q));
	if (st == ST_OK && sqlite3_changes(c->db) != 1) {
		*why = "item: its category is not a service category of this catalog";
		st = ST_BAD_FIELD;
	} else if (st != ST_OK) {
		*why = "item: duplicate code";
		st = ST_BAD_FIELD;
	}
	store_finish(q);
	if (st == ST_OK)
		st = put_materials(c, code, json_object_get(it, "materials"), why);
	return st;
}

enum status catalog_replace(struct core *c, json_t *doc, const char *by, const char **why)
{
	/* the 好差评 reasons come with the catalog (ratings.c keeps them parsed) */
	json_decref(c->rating_reasons);
	c->rating_reasons = NULL;
	json_t *cats = json_object_get(doc, "categories"), *items = json_object_get(doc, "items"), *v;
	char *text = NULL, detail[160];
	sqlite3_stmt *q = NULL;
	int position = 0;
	size_t i;
	enum status st;

	*why = NULL;
	if (!text_ok(json_object_get(doc, "version"), 64) || !json_is_array(cats) || !json_is_array(items) ||
	    json_array_size(items) == 0 || json_array_size(items) > CATALOG_MAX_ITEMS) {
		*why = "catalog: version, categories and 1 to 2000 items are required";
		return ST_BAD_FIELD;
	}
	if (!(text = json_dumps(doc, JSON_COMPACT)))
		return ST_NOMEM;
	if ((st = store_begin(c->db)) != ST_OK)
		goto out;
	st = store_status(sqlite3_exec(c->db,
				       "DELETE FROM catalog_materials; DELETE FROM catalog_items; "
				       "UPDATE categories SET parent = NULL; DELETE FROM categories; "
				       "DELETE FROM catalog_meta;",
				       NULL, NULL, NULL));
	json_array_foreach(cats, i, v)
	{
		if (st == ST_OK)
			st = put_category(c, v, NULL, 0, &position, why);
	}
	json_array_foreach(items, i, v)
	{
		if (st == ST_OK)
			st = put_item(c, v, (int)i, why);
	}
	if (st == ST_OK) {
		q = store_prepare(c->db, "INSERT INTO catalog_meta (id, version, installed_at, document) "
					 "VALUES (1, ?1, ?2, ?3)");
		if (!q)
			st = ST_IO;
	}
	if (st == ST_OK) {
		sqlite3_bind_text(q, 1, json_string_value(json_object_get(doc, "version")), -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, (int64_t)core_now());
		sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	snprintf(detail, sizeof(detail), "version %s, %zu items", json_string_value(json_object_get(doc, "version")),
		 json_array_size(items));
	if (st == ST_OK)
		st = audit_append(c->db, c->vault, (int64_t)core_now(), by, "catalog.replace", NULL, detail);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK)
		store_rollback(c->db);
	else
		log_info("catalog %s installed by %s", detail, by);
out:
	free(text);
	return st;
}

enum status catalog_seed(struct core *c, const char *path)
{
	json_error_t jerr;
	json_t *doc;
	const char *why = NULL;
	enum status st;

	if (store_int(c->db, "SELECT count(*) FROM catalog_meta", -1) != 0 || !path[0])
		return ST_OK;
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		log_err("catalog %s:%d: %s", path, jerr.line, jerr.text);
		return ST_CONFIG;
	}
	st = catalog_replace(c, doc, "system", &why);
	if (st != ST_OK)
		log_err("catalog %s: %s", path, why ? why : status_name(st));
	json_decref(doc);
	return st == ST_BAD_FIELD ? ST_CONFIG : st;
}

enum status catalog_document(struct core *c, char **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT document FROM catalog_meta WHERE id = 1");
	enum status st = ST_NOT_FOUND;

	if (!q)
		return ST_IO;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(q, 0));
		st = *out ? ST_OK : ST_NOMEM;
	}
	store_finish(q);
	return st;
}
