/*
 * The web role: libmicrohttpd in external-epoll mode inside an sd-event
 * loop.  It serves the embedded pages itself and turns every /api/ request
 * into a message to the core, suspending the connection until the answer
 * comes back.  It holds no database and no key, and (with Landlock) can
 * open no file but its configuration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "appliance/child.h"
#include "appliance/log.h"
#include "appliance/roleproc.h"
#include "appliance/sandbox.h"
#include "assets.h"
#include "mhdloop.h"
#include "request.h"
#include "sse.h"

int web_main(const char *config_path);

struct web {
	struct roleproc rp;
	struct MHD_Daemon *mhd;
	struct mhd_loop loop;
	struct webreq **pending; /* cfg.max_pending slots */
	unsigned npending;
	uint16_t serial;
	uint64_t in_flight;
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

static json_t *query_json(struct MHD_Connection *conn)
{
	json_t *q = json_object();
	const char *v;
	/* The query parameters the API knows; others are not passed on. */
	static const char *const keys[] = {"limit", "before", "q",	"state", "department", "from",	 "to",
					   "view",  "reveal", "period", "date",	 "month",      "format", "after"};

	for (size_t i = 0; q && i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, keys[i]);
		if (v)
			json_object_set_new(q, keys[i], json_string(v));
	}
	return q;
}

/* Hands the request to the core and suspends the connection. */
static void forward(struct MHD_Connection *conn, struct webreq *r, const char *method, const char *url)
{
	json_t *body = NULL, *req;
	enum status st = webreq_body(r, &body);
	unsigned slot;

	if (st != ST_OK) {
		set_error(r, st, r->error_field);
		return;
	}
	for (slot = 0; slot < web.npending && web.pending[slot]; slot++)
		;
	if (slot == web.npending) {
		json_decref(body);
		set_error(r, ST_BUSY, NULL);
		return;
	}
	req = json_pack("{s:s, s:s, s:o, s:o, s:s*, s:s*, s:s, s:O}", "method", method, "path", url, "query",
			query_json(conn), "body", body ? body : json_null(), "session",
			MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "outpost_session"), "csrf",
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token"), "lang",
			r->lang == LANG_EN ? "en" : "zh", "docs", r->docs);
	/* A pushed event's signature covers its exact bytes and three headers. */
	if (req && strcmp(url, "/api/v1/central/webhook") == 0)
		json_object_set_new(
		    req, "webhook",
		    json_pack("{s:s*, s:s*, s:s*, s:s%}", "id",
			      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "webhook-id"), "timestamp",
			      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "webhook-timestamp"), "signature",
			      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "webhook-signature"), "raw",
			      r->json.data ? (const char *)r->json.data : "", r->json.len));
	r->slot = slot;
	r->id = ((uint32_t)++web.serial << 16) | slot;
	st = req ? ST_OK : ST_NOMEM;
	/* A second's slack lets sd-event move its timerfd about once a second
	 * rather than for every request. */
	if (st == ST_OK && sd_event_add_time_relative(web.rp.ev, &r->timeout, CLOCK_MONOTONIC,
						      (uint64_t)web.rp.cfg.request_timeout_s * 1000000, 1000000,
						      on_request_timeout, r) < 0)
		st = ST_NOMEM;
	if (st == ST_OK)
		st = roleproc_send(&web.rp, MSG_API_REQUEST, r->id, req, r->fds, r->nfds);
	json_decref(req);
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

static enum status on_msg(struct channel *ch, struct chmsg *m, void *ud)
{
	(void)ch, (void)ud;
	if (m->type == MSG_API_RESPONSE)
		return on_core_answer(m);
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

static enum MHD_Result queue(struct MHD_Connection *conn, struct webreq *r)
{
	enum MHD_Result ret;

	if (!r->resp)
		return MHD_NO;
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

static void api_start(struct MHD_Connection *conn, struct webreq *r, const char *method, const char *url)
{
	const char *len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	bool has_body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;

	if (!has_body)
		return;
	/* A length up front, so an upload is refused before it is read. */
	if (!len) {
		set_error(r, ST_BAD_REQUEST, NULL);
		return;
	}
	if (strtoull(len, NULL, 10) > web.rp.cfg.max_upload_bytes) {
		set_error(r, ST_TOO_LARGE, NULL);
		return;
	}
	if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
		if (!upload_url(url) || webreq_multipart(r, conn) != ST_OK)
			set_error(r, ST_BAD_REQUEST, NULL);
	} else if (strtoull(len, NULL, 10) > REQUEST_JSON_MAX) {
		set_error(r, ST_TOO_LARGE, NULL);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct webreq *r = *con_cls;

	(void)cls, (void)version;
	if (!r) {
		if (strcmp(url, "/api/v1/display/events") == 0 && strcmp(method, "GET") == 0)
			return sse_serve(conn);
		if (strncmp(url, "/api/", 5) != 0)
			return serve_static(conn, method, url);
		r = webreq_new(&web.rp.cfg, &web.in_flight);
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
	if (r->resp)
		return queue(conn, r);
	if (r->id)
		return MHD_YES; /* woken without an answer: keep waiting */
	forward(conn, r, method, url);
	return r->resp ? queue(conn, r) : MHD_YES;
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

	(void)cls, (void)conn, (void)toe;
	if (!r)
		return;
	unpend(r);
	webreq_free(&r);
	*con_cls = NULL;
}

int web_main(const char *config_path)
{
	struct config *cfg;

	roleproc_init(&web.rp, ROLE_WEB, config_path, on_msg);
	if (mhd_load() != ST_OK)
		fatalx("cannot load the HTTP server library");
	cfg = &web.rp.cfg;
	web.npending = cfg->max_pending;
	web.pending = calloc(web.npending, sizeof(*web.pending));
	if (!web.pending)
		fatalx("out of memory");
	web.mhd =
	    MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request,
			     NULL, MHD_OPTION_LISTEN_SOCKET, CHILD_LISTEN_FD, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
			     NULL, MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
			     60u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory_bytes,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_loop_log, NULL, MHD_OPTION_END);
	if (!web.mhd)
		fatalx("cannot start the HTTP server");
	if (mhd_loop_attach(&web.loop, web.rp.ev, web.mhd) != ST_OK)
		fatalx("cannot put the HTTP server in the event loop");
	/* Display clients hold a connection each; they may take all but a
	 * quarter of them, so the console always gets in. */
	if (sse_init(web.rp.ev, cfg->max_connections - cfg->max_connections / 4, mhd_kick) != ST_OK)
		fatalx("out of memory");
	if (sandbox_enter(ROLE_WEB, config_path) != ST_OK)
		fatalx("cannot enter the sandbox");
	log_info("web ready on %s:%u", cfg->listen_address, cfg->port);
	roleproc_run(&web.rp);
	release_all();
	mhd_loop_stop(&web.loop);
	return 0;
}
