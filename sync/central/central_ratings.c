/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 好差评 at central: the ratings offices forward (POST /v1/ratings), the
 * follow-up of every 差评 in the department's inbox (核实 -> 整改 -> 回访,
 * due in working days), the offices' appeals (申诉) and their decision,
 * the phone page's ratings (/r/<token>), and the figures per office,
 * window and department.  Each step a box should know of becomes an event
 * of its feed: rating.received (a phone rating), rating.followed_up and
 * rating.appeal_decided.
 *
 * A rating is keyed twice: by (office, id), the box's idempotency key, so
 * the same rating sent again is a duplicate taken once; and by (office,
 * service), so a second rating of the same service by whatever way is
 * refused.  A call-back phone is sealed (AES-256-GCM, ratings.key in the
 * state folder) before it is stored.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/crypto.h"
#include "appliance/common/entropy.h"
#include "appliance/common/clock.h"
#include "appliance/common/log.h"
#include "appliance/common/ratelimit.h"
#include "appliance/common/rating.h"
#include "appliance/common/timefmt.h"
#include "cdb.h"
#include "central.h"
#include "central_ratings.h"

#define RATINGS_PER_REQUEST 200
#define REASONS_MAX	    8
#define COMMENT_MAX	    500
#define PHONE_MAX	    20
#define RATE_PER_MINUTE	    20 /* phone ratings per address */
#define RATE_ADDRESSES	    4096
#define PHONE_AAD	    "rating-phone:"
#define PHONE_NONCE_LEN	    12

static struct ratelimit *phone_by_address;

/* --- the clock, the key -------------------------------------------------------------- */

time_t ratings_now(void)
{
	return (time_t)clock_now();
}

static bool key_load(struct central *c, uint8_t key[CRYPTO_KEY_LEN])
{
	char path[320];
	FILE *f;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/ratings.key", c->cfg.state_dir);
	f = fopen(path, "rb");
	if (f) {
		ok = fread(key, 1, CRYPTO_KEY_LEN, f) == CRYPTO_KEY_LEN;
		fclose(f);
		return ok;
	}
	crypto_random(key, CRYPTO_KEY_LEN);
	f = fopen(path, "wx");
	if (f) {
		fchmod(fileno(f), 0600);
		ok = fwrite(key, 1, CRYPTO_KEY_LEN, f) == CRYPTO_KEY_LEN && fflush(f) == 0 && fsync(fileno(f)) == 0;
		ok = fclose(f) == 0 && ok;
	}
	return ok;
}

enum status ratings_init(struct central *c)
{
	if (!key_load(c, c->ratings_key)) {
		log_err("cannot read or make %s/ratings.key", c->cfg.state_dir);
		return ST_IO;
	}
	if (central_verifier_new(c) != ST_OK)
		return ST_NOMEM;
	return ratelimit_new(RATE_ADDRESSES, &phone_by_address);
}

void ratings_free(struct central *c)
{
	central_verifier_free(c);
	explicit_bzero(c->ratings_key, sizeof(c->ratings_key));
	ratelimit_free(&phone_by_address);
}

/* The phone sealed as nonce | ciphertext | tag, bound to office and rating. */
static bool seal_phone(struct central *c, const char *office, const char *id, const char *phone, uint8_t *out,
		       size_t *len)
{
	char aad[128];
	size_t n = strlen(phone);
	struct crypto_gcm *g;

	snprintf(aad, sizeof(aad), PHONE_AAD "%s:%s", office, id);
	crypto_random(out, PHONE_NONCE_LEN);
	g = crypto_gcm_start(true, c->ratings_key, out, PHONE_NONCE_LEN, aad, strlen(aad));
	if (!g || !crypto_gcm_update(g, (const uint8_t *)phone, n, out + PHONE_NONCE_LEN) ||
	    !crypto_gcm_finish(g, out + PHONE_NONCE_LEN + n)) {
		crypto_gcm_abort(g);
		return false;
	}
	*len = PHONE_NONCE_LEN + n + CRYPTO_TAG_LEN;
	return true;
}

static bool unseal_phone(struct central *c, const char *office, const char *id, const uint8_t *in, size_t len,
			 char out[PHONE_MAX + 1])
{
	char aad[128];
	size_t n;
	struct crypto_gcm *g;
	uint8_t tag[CRYPTO_TAG_LEN];

	if (len < PHONE_NONCE_LEN + CRYPTO_TAG_LEN || len - PHONE_NONCE_LEN - CRYPTO_TAG_LEN > PHONE_MAX)
		return false;
	n = len - PHONE_NONCE_LEN - CRYPTO_TAG_LEN;
	snprintf(aad, sizeof(aad), PHONE_AAD "%s:%s", office, id);
	memcpy(tag, in + PHONE_NONCE_LEN + n, sizeof(tag));
	g = crypto_gcm_start(false, c->ratings_key, in, PHONE_NONCE_LEN, aad, strlen(aad));
	if (!g || !crypto_gcm_update(g, in + PHONE_NONCE_LEN, n, (uint8_t *)out) || !crypto_gcm_finish(g, tag)) {
		crypto_gcm_abort(g);
		return false;
	}
	out[n] = '\0';
	return true;
}

/* --- working days ---------------------------------------------------------------------- */

time_t ratings_due(time_t from, unsigned working_days)
{
	struct tm tm;

	localtime_r(&from, &tm);
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	tm.tm_isdst = -1;
	for (unsigned left = working_days; left > 0;) {
		tm.tm_mday++;
		mktime(&tm); /* normalises the date and sets tm_wday */
		if (tm.tm_wday != 0 && tm.tm_wday != 6)
			left--;
	}
	return mktime(&tm);
}

/* --- events ------------------------------------------------------------------------------- */

/* A rating's event for its office, in the caller's transaction. */
static enum status rating_event(struct central *c, const char *office, const char *rating, const char *type,
				json_t *data)
{
	char id[40], at[32], *body;
	struct cdb_stmt *q;
	json_t *ev;
	enum status st = ST_NOMEM;

	memcpy(id, "evt_", 4);
	entropy_hex(id + 4, 12);
	central_now_rfc3339(at);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:O}", "id", id, "type", type, "at", at, "office", office,
		       "rating", "id", rating, "data", data);
	body = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	q = body ? cdb_prepare(c->db, "INSERT INTO events (id, office, code, version, type, body, at) VALUES "
				      "(?1, ?2, ?3, 0, ?4, ?5, ?6)")
		 : NULL;
	if (q) {
		cdb_text(q, 1, id);
		cdb_text(q, 2, office);
		cdb_text(q, 3, rating);
		cdb_text(q, 4, type);
		cdb_text(q, 5, body);
		cdb_int(q, 6, (int64_t)ratings_now());
		st = cdb_exec(q);
	} else if (body) {
		st = ST_IO;
	}
	cdb_finish(q);
	free(body);
	return st;
}

static void events_out(struct central *c)
{
	cases_wake_pollers(c);
	central_push_kick(c);
}

/* Ends the caller's transaction: with st ST_OK, the event (data, taken)
 * and the commit; the office hears of it at once.  Otherwise, or when
 * either fails, a rollback. */
static enum status commit_with_event(struct central *c, enum status st, const char *office, const char *rating,
				     const char *type, json_t *data)
{
	if (st == ST_OK)
		st = data ? rating_event(c, office, rating, type, data) : ST_NOMEM;
	json_decref(data);
	if (st == ST_OK)
		st = cdb_commit(c->db);
	if (st != ST_OK) {
		cdb_rollback(c->db);
		return st;
	}
	events_out(c);
	return ST_OK;
}

/* --- taking one rating -------------------------------------------------------------------- */

struct rating_in {
	const char *id, *kind, *service, *case_code, *channel, *staff, *item_code, *item_name, *department, *comment,
	    *phone;
	json_t *reasons;
	int level, window;
	time_t rated_at;
};

/* Why r cannot be a rating: a field's name, or NULL when it can. */
static const char *rating_malformed(const struct rating_in *r)
{
	size_t i;
	json_t *v;

	if (!r->id || strlen(r->id) < 8 || strlen(r->id) > 64)
		return "id";
	if (!r->kind || !rating_kind_ok(r->kind))
		return "kind";
	if (!r->service || !*r->service || strlen(r->service) > 80)
		return "service";
	if (r->level < 1 || r->level > 5)
		return "level";
	if (!json_is_array(r->reasons) || json_array_size(r->reasons) > REASONS_MAX)
		return "reasons";
	json_array_foreach(r->reasons, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) > 40)
			return "reasons";
	}
	if (json_array_size(r->reasons) && r->level > RATING_REASONS_UP_TO)
		return "reasons";
	if (r->comment && rating_text_chars(r->comment) > COMMENT_MAX)
		return "comment";
	if (r->phone && !rating_phone_ok(r->phone))
		return "phone";
	if (!r->department || !*r->department || strlen(r->department) > 120)
		return "department";
	if (!r->channel || !rating_channel_ok(r->channel))
		return "channel";
	if (r->rated_at <= 0)
		return "rated_at";
	return NULL;
}

enum rating_taken { TAKEN, DUPLICATE, ALREADY_RATED, FAILED };

/* Stores r for office (and opens its follow-up when it is a 差评), in the
 * caller's transaction. */
static enum rating_taken take(struct central *c, const char *office, const struct rating_in *r)
{
	uint8_t sealed[PHONE_NONCE_LEN + PHONE_MAX + CRYPTO_TAG_LEN];
	size_t sealed_len = 0;
	struct cdb_stmt *q;
	char *reasons;
	enum status st;
	bool same_id = false, same_service = false;

	q = cdb_prepare(c->db, "SELECT id = ?2 FROM ratings WHERE office = ?1 AND (id = ?2 OR service = ?3)");
	if (!q)
		return FAILED;
	cdb_text(q, 1, office);
	cdb_text(q, 2, r->id);
	cdb_text(q, 3, r->service);
	while (cdb_row(q)) {
		if (cdb_col_int(q, 0))
			same_id = true;
		else
			same_service = true;
	}
	cdb_finish(q);
	if (same_id)
		return DUPLICATE;
	if (same_service)
		return ALREADY_RATED;
	if (r->phone && !seal_phone(c, office, r->id, r->phone, sealed, &sealed_len))
		return FAILED;
	reasons = json_dumps(r->reasons, JSON_COMPACT);
	q = reasons ? cdb_prepare(c->db, "INSERT INTO ratings (office, id, service, kind, case_code, level, reasons, "
					 "comment, phone, channel, window_no, staff, item_code, item_name, department, "
					 "rated_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
					 "CASE WHEN CAST(?11 AS BIGINT) > 0 THEN CAST(?11 AS BIGINT) END, ?12, ?13, "
					 "?14, ?15, ?16, ?17)")
		    : NULL;
	st = q ? ST_OK : ST_IO;
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, r->id);
		cdb_text(q, 3, r->service);
		cdb_text(q, 4, r->kind);
		cdb_text(q, 5, r->case_code);
		cdb_int(q, 6, r->level);
		cdb_text(q, 7, reasons);
		cdb_text(q, 8, r->comment);
		if (sealed_len)
			cdb_blob(q, 9, sealed, sealed_len);
		cdb_text(q, 10, r->channel);
		cdb_int(q, 11, r->window);
		cdb_text(q, 12, r->staff);
		cdb_text(q, 13, r->item_code);
		cdb_text(q, 14, r->item_name ? r->item_name : "");
		cdb_text(q, 15, r->department);
		cdb_int(q, 16, (int64_t)r->rated_at);
		cdb_int(q, 17, (int64_t)ratings_now());
		st = cdb_exec(q);
	}
	cdb_finish(q);
	free(reasons);
	if (st == ST_OK && r->level <= RATING_BAD_UP_TO) {
		/* 不满意 or 非常不满意: verified, put right and called back in time */
		q = cdb_prepare(c->db, "INSERT INTO followups (office, rating, department, state, due_at, opened_at) "
				       "VALUES (?1, ?2, ?3, 'verify', ?4, ?5)");
		st = q ? ST_OK : ST_IO;
		if (q) {
			cdb_text(q, 1, office);
			cdb_text(q, 2, r->id);
			cdb_text(q, 3, r->department);
			cdb_int(q, 4, (int64_t)ratings_due(r->rated_at, c->cfg.followup_working_days));
			cdb_int(q, 5, (int64_t)ratings_now());
			st = cdb_exec(q);
		}
		cdb_finish(q);
	}
	explicit_bzero(sealed, sizeof(sealed));
	return st == ST_OK ? TAKEN : FAILED;
}

static void rating_from_json(json_t *j, struct rating_in *r)
{
	const char *at = json_string_value(json_object_get(j, "rated_at"));

	memset(r, 0, sizeof(*r));
	r->id = json_string_value(json_object_get(j, "id"));
	r->kind = json_string_value(json_object_get(j, "kind"));
	r->service = json_string_value(json_object_get(j, "service"));
	r->case_code = json_string_value(json_object_get(j, "case"));
	r->channel = json_string_value(json_object_get(j, "channel"));
	r->staff = json_string_value(json_object_get(j, "staff"));
	r->item_code = json_string_value(json_object_get(j, "item_code"));
	r->item_name = json_string_value(json_object_get(j, "item_name"));
	r->department = json_string_value(json_object_get(j, "department"));
	r->comment = json_string_value(json_object_get(j, "comment"));
	r->phone = json_string_value(json_object_get(j, "phone"));
	r->reasons = json_object_get(j, "reasons");
	r->level = json_is_integer(json_object_get(j, "level")) ? (int)json_integer_value(json_object_get(j, "level"))
								 : 0;
	r->window = (int)json_integer_value(json_object_get(j, "window"));
	r->rated_at = at && timefmt_is_rfc3339(at) ? timefmt_parse_rfc3339(at) : 0;
}

/* An office's lot, in the caller's transaction: each rating's answer in
 * order, "taken" (counted in *taken) or "duplicate" or "refused"; NULL when
 * the store failed (the transaction must be rolled back). */
static json_t *take_lot(struct central *c, const char *office, json_t *list, unsigned *taken)
{
	json_t *results = json_array(), *one;
	size_t i;

	json_array_foreach(list, i, one)
	{
		struct rating_in in;
		const char *bad;
		enum rating_taken t;

		rating_from_json(one, &in);
		if ((bad = rating_malformed(&in))) {
			json_array_append_new(results, json_pack("{s:s?, s:s, s:s, s:s, s:s}", "id", in.id, "status",
								 "refused", "error", "bad_rating", "field", bad,
								 "message", "评价内容不完整"));
			continue;
		}
		if ((t = take(c, office, &in)) == FAILED) {
			json_decref(results);
			return NULL;
		}
		*taken += t == TAKEN;
		json_array_append_new(results,
				      t == ALREADY_RATED
					  ? json_pack("{s:s, s:s, s:s, s:s}", "id", in.id, "status", "refused", "error",
						      "already_rated", "message", "这项服务已经评价过")
					  : json_pack("{s:s, s:s}", "id", in.id, "status",
						      t == TAKEN ? "taken" : "duplicate"));
	}
	return results;
}

/*
 * Group commit.  A lot is not stored at once: its request waits
 * (suspended) with the others the loop read in the same pass, and one
 * deferred pass stores them all in one transaction, one fsync for the
 * group, then answers each.  An answer still comes only after its ratings
 * are on disk; a failure answers the whole group 503 and the offices send
 * their lots again (each rating is taken once by its id).
 */
#define GROUP_MAX 256
static struct creq *group[GROUP_MAX];
static unsigned ngroup;
static sd_event_source *group_src;

static void group_store(struct central *c)
{
	json_t *answers[GROUP_MAX] = {0};
	unsigned n = ngroup, taken = 0;
	bool ok = cdb_begin(c->db) == ST_OK;

	ngroup = 0;
	for (unsigned i = 0; ok && i < n; i++) {
		json_t *body = json_loadb((const char *)group[i]->body.data, group[i]->body.len, 0, NULL);

		answers[i] = take_lot(c, group[i]->office, json_object_get(body, "ratings"), &taken);
		ok = answers[i] != NULL;
		json_decref(body);
	}
	ok = ok && cdb_commit(c->db) == ST_OK;
	if (!ok)
		cdb_rollback(c->db);
	for (unsigned i = 0; i < n; i++) {
		if (ok)
			central_answer_later(group[i], 200, json_pack("{s:o}", "results", answers[i]));
		else {
			json_decref(answers[i]);
			central_answer_later(group[i], 503,
					     json_pack("{s:s, s:s, s:s}", "error", "unavailable", "message",
						       "中心暂时无法处理，请稍后重试", "message_en", "try again shortly"));
		}
	}
	if (ok && taken)
		log_info("%u ratings taken from %u lots", taken, n);
}

static int on_group(sd_event_source *s, void *ud)
{
	(void)s;
	group_store(ud);
	return 0;
}

void ratings_stop(struct central *c)
{
	if (ngroup)
		group_store(c);
	group_src = sd_event_source_disable_unref(group_src);
}

/* A signed lot (r suspended): it joins the group, or is refused. */
static void lot_signed(struct creq *r)
{
	json_t *body = json_loadb((const char *)r->body.data, r->body.len, JSON_REJECT_DUPLICATES, NULL);
	json_t *list = json_object_get(body, "ratings");
	bool shaped = json_is_array(list) && json_array_size(list) > 0 && json_array_size(list) <= RATINGS_PER_REQUEST;

	json_decref(body);
	if (!shaped) {
		central_answer_later(r, 400,
				     json_pack("{s:s, s:s, s:s}", "error", "bad_ratings", "message", "评价内容不完整",
					       "message_en", "the ratings are malformed"));
		return;
	}
	if (ngroup == GROUP_MAX)
		group_store(r->c); /* the group is full: it goes now, this lot with the next */
	if (!group_src && sd_event_add_defer(r->c->ev, &group_src, on_group, r->c) < 0) {
		central_answer_later(r, 503,
				     json_pack("{s:s, s:s, s:s}", "error", "unavailable", "message",
					       "中心暂时无法处理，请稍后重试", "message_en", "try again shortly"));
		return;
	}
	sd_event_source_set_enabled(group_src, SD_EVENT_ONESHOT);
	group[ngroup++] = r;
}

/* POST /v1/ratings {"ratings": [...]}: each taken once, answered one by one
 * once its group is stored; the signature is checked off the loop. */
enum MHD_Result ratings_post(struct creq *r)
{
	enum MHD_Result answered;

	central_signed_async(r, lot_signed, &answered);
	return answered;
}

/* POST /v1/ratings/appeals {"rating", "reason"}: the office's 申诉. */
enum MHD_Result ratings_appeal(struct creq *r)
{
	enum MHD_Result answered;
	const char *rating, *reason;
	struct cdb_stmt *q;
	json_t *body;
	enum status st = ST_IO;
	bool known = false;

	if (!central_signed(r, r->body.data, r->body.len, &answered))
		return answered;
	body = json_loadb((const char *)r->body.data, r->body.len, JSON_REJECT_DUPLICATES, NULL);
	rating = json_string_value(json_object_get(body, "rating"));
	reason = json_string_value(json_object_get(body, "reason"));
	if (!rating || !reason || !*reason || rating_text_chars(reason) > COMMENT_MAX) {
		json_decref(body);
		return central_error(r, 400, "bad_appeal", "申诉需要写明理由", "an appeal needs its reason");
	}
	q = cdb_prepare(r->c->db, "SELECT 1 FROM ratings WHERE office = ?1 AND id = ?2");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_text(q, 2, rating);
		known = cdb_row(q);
	}
	cdb_finish(q);
	if (!known) {
		json_decref(body);
		return central_error(r, 404, "unknown_rating", "中心没有这条评价", "central has no such rating");
	}
	/* Filed once: the same appeal again is answered as taken. */
	q = cdb_prepare(r->c->db, "INSERT INTO appeals (office, rating, reason, filed_at, state) VALUES "
				  "(?1, ?2, ?3, ?4, 'pending') ON CONFLICT (office, rating) DO NOTHING");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_text(q, 2, rating);
		cdb_text(q, 3, reason);
		cdb_int(q, 4, (int64_t)ratings_now());
		st = cdb_exec(q);
	}
	cdb_finish(q);
	json_decref(body);
	if (st != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	return central_json(r, 201, json_pack("{s:b}", "filed", true));
}

/* --- the phone page ------------------------------------------------------------------------- */

/* The office's token key: HMAC-SHA256 of its webhook secret (rating.h). */
static bool office_token_key(struct central *c, const char *office, uint8_t key[CRYPTO_SHA256_LEN], char *name,
			     size_t cap)
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT webhook_secret, name FROM offices WHERE code = ?1");
	bool ok = false;

	if (q) {
		cdb_text(q, 1, office);
		if (cdb_row(q)) {
			size_t len;
			const void *secret = cdb_col_blob(q, 0, &len);

			if (secret && len) {
				rating_token_key(secret, len, key);
				snprintf(name, cap, "%s", cdb_col_text(q, 1));
				ok = true;
			}
		}
	}
	cdb_finish(q);
	return ok;
}

/* The case a phone token names, as central has it. */
struct phone_case {
	char office[16], office_name[128], department[128], item_code[64], item_name[128];
	struct rating_token t;
};

static const char *phone_case_of(struct central *c, const char *token, struct phone_case *pc, unsigned *code)
{
	uint8_t key[CRYPTO_SHA256_LEN];
	struct cdb_stmt *q;
	bool found = false;

	*code = 404;
	memset(pc, 0, sizeof(*pc));
	if (!rating_token_parse(token, &pc->t))
		return "bad_token";
	snprintf(pc->office, sizeof(pc->office), "%s", pc->t.office);
	if (!office_token_key(c, pc->office, key, pc->office_name, sizeof(pc->office_name)) ||
	    !rating_token_check(&pc->t, key)) {
		explicit_bzero(key, sizeof(key));
		return "bad_token";
	}
	explicit_bzero(key, sizeof(key));
	if (rating_token_expired(&pc->t, ratings_now())) {
		*code = 410;
		return "expired";
	}
	q = cdb_prepare(c->db, "SELECT department, data FROM cases WHERE office = ?1 AND code = ?2 "
			       "ORDER BY version DESC LIMIT 1");
	if (q) {
		cdb_text(q, 1, pc->office);
		cdb_text(q, 2, pc->t.ref);
		if (cdb_row(q)) {
			json_t *data = json_loads(cdb_col_text(q, 1), 0, NULL), *item = json_object_get(data, "item");

			snprintf(pc->department, sizeof(pc->department), "%s", cdb_col_text(q, 0));
			snprintf(pc->item_code, sizeof(pc->item_code), "%s",
				 json_string_value(json_object_get(item, "code")) ?: "");
			snprintf(pc->item_name, sizeof(pc->item_name), "%s",
				 json_string_value(json_object_get(item, "name")) ?: "");
			json_decref(data);
			found = true;
		}
	}
	cdb_finish(q);
	if (!found) {
		*code = 409;
		return "not_yet";
	}
	return NULL;
}

static enum MHD_Result phone_refusal(struct creq *r, unsigned code, const char *why)
{
	if (strcmp(why, "expired") == 0)
		return central_error(r, code, why, "评价链接已过期", "the rating link has expired");
	if (strcmp(why, "not_yet") == 0)
		return central_error(r, code, why, "这项业务还没有送达中心，请稍后再评",
				     "the case has not reached central yet: try again later");
	if (strcmp(why, "already_rated") == 0)
		return central_error(r, code, why, "这项服务已经评价过，感谢您的参与", "this service was rated already");
	return central_error(r, code, "bad_token", "评价链接无效", "the rating link is not valid");
}

static bool service_rated(struct central *c, const char *office, const char *service)
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT 1 FROM ratings WHERE office = ?1 AND service = ?2");
	bool yes = false;

	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, service);
		yes = cdb_row(q);
	}
	cdb_finish(q);
	return yes;
}

/* The reasons a 差评 may name: central's catalog's, or the standard list.
 * Parsed once a catalog (by its ETag), not for every phone rating. */
static json_t *reasons_list(struct central *c)
{
	static char seen[sizeof(c->catalog.etag)] = "-";
	static json_t *cached;
	const struct central_catalog *k = central_catalog_now(c);
	const char *etag = k ? k->etag : "";

	if (!cached || strcmp(seen, etag) != 0) {
		json_t *doc = k ? json_loads(k->text, 0, NULL) : NULL, *list = json_object_get(doc, "rating_reasons");

		json_decref(cached);
		cached = json_is_array(list) && json_array_size(list) ? json_incref(list) : rating_default_reasons();
		json_decref(doc);
		snprintf(seen, sizeof(seen), "%s", etag);
	}
	return json_incref(cached);
}

static bool reason_listed(json_t *list, const char *code)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "code")) ?: "", code) == 0)
			return true;
	}
	return false;
}

/* GET /r/api/<token>: what the page shows; POST: the citizen's rating. */
static enum MHD_Result phone_api(struct creq *r, const char *token, json_t *body)
{
	struct phone_case pc;
	unsigned code;
	const char *why = phone_case_of(r->c, token, &pc, &code);
	char service[80], id[40];
	struct rating_in in;
	enum rating_taken t;
	json_t *reasons;
	size_t i;
	json_t *v;

	if (why)
		return phone_refusal(r, code, why);
	rating_service(pc.t.kind, pc.t.ref, service, sizeof(service));
	if (strcmp(r->method, "GET") == 0) {
		if (service_rated(r->c, pc.office, service))
			return phone_refusal(r, 409, "already_rated");
		return central_json(r, 200,
				    json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "office_name", pc.office_name, "item",
					      pc.item_name, "case", pc.t.ref, "kind", pc.t.kind, "department",
					      pc.department, "reasons", reasons_list(r->c)));
	}
	if (!ratelimit_take(phone_by_address, r->peer, RATE_PER_MINUTE, (uint64_t)ratings_now()))
		return central_error(r, 429, "too_many", "提交太频繁，请稍后再试", "too many ratings: wait a minute");
	memset(&in, 0, sizeof(in));
	memcpy(id, "phone-", 6);
	entropy_hex(id + 6, 12);
	in.id = id;
	in.kind = pc.t.kind;
	in.service = service;
	in.case_code = pc.t.ref;
	in.channel = "phone";
	in.item_code = pc.item_code;
	in.item_name = pc.item_name;
	in.department = pc.department;
	in.comment = json_string_value(json_object_get(body, "comment"));
	in.phone = json_string_value(json_object_get(body, "phone"));
	if (in.comment && !*in.comment)
		in.comment = NULL;
	if (in.phone && !*in.phone)
		in.phone = NULL;
	in.reasons = json_object_get(body, "reasons");
	in.level = json_is_integer(json_object_get(body, "level")) ? (int)json_integer_value(json_object_get(body, "level"))
								  : 0;
	in.rated_at = ratings_now();
	if (!in.reasons)
		in.reasons = json_array_size(json_object_get(body, "reasons")) ? NULL : json_array();
	else
		json_incref(in.reasons);
	reasons = reasons_list(r->c);
	json_array_foreach(in.reasons, i, v)
	{
		if (!json_is_string(v) || !reason_listed(reasons, json_string_value(v))) {
			json_decref(reasons);
			json_decref(in.reasons);
			return central_error(r, 400, "bad_reason", "请从列表中选择原因", "pick the reasons from the list");
		}
	}
	json_decref(reasons);
	if ((why = rating_malformed(&in))) {
		json_decref(in.reasons);
		return central_json(r, 400,
				    json_pack("{s:s, s:s, s:s, s:s}", "error", "bad_rating", "field", why, "message",
					      strcmp(why, "phone") == 0 ? "请填写正确的手机号码" : "请选择满意程度",
					      "message_en",
					      strcmp(why, "phone") == 0 ? "give a valid mobile number" : "pick a level"));
	}
	if (cdb_begin(r->c->db) != ST_OK) {
		json_decref(in.reasons);
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	}
	t = take(r->c, pc.office, &in);
	if (t == TAKEN) {
		json_t *data = json_pack("{s:s, s:s, s:s, s:i, s:O, s:b, s:s}", "kind", in.kind, "case", in.case_code,
					 "service", service, "level", in.level, "reasons", in.reasons, "callback",
					 in.phone != NULL, "channel", "phone");

		if (!data || rating_event(r->c, pc.office, id, "rating.received", data) != ST_OK)
			t = FAILED;
		json_decref(data);
	}
	json_decref(in.reasons);
	if (t != TAKEN || cdb_commit(r->c->db) != ST_OK) {
		cdb_rollback(r->c->db);
		if (t == ALREADY_RATED || t == DUPLICATE)
			return phone_refusal(r, 409, "already_rated");
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	}
	events_out(r->c);
	log_info("office %s: phone rating %s of %s", pc.office, id, service);
	return central_json(r, 201, json_pack("{s:b}", "recorded", true));
}

enum MHD_Result ratings_phone(struct creq *r, json_t *body)
{
	const char *token;

	if (strncmp(r->url, "/r/api/", 7) == 0) {
		token = r->url + 7;
		if (strcmp(r->method, "GET") == 0 || (strcmp(r->method, "POST") == 0 && body))
			return phone_api(r, token, body);
		return central_error(r, 400, "bad_request", "缺少请求内容", "no body");
	}
	return central_ui_asset(r, "/central/rate.html");
}

/* --- follow-ups ------------------------------------------------------------------------------ */

static json_t *steps_of(struct central *c, const char *office, const char *rating)
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT step, note, clerk, at FROM followup_steps WHERE office = ?1 "
						"AND rating = ?2 ORDER BY at, CASE step WHEN 'verify' THEN 1 "
						"WHEN 'rectify' THEN 2 ELSE 3 END");
	json_t *list = json_array();

	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, rating);
		while (cdb_row(q))
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I}", "step", cdb_col_text(q, 0), "note",
							      cdb_col_text(q, 1), "clerk", cdb_col_text(q, 2), "at",
							      (json_int_t)cdb_col_int(q, 3)));
	}
	cdb_finish(q);
	return list;
}

/* GET /central/api/followups: the department's 差评, open ones first. */
enum MHD_Result ratings_followups(struct creq *r, const struct central_clerk *k)
{
	struct cdb_stmt *q = cdb_prepare(
	    r->c->db, "SELECT f.office, o.name, f.rating, f.state, f.due_at, f.opened_at, f.closed_at, x.level, "
		      "x.reasons, x.comment, x.phone, x.channel, x.window_no, x.staff, x.item_name, x.case_code, "
		      "x.rated_at, x.kind, a.state, a.reason, x.excluded "
		      "FROM followups f JOIN ratings x ON x.office = f.office AND x.id = f.rating "
		      "JOIN offices o ON o.code = f.office "
		      "LEFT JOIN appeals a ON a.office = f.office AND a.rating = f.rating "
		      "WHERE f.department = ?1 ORDER BY f.state = 'closed', f.due_at LIMIT 500");
	time_t now = ratings_now();
	json_t *list = json_array(), *names = reasons_list(r->c);

	if (!q) {
		json_decref(names);
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	}
	cdb_text(q, 1, k->department);
	while (cdb_row(q)) {
		const char *office = cdb_col_text(q, 0), *rating = cdb_col_text(q, 2), *state = cdb_col_text(q, 3);
		int64_t due = cdb_col_int(q, 4), closed = cdb_col_null(q, 6) ? 0 : cdb_col_int(q, 6);
		char phone[PHONE_MAX + 1] = "";
		size_t plen;
		const void *sealed = cdb_col_blob(q, 10, &plen);
		json_t *one;

		if (sealed && plen && !unseal_phone(r->c, office, rating, sealed, plen, phone))
			snprintf(phone, sizeof(phone), "?");
		one = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:i, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, "
				"s:o, s:s?, s:s?, s:b}",
				"office", office, "office_name", cdb_col_text(q, 1), "rating", rating, "state", state,
				"due_at", (json_int_t)due, "opened_at", (json_int_t)cdb_col_int(q, 5), "overdue",
				strcmp(state, "closed") != 0 ? now > due : closed > due, "level", (int)cdb_col_int(q, 7),
				"reasons", json_loads(cdb_col_text(q, 8), 0, NULL) ?: json_array(), "comment",
				cdb_col_text(q, 9), "phone", phone, "channel", cdb_col_text(q, 11), "staff",
				cdb_col_text(q, 13), "item", cdb_col_text(q, 14), "case", cdb_col_text(q, 15), "rated_at",
				(json_int_t)cdb_col_int(q, 16), "kind", cdb_col_text(q, 17), "steps",
				steps_of(r->c, office, rating), "appeal", cdb_col_null(q, 18) ? NULL : cdb_col_text(q, 18),
				"appeal_reason", cdb_col_null(q, 19) ? NULL : cdb_col_text(q, 19), "excluded",
				cdb_col_int(q, 20) != 0);
		if (one && !cdb_col_null(q, 12))
			json_object_set_new(one, "window", json_integer(cdb_col_int(q, 12)));
		if (one)
			json_object_set_new(one, "reason_texts", rating_reason_texts(names, json_object_get(one, "reasons")));
		json_array_append_new(list, one);
		explicit_bzero(phone, sizeof(phone));
	}
	cdb_finish(q);
	json_decref(names);
	return central_json(r, 200,
			    json_pack("{s:s, s:I, s:i, s:o}", "department", k->department, "now", (json_int_t)now,
				      "working_days", (int)r->c->cfg.followup_working_days, "followups", list));
}

/* POST /central/api/followups/<office>/<rating>/<verify|rectify|callback> {"note"} */
enum MHD_Result ratings_followup_step(struct creq *r, const struct central_clerk *k, const char *office,
				      const char *rating, const char *step, json_t *body)
{
	static const struct {
		const char *step, *from, *to;
	} steps[] = {{"verify", "verify", "rectify"}, {"rectify", "rectify", "callback"}, {"callback", "callback", "closed"}};
	const char *note = json_string_value(json_object_get(body, "note"));
	struct cdb_stmt *q;
	size_t s;
	enum status st;
	char state[16] = "";
	json_t *data;

	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++)
		if (strcmp(steps[s].step, step) == 0)
			break;
	if (s == sizeof(steps) / sizeof(steps[0]))
		return central_error(r, 404, "not_found", "没有这个地址", "no such path");
	if (!note || !*note || rating_text_chars(note) > COMMENT_MAX)
		return central_error(r, 400, "note_required", "请填写处理情况", "say what was done");
	if (cdb_begin(r->c->db) != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	q = cdb_prepare(r->c->db, "SELECT state FROM followups WHERE office = ?1 AND rating = ?2 AND department = ?3");
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, rating);
		cdb_text(q, 3, k->department);
		if (cdb_row(q))
			snprintf(state, sizeof(state), "%s", cdb_col_text(q, 0));
	}
	cdb_finish(q);
	if (!*state) {
		cdb_rollback(r->c->db);
		return central_error(r, 404, "not_found", "本部门没有这条差评", "no such 差评 in your department");
	}
	if (strcmp(state, steps[s].from) != 0) {
		cdb_rollback(r->c->db);
		return central_error(r, 409, "wrong_step", "请按 核实、整改、回访 的顺序处理",
				     "verify, rectify and call back in that order");
	}
	q = cdb_prepare(r->c->db, "UPDATE followups SET state = ?3, closed_at = CASE WHEN ?3 = 'closed' THEN "
				  "CAST(?4 AS BIGINT) END WHERE office = ?1 AND rating = ?2");
	st = q ? ST_OK : ST_IO;
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, rating);
		cdb_text(q, 3, steps[s].to);
		cdb_int(q, 4, (int64_t)ratings_now());
		st = cdb_exec(q);
	}
	cdb_finish(q);
	q = st == ST_OK ? cdb_prepare(r->c->db, "INSERT INTO followup_steps (office, rating, step, note, clerk, at) "
						"VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
			: NULL;
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, rating);
		cdb_text(q, 3, step);
		cdb_text(q, 4, note);
		cdb_text(q, 5, k->name);
		cdb_int(q, 6, (int64_t)ratings_now());
		st = cdb_exec(q);
	}
	cdb_finish(q);
	data = json_pack("{s:s, s:s, s:s, s:s}", "step", step, "state", steps[s].to, "note", note, "clerk", k->name);
	if (commit_with_event(r->c, st, office, rating, "rating.followed_up", data) != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	log_info("rating %s of %s: %s by %s", rating, office, step, k->username);
	return central_json(r, 200, json_pack("{s:s}", "state", steps[s].to));
}

/* --- appeals ------------------------------------------------------------------------------------ */

/* GET /central/api/appeals: the department's, pending first. */
enum MHD_Result ratings_appeals(struct creq *r, const struct central_clerk *k)
{
	struct cdb_stmt *q = cdb_prepare(
	    r->c->db, "SELECT a.office, o.name, a.rating, a.reason, a.filed_at, a.state, a.decided_by, "
		      "a.decision_note, x.level, x.item_name, x.rated_at FROM appeals a "
		      "JOIN ratings x ON x.office = a.office AND x.id = a.rating JOIN offices o ON o.code = a.office "
		      "WHERE x.department = ?1 ORDER BY a.state <> 'pending', a.filed_at LIMIT 500");
	json_t *list = json_array();

	if (!q)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	cdb_text(q, 1, k->department);
	while (cdb_row(q))
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:i, s:s, s:I}", "office", cdb_col_text(q, 0),
				    "office_name", cdb_col_text(q, 1), "rating", cdb_col_text(q, 2), "reason",
				    cdb_col_text(q, 3), "filed_at", (json_int_t)cdb_col_int(q, 4), "state",
				    cdb_col_text(q, 5), "decided_by", cdb_col_text(q, 6), "decision_note",
				    cdb_col_text(q, 7), "level", (int)cdb_col_int(q, 8), "item", cdb_col_text(q, 9),
				    "rated_at", (json_int_t)cdb_col_int(q, 10)));
	cdb_finish(q);
	return central_json(r, 200, json_pack("{s:b, s:o}", "may_decide", k->supervisor, "appeals", list));
}

/* POST /central/api/appeals/<office>/<rating>/<accept|refuse> {"note"}: a supervisor's. */
enum MHD_Result ratings_appeal_decide(struct creq *r, const struct central_clerk *k, const char *office,
				      const char *rating, const char *decision, json_t *body)
{
	const char *note = json_string_value(json_object_get(body, "note"));
	bool accept = strcmp(decision, "accept") == 0;
	struct cdb_stmt *q;
	enum status st = ST_IO;
	json_t *data;

	if (!accept && strcmp(decision, "refuse") != 0)
		return central_error(r, 404, "not_found", "没有这个地址", "no such path");
	if (!k->supervisor)
		return central_error(r, 403, "forbidden", "只有审核人员可以决定申诉", "only a supervisor decides appeals");
	if (!note || !*note || rating_text_chars(note) > COMMENT_MAX)
		return central_error(r, 400, "note_required", "请填写决定理由", "give the decision's reason");
	if (cdb_begin(r->c->db) != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	q = cdb_prepare(r->c->db, "UPDATE appeals SET state = ?3, decided_by = ?4, decision_note = ?5, decided_at = ?6 "
				  "WHERE office = ?1 AND rating = ?2 AND state = 'pending' AND EXISTS (SELECT 1 FROM "
				  "ratings x WHERE x.office = ?1 AND x.id = ?2 AND x.department = ?7)");
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, rating);
		cdb_text(q, 3, accept ? "accepted" : "refused");
		cdb_text(q, 4, k->name);
		cdb_text(q, 5, note);
		cdb_int(q, 6, (int64_t)ratings_now());
		cdb_text(q, 7, k->department);
		st = cdb_exec(q);
	}
	cdb_finish(q);
	if (st == ST_OK && cdb_changes(r->c->db) != 1) {
		cdb_rollback(r->c->db);
		return central_error(r, 409, "not_pending", "这条申诉不在待决定状态", "no pending appeal of that rating");
	}
	/* Accepted: kept in the record, left out of the scores. */
	q = st == ST_OK && accept ? cdb_prepare(r->c->db, "UPDATE ratings SET excluded = 1 WHERE office = ?1 AND id = ?2")
				  : NULL;
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, rating);
		st = cdb_exec(q);
	}
	cdb_finish(q);
	data = json_pack("{s:s, s:s, s:s}", "decision", accept ? "accepted" : "refused", "note", note, "by", k->name);
	if (commit_with_event(r->c, st, office, rating, "rating.appeal_decided", data) != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	log_info("appeal of rating %s of %s %s by %s", rating, office, accept ? "accepted" : "refused", k->username);
	return central_json(r, 200, json_pack("{s:s}", "state", accept ? "accepted" : "refused"));
}

/* --- figures --------------------------------------------------------------------------------------- */

/* The period a time falls in, as text: 2026-12-04, 2026-W49, 2026-12. */
static void period_of(time_t t, const char *period, char *out, size_t cap)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (strcmp(period, "month") == 0)
		strftime(out, cap, "%Y-%m", &tm);
	else if (strcmp(period, "week") == 0)
		strftime(out, cap, "%G-W%V", &tm);
	else
		strftime(out, cap, "%Y-%m-%d", &tm);
}

struct tally {
	char key[160], period[16];
	unsigned levels[5], followups, on_time, closed;
};

/* The ratings the department's clerk may see, counted by (by, period);
 * excluded ones (an accepted appeal) are left out. */
static json_t *tallies(struct central *c, const struct central_clerk *k, const char *by, const char *period,
		       size_t *n_out)
{
	struct cdb_stmt *q = cdb_prepare(
	    c->db, "SELECT x.office, o.name, x.window_no, x.department, x.level, x.rated_at, f.state, f.due_at, "
		   "f.closed_at FROM ratings x JOIN offices o ON o.code = x.office "
		   "LEFT JOIN followups f ON f.office = x.office AND f.rating = x.id "
		   "WHERE x.excluded = 0 AND x.department = ?1 ORDER BY x.rated_at LIMIT 200000");
	struct tally *t = NULL;
	size_t n = 0, cap = 0;
	json_t *rows = json_array(), *index = json_object(); /* "key\nperiod" -> its tally */

	if (!q) {
		json_decref(rows);
		json_decref(index);
		return NULL;
	}
	cdb_text(q, 1, k->department);
	while (cdb_row(q)) {
		char key[160], per[16], both[180];
		int level = (int)cdb_col_int(q, 4);
		json_t *at;
		size_t i;

		if (strcmp(by, "window") == 0)
			snprintf(key, sizeof(key), "%s %s号窗口", cdb_col_text(q, 1),
				 cdb_col_null(q, 2) ? "-" : cdb_col_text(q, 2));
		else if (strcmp(by, "department") == 0)
			snprintf(key, sizeof(key), "%s", cdb_col_text(q, 3));
		else
			snprintf(key, sizeof(key), "%s", cdb_col_text(q, 1));
		period_of((time_t)cdb_col_int(q, 5), period, per, sizeof(per));
		snprintf(both, sizeof(both), "%s\n%s", key, per);
		at = json_object_get(index, both);
		i = at ? (size_t)json_integer_value(at) : n;
		if (i == n) {
			if (n == cap) {
				struct tally *more = realloc(t, (cap = cap ? 2 * cap : 32) * sizeof(*t));

				if (!more)
					break;
				t = more;
			}
			memset(&t[n], 0, sizeof(t[n]));
			snprintf(t[n].key, sizeof(t[n].key), "%s", key);
			snprintf(t[n].period, sizeof(t[n].period), "%s", per);
			json_object_set_new(index, both, json_integer((json_int_t)n));
			n++;
		}
		if (level >= 1 && level <= 5)
			t[i].levels[level - 1]++;
		if (!cdb_col_null(q, 6)) {
			t[i].followups++;
			if (strcmp(cdb_col_text(q, 6), "closed") == 0) {
				t[i].closed++;
				t[i].on_time += cdb_col_int(q, 8) <= cdb_col_int(q, 7);
			}
		}
	}
	cdb_finish(q);
	for (size_t i = 0; i < n; i++) {
		unsigned total = 0, bad = t[i].levels[0] + t[i].levels[1];

		for (int l = 0; l < 5; l++)
			total += t[i].levels[l];
		json_array_append_new(rows, json_pack("{s:s, s:s, s:[i,i,i,i,i], s:i, s:i, s:f, s:i, s:i, s:i}", "key",
						      t[i].key, "period", t[i].period, "levels", t[i].levels[0],
						      t[i].levels[1], t[i].levels[2], t[i].levels[3], t[i].levels[4],
						      "total", total, "bad", bad, "bad_rate",
						      total ? (double)bad / total : 0.0, "followups", t[i].followups,
						      "closed", t[i].closed, "on_time", t[i].on_time));
	}
	free(t);
	json_decref(index);
	*n_out = n;
	return rows;
}

static const char *arg(struct creq *r, const char *name, const char *const *allowed, size_t n)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, allowed[i]) == 0)
			return allowed[i];
	return allowed[0];
}

/* GET /central/api/ratings/stats?by=office|window|department&period=day|week|month */
enum MHD_Result ratings_stats(struct creq *r, const struct central_clerk *k, bool csv)
{
	static const char *const bys[] = {"office", "window", "department"}, *const periods[] = {"day", "week", "month"};
	const char *by = arg(r, "by", bys, 3), *period = arg(r, "period", periods, 3);
	size_t n = 0, i;
	json_t *rows = tallies(r->c, k, by, period, &n), *row;
	struct buf out;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!rows)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	if (!csv)
		return central_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "department", k->department, "by", by,
						      "period", period, "rows", rows));
	buf_init(&out, 16 * 1024 * 1024);
	buf_printf(&out, "\xEF\xBB\xBF"
			 "对象,期间,非常满意,满意,基本满意,不满意,非常不满意,合计,差评率,差评整改,按期完成\r\n");
	json_array_foreach(rows, i, row)
	{
		json_t *lv = json_object_get(row, "levels");
		const char *key = json_string_value(json_object_get(row, "key"));

		/* a key is an office's name: quoted, its quotes doubled */
		buf_putc(&out, '"');
		for (const char *p = key; *p; p++) {
			if (*p == '"')
				buf_putc(&out, '"');
			buf_putc(&out, (uint8_t)*p);
		}
		buf_printf(&out, "\",%s,%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT
				 ",%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT
				 ",%.3f,%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT "\r\n",
			   json_string_value(json_object_get(row, "period")), json_integer_value(json_array_get(lv, 4)),
			   json_integer_value(json_array_get(lv, 3)), json_integer_value(json_array_get(lv, 2)),
			   json_integer_value(json_array_get(lv, 1)), json_integer_value(json_array_get(lv, 0)),
			   json_integer_value(json_object_get(row, "total")),
			   json_real_value(json_object_get(row, "bad_rate")),
			   json_integer_value(json_object_get(row, "followups")),
			   json_integer_value(json_object_get(row, "on_time")));
	}
	json_decref(rows);
	resp = MHD_create_response_from_buffer(out.len, out.data, MHD_RESPMEM_MUST_COPY);
	buf_free(&out);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(resp, "Content-Disposition", "attachment; filename=\"ratings.csv\"");
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}
