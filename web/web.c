/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web role: libmicrohttpd in external-epoll mode inside an sd-event
 * loop.  It serves the embedded pages itself and turns every /api/ request
 * into a message to the core, suspending the connection until the answer
 * comes back.  It holds no database and no key, and (with Landlock) can
 * open no file but its configuration.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "appliance/common/role.h"
#include "appliance/common/log.h"
#include "appliance/common/roleproc.h"
#include "appliance/common/sandbox.h"
#include "assets.h"
#include "mhdloop.h"
#include "request.h"
#include "sse.h"
#include "webtls.h"

/* Upload bytes a staff session has admitted and not yet handed over. */
struct upload_budget {
	char session[80]; /* the session cookie; a valid one is 64 characters */
	uint64_t bytes;	  /* 0: the entry is free */
};

struct web {
	struct roleproc rp;
	struct MHD_Daemon *mhd; /* plain HTTP: redirects, and the box's own screen */
	struct mhd_loop loop;
	struct MHD_Daemon *tls_mhd; /* HTTPS, started with the core's first certificate */
	struct mhd_loop tls_loop;
	struct webreq **pending; /* cfg.max_pending slots */
	unsigned npending;
	uint16_t serial;
	uint64_t reserved;	       /* upload bytes admitted, all sessions */
	struct upload_budget *budgets; /* cfg.max_pending entries */
};

static struct web web;

static const char *const security_headers[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "SAMEORIGIN"},
};

#define PAGE_CSP                                                                                                       \
	"default-src 'self'; img-src 'self' data: blob:; frame-src 'self'; object-src 'self'; "                        \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

static void add_headers(struct MHD_Response *resp)
{
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
}

/* A JSON body; mode says whether libmicrohttpd copies, frees or keeps it. */
static struct MHD_Response *json_response(size_t len, void *text, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, mode);

	if (!resp)
		return NULL;
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'");
	add_headers(resp);
	return resp;
}

static void set_error(struct webreq *r, enum status st, const char *field)
{
	json_t *j = status_json(st, r->lang, field);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = text ? json_response(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
	if (!r->resp)
		free(text);
	r->resp_code = (unsigned)status_http(st);
	json_decref(j);
}

static enum lang request_lang(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "lang");

	if (v)
		return strcmp(v, "en") == 0 ? LANG_EN : LANG_ZH;
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	return v && strncasecmp(v, "en", 2) == 0 ? LANG_EN : LANG_ZH;
}

static void mhd_kick(void)
{
	mhd_loop_kick(&web.loop);
	if (web.tls_mhd)
		mhd_loop_kick(&web.tls_loop);
}

/* --- requests to the core -------------------------------------------------- */

static void unpend(struct webreq *r)
{
	if (r->id && web.pending[r->slot] == r)
		web.pending[r->slot] = NULL;
	r->id = 0;
	r->timeout = sd_event_source_disable_unref(r->timeout);
}

/* A request that waited for the core is answered st without it: the
 * connection wakes with the error queued. */
static void give_up(struct webreq *r, enum status st)
{
	unpend(r);
	set_error(r, st, NULL);
	MHD_resume_connection(r->conn);
}

static int on_request_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	struct webreq *r = ud;

	(void)s, (void)usec;
	log_warn("the core did not answer request %u in %u s", r->id, web.rp.cfg.request_timeout_s);
	give_up(r, ST_TIMEOUT);
	mhd_kick();
	return 0;
}

/* A value from the network as JSON text; false when it is not UTF-8 (the
 * request is then answered 400 here, never passed on as something else). */
static bool put_text(json_t *o, const char *key, const char *v)
{
	json_t *t;

	if (!v)
		return true;
	t = json_string(v);
	return t && json_object_set_new(o, key, t) == 0;
}

static bool put_header(json_t *o, const char *key, struct MHD_Connection *conn, const char *header)
{
	return put_text(o, key, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, header));
}

/* The client's address as text, for the core's limits per source. */
static void peer_address(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, INET6_ADDRSTRLEN, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, INET6_ADDRSTRLEN);
}

/*
 * The request message for the core: method, path, the query parameters the
 * API knows (others are not passed on), body, session cookie, CSRF header,
 * language, uploads' names and types, and the client's address.  Every text
 * in it came from the network: one that is not UTF-8 makes the answer 400
 * naming it (*field), and nothing goes to the core.
 */
static enum status request_json(struct MHD_Connection *conn, struct webreq *r, const char *method, const char *url,
				json_t *body, json_t **out, const char **field)
{
	static const char *const keys[] = {"limit", "before", "q",	"state", "department", "from",	 "to",
					   "view",  "reveal", "period", "date",	 "month",      "format", "after"};
	char peer[INET6_ADDRSTRLEN];
	json_t *req = json_object(), *query = json_object();
	enum status st = ST_BAD_TEXT;

	*out = NULL;
	*field = NULL;
	peer_address(conn, peer);
	if (!req || !query || json_object_set(req, "docs", r->docs) != 0 || !put_text(req, "peer", peer) ||
	    !put_text(req, "lang", r->lang == LANG_EN ? "en" : "zh")) {
		st = ST_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!put_text(query, keys[i], MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, keys[i]))) {
			*field = keys[i];
			goto out;
		}
	}
	if (!put_text(req, "method", method) || !put_text(req, "path", url)) {
		*field = "path";
		goto out;
	}
	if (!put_text(req, "session", MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "outpost_session")) ||
	    !put_header(req, "csrf", conn, "X-CSRF-Token")) {
		*field = "session";
		goto out;
	}
	/* A pushed event's signature covers its exact bytes and three headers. */
	if (strcmp(url, "/api/v1/central/webhook") == 0) {
		json_t *hook = json_object();
		json_t *raw = json_stringn(r->json.data ? (const char *)r->json.data : "", r->json.len);

		if (!hook || !raw || json_object_set_new(hook, "raw", raw) != 0 ||
		    !put_header(hook, "id", conn, "webhook-id") ||
		    !put_header(hook, "timestamp", conn, "webhook-timestamp") ||
		    !put_header(hook, "signature", conn, "webhook-signature") ||
		    json_object_set_new(req, "webhook", hook) != 0) {
			if (!raw)
				json_decref(hook);
			*field = "webhook";
			goto out;
		}
	}
	if (json_object_set_new(req, "query", query) != 0) {
		query = NULL;
		st = ST_NOMEM;
		goto out;
	}
	query = NULL;
	if (json_object_set(req, "body", body ? body : json_null()) != 0) {
		st = ST_NOMEM;
		goto out;
	}
	*out = req;
	req = NULL;
	st = ST_OK;
out:
	json_decref(query);
	json_decref(req);
	return st;
}

/* Hands the request (or, for an upload, the question whether its body may
 * come) to the core and suspends the connection. */
static void to_core(struct MHD_Connection *conn, struct webreq *r, json_t *req)
{
	enum status st = ST_OK;
	unsigned slot;

	for (slot = 0; slot < web.npending && web.pending[slot]; slot++)
		;
	if (slot == web.npending) {
		set_error(r, ST_BUSY, NULL);
		return;
	}
	r->slot = slot;
	r->id = ((uint32_t)++web.serial << 16) | slot;
	/* A second's slack lets sd-event move its timerfd about once a second
	 * rather than for every request. */
	if (sd_event_add_time_relative(web.rp.ev, &r->timeout, CLOCK_MONOTONIC,
				       (uint64_t)web.rp.cfg.request_timeout_s * 1000000, 1000000, on_request_timeout,
				       r) < 0)
		st = ST_NOMEM;
	if (st == ST_OK)
		st = roleproc_send(&web.rp, MSG_API_REQUEST, r->id, req, r->fds, r->nfds);
	if (st != ST_OK) {
		unpend(r);
		set_error(r, st == ST_TOO_LARGE ? ST_TOO_LARGE : ST_BUSY, NULL);
		return;
	}
	/* The core has its own copies of the uploads now. */
	msg_close_fds(r->fds, r->nfds);
	r->nfds = 0;
	web.pending[slot] = r;
	MHD_suspend_connection(conn);
}

static void forward(struct MHD_Connection *conn, struct webreq *r, const char *method, const char *url)
{
	json_t *body = NULL, *req = NULL;
	const char *field = NULL;
	enum status st = webreq_body(r, &body);

	if (st != ST_OK) {
		set_error(r, st, r->error_field);
		return;
	}
	st = request_json(conn, r, method, url, body, &req, &field);
	json_decref(body);
	if (st != ST_OK) {
		set_error(r, st, field);
		return;
	}
	r->phase = WEBREQ_FORWARDED;
	to_core(conn, r, req);
	json_decref(req);
}

/*
 * An upload's headers are in: the core checks its session, CSRF token and
 * route before one byte of the body is stored.  Its answer is 100 (go on)
 * or the error to send at once.
 */
static void admit(struct MHD_Connection *conn, struct webreq *r, const char *method, const char *url)
{
	json_t *req = NULL;
	const char *field = NULL;
	enum status st = request_json(conn, r, method, url, NULL, &req, &field);

	if (st == ST_OK && json_object_set_new(req, "admit", json_true()) != 0)
		st = ST_NOMEM;
	if (st != ST_OK) {
		json_decref(req);
		set_error(r, st, field);
		return;
	}
	r->phase = WEBREQ_ADMITTING;
	to_core(conn, r, req);
	json_decref(req);
}

/* Holds an admitted upload's whole length against the budget of all
 * uploads and of its session; false when either is spent. */
static bool budget_reserve(struct webreq *r, const char *session)
{
	const struct config *cfg = &web.rp.cfg;
	struct upload_budget *b = NULL, *spare = NULL;

	if (!session || web.reserved + r->content_length > cfg->max_uploads_in_flight_bytes)
		return false;
	for (unsigned i = 0; i < web.npending && !b; i++) {
		if (web.budgets[i].bytes == 0)
			spare = spare ? spare : &web.budgets[i];
		else if (strcmp(web.budgets[i].session, session) == 0)
			b = &web.budgets[i];
	}
	if (!b) {
		if (!spare || strlen(session) >= sizeof(spare->session))
			return false;
		b = spare;
		snprintf(b->session, sizeof(b->session), "%s", session);
	}
	if (b->bytes + r->content_length > cfg->max_session_upload_bytes)
		return false;
	b->bytes += r->content_length;
	web.reserved += r->content_length;
	r->reserved = r->content_length;
	r->budget = (unsigned)(b - web.budgets);
	return true;
}

static void budget_release(struct webreq *r)
{
	if (!r->reserved)
		return;
	web.budgets[r->budget].bytes -= r->reserved;
	web.reserved -= r->reserved;
	r->reserved = 0;
}

/* The core said an upload may come: take its length from the budgets and
 * start reading the form. */
static void admitted(struct webreq *r)
{
	const char *session = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "outpost_session");

	if (!budget_reserve(r, session)) {
		log_info("upload of %" PRIu64 " bytes refused: %" PRIu64 " bytes already in flight", r->content_length,
			 web.reserved);
		set_error(r, ST_UPLOADS_BUSY, NULL);
	} else if (webreq_multipart(r, r->conn) != ST_OK) {
		set_error(r, ST_BAD_REQUEST, NULL);
	} else {
		r->phase = WEBREQ_ADMITTED;
	}
}

static struct MHD_Response *file_response(json_t *file, int fd)
{
	json_int_t size;
	const char *type, *name;
	struct MHD_Response *resp;
	char disp[600];
	size_t o;

	if (json_unpack(file, "{s:s, s:s, s:I}", "filename", &name, "type", &type, "size", &size) != 0 || size < 0)
		return NULL;
	resp = MHD_create_response_from_fd((uint64_t)size, fd);
	if (!resp)
		return NULL;
	/* RFC 6266 with RFC 8187 encoding, so Chinese file names survive. */
	o = (size_t)snprintf(disp, sizeof(disp), "inline; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p && o + 4 < sizeof(disp); p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(".-_", *p))
			disp[o++] = (char)*p;
		else
			o += (size_t)snprintf(disp + o, sizeof(disp) - o, "%%%02X", *p);
	}
	disp[o] = '\0';
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "private, no-store");
	add_headers(resp);
	return resp;
}

/* An answer from the core: build the response and wake the connection.  The
 * body arrives as the message's tail and is copied as it is. */
static enum status on_core_answer(struct chmsg *m)
{
	unsigned slot = m->id & 0xffff;
	struct webreq *r = slot < web.npending ? web.pending[slot] : NULL;
	struct MHD_Connection *conn;
	json_int_t code;
	json_t *file = NULL;
	const char *cookie = NULL;

	if (json_unpack(m->body, "{s:I, s?s, s?o}", "status", &code, "set_cookie", &cookie, "file", &file) != 0 ||
	    code < 100 || code > 599)
		return ST_PROTO;
	if (file ? (m->nfds != 1 || m->tail) : (m->nfds != 0 || !m->tail))
		return ST_PROTO;
	if (!r || r->id != m->id) {
		log_debug("answer %u came too late", m->id);
		return ST_OK;
	}
	conn = r->conn;
	unpend(r);
	if (r->phase == WEBREQ_ADMITTING && code == 100 && !file) {
		admitted(r);
		MHD_resume_connection(conn);
		mhd_kick();
		return ST_OK;
	}
	if (file) {
		r->resp = file_response(file, m->fds[0]);
		if (r->resp)
			m->fds[0] = -1; /* libmicrohttpd closes it */
	} else {
		r->resp = json_response(m->tail_len, (void *)m->tail, MHD_RESPMEM_MUST_COPY);
	}
	r->resp_code = (unsigned)code;
	if (r->resp && cookie)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (!r->resp)
		set_error(r, ST_NOMEM, NULL);
	MHD_resume_connection(conn);
	mhd_kick();
	return ST_OK;
}

static enum status on_tls(json_t *body);

static enum status on_msg(struct channel *ch, struct chmsg *m, void *ud)
{
	(void)ch, (void)ud;
	if (m->type == MSG_API_RESPONSE)
		return on_core_answer(m);
	if (m->type == MSG_TLS)
		return on_tls(m->body);
	if (m->type == MSG_DISPLAY) {
		char *text = json_dumps(m->body, JSON_COMPACT);
		enum status st = text ? sse_update(text, strlen(text)) : ST_NOMEM;

		free(text);
		if (st != ST_OK)
			log_warn("display state dropped: %s", status_name(st));
		return ST_OK;
	}
	log_err("web does not take %s messages", msg_type_name(m->type));
	return ST_PROTO;
}

/* --- HTTP ------------------------------------------------------------------ */

/* An answer over HTTPS tells the browser to come back over HTTPS only. */
static void add_hsts(struct MHD_Connection *conn, struct MHD_Response *resp)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);

	if (web.tls_mhd && ci && ci->daemon == web.tls_mhd)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct webreq *r)
{
	enum MHD_Result ret;

	if (!r->resp)
		return MHD_NO;
	add_hsts(conn, r->resp);
	ret = MHD_queue_response(conn, r->resp_code, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

static enum MHD_Result serve_static(struct MHD_Connection *conn, const char *method, const char *url)
{
	const struct asset *a;
	const char *inm;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return MHD_NO;
	if (strcmp(url, "/") == 0 || strcmp(url, "/staff") == 0) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Location", "/staff/");
		ret = MHD_queue_response(conn, MHD_HTTP_FOUND, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (url[strlen(url) - 1] == '/') {
		char index[256];

		snprintf(index, sizeof(index), "%sindex.html", url);
		a = asset_find(index);
	} else {
		a = asset_find(url);
	}
	if (!a) {
		static const char missing[] = "<!doctype html><meta charset=utf-8><title>404</title>"
					      "<p>页面不存在 / Page not found</p>";

		resp = MHD_create_response_from_buffer(sizeof(missing) - 1, (void *)missing, MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_NOT_FOUND;
		if (resp)
			MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	} else {
		inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
		if (inm && strcmp(inm, a->etag) == 0) {
			resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
			code = MHD_HTTP_NOT_MODIFIED;
		} else {
			resp = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
		}
		if (resp) {
			MHD_add_response_header(resp, "Content-Type", a->type);
			MHD_add_response_header(resp, "ETag", a->etag);
			MHD_add_response_header(resp, "Cache-Control", "no-cache");
		}
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Security-Policy", PAGE_CSP);
	add_headers(resp);
	add_hsts(conn, resp);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* First call for an API request: check what the body may be. */
/* Uploads go to intake and to the supplement of a returned case. */
static bool upload_url(const char *url)
{
	size_t n = strlen(url);

	return strcmp(url, "/api/v1/cases") == 0 ||
	       (strncmp(url, "/api/v1/cases/", 14) == 0 && n > 25 && strcmp(url + n - 11, "/supplement") == 0);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	unsigned *n = cls;

	(void)kind, (void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		n[0]++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		n[1]++;
	return MHD_YES;
}

/*
 * A browser names the page's origin on every cross-site request it sends:
 * a change asked for by a page of another site is refused, so a page opened
 * on any computer of the office cannot take tickets or act for staff here.
 */
static bool same_origin(struct MHD_Connection *conn)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
	const char *scheme = ci && ci->daemon == web.tls_mhd ? "https://" : "http://";

	if (!origin)
		return true; /* not a browser's cross-site request */
	return host && strncasecmp(origin, scheme, strlen(scheme)) == 0 &&
	       strcasecmp(origin + strlen(scheme), host) == 0;
}

/* A JSON body is declared as one: a form or text/plain body is what a page
 * of another site can send without asking first. */
static bool declared_json(const char *type)
{
	size_t n = strlen("application/json");

	return type && strncasecmp(type, "application/json", n) == 0 && (type[n] == '\0' || type[n] == ';');
}

/* The first call for an API request: what may its body be, and may it come? */
static void api_start(struct MHD_Connection *conn, struct webreq *r, const char *method, const char *url)
{
	const char *len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	bool mutating = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	bool has_body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	unsigned framing[2] = {0, 0}; /* Content-Length and Transfer-Encoding headers */
	char *end = NULL;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, framing);
	/* One way to frame a body: two lengths, or a length and chunks, read
	 * differently by two servers, are refused. */
	if (framing[0] > 1 || (framing[0] && framing[1])) {
		set_error(r, ST_BAD_REQUEST, NULL);
		return;
	}
	if (mutating && !same_origin(conn)) {
		log_info("%s %s from a page of another site refused", method, url);
		set_error(r, ST_CROSS_ORIGIN, NULL);
		return;
	}
	if (!has_body)
		return;
	/* A length up front, so an upload is refused before it is read. */
	if (!len || !*len || (r->content_length = strtoull(len, &end, 10), *end != '\0')) {
		set_error(r, ST_BAD_REQUEST, NULL);
		return;
	}
	if (r->content_length > web.rp.cfg.max_upload_bytes) {
		set_error(r, ST_TOO_LARGE, NULL);
		return;
	}
	if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
		if (!upload_url(url) || strcmp(method, "POST") != 0)
			set_error(r, ST_BAD_REQUEST, NULL);
		else
			admit(conn, r, method, url);
	} else if (r->content_length > REQUEST_JSON_MAX) {
		set_error(r, ST_TOO_LARGE, NULL);
	} else if (r->content_length > 0 && !declared_json(type)) {
		set_error(r, ST_BAD_CONTENT_TYPE, NULL);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct webreq *r = *con_cls;

	(void)version;
	if (!r) {
		mhd_loop_request_begins(cls, conn);
		if (strcmp(url, "/api/v1/display/events") == 0 && strcmp(method, "GET") == 0)
			return sse_serve(conn, add_hsts);
		if (strncmp(url, "/api/", 5) != 0)
			return serve_static(conn, method, url);
		r = webreq_new(&web.rp.cfg);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->conn = conn;
		r->lang = request_lang(conn);
		api_start(conn, r, method, url);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->resp)
			webreq_feed(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->id)
		return MHD_YES; /* woken without an answer: keep waiting */
	/*
	 * libmicrohttpd's first call again, after the core's word on an
	 * upload: the body comes now, stored or (refused) dropped as it is
	 * read, and the answer after it.  Answered before the body, clients
	 * still sending it see the connection reset instead of the answer.
	 */
	if (r->phase == WEBREQ_ADMITTING || r->phase == WEBREQ_ADMITTED) {
		r->phase = WEBREQ_BODY;
		return MHD_YES;
	}
	if (r->resp)
		return queue(conn, r);
	forward(conn, r, method, url);
	return r->resp ? queue(conn, r) : MHD_YES;
}

/* --- plain HTTP ----------------------------------------------------------- */

/* What the box's own screen uses over plain HTTP: the kiosk and the call
 * display, their pages and their APIs.  Nothing of the staff console. */
static bool screen_path(const char *url)
{
	return strncmp(url, "/kiosk/", 7) == 0 || strncmp(url, "/display/", 9) == 0 ||
	       strcmp(url, "/api/v1/kiosk") == 0 || strncmp(url, "/api/v1/kiosk/", 14) == 0 ||
	       strcmp(url, "/api/v1/display") == 0 || strncmp(url, "/api/v1/display/", 16) == 0;
}

/* Appends s to out percent-encoded (all but unreserved characters and
 * keep); false when it does not fit. */
static bool append_encoded(char *out, size_t cap, size_t *len, const char *s, const char *keep)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			     strchr("-._~", *p) || strchr(keep, *p);
		int n =
		    plain ? snprintf(out + *len, cap - *len, "%c", *p) : snprintf(out + *len, cap - *len, "%%%02X", *p);

		if (n < 0 || (size_t)n >= cap - *len)
			return false;
		*len += (size_t)n;
	}
	return true;
}

struct redirect {
	char *out;
	size_t cap, len;
	bool ok;
};

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct redirect *rd = cls;

	(void)kind;
	rd->ok = rd->ok &&
		 append_encoded(rd->out, rd->cap, &rd->len, rd->len && strchr(rd->out, '?') ? "&" : "?", "&?") &&
		 append_encoded(rd->out, rd->cap, &rd->len, key, "") &&
		 (!value || (append_encoded(rd->out, rd->cap, &rd->len, "=", "=") &&
			     append_encoded(rd->out, rd->cap, &rd->len, value, "")));
	return rd->ok ? MHD_YES : MHD_NO;
}

/*
 * The same address over HTTPS: the host the client asked for (without its
 * port), the HTTPS port, the path and query.  308 keeps the method, so a
 * form posted to the old address is posted again over TLS.
 */
static enum MHD_Result redirect_https(struct MHD_Connection *conn, const char *url)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	char target[2048];
	struct redirect rd = {.out = target, .cap = sizeof(target), .ok = true};
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t hostlen;

	if (!host || !*host ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != strlen(host))
		host = strcmp(web.rp.cfg.listen_address, "0.0.0.0") == 0 ? "localhost" : web.rp.cfg.listen_address;
	hostlen = host[0] == '[' ? strcspn(host, "]") + (strchr(host, ']') ? 1 : 0) : strcspn(host, ":");
	rd.len = (size_t)snprintf(target, sizeof(target), "https://%.*s:%u", (int)hostlen, host, web.rp.cfg.https_port);
	rd.ok = rd.len < sizeof(target) && append_encoded(target, sizeof(target), &rd.len, url, "/!$&'()*+,;=:@");
	if (rd.ok)
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query_arg, &rd);
	if (!rd.ok)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Location", target);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	add_headers(resp);
	ret = MHD_queue_response(conn, MHD_HTTP_PERMANENT_REDIRECT, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Plain HTTP carries nothing of the staff console: passwords, sessions and
 * citizens' data go over HTTPS only.  The box's own screen (a client from
 * [web] screen_address, 127.0.0.1 unless configured) still gets the kiosk
 * and the call display here; everything else is redirected.
 */
static enum MHD_Result on_plain_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
					const char *version, const char *upload_data, size_t *upload_data_size,
					void **con_cls)
{
	char peer[INET6_ADDRSTRLEN];

	if (!*con_cls) {
		peer_address(conn, peer);
		if (strcmp(peer, web.rp.cfg.screen_address) != 0 || !screen_path(url)) {
			mhd_loop_request_begins(cls, conn);
			return redirect_https(conn, url);
		}
	}
	return on_request(cls, conn, url, method, version, upload_data, upload_data_size, con_cls);
}

/* Stopping: the requests still waiting for the core are answered 503 and
 * every suspended connection resumed, so libmicrohttpd can stop. */
static void release_all(void)
{
	for (unsigned i = 0; i < web.npending; i++)
		if (web.pending[i])
			give_up(web.pending[i], ST_UNAVAILABLE);
	sse_stop();
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct webreq *r = *con_cls;

	(void)toe;
	mhd_loop_request_ends(cls, conn);
	if (!r)
		return;
	unpend(r);
	budget_release(r);
	webreq_free(&r);
	*con_cls = NULL;
}

#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* The HTTPS server, once the core has sent a certificate; on the same loop
 * as the plain one. */
static void start_tls(void)
{
	const struct config *cfg = &web.rp.cfg;

	web.tls_loop.header_timeout_s = cfg->header_timeout_s;
	web.tls_mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_TLS, 0, NULL, NULL, on_request,
	    &web.tls_loop, MHD_OPTION_LISTEN_SOCKET, ROLE_TLS_LISTEN_FD, MHD_OPTION_HTTPS_CERT_CALLBACK,
	    webtls_retrieve, MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    &web.tls_loop, MHD_OPTION_NOTIFY_CONNECTION, mhd_loop_on_connection, &web.tls_loop,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    cfg->max_connections_per_address, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)cfg->connection_memory_bytes, MHD_OPTION_EXTERNAL_LOGGER, mhd_loop_log, NULL, MHD_OPTION_END);
	if (!web.tls_mhd)
		fatalx("cannot start the HTTPS server");
	if (mhd_loop_attach(&web.tls_loop, web.rp.ev, web.tls_mhd) != ST_OK)
		fatalx("cannot put the HTTPS server in the event loop");
	log_info("web ready on https://%s:%u", cfg->listen_address, cfg->https_port);
}

/* The certificate and key from the core: used for the next handshakes. */
static enum status on_tls(json_t *body)
{
	const char *chain, *key;

	if (json_unpack(body, "{s:s, s:s}", "chain", &chain, "key", &key) != 0)
		return ST_PROTO;
	if (webtls_use(chain, key) != ST_OK) {
		log_err("the HTTPS certificate from the core is unreadable; keeping the one in use");
		return ST_OK;
	}
	if (!web.tls_mhd)
		start_tls();
	return ST_OK;
}

int web_main(const char *config_path)
{
	struct config *cfg;

	roleproc_init(&web.rp, ROLE_WEB, config_path, on_msg);
	if (mhd_load() != ST_OK || tlslib_load() != ST_OK)
		fatalx("cannot load the HTTP server library");
	cfg = &web.rp.cfg;
	web.npending = cfg->max_pending;
	web.pending = calloc(web.npending, sizeof(*web.pending));
	web.budgets = calloc(web.npending, sizeof(*web.budgets));
	if (!web.pending || !web.budgets)
		fatalx("out of memory");
	web.loop.header_timeout_s = cfg->header_timeout_s;
	web.mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_plain_request, &web.loop,
	    MHD_OPTION_LISTEN_SOCKET, ROLE_LISTEN_FD, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &web.loop,
	    MHD_OPTION_NOTIFY_CONNECTION, mhd_loop_on_connection, &web.loop, MHD_OPTION_CONNECTION_LIMIT,
	    cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_address,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)cfg->connection_memory_bytes, MHD_OPTION_EXTERNAL_LOGGER, mhd_loop_log, NULL, MHD_OPTION_END);
	if (!web.mhd)
		fatalx("cannot start the HTTP server");
	if (mhd_loop_attach(&web.loop, web.rp.ev, web.mhd) != ST_OK)
		fatalx("cannot put the HTTP server in the event loop");
	/* Display clients hold a connection each; they may take all but a
	 * quarter of them, so the console always gets in. */
	if (sse_init(web.rp.ev, cfg->max_connections - cfg->max_connections / 4, mhd_kick) != ST_OK)
		fatalx("out of memory");
	if (sandbox_enter(ROLE_WEB, cfg, config_path) != ST_OK)
		fatalx("cannot enter the sandbox");
	log_info("web ready on http://%s:%u (redirects; kiosk and display for %s)", cfg->listen_address, cfg->port,
		 cfg->screen_address);
	roleproc_run(&web.rp);
	release_all();
	mhd_loop_stop(&web.loop);
	if (web.tls_mhd)
		mhd_loop_stop(&web.tls_loop);
	return 0;
}
