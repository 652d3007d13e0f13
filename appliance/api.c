/* SPDX-License-Identifier: Apache-2.0 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buttons.h"
#include "cases.h"
#include "catalog.h"
#include "kiosk.h"
#include "printjobs.h"
#include "reply.h"
#include "common/casecode.h"
#include "common/fdio.h"
#include "common/log.h"
#include "common/msg.h"
#include "outbox.h"
#include "common/store.h"
#include "queue.h"
#include "ratings.h"
#include "survey.h"
#include "common/ratelimit.h"
#include "reports.h"
#include "scanjobs.h"
#include "staff.h"

#define SESSION_COOKIE "outpost_session"
#define LIST_LIMIT_MAX 200
/* Client addresses (or categories) each rate limit keeps apart: an office
 * network has far fewer. */
#define API_RATELIMIT_KEYS 256

struct request {
	struct core *core;
	uint32_t id;
	const char *method;
	const char *path;
	json_t *query;
	json_t *body;
	enum lang lang;
	const char *session_id;
	const char *csrf;
	const char *peer; /* the client's address, as the web saw it */
	const struct session *session;
	const int *fds;
	unsigned nfds;
	json_t *docs;
	json_t *req; /* the whole request message, for what only one route reads */
};

static enum status fail(struct request *r, enum status st, const char *field)
{
	return reply_json(r->core, r->id, status_http(st), status_json(st, r->lang, field), NULL, -1);
}

/* An error with the details a case function gave (why.extra is taken). */
static enum status fail_why(struct request *r, enum status st, struct case_error *why)
{
	json_t *body = status_json(st, r->lang, why->field);

	if (body && why->extra)
		json_object_update(body, why->extra);
	json_decref(why->extra);
	why->extra = NULL;
	return reply_json(r->core, r->id, status_http(st), body, NULL, -1);
}

static enum status ok(struct request *r, int http, json_t *body)
{
	return reply_json(r->core, r->id, http, body, NULL, -1);
}

static json_t *session_json(const struct session *s)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "username", s->username, "display_name", s->display_name, "role",
			 s->role, "csrf", s->csrf);
}

/* --- handlers ------------------------------------------------------------ */

static enum status h_health(struct request *r)
{
	struct core *c = r->core;

	return ok(r, core_all_up(c) ? 200 : 503, core_status_json(c, false));
}

/*
 * Logins in the audit chain, with the name given and the client's address,
 * never the password.  Each success gets a row, and each failure under a
 * staff member's name: those are bounded by the lockout (lockout_failures
 * per name, then the name locks).  Failures under names no one has, and
 * attempts at a locked name, come at whatever rate the per-address limit
 * lets every address on the LAN send: the first LOGIN_AUDIT_BURST of each
 * minute get a row each, the rest are counted into one row when the minute
 * is over (api_audit_tick).  Attempts the per-address limit refuses get no
 * row (they are logged).
 */
#define LOGIN_AUDIT_BURST 10

static void audit_logins_more(struct core *c, uint64_t now)
{
	char detail[160];

	if (c->login_audit_more == 0)
		return;
	snprintf(detail, sizeof(detail), "%u more failed logins under unknown or locked names, the last from %s",
		 c->login_audit_more, c->login_audit_last_peer);
	audit_append(c->db, c->vault, (int64_t)now, "system", "login.failed", NULL, detail);
	c->login_audit_more = 0;
}

void api_audit_tick(struct core *c, uint64_t now)
{
	if (now / 60 != c->login_audit_minute) {
		audit_logins_more(c, now);
		c->login_audit_minute = now / 60;
		c->login_audit_rows = 0;
	}
}

static void audit_login(struct core *c, const char *username, const char *peer, bool known, enum status st)
{
	uint64_t now = core_now();
	char detail[AUTH_NAME_MAX + 128];

	if (st == ST_OK || known) {
		snprintf(detail, sizeof(detail), "from %s%s", peer, st == ST_LOCKED ? ", name locked" : "");
		audit_append(c->db, c->vault, (int64_t)now, username, st == ST_OK ? "login" : "login.failed", NULL,
			     detail);
		return;
	}
	api_audit_tick(c, now);
	if (c->login_audit_rows >= LOGIN_AUDIT_BURST) {
		c->login_audit_more++;
		snprintf(c->login_audit_last_peer, sizeof(c->login_audit_last_peer), "%s", peer);
		return;
	}
	c->login_audit_rows++;
	snprintf(detail, sizeof(detail), "%s name '%s' from %s", st == ST_LOCKED ? "locked" : "unknown", username,
		 peer);
	audit_append(c->db, c->vault, (int64_t)now, "system", "login.failed", NULL, detail);
}

/* A login waiting for its password check in the worker thread. */
struct login {
	struct auth_attempt at; /* first: the worker hands back &at.job */
	struct core *core;
	uint32_t web_id;
	uint32_t web_epoch;
	enum lang lang;
	char peer[64];
};

static void login_done(struct worker_job *job)
{
	struct login *l = (struct login *)job;
	struct core *c = l->core;
	const struct session *s;
	char cookie[200];
	enum status st = auth_login_finish(c->auth, &l->at, core_now(), &s);

	audit_login(c, l->at.username, l->peer, l->at.staff_id != 0, st);
	if (l->web_epoch != c->web_epoch) {
		/* The web process that asked is gone; its ids mean nothing now. */
	} else if (st != ST_OK) {
		log_warn("failed login for '%s': %s", l->at.username, status_name(st));
		reply_json(c, l->web_id, status_http(st), status_json(st, l->lang, NULL), NULL, -1);
	} else {
		log_info("%s logged in", s->username);
		/* The session id never leaves the cookie; pages get the CSRF token. */
		snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
			 s->id);
		reply_json(c, l->web_id, 200, session_json(s), json_pack("{s:s}", "set_cookie", cookie), -1);
	}
	auth_login_clear(&l->at);
	free(l);
}

static enum status h_login(struct request *r)
{
	const char *user = json_string_value(json_object_get(r->body, "username"));
	const char *pass = json_string_value(json_object_get(r->body, "password"));
	struct login *l;
	enum status st;

	if (!user || !*user)
		return fail(r, ST_MISSING_FIELD, "username");
	if (!pass || !*pass)
		return fail(r, ST_MISSING_FIELD, "password");
	/* Before any hash: a client trying names or passwords at speed costs
	 * the worker nothing past its minute's allowance. */
	if (!ratelimit_take(r->core->logins_by_address, r->peer, r->core->cfg.logins_per_address_per_minute,
			    core_now())) {
		log_warn("login for '%s' from %s refused: too many attempts from there", user, r->peer);
		return fail(r, ST_LOGIN_RATE, NULL);
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return fail(r, ST_NOMEM, NULL);
	*l = (struct login){.core = r->core, .web_id = r->id, .web_epoch = r->core->web_epoch, .lang = r->lang};
	snprintf(l->peer, sizeof(l->peer), "%s", r->peer ? r->peer : "");
	st = auth_login_begin(r->core->auth, user, pass, core_now(), &l->at);
	if (st == ST_OK) {
		l->at.job.done = login_done;
		st = worker_submit(r->core->worker, WORKER_ANON, &l->at.job);
	}
	if (st != ST_OK) {
		log_warn("login for '%s' refused: %s", user, status_name(st));
		if (st == ST_LOCKED || st == ST_BAD_LOGIN)
			audit_login(r->core, user, l->peer, false, st);
		auth_login_clear(&l->at);
		free(l);
		return fail(r, st, NULL);
	}
	return ST_OK;
}

/* A staff change waiting for its password hash in the worker thread. */
struct staff_job {
	struct worker_job job; /* first: the worker hands back &job */
	struct core *core;
	uint32_t web_id;
	uint32_t web_epoch;
	enum lang lang;
	struct session by; /* a copy: the session may end meanwhile */
	json_t *who;	   /* {"username", ...} for a new account */
	char username[AUTH_NAME_MAX];
	char password[AUTH_PASSWORD_MAX + 1];
	char hash[AUTH_HASH_MAX];
	enum status hashed;
};

static void staff_hash_run(struct worker_job *job)
{
	struct staff_job *j = (struct staff_job *)job;

	j->hashed = auth_hash_password(j->password, j->hash, sizeof(j->hash));
}

static void staff_hash_done(struct worker_job *job)
{
	struct staff_job *j = (struct staff_job *)job;
	struct core *c = j->core;
	enum status st = j->hashed;
	json_t *list = NULL;

	if (st == ST_OK)
		st = j->who ? staff_insert(c, &j->by, j->who, j->hash)
			    : staff_set_password(c, &j->by, j->username, j->hash);
	if (j->web_epoch == c->web_epoch) {
		if (st == ST_OK && staff_list(c, &list) == ST_OK)
			reply_json(c, j->web_id, j->who ? 201 : 200, json_pack("{s:o}", "staff", list), NULL, -1);
		else
			reply_json(
			    c, j->web_id, status_http(st == ST_OK ? ST_IO : st),
			    status_json(st == ST_OK ? ST_IO : st, j->lang, st == ST_BAD_FIELD ? "username" : NULL),
			    NULL, -1);
	}
	vault_wipe(j->password, sizeof(j->password));
	vault_wipe(j->hash, sizeof(j->hash));
	json_decref(j->who);
	free(j);
}

static bool is_admin(const struct request *r);

/* POST /staff (a new account) and POST /staff/<name>/password. */
static enum status h_staff_hash(struct request *r, const char *username)
{
	const char *field = NULL, *pass = json_string_value(json_object_get(r->body, "password"));
	struct staff_job *j;
	json_t *check;
	enum status st;

	if (!is_admin(r))
		return fail(r, ST_FORBIDDEN, NULL);
	check = username ? json_pack("{s:s?}", "password", pass) : json_incref(r->body);
	st = check ? staff_check(check, &field) : ST_NOMEM;
	json_decref(check);
	if (st != ST_OK)
		return fail(r, st, field);
	j = calloc(1, sizeof(*j));
	if (!j)
		return fail(r, ST_NOMEM, NULL);
	*j = (struct staff_job){.job = {.run = staff_hash_run, .done = staff_hash_done},
				.core = r->core,
				.web_id = r->id,
				.web_epoch = r->core->web_epoch,
				.lang = r->lang,
				.by = *r->session,
				.who = username ? NULL : json_incref(r->body)};
	snprintf(j->username, sizeof(j->username), "%s", username ? username : "");
	snprintf(j->password, sizeof(j->password), "%s", pass);
	st = worker_submit(r->core->worker, WORKER_STAFF, &j->job);
	if (st != ST_OK) {
		json_decref(j->who);
		vault_wipe(j->password, sizeof(j->password));
		free(j);
		return fail(r, st, NULL);
	}
	return ST_OK;
}

static enum status h_staff(struct request *r)
{
	const char *rest = r->path + strlen("/api/v1/staff");
	char user[AUTH_NAME_MAX];
	size_t n;
	json_t *list;
	enum status st;

	if (!is_admin(r))
		return fail(r, ST_FORBIDDEN, NULL);
	if (*rest == '\0' && strcmp(r->method, "GET") == 0) {
		st = staff_list(r->core, &list);
		return st == ST_OK ? ok(r, 200, json_pack("{s:o}", "staff", list)) : fail(r, st, NULL);
	}
	if (*rest == '\0' && strcmp(r->method, "POST") == 0)
		return h_staff_hash(r, NULL);
	if (*rest != '/' || strcmp(r->method, "POST") != 0)
		return fail(r, ST_NOT_FOUND, NULL);
	n = strcspn(rest + 1, "/");
	if (n == 0 || n >= sizeof(user))
		return fail(r, ST_NOT_FOUND, NULL);
	memcpy(user, rest + 1, n);
	user[n] = '\0';
	rest += 1 + n;
	if (strcmp(rest, "/password") == 0)
		return h_staff_hash(r, user);
	if (strcmp(rest, "/disable") == 0 || strcmp(rest, "/enable") == 0) {
		st = staff_set_disabled(r->core, r->session, user, strcmp(rest, "/disable") == 0);
		if (st == ST_OK)
			st = staff_list(r->core, &list);
		return st == ST_OK ? ok(r, 200, json_pack("{s:o}", "staff", list)) : fail(r, st, NULL);
	}
	return fail(r, ST_NOT_FOUND, NULL);
}

static enum status h_report_summary(struct request *r)
{
	json_t *j;
	enum status st = reports_summary(r->core, r->query, &j);

	return st == ST_OK ? ok(r, 200, j) : fail(r, st, NULL);
}

/* The agency report's PDF, drawn in the worker thread. */
struct pdf_job {
	struct worker_job job;
	struct core *core;
	uint32_t web_id;
	uint32_t web_epoch;
	enum lang lang;
	char office[CONFIG_TEXT_MAX];
	char month[8];
	json_t *rows;
	int fd;
	enum status st;
};

static void pdf_run(struct worker_job *job)
{
	struct pdf_job *j = (struct pdf_job *)job;

	j->st = reports_agency_pdf(j->office, j->month, j->rows, &j->fd);
}

static void pdf_done(struct worker_job *job)
{
	struct pdf_job *j = (struct pdf_job *)job;
	char name[64];

	snprintf(name, sizeof(name), "代办月报-%s.pdf", j->month);
	if (j->web_epoch == j->core->web_epoch) {
		if (j->st == ST_OK)
			reply_file(j->core, j->web_id, j->fd, name, "application/pdf");
		else
			reply_json(j->core, j->web_id, status_http(j->st), status_json(j->st, j->lang, NULL), NULL, -1);
	}
	if (j->fd >= 0)
		close(j->fd);
	json_decref(j->rows);
	free(j);
}

static enum status h_report_agency(struct request *r)
{
	const char *month = json_string_value(json_object_get(r->query, "month"));
	const char *format = json_string_value(json_object_get(r->query, "format"));
	struct pdf_job *j;
	json_t *rows = NULL;
	char name[64], *csv = NULL;
	size_t len = 0;
	int fd;
	enum status st = month && strlen(month) == 7 ? reports_agency_rows(r->core, month, &rows) : ST_BAD_REQUEST;

	if (st == ST_OK)
		st = audit_append(r->core->db, r->core->vault, (int64_t)core_now(), r->session->username,
				  "report.agency", NULL, month);
	if (st != ST_OK || !format || strcmp(format, "pdf") == 0) {
		if (st != ST_OK || !(j = calloc(1, sizeof(*j)))) {
			json_decref(rows);
			return fail(r, st != ST_OK ? st : ST_NOMEM, NULL);
		}
		*j = (struct pdf_job){.job = {.run = pdf_run, .done = pdf_done},
				      .core = r->core,
				      .web_id = r->id,
				      .web_epoch = r->core->web_epoch,
				      .lang = r->lang,
				      .rows = rows,
				      .fd = -1};
		snprintf(j->office, sizeof(j->office), "%s", r->core->cfg.office_name);
		snprintf(j->month, sizeof(j->month), "%s", month);
		if ((st = worker_submit(r->core->worker, WORKER_STAFF, &j->job)) != ST_OK) {
			json_decref(rows);
			free(j);
			return fail(r, st, NULL);
		}
		return ST_OK;
	}
	if (strcmp(format, "csv") != 0) {
		json_decref(rows);
		return fail(r, ST_BAD_REQUEST, NULL);
	}
	st = reports_agency_csv(rows, &csv, &len);
	json_decref(rows);
	fd = st == ST_OK ? memfd_create("outpost-report", MFD_CLOEXEC) : -1;
	if (fd < 0 || !fdio_write_all(fd, csv, len)) {
		free(csv);
		if (fd >= 0)
			close(fd);
		return fail(r, st != ST_OK ? st : ST_NOMEM, NULL);
	}
	free(csv);
	snprintf(name, sizeof(name), "代办月报-%s.csv", month);
	reply_file(r->core, r->id, fd, name, "text/csv; charset=utf-8");
	close(fd);
	return ST_OK;
}

/* Scans after ?after=N (the page waiting for one asks every second). */
static enum status h_scans(struct request *r)
{
	const char *after = json_string_value(json_object_get(r->query, "after"));
	unsigned long long n = after ? strtoull(after, NULL, 10) : 0;
	json_t *list = json_array(), *s;
	size_t i;

	json_array_foreach(r->core->scans, i, s)
	{
		if ((unsigned long long)json_integer_value(json_object_get(s, "seq")) > n)
			json_array_append(list, s);
	}
	return ok(r, 200, json_pack("{s:o, s:I}", "scans", list, "seq", (json_int_t)r->core->scan_seq));
}

static enum status h_logout(struct request *r)
{
	auth_logout(r->core->auth, r->session_id);
	return reply_json(
	    r->core, r->id, 200, json_object(),
	    json_pack("{s:s}", "set_cookie", SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"),
	    -1);
}

static enum status h_session(struct request *r)
{
	return ok(r, 200, session_json(r->session));
}

static enum status h_catalog(struct request *r)
{
	char *doc = NULL;
	enum status st = catalog_document(r->core, &doc);

	if (st != ST_OK)
		return fail(r, st, NULL);
	st = reply_text(r->core, r->id, 200, doc, strlen(doc), NULL, -1);
	free(doc);
	return st;
}

static bool is_admin(const struct request *r)
{
	return strcmp(r->session->role, "admin") == 0;
}

static enum status h_catalog_replace(struct request *r)
{
	const char *why = NULL;
	json_t *err;
	enum status st;

	if (!is_admin(r))
		return fail(r, ST_FORBIDDEN, NULL);
	st = catalog_replace(r->core, r->body, r->session->username, &why);
	if (st == ST_BAD_FIELD) {
		err = status_json(ST_BAD_CATALOG, r->lang, NULL);
		json_object_set_new(err, "detail", json_string(why ? why : ""));
		return reply_json(r->core, r->id, 400, err, NULL, -1);
	}
	return st == ST_OK ? h_catalog(r) : fail(r, st, NULL);
}

static enum status h_case_list(struct request *r)
{
	char *list = NULL;
	enum status st = cases_list(r->core, r->session, r->query, &list);

	if (st != ST_OK)
		return fail(r, st, NULL);
	st = reply_text(r->core, r->id, 200, list, strlen(list), NULL, -1);
	free(list);
	return st;
}

static enum status h_case_create(struct request *r)
{
	struct case_error why = {0};
	json_t *fields = json_object_get(r->body, "case"), *created = NULL;
	enum status st;

	if (!json_is_object(fields))
		return fail(r, ST_MISSING_FIELD, "case");
	st = cases_create(r->core, r->session, fields, r->docs, r->fds, r->nfds, &created, &why);
	if (st == ST_PROTO)
		return ST_PROTO;
	if (st != ST_OK)
		return fail_why(r, st, &why);
	if (strcmp(json_string_value(json_object_get(created, "state")), "draft") == 0)
		return ok(r, 201, created);
	printjobs_slip(r->core, json_string_value(json_object_get(created, "code")), RECEIPT_INTAKE, r->id, 201,
		       created, r->lang);
	return ST_OK;
}

/* Path parameters: /api/v1/cases/<code>[/<rest>]. */
static bool case_code_from_path(const char *path, char code[CASECODE_MAX], const char **rest)
{
	const char *p = path + strlen("/api/v1/cases/");
	size_t n = strcspn(p, "/");

	if (n == 0 || n >= CASECODE_MAX)
		return false;
	memcpy(code, p, n);
	code[n] = '\0';
	*rest = p + n;
	return casecode_valid(code);
}

static enum status h_case_get(struct request *r, const char *code)
{
	const char *reveal = json_string_value(json_object_get(r->query, "reveal"));
	json_t *j;
	enum status st = cases_get(r->core, r->session, code, reveal && strcmp(reveal, "1") == 0, &j);
	json_t *forwarding = st == ST_OK ? outbox_case_forwarding(r->core, code) : NULL;

	if (forwarding)
		json_object_set_new(j, "forwarding", forwarding);
	return st == ST_OK ? ok(r, 200, j) : fail(r, st, NULL);
}

/* Answers with the case as it is now, printing kind first when asked. */
static enum status answer_case(struct request *r, const char *code, bool print, enum receipt_kind kind)
{
	json_t *j;
	enum status st = cases_get(r->core, NULL, code, false, &j);

	if (st != ST_OK)
		return fail(r, st, NULL);
	if (!print)
		return ok(r, 200, j);
	if (kind != RECEIPT_INTAKE)
		cases_audit_print(r->core, r->session, code, kind);
	printjobs_slip(r->core, code, kind, r->id, 200, j, r->lang);
	return ST_OK;
}

static enum status h_case_action(struct request *r, const char *code, const char *action)
{
	struct case_error why = {0};
	enum status st;
	bool print = false;
	enum receipt_kind kind = RECEIPT_INTAKE;

	if (strcmp(action, "/submit") == 0) {
		st = cases_submit(r->core, r->session, code, r->body, &why);
		print = true;
	} else if (strcmp(action, "/discard") == 0) {
		st = cases_discard(r->core, r->session, code, &why);
	} else if (strcmp(action, "/withdraw") == 0) {
		st = cases_withdraw(r->core, r->session, code, r->body, &why);
	} else if (strcmp(action, "/close") == 0) {
		st = cases_close(r->core, r->session, code, &why);
	} else if (strcmp(action, "/supplement") == 0) {
		st = cases_supplement(r->core, r->session, code, json_object_get(r->body, "case"), r->docs, r->fds,
				      r->nfds, &why);
		print = true;
	} else if (strcmp(action, "/pickup") == 0) {
		st = cases_pickup(r->core, r->session, code, r->body, &why);
		print = true;
		kind = RECEIPT_HANDOVER;
	} else if (strcmp(action, "/receipt") == 0) {
		st = ST_OK;
		print = true;
	} else if (strcmp(action, "/cover") == 0) {
		st = ST_OK;
		print = true;
		kind = RECEIPT_COVER;
	} else {
		return fail(r, ST_NOT_FOUND, NULL);
	}
	if (st == ST_PROTO)
		return ST_PROTO;
	if (st != ST_OK)
		return fail_why(r, st, &why);
	return answer_case(r, code, print, kind);
}

static enum status h_case_document(struct request *r, const char *code, const char *rest)
{
	char *end;
	unsigned long n = strtoul(rest + strlen("/documents/"), &end, 10);
	json_t *meta;
	int fd = -1;
	enum status st;

	if (*end || n == 0 || n > 1000)
		return fail(r, ST_NOT_FOUND, NULL);
	st = cases_document(r->core, r->session, code, (unsigned)n, &fd, &meta);
	if (st != ST_OK)
		return fail(r, st, NULL);
	log_info("%s opened document %lu of case %s", r->session->username, n, code);
	reply_json(r->core, r->id, 200, NULL, json_pack("{s:o}", "file", meta), fd);
	close(fd);
	return ST_OK;
}

/* --- take-a-number ---------------------------------------------------------- */

/* The kiosk page is public: one client (a kiosk, or anyone on the office
 * network) takes only a kiosk's share of the day's numbers. */
static enum status h_kiosk_ticket(struct request *r)
{
	enum status st = ST_TOO_MANY_TICKETS;

	if (ratelimit_take(r->core->tickets_by_address, r->peer, r->core->cfg.kiosk_tickets_per_address_per_minute,
			   core_now()))
		st = kiosk_enqueue(r->core, r->body, r->id, r->lang);
	else
		log_warn("kiosk ticket from %s refused: too many from there", r->peer);
	return st == ST_OK ? ST_OK : fail(r, st, NULL);
}

static enum status h_kiosk(struct request *r)
{
	json_t *j;
	enum status st = queue_kiosk_categories(r->core, &j);

	if (st == ST_OK) /* the rating tablet's list, central's or the standard one */
		json_object_set_new(j, "rating_reasons", ratings_reasons(r->core));
	return st == ST_OK ? ok(r, 200, j) : fail(r, st, NULL);
}

/* The tablet is public: a client tries a few codes a minute, so guessing
 * one (40 bits, 7 days) is out of reach. */
#define RATINGS_PER_ADDRESS_PER_MINUTE 20

static enum status h_rating(struct request *r)
{
	struct case_error why = {0};
	enum status st;

	if (!ratelimit_take(r->core->ratings_by_address, r->peer, RATINGS_PER_ADDRESS_PER_MINUTE, core_now())) {
		log_warn("rating from %s refused: too many from there", r->peer);
		return fail(r, ST_TOO_MANY_RATINGS, NULL);
	}
	st = ratings_rate(r->core, r->body, "tablet", &why);

	if (st != ST_OK)
		return fail_why(r, st, &why);
	return ok(r, 201, json_pack("{s:b}", "recorded", true));
}

/* The 测评 campaigns the kiosk offers today. */
static enum status h_kiosk_campaigns(struct request *r)
{
	json_t *j = NULL;
	enum status st = survey_kiosk_campaigns(r->core, &j);

	return st == ST_OK ? ok(r, 200, j) : fail(r, st, NULL);
}

/* The paired tablet asks what to rate: {"tablet": key}. */
static enum status h_rating_prompt(struct request *r)
{
	json_t *j = NULL;
	enum status st = ratings_prompt(r->core, json_string_value(json_object_get(r->body, "tablet")), &j);

	return st == ST_OK ? ok(r, 200, j) : fail(r, st, NULL);
}

static enum status h_ratings(struct request *r)
{
	json_t *j = NULL;
	enum status st = ratings_list(r->core, is_admin(r), &j);

	return st == ST_OK ? ok(r, 200, j) : fail(r, st, NULL);
}

/* POST /api/v1/ratings/<id>/appeal {"reason"} */
static enum status h_rating_appeal(struct request *r)
{
	char uid[40];
	int n = 0;
	struct case_error why = {0};
	enum status st;

	if (sscanf(r->path, "/api/v1/ratings/%39[0-9a-z-]/appeal%n", uid, &n) != 1 || r->path[n])
		return fail(r, ST_NOT_FOUND, NULL);
	if (!is_admin(r)) /* the office's word to central: its head's */
		return fail(r, ST_FORBIDDEN, NULL);
	if ((st = ratings_appeal(r->core, r->session->username, uid, r->body, &why)) != ST_OK)
		return fail_why(r, st, &why);
	return h_ratings(r);
}

static enum status h_windows(struct request *r)
{
	struct case_error why = {0};
	json_t *list;
	enum status st;

	if (strcmp(r->method, "PUT") == 0) {
		if (!is_admin(r))
			return fail(r, ST_FORBIDDEN, NULL);
		if ((st = queue_set_window(r->core, r->session, r->body, &why)) != ST_OK)
			return fail_why(r, st, &why);
		kiosk_queue_changed(r->core, NULL);
	}
	st = queue_windows(r->core, &list);
	return st == ST_OK ? ok(r, 200, json_pack("{s:o}", "windows", list)) : fail(r, st, NULL);
}

static enum status h_window_action(struct request *r)
{
	const char *p = r->path + strlen("/api/v1/windows/");
	struct case_error why = {0};
	char *end;
	unsigned long n = strtoul(p, &end, 10);
	json_t *ticket = NULL;
	bool announce;
	enum status st;

	if (end == p || *end != '/' || n == 0 || n > 99)
		return fail(r, ST_NOT_FOUND, NULL);
	if (strcmp(end, "/tablet") == 0) { /* pairs the window's rating tablet */
		if (!is_admin(r))
			return fail(r, ST_FORBIDDEN, NULL);
		st = ratings_pair(r->core, (unsigned)n, &ticket);
		return st == ST_OK ? ok(r, 200, ticket) : fail(r, st, NULL);
	}
	st = queue_window_action(r->core, r->session, (unsigned)n, end + 1, r->body, &ticket, &announce, &why);
	if (st != ST_OK)
		return fail_why(r, st, &why);
	kiosk_queue_changed(r->core,
			    announce && json_is_object(ticket)
				? json_pack("{s:O, s:i}", "label", json_object_get(ticket, "label"), "window", (int)n)
				: NULL);
	return ok(r, 200, json_pack("{s:i, s:o}", "window", (int)n, "ticket", ticket ? ticket : json_null()));
}

static enum status h_queue_stats(struct request *r)
{
	const char *format = json_string_value(json_object_get(r->query, "format"));
	json_t *stats;
	char *csv = NULL, name[64];
	size_t len = 0;
	int fd;
	enum status st = queue_stats(r->core, r->query, &stats);

	if (st != ST_OK)
		return fail(r, st, NULL);
	if (!format)
		return ok(r, 200, stats);
	st = strcmp(format, "csv") == 0 ? queue_stats_csv(stats, &csv, &len) : ST_BAD_REQUEST;
	snprintf(name, sizeof(name), "叫号统计-%s.csv", json_string_value(json_object_get(stats, "day")));
	json_decref(stats);
	fd = st == ST_OK ? memfd_create("outpost-report", MFD_CLOEXEC) : -1;
	if (fd < 0 || !fdio_write_all(fd, csv, len)) {
		free(csv);
		if (fd >= 0)
			close(fd);
		return fail(r, st != ST_OK ? st : ST_NOMEM, NULL);
	}
	free(csv);
	reply_file(r->core, r->id, fd, name, "text/csv; charset=utf-8");
	close(fd);
	return ST_OK;
}

static enum status h_ticket_reprint(struct request *r)
{
	const char *label = r->path + strlen("/api/v1/tickets/");
	char l[8];
	size_t n = strcspn(label, "/");
	json_t *slip = NULL;
	enum status st;

	if (n == 0 || n >= sizeof(l) || strcmp(label + n, "/reprint") != 0)
		return fail(r, ST_NOT_FOUND, NULL);
	memcpy(l, label, n);
	l[n] = '\0';
	if ((st = queue_reprint_slip(r->core, l, &slip)) != ST_OK)
		return fail(r, st, NULL);
	audit_append(r->core->db, r->core->vault, (int64_t)core_now(), r->session->username, "ticket.reprint", NULL, l);
	printjobs_send(r->core, slip, RECEIPT_TICKET, 0, r->id, 200, json_pack("{s:s}", "label", l), r->lang, NULL,
		       NULL);
	return ST_OK;
}

/* The device test page: states, the last scans; POST prints a test slip. */
static enum status h_devices(struct request *r)
{
	struct core *c = r->core;
	json_t *state;

	if (!is_admin(r))
		return fail(r, ST_FORBIDDEN, NULL);
	state =
	    json_pack("{s:s, s:{s:s, s:s}, s:O, s:{s:s, s:O, s:O}}", "printer", c->printer_state, "scanners",
		      "keyboard", c->scanner_keyboard[0] ? c->scanner_keyboard : "none", "serial",
		      c->scanner_serial[0] ? c->scanner_serial : "none", "scans", c->scans ? c->scans : json_array(),
		      "panel", "state", c->panel_state[0] ? c->panel_state : "none", "leds",
		      c->leds ? c->leds : json_object(), "presses", c->presses ? c->presses : json_array());
	if (strcmp(r->method, "GET") == 0)
		return ok(r, 200, state);
	if (strcmp(r->path, "/api/v1/devices/led") == 0) {
		/* The admin tries one LED (or the buzzer); the LEDs show their
		 * own state again after BUTTONS_TEST_SECONDS. */
		const char *led = json_string_value(json_object_get(r->body, "led"));
		json_t *on = json_object_get(r->body, "on"), *msg;
		static const char *const names[] = {"online", "backlog", "paper", "ready", "buzzer"};
		bool known = false;

		json_decref(state);
		for (size_t i = 0; led && i < sizeof(names) / sizeof(names[0]); i++)
			known |= strcmp(led, names[i]) == 0;
		if (!known)
			return fail(r, ST_BAD_FIELD, "led");
		if (!json_is_boolean(on))
			return fail(r, ST_BAD_FIELD, "on");
		msg = json_pack("{s:{s:O}}", "leds", led, on);
		if (core_send(c, ROLE_DEV, MSG_LED, 0, msg, NULL, 0, NULL, 0) != ST_OK) {
			json_decref(msg);
			return fail(r, ST_UNAVAILABLE, NULL);
		}
		json_decref(msg);
		c->led_test_until = core_now() + BUTTONS_TEST_SECONDS;
		audit_append(c->db, c->vault, (int64_t)core_now(), r->session->username, "device.test_led", NULL, led);
		return ok(r, 200, json_pack("{s:s, s:O}", "led", led, "on", on));
	}
	{
		struct queue_ticket t = {.number = 0};
		char when[32];
		time_t now = (time_t)core_now();
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		snprintf(t.label, sizeof(t.label), "TEST");
		snprintf(t.category_name, sizeof(t.category_name), "打印机测试页 · %s", when);
		t.at = (int64_t)now;
		audit_append(c->db, c->vault, (int64_t)now, r->session->username, "device.test_print", NULL, NULL);
		printjobs_send(c, queue_ticket_slip(c, &t), RECEIPT_TICKET, 0, r->id, 200, state, r->lang, NULL, NULL);
	}
	return ST_OK;
}

/* --- document scanning ---------------------------------------------------- */

/* POST /api/v1/scan-jobs, GET /api/v1/scan-jobs/<id>, POST .../<id>/<op>. */
static enum status h_scan_jobs(struct request *r)
{
	struct case_error why = {0};
	const char *p = r->path + strlen("/api/v1/scan-jobs");
	json_t *out = NULL;
	enum status st;
	char *end;
	unsigned long id;

	if (*p == '\0') {
		if (strcmp(r->method, "POST") != 0)
			return fail(r, ST_NOT_FOUND, NULL);
		st = scanjobs_start(r->core, r->session, is_admin(r), r->body, &out, &why);
		return st == ST_OK ? ok(r, 202, out) : fail_why(r, st, &why);
	}
	if (*p != '/' || p[1] < '0' || p[1] > '9')
		return fail(r, ST_NOT_FOUND, NULL);
	id = strtoul(p + 1, &end, 10);
	if (id == 0 || id > UINT32_MAX)
		return fail(r, ST_NOT_FOUND, NULL);
	if (*end == '\0' && strcmp(r->method, "GET") == 0) {
		st = scanjobs_get(r->core, (uint32_t)id, r->lang, &out);
		return st == ST_OK ? ok(r, 200, out) : fail(r, st, NULL);
	}
	if (*end == '/' && strcmp(r->method, "POST") == 0) {
		st = scanjobs_command(r->core, (uint32_t)id, end + 1, is_admin(r), r->body, &out, &why);
		return st == ST_OK ? ok(r, 202, out) : fail_why(r, st, &why);
	}
	return fail(r, ST_NOT_FOUND, NULL);
}

/* --- sync with central ------------------------------------------------------ */

/* Central pushes an event (a Standard Webhook); no session: the
 * signature is the credential. */
static enum status h_webhook(struct request *r)
{
	json_t *w = json_object_get(r->req, "webhook"), *answer = NULL;
	enum status st = outbox_webhook(
	    r->core, json_string_value(json_object_get(w, "id")), json_string_value(json_object_get(w, "timestamp")),
	    json_string_value(json_object_get(w, "signature")), json_string_value(json_object_get(w, "raw")), &answer);

	if (st != ST_OK)
		log_warn("pushed event refused: %s", status_name(st));
	else
		log_info("pushed event %s received%s", json_string_value(json_object_get(w, "id")),
			 json_is_true(json_object_get(answer, "duplicate")) ? " (seen before)" : "");
	return st == ST_OK ? ok(r, 200, answer) : fail(r, st, NULL);
}

static enum status h_sync(struct request *r)
{
	json_t *out = NULL;
	enum status st;

	if (strcmp(r->method, "GET") == 0) {
		st = outbox_status(r->core, &out);
		return st == ST_OK ? ok(r, 200, out) : fail(r, st, NULL);
	}
	if (!is_admin(r))
		return fail(r, ST_FORBIDDEN, NULL);
	if (strcmp(r->path, "/api/v1/sync/now") == 0) {
		st = outbox_now(r->core);
		audit_append(r->core->db, r->core->vault, (int64_t)core_now(), r->session->username, "sync.now", NULL,
			     NULL);
		return st == ST_OK ? ok(r, 202, json_pack("{s:b}", "started", true)) : fail(r, st, NULL);
	}
	if (strcmp(r->path, "/api/v1/sync/rotate") == 0) {
		json_t *m = json_object();

		st = m ? core_send(r->core, ROLE_SYNC, MSG_SYNC_ROTATE, r->id, m, NULL, 0, NULL, 0) : ST_NOMEM;
		json_decref(m);
		if (st != ST_OK)
			return fail(r, ST_UNAVAILABLE, NULL);
		audit_append(r->core->db, r->core->vault, (int64_t)core_now(), r->session->username, "sync.rotate",
			     NULL, NULL);
		return ST_OK; /* answered with central's word */
	}
	if (strcmp(r->path, "/api/v1/sync/enrol") == 0) {
		const char *url = json_string_value(json_object_get(r->body, "url")),
			   *token = json_string_value(json_object_get(r->body, "token"));
		json_t *m;

		/* PROTOCOL §1: HTTPS only; a plain-HTTP central would see ID
		 * numbers and documents cross the network in clear. */
		if (url && strncasecmp(url, "http://", 7) == 0)
			return fail(r, ST_NOT_HTTPS, "url");
		if (!url || strncmp(url, "https://", 8) != 0 || strlen(url) > 200)
			return fail(r, ST_BAD_FIELD, "url");
		if (!token || !*token || strlen(token) > 128)
			return fail(r, ST_BAD_FIELD, "token");
		/* The self-signed certificate is the request for the office's
		 * LAN certificate, which central signs with its office CA. */
		m = json_pack("{s:s, s:s, s:s}", "url", url, "token", token, "tls_certificate", r->core->tls.self);
		st = m ? core_send(r->core, ROLE_SYNC, MSG_SYNC_ENROL, r->id, m, NULL, 0, NULL, 0) : ST_NOMEM;
		json_decref(m);
		if (st != ST_OK)
			return fail(r, ST_UNAVAILABLE, NULL);
		audit_append(r->core->db, r->core->vault, (int64_t)core_now(), r->session->username, "sync.enrol", NULL,
			     url);
		return ST_OK; /* answered when the sync process has central's word */
	}
	return fail(r, ST_NOT_FOUND, NULL);
}

enum status api_sync_rotated(struct core *c, uint32_t id, json_t *body)
{
	const char *message = "";
	int ok_ = 0, http = 0;
	json_t *err;

	if (json_unpack(body, "{s:b, s?i, s?s}", "ok", &ok_, "http", &http, "message", &message) != 0)
		return ST_PROTO;
	if (ok_)
		return reply_json(c, id, 200, json_pack("{s:b}", "rotated", true), NULL, -1);
	err = status_json(ST_ENROL_FAILED, LANG_ZH, NULL);
	if (err) {
		json_object_set_new(err, "central_message", json_string(message));
		json_object_set_new(err, "http", json_integer(http));
	}
	return reply_json(c, id, status_http(ST_ENROL_FAILED), err, NULL, -1);
}

enum status api_sync_enrolled(struct core *c, uint32_t id, json_t *body)
{
	const char *office = "", *message = "", *url = "", *pub = "", *whsec = "", *cert = NULL, *ca = NULL;
	int ok_ = 0, http = 0;
	json_t *err;

	if (json_unpack(body, "{s:b, s?i, s?s, s?s, s?s, s?s, s?s, s?s, s?s}", "ok", &ok_, "http", &http, "office",
			&office, "message", &message, "url", &url, "central_public_key", &pub, "webhook_secret", &whsec,
			"tls_certificate", &cert, "tls_ca", &ca) != 0)
		return ST_PROTO;
	/* Central's certificate for the office LAN: served from now on. */
	if (ok_ && cert && ca) {
		if (lantls_install(&c->cfg, &c->tls, cert, ca) == ST_OK)
			core_send_tls(c);
		else
			log_err("the LAN certificate central issued does not fit the box's key: kept the old one");
	}
	if (ok_) {
		sqlite3_stmt *q = store_prepare(c->db, "UPDATE sync_state SET office = ?1, enrolled_at = ?2, "
						       "cursor = '', central_url = ?3, central_public_key = ?4, "
						       "webhook_secret = ?5");

		if (q) {
			sqlite3_bind_text(q, 1, office, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, (int64_t)core_now());
			sqlite3_bind_text(q, 3, url, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, pub, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 5, whsec, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		store_finish(q);
		outbox_sync_up(c);
		log_info("enrolled with central as office %s", office);
		return reply_json(c, id, 200, json_pack("{s:b, s:s}", "enrolled", true, "office", office), NULL, -1);
	}
	err = status_json(ST_ENROL_FAILED, LANG_ZH, NULL);
	if (err) {
		json_object_set_new(err, "central_message", json_string(message));
		json_object_set_new(err, "http", json_integer(http));
	}
	return reply_json(c, id, status_http(ST_ENROL_FAILED), err, NULL, -1);
}

/* --- dispatch ------------------------------------------------------------ */

static bool is(struct request *r, const char *method, const char *path)
{
	return strcmp(r->method, method) == 0 && strcmp(r->path, path) == 0;
}

static bool mutating(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static enum status route(struct request *r)
{
	char code[CASECODE_MAX];
	const char *rest;

	if (is(r, "GET", "/api/v1/health"))
		return h_health(r);
	if (is(r, "POST", "/api/v1/login"))
		return h_login(r);
	/* The kiosk, the rating tablet and the call display are public: they
	 * can only do what a citizen may. */
	if (is(r, "GET", "/api/v1/kiosk"))
		return h_kiosk(r);
	if (is(r, "POST", "/api/v1/central/webhook"))
		return h_webhook(r);
	if (is(r, "POST", "/api/v1/kiosk/tickets"))
		return h_kiosk_ticket(r);
	if (is(r, "POST", "/api/v1/kiosk/ratings"))
		return h_rating(r);
	if (is(r, "POST", "/api/v1/kiosk/rating-prompt"))
		return h_rating_prompt(r);
	if (is(r, "GET", "/api/v1/kiosk/campaigns"))
		return h_kiosk_campaigns(r);
	if (is(r, "GET", "/api/v1/display"))
		return ok(r, 200, queue_display(r->core));

	/* Everything below needs a staff session, and a CSRF token to change. */
	r->session = auth_session(r->core->auth, r->session_id, core_now());
	if (!r->session)
		return fail(r, ST_NOT_LOGGED_IN, NULL);
	if (mutating(r->method) && !auth_csrf_ok(r->session, r->csrf)) {
		log_warn("%s %s by %s without a valid CSRF token", r->method, r->path, r->session->username);
		return fail(r, ST_CSRF, NULL);
	}
	if (is(r, "POST", "/api/v1/logout"))
		return h_logout(r);
	if (is(r, "GET", "/api/v1/session"))
		return h_session(r);
	if (strcmp(r->path, "/api/v1/staff") == 0 || strncmp(r->path, "/api/v1/staff/", 14) == 0)
		return h_staff(r);
	if (is(r, "GET", "/api/v1/windows") || is(r, "PUT", "/api/v1/windows"))
		return h_windows(r);
	if (strncmp(r->path, "/api/v1/windows/", 16) == 0 && strcmp(r->method, "POST") == 0)
		return h_window_action(r);
	if (is(r, "GET", "/api/v1/ratings"))
		return h_ratings(r);
	if (strncmp(r->path, "/api/v1/ratings/", 16) == 0 && strcmp(r->method, "POST") == 0)
		return h_rating_appeal(r);
	if (is(r, "GET", "/api/v1/queue/stats"))
		return h_queue_stats(r);
	if (strncmp(r->path, "/api/v1/tickets/", 16) == 0 && strcmp(r->method, "POST") == 0)
		return h_ticket_reprint(r);
	if (is(r, "GET", "/api/v1/scans"))
		return h_scans(r);
	if (is(r, "GET", "/api/v1/devices") || is(r, "POST", "/api/v1/devices/test-print") ||
	    is(r, "POST", "/api/v1/devices/led"))
		return h_devices(r);
	if (is(r, "GET", "/api/v1/sync") || is(r, "POST", "/api/v1/sync/enrol") || is(r, "POST", "/api/v1/sync/now") ||
	    is(r, "POST", "/api/v1/sync/rotate"))
		return h_sync(r);
	if (strncmp(r->path, "/api/v1/scan-jobs", 17) == 0)
		return h_scan_jobs(r);
	if (is(r, "GET", "/api/v1/reports"))
		return h_report_summary(r);
	if (is(r, "GET", "/api/v1/reports/agency"))
		return h_report_agency(r);
	if (is(r, "GET", "/api/v1/catalog"))
		return h_catalog(r);
	if (is(r, "PUT", "/api/v1/catalog"))
		return h_catalog_replace(r);
	if (is(r, "GET", "/api/v1/cases"))
		return h_case_list(r);
	if (is(r, "POST", "/api/v1/cases"))
		return h_case_create(r);
	if (strncmp(r->path, "/api/v1/cases/", 14) == 0) {
		if (!case_code_from_path(r->path, code, &rest))
			return fail(r, ST_NOT_FOUND, NULL);
		if (strcmp(r->method, "GET") == 0 && *rest == '\0')
			return h_case_get(r, code);
		if (strcmp(r->method, "POST") == 0 && *rest == '/' && !strchr(rest + 1, '/'))
			return h_case_action(r, code, rest);
		if (strcmp(r->method, "GET") == 0 && strncmp(rest, "/documents/", 11) == 0)
			return h_case_document(r, code, rest);
	}
	return fail(r, ST_NOT_FOUND, NULL);
}

static bool uploads_allowed(struct request *r)
{
	size_t n = strlen(r->path);

	return strcmp(r->method, "POST") == 0 &&
	       (strcmp(r->path, "/api/v1/cases") == 0 || (strncmp(r->path, "/api/v1/cases/", 14) == 0 && n > 11 &&
							  strcmp(r->path + n - 11, "/supplement") == 0));
}

/*
 * An upload's headers, before the web reads its body: only a signed-in
 * staff member with the session's CSRF token may send documents, and only
 * to intake or a supplement.  100 lets the body come; the route checks the
 * whole request again when it arrives.
 */
static enum status h_admit(struct request *r)
{
	if (!uploads_allowed(r))
		return fail(r, ST_NOT_FOUND, NULL);
	r->session = auth_session(r->core->auth, r->session_id, core_now());
	if (!r->session)
		return fail(r, ST_NOT_LOGGED_IN, NULL);
	if (!auth_csrf_ok(r->session, r->csrf)) {
		log_warn("upload to %s by %s without a valid CSRF token", r->path, r->session->username);
		return fail(r, ST_CSRF, NULL);
	}
	return ok(r, 100, json_object());
}

enum status api_handle(struct core *c, uint32_t id, json_t *req, const int *fds, unsigned nfds)
{
	struct request r = {.core = c, .id = id, .fds = fds, .nfds = nfds, .req = req};
	const char *lang = NULL;
	int admit = 0;

	if (json_unpack(req, "{s:s, s:s, s:o, s?o, s?s, s?s, s?s, s:o, s:s, s?b}", "method", &r.method, "path", &r.path,
			"query", &r.query, "body", &r.body, "session", &r.session_id, "csrf", &r.csrf, "lang", &lang,
			"docs", &r.docs, "peer", &r.peer, "admit", &admit) != 0 ||
	    !json_is_object(r.query) || !json_is_array(r.docs) || json_array_size(r.docs) != nfds)
		return ST_PROTO;
	r.lang = lang && strcmp(lang, "en") == 0 ? LANG_EN : LANG_ZH;
	if (nfds && (admit || !uploads_allowed(&r)))
		return ST_PROTO; /* the web only passes uploads for intake and supplements */
	return admit ? h_admit(&r) : route(&r);
}

enum status api_init(struct core *c)
{
	if (printjobs_init(c) != ST_OK || kiosk_init(c) != ST_OK ||
	    ratelimit_new(API_RATELIMIT_KEYS, &c->logins_by_address) != ST_OK ||
	    ratelimit_new(API_RATELIMIT_KEYS, &c->tickets_by_address) != ST_OK ||
	    ratelimit_new(API_RATELIMIT_KEYS, &c->tickets_by_category) != ST_OK ||
	    ratelimit_new(API_RATELIMIT_KEYS, &c->ratings_by_address) != ST_OK)
		return ST_NOMEM;
	return ST_OK;
}

void api_free(struct core *c)
{
	printjobs_free(c);
	kiosk_free(c);
	ratelimit_free(&c->logins_by_address);
	ratelimit_free(&c->tickets_by_address);
	ratelimit_free(&c->tickets_by_category);
	ratelimit_free(&c->ratings_by_address);
}
