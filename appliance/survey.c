/* SPDX-License-Identifier: Apache-2.0 */
#include "survey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/store.h"

#define CAMPAIGNS_MAX_BYTES (4 << 20)

enum status survey_campaigns_install(struct core *c, json_t *body, const int *fds, unsigned nfds)
{
	const char *etag;
	struct stat sb;
	char *text;
	json_t *doc, *list, *one;
	sqlite3_stmt *q;
	size_t i, n = 0;
	enum status st;

	if (nfds != 1 || json_unpack(body, "{s:s}", "etag", &etag) != 0 || strlen(etag) > 30 ||
	    fstat(fds[0], &sb) < 0 || sb.st_size <= 0 || sb.st_size > CAMPAIGNS_MAX_BYTES)
		return ST_PROTO;
	text = malloc((size_t)sb.st_size + 1);
	if (!text || !fdio_pread_all(fds[0], text, (size_t)sb.st_size, 0)) {
		free(text);
		return ST_OK;
	}
	text[sb.st_size] = '\0';
	doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	list = json_object_get(doc, "campaigns");
	if (!json_is_array(list) || (st = store_begin(c->db)) != ST_OK) {
		log_warn("central's campaigns %s not installed: %s", etag, json_is_array(list) ? "store" : "malformed");
		json_decref(doc);
		return ST_OK;
	}
	st = store_status(sqlite3_exec(c->db, "DELETE FROM campaigns", NULL, NULL, NULL));
	json_array_foreach(list, i, one)
	{
		const char *id = json_string_value(json_object_get(one, "id")),
			   *title = json_string_value(json_object_get(one, "title")),
			   *start = json_string_value(json_object_get(one, "start")),
			   *end = json_string_value(json_object_get(one, "end"));
		char *dump;

		if (st != ST_OK)
			break;
		if (!id || !title || !start || !end ||
		    !json_is_object(json_object_get(one, "questionnaire_document"))) {
			log_warn("central's campaign %zu left out: malformed", i);
			continue;
		}
		dump = json_dumps(one, JSON_COMPACT);
		q = dump ? store_prepare(c->db,
					 "INSERT OR REPLACE INTO campaigns (id, title, start_day, end_day, document) "
					 "VALUES (?1, ?2, ?3, ?4, ?5)")
			 : NULL;
		st = q ? ST_OK : ST_IO;
		if (q) {
			sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, title, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, start, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, end, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 5, dump, -1, SQLITE_STATIC);
			st = store_status(sqlite3_step(q));
			n++;
		}
		store_finish(q);
		free(dump);
	}
	q = st == ST_OK ? store_prepare(c->db, "UPDATE sync_state SET campaigns_etag = ?1") : NULL;
	if (q) {
		sqlite3_bind_text(q, 1, etag, -1, SQLITE_STATIC);
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	st = st == ST_OK ? store_commit(c->db) : st;
	if (st != ST_OK)
		store_rollback(c->db);
	else
		log_info("central's campaigns %s installed: %zu", etag, n);
	json_decref(doc);
	return ST_OK;
}

enum status survey_kiosk_campaigns(struct core *c, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT document FROM campaigns WHERE start_day <= ?1 AND end_day >= ?1 "
					       "ORDER BY start_day, id");
	time_t now = (time_t)core_now();
	char today[16];
	struct tm tm;
	json_t *list = json_array();

	if (!q || !list) {
		store_finish(q);
		json_decref(list);
		return q ? ST_NOMEM : ST_IO;
	}
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	sqlite3_bind_text(q, 1, today, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_t *doc = json_loads((const char *)sqlite3_column_text(q, 0), 0, NULL), *chans, *v;
		bool kiosk = false;
		size_t i;

		chans = json_object_get(doc, "channels");
		json_array_foreach(chans, i, v) kiosk |=
		    json_is_string(v) && strcmp(json_string_value(v), "kiosk") == 0;
		if (kiosk)
			json_array_append_new(
			    list, json_pack("{s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(doc, "id"), "title",
					    json_object_get(doc, "title"), "end", json_object_get(doc, "end"), "groups",
					    json_object_get(doc, "groups"), "questionnaire",
					    json_object_get(doc, "questionnaire_document")));
		json_decref(doc);
	}
	store_finish(q);
	*out = json_pack("{s:o}", "campaigns", list);
	return *out ? ST_OK : ST_NOMEM;
}
