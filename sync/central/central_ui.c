/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The central clerks' side of outpost-central: accounts (argon2id), login
 * sessions with a CSRF token, the inbox per department, a case with its
 * applicant data and documents served inline, the clerk's actions (each
 * becomes an event for the box), and the fleet page.  JSON under
 * /central/api/, pages under /central/ (sync/central/static, embedded).
 */
#include <argon2.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/crypto.h"
#include "appliance/common/entropy.h"
#include "appliance/common/lockout.h"
#include "appliance/common/log.h"
#include "appliance/common/ratelimit.h"
#include "appliance/common/worker.h"
#include "cdb.h"
#include "central.h"
#include "central_ratings.h"
#include "central_survey.h"
#include "web/assets.h"

#define SESSIONS	     256
#define SESSION_IDLE_SECONDS (8 * 3600)
#define ARGON_T		     2
#define ARGON_M_KIB	     19456
/* Password checks waiting or running at once (anonymous: logins); past
 * that a login is answered 503 at once, and the event loop never waits. */
#define LOGIN_JOBS	   8
#define LOGIN_ADDRESSES	   1024 /* the per-address limit's table */
#define LOCKOUT_NAMES	   1024
#define LOGIN_PASSWORD_MAX 200

struct session {
	char token[65], csrf[65];
	char username[64], name[64], department[128];
	bool supervisor;
	time_t last_used;
};

static struct session sessions[SESSIONS];

/* --- accounts ----------------------------------------------------------------------- */

int central_add_clerk(struct central *c, const char *username, const char *name, const char *department,
		      bool supervisor)
{
	uint8_t salt[16];
	char password[25], hash[160];
	struct cdb_stmt *q;
	enum status st = ST_IO;

	if (strlen(username) < 2 || strlen(username) > 60 || strlen(department) < 1 || strlen(department) > 120)
		return 2;
	entropy_hex(password, 12);
	entropy_fill(salt, sizeof(salt));
	if (argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, 1, password, strlen(password), salt, sizeof(salt), 32, hash,
				  sizeof(hash)) != ARGON2_OK)
		return 1;
	q = cdb_prepare(c->db, "INSERT INTO clerks (username, name, department, password_hash, created_at, role) VALUES "
			       "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (username) DO UPDATE SET name = ?2, department = ?3, "
			       "password_hash = ?4, role = ?6");
	if (q) {
		cdb_text(q, 1, username);
		cdb_text(q, 2, name);
		cdb_text(q, 3, department);
		cdb_text(q, 4, hash);
		cdb_int(q, 5, (int64_t)time(NULL));
		cdb_text(q, 6, supervisor ? "supervisor" : "clerk");
		st = cdb_exec(q);
	}
	cdb_finish(q);
	if (st != ST_OK)
		return 1;
	printf("%s\n", password);
	return 0;
}

static struct session *session_of(struct creq *r)
{
	const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "central_session");
	time_t now = time(NULL);

	for (int i = 0; token && strlen(token) == 64 && i < SESSIONS; i++) {
		struct session *s = &sessions[i];

		if (s->token[0] && now - s->last_used < SESSION_IDLE_SECONDS && crypto_equal(s->token, token, 64)) {
			s->last_used = now;
			return s;
		}
	}
	return NULL;
}

bool central_ui_signed_in(struct creq *r)
{
	return session_of(r) != NULL;
}

/*
 * A login in two halves around argon2id, which runs in the worker thread:
 * login() refuses what it can without a hash (the address's rate, a locked
 * name) and hands the check over, with the stored hash or, for a name no
 * clerk has, a dummy one, so both take as long; login_checked() is back
 * in the loop and counts a failure or makes the session.  The request
 * waits suspended; a request whose client went away leaves r NULL.
 */
struct central_login {
	struct worker_job job; /* first: the worker hands back &job */
	struct central *c;
	struct creq *r;
	struct central_login *next;
	char username[64], name[64], department[128];
	char password[LOGIN_PASSWORD_MAX + 1];
	char hash[160];
	bool known, verified, supervisor;
};

static void login_check(struct worker_job *job)
{
	struct central_login *l = (struct central_login *)job;

	l->verified = argon2id_verify(l->hash, l->password, strlen(l->password)) == ARGON2_OK;
}

static void login_unlist(struct central_login *l)
{
	for (struct central_login **p = &l->c->logins; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
}

static void login_free(struct central_login *l)
{
	explicit_bzero(l, sizeof(*l));
	free(l);
}

static json_t *refusal_json(const char *error, const char *zh, const char *en)
{
	return json_pack("{s:s, s:s, s:s}", "error", error, "message", zh, "message_en", en);
}

static json_t *locked_json(void)
{
	return refusal_json("locked", "登录失败次数过多，该用户名已暂时锁定，请稍后再试",
			    "too many failed logins: this user name is locked for a while");
}

static void login_checked(struct worker_job *job)
{
	struct central_login *l = (struct central_login *)job;
	struct central *c = l->c;
	struct creq *r = l->r;
	uint64_t now = (uint64_t)time(NULL);
	struct session *s = NULL;
	time_t oldest = 0;

	login_unlist(l);
	if (r)
		r->login = NULL;
	if (!l->verified || !l->known) {
		bool locked =
		    lockout_fail(c->lockouts, l->username, c->cfg.lockout_failures, c->cfg.lockout_seconds, now);

		log_warn("central login refused for %s%s", l->username, locked ? ": locked" : "");
		if (r)
			central_answer_later(
			    r, locked ? 429 : 401,
			    locked ? locked_json()
				   : refusal_json("login_failed", "用户名或密码不正确", "wrong user name or password"));
		login_free(l);
		return;
	}
	/* A check still in flight when the name was locked does not get in. */
	if (lockout_remaining(c->lockouts, l->username, now)) {
		if (r)
			central_answer_later(r, 429, locked_json());
		login_free(l);
		return;
	}
	lockout_clear(c->lockouts, l->username);
	if (!r) {
		login_free(l);
		return;
	}
	for (int i = 0; i < SESSIONS; i++) /* a free slot, or the longest idle */
		if (!s || sessions[i].last_used < oldest) {
			s = &sessions[i];
			oldest = sessions[i].last_used;
		}
	memset(s, 0, sizeof(*s));
	entropy_hex(s->token, 32);
	entropy_hex(s->csrf, 32);
	snprintf(s->username, sizeof(s->username), "%s", l->username);
	snprintf(s->name, sizeof(s->name), "%s", l->name);
	snprintf(s->department, sizeof(s->department), "%s", l->department);
	s->supervisor = l->supervisor;
	s->last_used = time(NULL);
	log_info("clerk %s (%s) logged in", s->username, s->department);
	snprintf(r->cookie, sizeof(r->cookie), "central_session=%s; Path=/central; HttpOnly; SameSite=Strict%s",
		 s->token, c->tls_pin[0] ? "; Secure" : "");
	r->set_cookie = r->cookie;
	central_answer_later(r, 200,
			     json_pack("{s:s, s:s, s:s, s:s, s:b}", "username", s->username, "name", s->name,
				       "department", s->department, "csrf", s->csrf, "supervisor", s->supervisor));
	login_free(l);
}

static enum MHD_Result login(struct creq *r, json_t *body)
{
	struct central *c = r->c;
	const char *user = json_string_value(json_object_get(body, "username")),
		   *password = json_string_value(json_object_get(body, "password"));
	struct central_login *l;
	struct cdb_stmt *q;
	uint64_t now = (uint64_t)time(NULL);

	if (!user || !password || !*user || strlen(user) >= sizeof(l->username) ||
	    strlen(password) > LOGIN_PASSWORD_MAX) {
		log_warn("central login refused for %s", user ? user : "?");
		return central_error(r, 401, "login_failed", "用户名或密码不正确", "wrong user name or password");
	}
	/* Before any hash: a client trying names or passwords at speed costs
	 * the worker nothing past its minute's allowance. */
	if (!ratelimit_take(c->logins_by_address, r->peer, c->cfg.logins_per_address_per_minute, now)) {
		log_warn("central login for %s from %s refused: too many attempts from there", user, r->peer);
		return central_error(r, 429, "login_rate", "此地址登录尝试过于频繁，请一分钟后再试",
				     "too many login attempts from this address: try again in a minute");
	}
	if (lockout_remaining(c->lockouts, user, now)) {
		log_warn("central login refused for %s: locked", user);
		return central_json(r, 429, locked_json());
	}
	if (!(l = calloc(1, sizeof(*l))))
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	l->c = c;
	l->job.run = login_check;
	l->job.done = login_checked;
	snprintf(l->username, sizeof(l->username), "%s", user);
	snprintf(l->password, sizeof(l->password), "%s", password);
	snprintf(l->hash, sizeof(l->hash), "%s", c->dummy_hash);
	q = cdb_prepare(c->db, "SELECT password_hash, name, department, role = 'supervisor' FROM clerks "
			       "WHERE username = ?1");
	if (q) {
		cdb_text(q, 1, user);
		if (cdb_row(q)) {
			snprintf(l->hash, sizeof(l->hash), "%s", cdb_col_text(q, 0));
			snprintf(l->name, sizeof(l->name), "%s", cdb_col_text(q, 1));
			snprintf(l->department, sizeof(l->department), "%s", cdb_col_text(q, 2));
			l->supervisor = cdb_col_int(q, 3) != 0;
			l->known = true;
		}
	}
	cdb_finish(q);
	if (worker_submit(c->worker, WORKER_ANON, &l->job) != ST_OK) {
		login_free(l);
		log_warn("central login for %s refused: %d password checks under way", user, LOGIN_JOBS);
		return central_error(r, 503, "busy", "登录请求过多，请稍后再试",
				     "too many logins at once: try again shortly");
	}
	l->r = r;
	r->login = l;
	l->next = c->logins;
	c->logins = l;
	central_suspend(r);
	return MHD_YES;
}

enum status central_ui_init(struct central *c)
{
	const unsigned max_jobs[__WORKER_CLASS_MAX] = {[WORKER_STAFF] = 1, [WORKER_ANON] = LOGIN_JOBS};
	uint8_t salt[16];
	char password[25];

	/* Unknown names are checked against this so they take as long. */
	entropy_hex(password, 12);
	entropy_fill(salt, sizeof(salt));
	if (argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, 1, password, strlen(password), salt, sizeof(salt), 32,
				  c->dummy_hash, sizeof(c->dummy_hash)) != ARGON2_OK ||
	    ratelimit_new(LOGIN_ADDRESSES, &c->logins_by_address) != ST_OK ||
	    lockout_new(LOCKOUT_NAMES, &c->lockouts) != ST_OK || worker_new(c->ev, max_jobs, &c->worker) != ST_OK)
		return ST_NOMEM;
	return ST_OK;
}

void central_ui_stop(struct central *c)
{
	struct central_login *l;

	/* The thread stops after the check it is on; no done() comes. */
	worker_free(&c->worker);
	while ((l = c->logins)) {
		c->logins = l->next;
		if (l->r) {
			l->r->login = NULL;
			central_answer_later(l->r, 503,
					     refusal_json("stopping", "中心正在停止，请稍后再试",
							  "central is stopping; try again later"));
		}
		login_free(l);
	}
	ratelimit_free(&c->logins_by_address);
	lockout_free(&c->lockouts);
}

void central_ui_request_done(struct creq *r)
{
	if (r->login)
		r->login->r = NULL;
}

/* --- the inbox and a case -------------------------------------------------------------- */

static enum MHD_Result inbox(struct creq *r, struct session *s)
{
	const char *state = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "state");
	struct cdb_stmt *q = cdb_prepare(
	    r->c->db, "SELECT c.office, o.name, c.code, c.version, c.item_name, "
		      "c.applicant_name, c.state, c.received_at, c.official_number "
		      "FROM cases c JOIN offices o ON o.code = c.office WHERE c.department = ?1 "
		      "AND (CAST(?2 AS TEXT) IS NULL OR c.state = ?2) ORDER BY c.received_at DESC LIMIT 500");
	json_t *list = json_array();

	if (!q)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	cdb_text(q, 1, s->department);
	cdb_text(q, 2, state && *state ? state : NULL);
	while (cdb_row(q))
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:s}", "office",
						      cdb_col_text(q, 0), "office_name", cdb_col_text(q, 1), "code",
						      cdb_col_text(q, 2), "version", (int)cdb_col_int(q, 3), "item",
						      cdb_col_text(q, 4), "applicant", cdb_col_text(q, 5), "state",
						      cdb_col_text(q, 6), "received_at", (json_int_t)cdb_col_int(q, 7),
						      "official_number", cdb_col_text(q, 8)));
	cdb_finish(q);
	return central_json(r, 200, json_pack("{s:s, s:o}", "department", s->department, "cases", list));
}

/* /central/api/cases/<office>/<code>/<version>[/rest] */
static bool case_path(const char *p, char office[16], char code[40], int *version, const char **rest)
{
	int n = 0;

	if (sscanf(p, "/central/api/cases/%15[A-Z0-9]/%39[A-Z0-9-]/%d%n", office, code, version, &n) != 3 ||
	    *version < 1)
		return false;
	*rest = p + n;
	return **rest == '\0' || **rest == '/';
}

static enum MHD_Result case_view(struct creq *r, struct session *s, const char *office, const char *code, int version)
{
	struct cdb_stmt *q =
	    cdb_prepare(r->c->db, "SELECT data, state, official_number, note, received_at FROM cases "
				  "WHERE office = ?1 AND code = ?2 AND version = ?3 AND department = ?4");
	json_t *j = NULL, *docs = json_array();

	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		cdb_text(q, 4, s->department);
		if (cdb_row(q)) {
			j = json_pack("{s:s, s:s, s:i, s:o, s:s, s:s, s:s, s:I}", "office", office, "code", code,
				      "version", version, "data", json_loads(cdb_col_text(q, 0), 0, NULL), "state",
				      cdb_col_text(q, 1), "official_number", cdb_col_text(q, 2), "note",
				      cdb_col_text(q, 3), "received_at", (json_int_t)cdb_col_int(q, 4));
		}
	}
	cdb_finish(q);
	if (!j) {
		json_decref(docs);
		return central_error(r, 404, "not_found", "没有这个案件，或不属于本部门",
				     "no such case in this department");
	}
	q = cdb_prepare(r->c->db, "SELECT position, material, filename, media_type, size, sha256 FROM case_documents "
				  "WHERE office = ?1 AND code = ?2 AND version = ?3 ORDER BY position");
	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		while (cdb_row(q))
			json_array_append_new(docs,
					      json_pack("{s:i, s:i, s:s, s:s, s:I, s:s}", "n", (int)cdb_col_int(q, 0),
							"material", (int)cdb_col_int(q, 1), "filename",
							cdb_col_text(q, 2), "media_type", cdb_col_text(q, 3), "size",
							(json_int_t)cdb_col_int(q, 4), "sha256", cdb_col_text(q, 5)));
	}
	cdb_finish(q);
	json_object_set_new(j, "documents", docs);
	log_info("clerk %s opened case %s v%d of %s", s->username, code, version, office);
	return central_json(r, 200, j);
}

static enum MHD_Result document(struct creq *r, struct session *s, const char *office, const char *code, int version,
				int n)
{
	struct cdb_stmt *q =
	    cdb_prepare(r->c->db, "SELECT d.upload, d.media_type, d.size FROM case_documents d "
				  "JOIN cases c USING (office, code, version) WHERE d.office = ?1 AND "
				  "d.code = ?2 AND d.version = ?3 AND d.position = ?4 AND c.department = ?5");
	char path[400] = "", type[64] = "";
	int64_t size = -1;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int fd;

	if (q) {
		cdb_text(q, 1, office);
		cdb_text(q, 2, code);
		cdb_int(q, 3, version);
		cdb_int(q, 4, n);
		cdb_text(q, 5, s->department);
		if (cdb_row(q)) {
			snprintf(path, sizeof(path), "%s/%s", r->c->uploads_dir, cdb_col_text(q, 0));
			snprintf(type, sizeof(type), "%s", cdb_col_text(q, 1));
			size = cdb_col_int(q, 2);
		}
	}
	cdb_finish(q);
	/* Only the types the box takes in are served as themselves. */
	if (strcmp(type, "application/pdf") != 0 && strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0)
		snprintf(type, sizeof(type), "application/octet-stream");
	if (size < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return central_error(r, 404, "not_found", "没有这份材料", "no such document");
	resp = MHD_create_response_from_fd((uint64_t)size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Content-Disposition", "inline");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "private, no-store");
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	log_info("clerk %s viewed document %d of %s v%d", s->username, n, code, version);
	return ret;
}

#define RETURN_MAX_MISSING 30

/* The clerk's decision, as the event the box will apply. */
static enum MHD_Result act(struct creq *r, struct session *s, const char *office, const char *code, int version,
			   const char *action, json_t *body)
{
	const char *type = NULL;
	json_t *data = json_object();
	char why[200], number[40];
	enum status st;

	if (strcmp(action, "accept") == 0) {
		const char *given = json_string_value(json_object_get(body, "official_number"));

		type = "case.accepted";
		/* Without one, central_case_event() gives the next of the year. */
		if (given && *given) {
			snprintf(number, sizeof(number), "%.39s", given);
			json_object_set_new(data, "official_number", json_string(number));
		}
	} else if (strcmp(action, "return") == 0) {
		json_t *missing = json_object_get(body, "missing"), *m;
		size_t i;

		type = "case.returned";
		if (missing && (!json_is_array(missing) || json_array_size(missing) > RETURN_MAX_MISSING)) {
			json_decref(data);
			return central_error(r, 400, "bad_missing", "缺少材料的清单不正确",
					     "the list of missing materials is malformed");
		}
		json_array_foreach(missing, i, m) if (!json_is_string(m) || json_string_length(m) == 0 ||
						      json_string_length(m) > 100)
		{
			json_decref(data);
			return central_error(r, 400, "bad_missing", "缺少材料的清单不正确",
					     "the list of missing materials is malformed");
		}
		json_object_set_new(data, "missing", missing ? json_incref(missing) : json_array());
	} else if (strcmp(action, "reject") == 0) {
		type = "case.rejected";
		if (json_is_string(json_object_get(body, "reason")))
			json_object_set(data, "reason", json_object_get(body, "reason"));
	} else if (strcmp(action, "decide") == 0) {
		const char *d = json_string_value(json_object_get(body, "decision"));

		type = "case.decided";
		if (!d || (strcmp(d, "approved") != 0 && strcmp(d, "denied") != 0)) {
			json_decref(data);
			return central_error(r, 400, "bad_decision", "请选择准予或不予办理",
					     "choose approved or denied");
		}
		json_object_set_new(data, "decision", json_string(d));
	} else if (strcmp(action, "ready") == 0) {
		type = "case.ready";
	} else {
		json_decref(data);
		return central_error(r, 404, "not_found", "没有这个操作", "no such action");
	}
	if (json_is_string(json_object_get(body, "note")) && json_string_length(json_object_get(body, "note")) <= 500)
		json_object_set(data, "note", json_object_get(body, "note"));
	if ((strcmp(action, "return") == 0 || strcmp(action, "reject") == 0) && !json_object_get(data, "note") &&
	    !json_object_get(data, "reason") && json_array_size(json_object_get(data, "missing")) == 0) {
		json_decref(data);
		return central_error(r, 400, "reason_required", "退回或不予受理须写明原因",
				     "a return or rejection needs a reason");
	}
	json_object_set_new(data, "clerk", json_string(s->username));
	/* The case must be this department's. */
	{
		struct cdb_stmt *q = cdb_prepare(r->c->db, "SELECT 1 FROM cases WHERE office = ?1 AND code = ?2 AND "
							   "version = ?3 AND department = ?4");
		bool mine = false;

		if (q) {
			cdb_text(q, 1, office);
			cdb_text(q, 2, code);
			cdb_int(q, 3, version);
			cdb_text(q, 4, s->department);
			mine = cdb_row(q);
		}
		cdb_finish(q);
		if (!mine) {
			json_decref(data);
			return central_error(r, 404, "not_found", "没有这个案件，或不属于本部门",
					     "no such case in this department");
		}
	}
	st = central_case_event(r->c, office, code, version, type, data, why, sizeof(why));
	json_decref(data);
	if (st == ST_BAD_STATE)
		return central_error(r, 409, "bad_state", "案件当前状态不能进行该操作",
				     "the case's state does not allow this");
	if (st != ST_OK)
		return central_error(r, 400, "not_done", "操作未完成", why);
	return case_view(r, s, office, code, version);
}

/* What central witnessed of an office's audit chain (cases_heartbeat):
 * the highest head seen and, when a later one was below it, the flag.
 * Columns 7 to 11 of the fleet query. */
static json_t *fleet_audit(struct cdb_stmt *q)
{
	char zh[160], en[200];
	json_t *flag = json_null();
	const char *reason = cdb_col_null(q, 9) ? NULL : cdb_col_text(q, 9);
	long long seen = (long long)cdb_col_int(q, 7), shown = (long long)cdb_col_int(q, 10);

	if (cdb_col_null(q, 7))
		return json_null();
	if (reason && strcmp(reason, "shorter") == 0) {
		snprintf(zh, sizeof(zh), "审计日志被截断：该站报告止于第 %lld 行，中心曾见到第 %lld 行", shown, seen);
		snprintf(en, sizeof(en),
			 "audit log cut: the office reported its chain ending at row %lld, central had "
			 "seen row %lld",
			 shown, seen);
	} else if (reason) {
		snprintf(zh, sizeof(zh), "审计日志被替换：第 %lld 行与中心曾见到的不同", shown);
		snprintf(en, sizeof(en), "audit log replaced: row %lld differs from what central had seen", shown);
	}
	if (reason)
		flag = json_pack("{s:s, s:I, s:I, s:s, s:s}", "reason", reason, "reported_seq", (json_int_t)shown, "at",
				 (json_int_t)cdb_col_int(q, 11), "message_zh", zh, "message", en);
	return json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seen, "hash", cdb_col_text(q, 8), "flag", flag);
}

static enum MHD_Result fleet(struct creq *r)
{
	struct cdb_stmt *q =
	    cdb_prepare(r->c->db, "SELECT code, name, last_contact, heartbeat, heartbeat_at, enrolled_at, "
				  "(SELECT count(*) FROM cases c WHERE c.office = o.code), audit_seq, audit_hash, "
				  "audit_flag, audit_flag_seq, audit_flag_at FROM offices o ORDER BY code");
	json_t *list = json_array();

	while (q && cdb_row(q)) {
		json_t *hb = !cdb_col_null(q, 3) ? json_loads(cdb_col_text(q, 3), 0, NULL) : NULL;

		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:o, s:I, s:I, s:i, s:o}", "code",
						      cdb_col_text(q, 0), "name", cdb_col_text(q, 1), "last_contact",
						      (json_int_t)cdb_col_int(q, 2), "heartbeat", hb ? hb : json_null(),
						      "heartbeat_at", (json_int_t)cdb_col_int(q, 4), "enrolled_at",
						      (json_int_t)cdb_col_int(q, 5), "cases", (int)cdb_col_int(q, 6),
						      "audit", fleet_audit(q)));
	}
	cdb_finish(q);
	return central_json(r, 200, json_pack("{s:o}", "offices", list));
}

/* --- routing --------------------------------------------------------------------------- */

enum MHD_Result central_ui_asset(struct creq *r, const char *path)
{
	const struct asset *a = asset_find(path);
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!a)
		return central_error(r, 404, "not_found", "没有这个页面", "no such page");
	resp = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", a->type);
	MHD_add_response_header(resp, "ETag", a->etag);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; object-src 'self'; frame-src 'self'; frame-ancestors 'self'");
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}

/* The clerk's 好差评 work: /central/api/followups[/<office>/<rating>/<step>],
 * /central/api/appeals[/<office>/<rating>/<decision>], ratings figures;
 * and the 测评 questionnaires (central_survey.c). */
static bool ratings_route(struct creq *r, struct session *s, json_t *body, enum MHD_Result *ret)
{
	const struct central_clerk k = {s->username, s->name, s->department, s->supervisor};
	char office[16], rating[65], what[16];
	json_t *empty = body ? NULL : json_object();
	bool get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
	int n = 0;

	if (get && strcmp(r->url, "/central/api/followups") == 0)
		*ret = ratings_followups(r, &k);
	else if (get && strcmp(r->url, "/central/api/questionnaires") == 0)
		*ret = survey_list(r);
	else if (post && strcmp(r->url, "/central/api/questionnaires") == 0)
		*ret = survey_upload(r, &k, body);
	else if (get && strcmp(r->url, "/central/api/campaigns") == 0)
		*ret = survey_campaigns(r);
	else if (post && strcmp(r->url, "/central/api/campaigns") == 0)
		*ret = survey_campaign_new(r, &k, body);
	else if (get && strcmp(r->url, "/central/api/appeals") == 0)
		*ret = ratings_appeals(r, &k);
	else if (get && strcmp(r->url, "/central/api/ratings/stats") == 0)
		*ret = ratings_stats(r, &k, false);
	else if (get && strcmp(r->url, "/central/api/ratings.csv") == 0)
		*ret = ratings_stats(r, &k, true);
	else if (post && sscanf(r->url, "/central/api/followups/%15[A-Z0-9]/%64[a-z0-9-]/%15[a-z]%n", office, rating,
				what, &n) == 3 && !r->url[n])
		*ret = ratings_followup_step(r, &k, office, rating, what, body ? body : empty);
	else if (post && sscanf(r->url, "/central/api/appeals/%15[A-Z0-9]/%64[a-z0-9-]/%15[a-z]%n", office, rating,
				what, &n) == 3 && !r->url[n])
		*ret = ratings_appeal_decide(r, &k, office, rating, what, body ? body : empty);
	else {
		json_decref(empty);
		return false;
	}
	json_decref(empty);
	return true;
}

enum MHD_Result central_ui(struct creq *r, json_t *body)
{
	struct session *s;
	char office[16], code[40];
	int version, n;
	const char *rest;

	if (strncmp(r->url, "/central/api/", 13) != 0) {
		if (strcmp(r->method, "GET") != 0)
			return central_error(r, 404, "not_found", "没有这个页面", "no such page");
		return central_ui_asset(r, strcmp(r->url, "/central/") == 0 ? "/central/index.html" : r->url);
	}
	if (strcmp(r->method, "POST") == 0 && strcmp(r->url, "/central/api/login") == 0)
		return login(r, body);
	if (!(s = session_of(r)))
		return central_error(r, 401, "login_required", "请先登录", "log in first");
	if (strcmp(r->method, "GET") != 0) {
		const char *csrf = central_header(r, "X-CSRF-Token");

		if (!csrf || strlen(csrf) != 64 || !crypto_equal(csrf, s->csrf, 64))
			return central_error(r, 403, "csrf", "页面已过期，请刷新后重试",
					     "the page is stale: reload it");
	}
	if (strcmp(r->method, "GET") == 0 && strcmp(r->url, "/central/api/session") == 0)
		return central_json(r, 200,
				    json_pack("{s:s, s:s, s:s, s:s, s:b}", "username", s->username, "name", s->name,
					      "department", s->department, "csrf", s->csrf, "supervisor", s->supervisor));
	if (strcmp(r->method, "POST") == 0 && strcmp(r->url, "/central/api/logout") == 0) {
		memset(s, 0, sizeof(*s));
		return central_json(r, 200, json_pack("{s:b}", "ok", true));
	}
	if (strcmp(r->method, "GET") == 0 && strcmp(r->url, "/central/api/inbox") == 0)
		return inbox(r, s);
	if (strcmp(r->method, "GET") == 0 && strcmp(r->url, "/central/api/fleet") == 0)
		return fleet(r);
	{
		enum MHD_Result ret;

		if (ratings_route(r, s, body, &ret))
			return ret;
	}
	if (case_path(r->url, office, code, &version, &rest)) {
		if (strcmp(r->method, "GET") == 0 && !*rest)
			return case_view(r, s, office, code, version);
		if (strcmp(r->method, "GET") == 0 && sscanf(rest, "/documents/%d", &n) == 1)
			return document(r, s, office, code, version, n);
		if (strcmp(r->method, "POST") == 0 && *rest == '/' && !strchr(rest + 1, '/')) {
			json_t *empty = body ? NULL : json_object();
			enum MHD_Result ret = act(r, s, office, code, version, rest + 1, body ? body : empty);

			json_decref(empty);
			return ret;
		}
	}
	return central_error(r, 404, "not_found", "没有这个地址", "no such path");
}
