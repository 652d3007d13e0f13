/* SPDX-License-Identifier: Apache-2.0 */
#include "outbox.h"
#include "ratings.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cases.h"
#include "catalog.h"
#include "common/crypto.h"
#include "common/entropy.h"
#include "common/fdio.h"
#include "common/log.h"
#include "leds.h"
#include "common/store.h"
#include "common/sign.h"
#include "common/timefmt.h"
#include "common/timer.h"
#include "vault.h"

#define MAX_BATCH_DOCUMENTS 256

static const char *col(sqlite3_stmt *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);

	return t ? t : "";
}

static bool enrolled(struct core *c, char office[16])
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT office FROM sync_state WHERE office IS NOT NULL");
	bool yes = false;

	if (q && sqlite3_step(q) == SQLITE_ROW) {
		snprintf(office, 16, "%s", col(q, 0));
		yes = true;
	}
	store_finish(q);
	return yes;
}

/* The batch in flight, if any: its id. */
static bool in_flight(struct core *c, char id[40], bool *stopped)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT id, state = 'failed' FROM batches WHERE state IN "
					       "('sending', 'failed') ORDER BY created_at, rowid LIMIT 1");
	bool yes = false;

	if (q && sqlite3_step(q) == SQLITE_ROW) {
		snprintf(id, 40, "%s", col(q, 0));
		*stopped = sqlite3_column_int(q, 1);
		yes = true;
	}
	store_finish(q);
	return yes;
}

/* Hands batch id to the sync process: manifest, documents, their fds. */
static enum status send_batch(struct core *c, const char *id)
{
	sqlite3_stmt *q =
	    store_prepare(c->db, "SELECT b.department, c.code, c.state FROM batches b JOIN batch_cases bc "
				 "ON bc.batch_id = b.id JOIN cases c ON c.id = bc.case_id WHERE b.id = ?1 "
				 "ORDER BY c.received_at");
	json_t *cases = json_array(), *docs = json_array(), *manifest = NULL, *msg = NULL;
	int *fds = calloc(MAX_BATCH_DOCUMENTS, sizeof(int));
	unsigned nfds = 0;
	char office[16] = "", department[128] = "", now[TIMEFMT_RFC3339_LEN];
	enum status st = q && cases && docs && fds && enrolled(c, office) ? ST_OK : ST_IO;
	time_t t = (time_t)core_now();

	if (st == ST_OK)
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	while (st == ST_OK && sqlite3_step(q) == SQLITE_ROW) {
		json_t *one = NULL;
		char code[40];

		snprintf(department, sizeof(department), "%s", col(q, 0));
		snprintf(code, sizeof(code), "%s", col(q, 1));
		/* Left received by a crash between the batch and its queueing. */
		if (strcmp(col(q, 2), "received") == 0) {
			struct case_error why = {0};
			json_t *ev = json_pack("{s:s, s:s}", "code", code, "event", "queue");

			cases_central_event(c, ev, &why);
			json_decref(ev);
			json_decref(why.extra);
		}
		st = cases_manifest(c, code, &one, docs, fds, MAX_BATCH_DOCUMENTS, &nfds);
		if (st == ST_OK)
			json_array_append_new(cases, one);
	}
	store_finish(q);
	/* Uploads begun before: the sync process resumes them. */
	q = st == ST_OK ? store_prepare(c->db, "SELECT idx, upload, sha256 FROM batch_documents WHERE batch_id = ?1 "
					       "AND upload IS NOT NULL")
			: NULL;
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			json_t *d = json_array_get(docs, (size_t)sqlite3_column_int(q, 0));
			const char *sha = json_string_value(json_object_get(d, "sha256"));
			char seen[2 * VAULT_HASH_LEN + 1] = "";

			/* Only the upload of the very same document goes on. */
			if (sha)
				vault_index_hex(c->vault, "upload_sha256", sha, seen);
			if (sha && strcmp(seen, col(q, 2)) == 0)
				json_object_set_new(d, "upload", json_string(col(q, 1)));
		}
	}
	store_finish(q);
	timefmt_rfc3339(t, now);
	if (st == ST_OK)
		manifest = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "protocol", 1, "batch_id", id, "office", office,
				     "department", department, "created_at", now, "cases", cases);
	msg = manifest ? json_pack("{s:s, s:o, s:O}", "batch_id", id, "manifest", manifest, "documents", docs) : NULL;
	if (st == ST_OK && !msg)
		st = ST_NOMEM;
	if (st == ST_OK)
		st = core_send(c, ROLE_SYNC, MSG_SYNC_BATCH, 0, msg, NULL, 0, NULL, 0);
	for (unsigned i = 0; st == ST_OK && i < nfds; i++) {
		json_t *dm = json_pack("{s:s, s:i}", "batch_id", id, "index", (int)i);

		st = dm ? core_send(c, ROLE_SYNC, MSG_SYNC_DOC, 0, dm, NULL, 0, &fds[i], 1) : ST_NOMEM;
		json_decref(dm);
	}
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
	free(fds);
	json_decref(msg);
	json_decref(cases);
	json_decref(docs);
	if (st != ST_OK)
		log_warn("batch %s not handed to sync: %s", id, status_name(st));
	else
		log_info("batch %s (%s) handed to sync: %u documents", id, department, nfds);
	return st;
}

/* The cases a new batch takes: received ones, and with ?1 (a "send now"
 * time) queued ones central refused in a batch done before then. */
#define OUTBOX_WAITING                                                                                                 \
	"(state = 'received' OR (state = 'queued' AND ?1 > 0 AND id NOT IN (SELECT case_id FROM batch_cases bc "       \
	"JOIN batches b ON b.id = bc.batch_id WHERE b.state IN ('sending', 'failed') OR b.done_at >= ?1)))"

/* A new batch of the department whose case waits longest.  With
 * refused_before (a "send now"), cases central refused in a batch done
 * before then (still queued, its reason on them) go again too: the office
 * put right what central named.  A case refused after the press waits for
 * the next one, so a refusal is never hammered. */
static enum status make_batch(struct core *c, uint64_t refused_before)
{
	size_t n = 0;
	sqlite3_stmt *q;
	char id[40], department[128] = "";
	uint8_t raw[16];
	json_t *codes = json_array();
	enum status st;
	size_t i;
	json_t *v;

	q = store_prepare(c->db, "SELECT department FROM cases WHERE " OUTBOX_WAITING " ORDER BY received_at LIMIT 1");
	if (q) {
		sqlite3_bind_int64(q, 1, (int64_t)refused_before);
		if (sqlite3_step(q) == SQLITE_ROW)
			snprintf(department, sizeof(department), "%s", col(q, 0));
	}
	store_finish(q);
	if (!department[0]) {
		json_decref(codes);
		return ST_NOT_FOUND;
	}
	entropy_fill(raw, sizeof(raw));
	raw[6] = (uint8_t)((raw[6] & 0x0f) | 0x40); /* a version 4 UUID */
	raw[8] = (uint8_t)((raw[8] & 0x3f) | 0x80);
	snprintf(id, sizeof(id), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", raw[0], raw[1],
		 raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11], raw[12], raw[13],
		 raw[14], raw[15]);
	if ((st = store_begin(c->db)) != ST_OK) {
		json_decref(codes);
		return st;
	}
	q = store_prepare(c->db,
			  "INSERT INTO batches (id, department, state, created_at) VALUES (?1, ?2, 'sending', ?3)");
	st = q ? ST_OK : ST_IO;
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, department, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (int64_t)core_now());
		st = store_status(sqlite3_step(q));
	}
	store_finish(q);
	q = st == ST_OK ? store_prepare(c->db, "SELECT id, code, version, state FROM cases WHERE " OUTBOX_WAITING
					       " AND department = ?2 ORDER BY received_at LIMIT ?3")
			: NULL;
	if (q) {
		sqlite3_bind_int64(q, 1, (int64_t)refused_before);
		sqlite3_bind_text(q, 2, department, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 3, (int)c->cfg.sync_batch_cases);
		while (st == ST_OK && sqlite3_step(q) == SQLITE_ROW) {
			sqlite3_stmt *ins = store_prepare(c->db, "INSERT INTO batch_cases (batch_id, case_id, version) "
								 "VALUES (?1, ?2, ?3)");

			st = ins ? ST_OK : ST_IO;
			if (ins) {
				sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
				sqlite3_bind_int64(ins, 2, sqlite3_column_int64(q, 0));
				sqlite3_bind_int(ins, 3, sqlite3_column_int(q, 2));
				st = store_status(sqlite3_step(ins));
			}
			store_finish(ins);
			if (strcmp(col(q, 3), "received") == 0) /* a refused one is queued already */
				json_array_append_new(codes, json_string(col(q, 1)));
			n++;
		}
	}
	store_finish(q);
	if (st == ST_OK)
		st = store_commit(c->db);
	if (st != ST_OK) {
		store_rollback(c->db);
		json_decref(codes);
		return st;
	}
	/* received -> queued, each with its audit row. */
	json_array_foreach(codes, i, v)
	{
		struct case_error why = {0};
		json_t *ev = json_pack("{s:s, s:s}", "code", json_string_value(v), "event", "queue");

		cases_central_event(c, ev, &why);
		json_decref(ev);
		json_decref(why.extra);
	}
	log_info("batch %s: %zu cases of %s", id, n, department);
	json_decref(codes);
	return send_batch(c, id);
}

/*
 * When batches are made: the outbox opens on [sync] batch_seconds' interval,
 * at each of the batch_at times of day, and on "send now"; while open, one
 * batch at a time goes out until no received case is left, then it closes.
 */
static void tick(struct core *c)
{
	char office[16], id[40];
	bool stopped = false;

	ratings_forward(c); /* what waits of the ratings, each time round */
	if (!c->outbox_open || !c->children[ROLE_SYNC].ready || !enrolled(c, office))
		return;
	if (in_flight(c, id, &stopped))
		return; /* one batch at a time; a stopped one waits for "retry now" */
	if (make_batch(c, c->outbox_resend) == ST_NOT_FOUND) {
		c->outbox_open = false;
		c->outbox_resend = 0;
	}
}

static int on_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	c->outbox_open = true;
	tick(c);
	timer_again(s, usec, (uint64_t)c->cfg.sync_batch_seconds * 1000000);
	return 0;
}

/* The next of the batch_at times, on the wall clock. */
static void arm_release(struct core *c)
{
	time_t next = config_day_time_next(time(NULL), c->cfg.sync_batch_times, c->cfg.nsync_batch_times);

	if (next > 0 && c->release_timer) {
		sd_event_source_set_time(c->release_timer, (uint64_t)next * 1000000);
		sd_event_source_set_enabled(c->release_timer, SD_EVENT_ONESHOT);
	}
}

static int on_release(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	(void)s, (void)usec;
	log_info("the outbox opens: it is a batch_at time");
	c->outbox_open = true;
	tick(c);
	arm_release(c);
	return 0;
}

/* How the box stands, for central's fleet page; and the catalog's ETag,
 * so the sync process asks for a newer one.  The audit chain's durable head
 * goes with it for central to witness (PROTOCOL 7): its row number and the
 * SHA-256 of that row's mac (central compares, it never checks a mac). */
static void heartbeat(struct core *c)
{
	struct audit_head head;
	struct statvfs sv;
	char office[16], etag[128] = "", campaigns_etag[32] = "", head_hash[65];
	const char *last_error = NULL;
	sqlite3_stmt *q;
	json_t *hb, *msg;

	if (!c->children[ROLE_SYNC].ready || !enrolled(c, office))
		return;
	q = store_prepare(c->db, "SELECT last_message FROM batches WHERE state IN ('sending', 'failed') AND "
				 "last_message <> '' ORDER BY created_at DESC LIMIT 1");
	audit_anchor_head(c->anchor, &head);
	sign_sha256_hex(head.mac, sizeof(head.mac), head_hash);
	hb = json_pack(
	    "{s:s, s:{s:I, s:I}, s:I, s:s, s:o, s:{s:I, s:s}}", "software", "outpost 0.5", "backlog", "cases",
	    (json_int_t)store_int(c->db, "SELECT count(*) FROM cases WHERE state IN ('received', 'queued')", 0),
	    "bytes",
	    (json_int_t)store_int(c->db,
				  "SELECT coalesce(sum(d.size), 0) FROM case_documents d JOIN cases c "
				  "ON c.id = d.case_id WHERE c.state IN ('received', 'queued')",
				  0),
	    "disk_free", statvfs(c->cfg.state_dir, &sv) == 0 ? (json_int_t)((uint64_t)sv.f_bavail * sv.f_frsize) : 0,
	    "printer", c->printer_state, "last_error",
	    q && sqlite3_step(q) == SQLITE_ROW && (last_error = col(q, 0)) ? json_string(last_error) : json_null(),
	    "audit", "seq", (json_int_t)head.seq, "hash", head_hash);
	store_finish(q);
	q = store_prepare(c->db, "SELECT catalog_etag, campaigns_etag FROM sync_state");
	if (q && sqlite3_step(q) == SQLITE_ROW) {
		snprintf(etag, sizeof(etag), "%s", col(q, 0));
		snprintf(campaigns_etag, sizeof(campaigns_etag), "%s", col(q, 1));
	}
	store_finish(q);
	msg = hb ? json_pack("{s:o, s:s, s:s}", "heartbeat", hb, "catalog_etag", etag, "campaigns_etag", campaigns_etag)
		 : NULL;
	if (msg)
		core_send(c, ROLE_SYNC, MSG_SYNC_HEARTBEAT, 0, msg, NULL, 0, NULL, 0);
	json_decref(msg);
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	heartbeat(c);
	timer_again(s, usec, (uint64_t)c->cfg.sync_heartbeat_seconds * 1000000);
	return 0;
}

enum status outbox_init(struct core *c)
{
	time_t last = config_day_time_last((time_t)core_now(), c->cfg.sync_batch_times, c->cfg.nsync_batch_times);

	/* On an interval the outbox is open from the start; on times of day
	 * only when a case missed its time (the box was off then). */
	c->outbox_open = c->cfg.sync_batch_seconds > 0;
	if (!c->outbox_open && last > 0) {
		sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM cases WHERE state = 'received' AND "
						       "received_at <= ?1 LIMIT 1");

		if (q) {
			sqlite3_bind_int64(q, 1, (int64_t)last);
			c->outbox_open = sqlite3_step(q) == SQLITE_ROW;
		}
		store_finish(q);
	}
	if ((c->cfg.sync_batch_seconds > 0 &&
	     sd_event_add_time_relative(c->ev, &c->outbox_timer, CLOCK_MONOTONIC,
					(uint64_t)c->cfg.sync_batch_seconds * 1000000, 200000, on_timer, c) < 0) ||
	    (c->cfg.nsync_batch_times > 0 &&
	     sd_event_add_time(c->ev, &c->release_timer, CLOCK_REALTIME, 0, 1000000, on_release, c) < 0) ||
	    sd_event_add_time_relative(c->ev, &c->heartbeat_timer, CLOCK_MONOTONIC,
				       (uint64_t)c->cfg.sync_heartbeat_seconds * 1000000, 500000, on_heartbeat, c) < 0)
		return ST_NOMEM;
	arm_release(c);
	return ST_OK;
}

void outbox_free(struct core *c)
{
	c->outbox_timer = sd_event_source_disable_unref(c->outbox_timer);
	c->release_timer = sd_event_source_disable_unref(c->release_timer);
	c->heartbeat_timer = sd_event_source_disable_unref(c->heartbeat_timer);
}

enum status outbox_contact(struct core *c, json_t *body)
{
	const char *message;
	int reachable;

	if (json_unpack(body, "{s:b, s:s}", "reachable", &reachable, "message", &message) != 0)
		return ST_PROTO;
	/* A new reason while out of reach keeps the time it was lost. */
	if (c->central != (reachable ? CENTRAL_REACHABLE : CENTRAL_UNREACHABLE))
		c->central_since = (int64_t)core_now();
	c->central = reachable ? CENTRAL_REACHABLE : CENTRAL_UNREACHABLE;
	snprintf(c->central_message, sizeof(c->central_message), "%s", message);
	leds_update(c, false);
	return ST_OK;
}

enum status outbox_catalog(struct core *c, json_t *body, const int *fds, unsigned nfds)
{
	const char *etag, *why = NULL;
	struct stat st_;
	char *text;
	json_t *doc;
	sqlite3_stmt *q;
	enum status st;

	if (nfds != 1 || json_unpack(body, "{s:s}", "etag", &etag) != 0 || strlen(etag) > 120 ||
	    fstat(fds[0], &st_) < 0 || st_.st_size <= 0 || st_.st_size > (16 << 20))
		return ST_PROTO;
	text = malloc((size_t)st_.st_size + 1);
	if (!text || !fdio_pread_all(fds[0], text, (size_t)st_.st_size, 0)) {
		free(text);
		return ST_OK;
	}
	text[st_.st_size] = '\0';
	doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	st = doc ? catalog_replace(c, doc, "central", &why) : ST_BAD_CATALOG;
	json_decref(doc);
	if (st != ST_OK) {
		log_warn("central's catalog %s not installed: %s", etag, why ? why : status_name(st));
		return ST_OK;
	}
	q = store_prepare(c->db, "UPDATE sync_state SET catalog_etag = ?1");
	if (q) {
		sqlite3_bind_text(q, 1, etag, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	store_finish(q);
	log_info("central's catalog %s installed", etag);
	return ST_OK;
}

void outbox_sync_up(struct core *c)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT cursor, office IS NOT NULL FROM sync_state");
	char id[40];
	bool stopped = false;

	if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 1)) {
		json_t *setup = json_pack("{s:s}", "cursor", col(q, 0));

		if (setup)
			core_send(c, ROLE_SYNC, MSG_SYNC_SETUP, 0, setup, NULL, 0, NULL, 0);
		json_decref(setup);
	}
	store_finish(q);
	/* A batch the last sync process did not finish goes on; else, with
	 * the outbox open (a missed batch_at time), the next one. */
	if (in_flight(c, id, &stopped)) {
		if (!stopped)
			send_batch(c, id);
	} else {
		tick(c);
	}
}

enum status outbox_upload(struct core *c, json_t *body)
{
	const char *id, *upload, *sha;
	char sha_key[2 * VAULT_HASH_LEN + 1];
	json_int_t idx;
	sqlite3_stmt *q;

	if (json_unpack(body, "{s:s, s:I, s:s, s:s}", "batch_id", &id, "index", &idx, "upload", &upload, "sha256",
			&sha) != 0)
		return ST_PROTO;
	/* A keyed hash: the document's own SHA-256 would confirm a guess. */
	vault_index_hex(c->vault, "upload_sha256", sha, sha_key);
	q = store_prepare(c->db, "INSERT INTO batch_documents (batch_id, idx, upload, sha256) VALUES (?1, ?2, ?3, ?4) "
				 "ON CONFLICT (batch_id, idx) DO UPDATE SET upload = ?3, sha256 = ?4");
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, idx);
		sqlite3_bind_text(q, 3, upload, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, sha_key, -1, SQLITE_STATIC);
		if (store_status(sqlite3_step(q)) != ST_OK)
			log_warn("batch %s: upload URL of document %lld not kept", id, (long long)idx);
	}
	store_finish(q);
	return ST_OK;
}

/* Central's word on each case of a delivered batch. */
static void case_results(struct core *c, const char *batch, json_t *results)
{
	json_t *r;
	size_t i;

	json_array_foreach(results, i, r)
	{
		const char *code = json_string_value(json_object_get(r, "code")),
			   *status = json_string_value(json_object_get(r, "status")),
			   *message = json_string_value(json_object_get(r, "message"));
		sqlite3_stmt *q;

		if (!code || !status)
			continue;
		q = store_prepare(c->db, "UPDATE batch_cases SET result = ?3, message = ?4 WHERE batch_id = ?1 AND "
					 "case_id = (SELECT id FROM cases WHERE code = ?2)");
		if (q) {
			sqlite3_bind_text(q, 1, batch, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, status, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, message, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		store_finish(q);
		if (strcmp(status, "taken") == 0) {
			struct case_error why = {0};
			json_t *ev = json_pack("{s:s, s:s}", "code", code, "event", "send");

			cases_central_event(c, ev, &why);
			json_decref(ev);
			json_decref(why.extra);
		} else {
			/* Refused: it stays queued, central's reason on it for the clerk. */
			q = store_prepare(c->db, "UPDATE cases SET central_note = ?2 WHERE code = ?1");
			if (q) {
				sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
				sqlite3_bind_text(q, 2, message ? message : status, -1, SQLITE_STATIC);
				sqlite3_step(q);
			}
			store_finish(q);
			log_warn("case %s refused by central: %s", code, message ? message : status);
		}
	}
}

enum status outbox_result(struct core *c, json_t *body)
{
	const char *id, *state, *message = "";
	json_int_t http = 0, next_retry = 0;
	json_t *results = NULL;
	sqlite3_stmt *q;
	bool done;

	if (json_unpack(body, "{s:s, s:s, s?I, s?s, s?I, s?o}", "batch_id", &id, "state", &state, "http", &http,
			"message", &message, "next_retry", &next_retry, "results", &results) != 0)
		return ST_PROTO;
	if (strcmp(state, "sent") != 0 && strcmp(state, "partial") != 0 && strcmp(state, "failed") != 0 &&
	    strcmp(state, "retry") != 0)
		return ST_PROTO;
	done = strcmp(state, "sent") == 0 || strcmp(state, "partial") == 0;
	if (done)
		case_results(c, id, results);
	q = store_prepare(c->db, "UPDATE batches SET state = CASE WHEN ?2 = 'retry' THEN state ELSE ?2 END, "
				 "attempts = attempts + 1, last_attempt = ?3, last_http = ?4, last_message = ?5, "
				 "next_retry = ?6, done_at = CASE WHEN ?2 IN ('sent', 'partial') THEN ?3 END "
				 "WHERE id = ?1");
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (int64_t)core_now());
		sqlite3_bind_int64(q, 4, http);
		sqlite3_bind_text(q, 5, message, -1, SQLITE_STATIC);
		if (next_retry)
			sqlite3_bind_int64(q, 6, next_retry);
		else
			sqlite3_bind_null(q, 6);
		sqlite3_step(q);
	}
	store_finish(q);
	log_info("batch %s: %s (HTTP %lld) %s", id, state, (long long)http, message);
	/* The next batch need not wait for the timer. */
	if (done)
		tick(c);
	return ST_OK;
}

enum status outbox_status(struct core *c, json_t **out)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT office, central_url, cursor, enrolled_at FROM sync_state");
	json_t *batches = json_array();

	*out = NULL;
	if (!q || sqlite3_step(q) != SQLITE_ROW) {
		store_finish(q);
		json_decref(batches);
		return ST_IO;
	}
	*out = json_pack(
	    "{s:b, s:s, s:s, s:s, s:I, s:I, s:{s:i, s:s, s:I}}", "enrolled", sqlite3_column_type(q, 0) != SQLITE_NULL,
	    "office", col(q, 0), "central_url", col(q, 1), "cursor", col(q, 2), "queued",
	    (json_int_t)store_int(c->db, "SELECT count(*) FROM cases WHERE state = 'queued'", 0), "received",
	    (json_int_t)store_int(c->db, "SELECT count(*) FROM cases WHERE state = 'received'", 0), "schedule",
	    "every_seconds", (int)c->cfg.sync_batch_seconds, "at", c->cfg.sync_batch_at, "next_at",
	    (json_int_t)config_day_time_next(time(NULL), c->cfg.sync_batch_times, c->cfg.nsync_batch_times));
	store_finish(q);
	if (*out)
		json_object_set_new(*out, "central",
				    json_pack("{s:o, s:I, s:s}", "reachable",
					      c->central == CENTRAL_UNKNOWN
						  ? json_null()
						  : json_boolean(c->central == CENTRAL_REACHABLE),
					      "since", (json_int_t)c->central_since, "message", c->central_message));
	q = store_prepare(c->db, "SELECT id, department, state, attempts, last_attempt, last_http, last_message, "
				 "next_retry, created_at, (SELECT count(*) FROM batch_cases WHERE batch_id = id) "
				 "FROM batches ORDER BY created_at DESC, rowid DESC LIMIT 20");
	while (q && sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(
		    batches,
		    json_pack("{s:s, s:s, s:s, s:i, s:I, s:i, s:s, s:I, s:I, s:i}", "id", col(q, 0), "department",
			      col(q, 1), "state", col(q, 2), "attempts", sqlite3_column_int(q, 3), "last_attempt",
			      (json_int_t)sqlite3_column_int64(q, 4), "last_http", sqlite3_column_int(q, 5),
			      "last_message", col(q, 6), "next_retry", (json_int_t)sqlite3_column_int64(q, 7),
			      "created_at", (json_int_t)sqlite3_column_int64(q, 8), "cases", sqlite3_column_int(q, 9)));
	store_finish(q);
	if (*out)
		json_object_set_new(*out, "batches", batches);
	else
		json_decref(batches);
	return *out ? ST_OK : ST_NOMEM;
}

json_t *outbox_case_forwarding(struct core *c, const char *code)
{
	sqlite3_stmt *q = store_prepare(
	    c->db, "SELECT b.id, b.state, b.attempts, b.last_attempt, b.last_http, b.last_message, b.next_retry, "
		   "bc.result, bc.message FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id JOIN cases k ON "
		   "k.id = bc.case_id WHERE k.code = ?1 ORDER BY b.created_at DESC, b.rowid DESC LIMIT 1");
	json_t *f = NULL;

	if (q) {
		sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			f = json_pack("{s:s, s:s, s:i, s:I, s:i, s:s, s:I, s:s, s:s}", "batch_id", col(q, 0), "state",
				      col(q, 1), "attempts", sqlite3_column_int(q, 2), "last_attempt",
				      (json_int_t)sqlite3_column_int64(q, 3), "last_http", sqlite3_column_int(q, 4),
				      "last_message", col(q, 5), "next_retry", (json_int_t)sqlite3_column_int64(q, 6),
				      "result", col(q, 7), "message", col(q, 8));
	}
	store_finish(q);
	return f;
}

enum status outbox_now(struct core *c)
{
	char id[40], office[16];
	bool stopped = false;

	if (!enrolled(c, office))
		return ST_NOT_ENROLLED;
	if (!c->children[ROLE_SYNC].ready)
		return ST_UNAVAILABLE;
	c->outbox_open = true;
	c->outbox_resend = core_now();
	if (in_flight(c, id, &stopped)) {
		sqlite3_stmt *q = store_prepare(c->db, "UPDATE batches SET state = 'sending', next_retry = NULL "
						       "WHERE id = ?1");

		if (q) {
			sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		store_finish(q);
		return send_batch(c, id);
	}
	tick(c);
	return ST_OK;
}

/* --- central's events, pulled or pushed: one handler -------------------------------- */

#define CENTRAL_NOTE_MAX 2048

/* What the clerk reads on the case: the materials central says are missing
 * ("缺少材料：户口簿、照片"), then its note or reason.  Cut, never refused,
 * when central writes more than a note holds. */
static void central_note(json_t *data, struct buf *out)
{
	json_t *missing = json_object_get(data, "missing"), *m;
	const char *note = json_string_value(json_object_get(data, "note"));
	size_t i;

	if (!note)
		note = json_string_value(json_object_get(data, "reason"));
	json_array_foreach(missing, i, m) if (json_is_string(m) && json_string_length(m) > 0)(void)
	    buf_printf(out, "%s%s", out->len ? "、" : "缺少材料：", json_string_value(m));
	if (note && *note)
		(void)buf_printf(out, "%s%s", out->len ? "；" : "", note);
}

enum status outbox_central_event(struct core *c, json_t *ev, const char *cursor, bool *duplicate)
{
	static const char *const map[][2] = {{"case.accepted", "accept"},
					     {"case.returned", "return"},
					     {"case.rejected", "reject"},
					     {"case.decided", "decide"},
					     {"case.ready", "ready"}};
	const char *id = json_string_value(json_object_get(ev, "id")),
		   *type = json_string_value(json_object_get(ev, "type")),
		   *code = json_string_value(json_object_get(json_object_get(ev, "case"), "code")), *event = NULL;
	json_t *data = json_object_get(ev, "data"), *body;
	struct case_error why = {0};
	struct buf note;
	enum status st;

	for (size_t i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], type) == 0)
			event = map[i][1];
	if (type && strncmp(type, "rating.", 7) == 0)
		return ratings_central_event(c, ev, cursor);
	if (type && strcmp(type, "catalog.updated") == 0) {
		heartbeat(c); /* asks for the catalog with the one the box has */
		return ST_OK;
	}
	buf_init(&note, CENTRAL_NOTE_MAX);
	if (!id || !code || !event || strlen(id) > 64 || strlen(code) > 40) {
		log_warn("central event %s of type %s not understood", id ? id : "?", type ? type : "?");
		return ST_BAD_REQUEST;
	}
	body = json_pack("{s:s, s:s, s:s, s:s}", "event_id", id, "event", event, "code", code, "cursor",
			 cursor ? cursor : "");
	if (!body)
		return ST_NOMEM;
	central_note(data, &note);
	if (note.len)
		json_object_set_new(body, "note", json_string(buf_cstr(&note)));
	buf_free(&note);
	if (json_is_string(json_object_get(data, "official_number")))
		json_object_set(body, "official_number", json_object_get(data, "official_number"));
	if (json_is_string(json_object_get(data, "decision")))
		json_object_set(body, "decision", json_object_get(data, "decision"));
	if (duplicate) {
		sqlite3_stmt *q = store_prepare(c->db, "SELECT 1 FROM central_events WHERE id = ?1");

		if (q) {
			sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
			*duplicate = sqlite3_step(q) == SQLITE_ROW;
		}
		store_finish(q);
	}
	st = cases_central_event(c, body, &why);
	json_decref(why.extra);
	json_decref(body);
	return st;
}

/* "v1a,<b64> v1,<b64>": true when one of them holds over msg. */
static bool webhook_signed(struct core *c, const char *sigs, const char *msg, size_t len)
{
	sqlite3_stmt *q = store_prepare(c->db, "SELECT central_public_key, webhook_secret FROM sync_state");
	uint8_t pub[SIGN_KEY_LEN], secret[64], sig[SIGN_SIG_LEN], mac[32];
	long secret_len = -1;
	bool have_pub = false, ok = false;

	if (q && sqlite3_step(q) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(q, 0), *w = (const char *)sqlite3_column_text(q, 1);

		have_pub = p && sign_unb64(p, pub, sizeof(pub)) == SIGN_KEY_LEN;
		if (w && strncmp(w, "whsec_", 6) == 0)
			secret_len = sign_unb64(w + 6, secret, sizeof(secret));
	}
	store_finish(q);
	for (const char *p = sigs; p && *p && !ok;) {
		size_t n = strcspn(p, " ");
		char one[160];

		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (have_pub && strncmp(one, "v1a,", 4) == 0 &&
			    sign_unb64(one + 4, sig, sizeof(sig)) == SIGN_SIG_LEN)
				ok = sign_ed25519_ok(pub, msg, len, sig);
			else if (secret_len > 0 && strncmp(one, "v1,", 3) == 0 &&
				 sign_unb64(one + 3, sig, sizeof(sig)) == sizeof(mac)) {
				sign_hmac_sha256(secret, (size_t)secret_len, msg, len, mac);
				ok = crypto_equal(mac, sig, sizeof(mac));
			}
		}
		p += n;
		p += strspn(p, " ");
	}
	return ok;
}

enum status outbox_webhook(struct core *c, const char *id, const char *ts, const char *sigs, const char *raw,
			   json_t **answer)
{
	char *end, *msg;
	long long t = ts ? strtoll(ts, &end, 10) : 0;
	size_t len;
	json_t *ev;
	bool duplicate = false;
	enum status st;

	*answer = NULL;
	if (!id || !ts || !sigs || !raw || !*ts || *end || strlen(id) > 64)
		return ST_BAD_SIGNATURE;
	if (llabs(t - (long long)core_now()) > 300)
		return ST_STALE_REQUEST;
	len = strlen(id) + strlen(ts) + strlen(raw) + 3;
	msg = malloc(len);
	if (!msg)
		return ST_NOMEM;
	snprintf(msg, len, "%s.%s.%s", id, ts, raw);
	st = webhook_signed(c, sigs, msg, strlen(msg)) ? ST_OK : ST_BAD_SIGNATURE;
	free(msg);
	if (st != ST_OK)
		return st;
	ev = json_loads(raw, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(ev) || !json_is_string(json_object_get(ev, "id")) ||
	    strcmp(json_string_value(json_object_get(ev, "id")), id) != 0) {
		json_decref(ev);
		return ST_BAD_REQUEST;
	}
	st = outbox_central_event(c, ev, NULL, &duplicate);
	json_decref(ev);
	/* An event that does not fit the case is recorded and acknowledged:
	 * central must not send it again. */
	if (st == ST_BAD_STATE || st == ST_NOT_FOUND)
		st = ST_OK;
	if (st == ST_OK)
		*answer = json_pack("{s:b, s:b}", "received", true, "duplicate", duplicate);
	return st;
}
