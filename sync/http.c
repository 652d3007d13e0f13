/* SPDX-License-Identifier: Apache-2.0 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "appliance/common/log.h"

static struct {
	sd_event *ev;
	CURLM *multi;
	sd_event_source *timer;
} h;

/* --- libcurl in the loop ----------------------------------------------------------- */

static void check_done(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h.multi, &left))) {
		struct http_req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		curl_multi_remove_handle(h.multi, m->easy_handle);
		if (m->data.result == CURLE_OK)
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &r->status);
		else if (!r->error[0])
			snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(m->data.result));
		if (m->data.result != CURLE_OK)
			r->status = 0;
		r->done(r, r->ud);
		http_drop(r);
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	int running, what = 0;

	(void)s, (void)ud;
	if (revents & EPOLLIN)
		what |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		what |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		what |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h.multi, fd, what, &running);
	check_done();
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	int running;

	(void)s, (void)usec, (void)ud;
	curl_multi_socket_action(h.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
	return 0;
}

/* libcurl says which sockets to watch for what. */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *ud, void *socketp)
{
	sd_event_source *src = socketp;
	uint32_t events = (what == CURL_POLL_IN ? EPOLLIN : 0) | (what == CURL_POLL_OUT ? EPOLLOUT : 0) |
			  (what == CURL_POLL_INOUT ? EPOLLIN | EPOLLOUT : 0);

	(void)e, (void)ud;
	if (what == CURL_POLL_REMOVE) {
		sd_event_source_disable_unref(src);
		curl_multi_assign(h.multi, fd, NULL);
		return 0;
	}
	if (!src) {
		if (sd_event_add_io(h.ev, &src, fd, events, on_io, NULL) < 0)
			return -1;
		curl_multi_assign(h.multi, fd, src);
		return 0;
	}
	sd_event_source_set_io_events(src, events);
	return 0;
}

static int on_timeout(CURLM *m, long ms, void *ud)
{
	uint64_t now;

	(void)m, (void)ud;
	if (ms < 0)
		return sd_event_source_set_enabled(h.timer, SD_EVENT_OFF) < 0 ? -1 : 0;
	sd_event_now(h.ev, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(h.timer, now + (uint64_t)ms * 1000);
	return sd_event_source_set_enabled(h.timer, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
}

enum status http_init(sd_event *ev)
{
	if (curl_load() != ST_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ST_IO;
	h.ev = ev;
	h.multi = curl_multi_init();
	if (!h.multi || sd_event_add_time(ev, &h.timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, NULL) < 0)
		return ST_NOMEM;
	curl_multi_setopt(h.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h.multi, CURLMOPT_TIMERFUNCTION, on_timeout);
	return ST_OK;
}

void http_free(void)
{
	h.timer = sd_event_source_disable_unref(h.timer);
	if (h.multi)
		curl_multi_cleanup(h.multi);
	h.multi = NULL;
	curl_global_cleanup();
}

/* --- one request ------------------------------------------------------------------------- */

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;

	return buf_append(&r->answer, data, size * n) == ST_OK ? size * n : 0;
}

static size_t on_read(char *out, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	size_t want = size * n;
	ssize_t got;

	if (r->body_fd < 0)
		return 0;
	if (want > r->fd_len - r->fd_sent)
		want = (size_t)(r->fd_len - r->fd_sent);
	if (want == 0)
		return 0;
	got = pread(r->body_fd, out, want, (off_t)(r->fd_off + r->fd_sent));
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	r->fd_sent += (uint64_t)got;
	return (size_t)got;
}

/* The answer's headers the protocol reads. */
static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	size_t len = size * n;
	static const struct {
		const char *name;
		size_t off, cap;
	} wanted[] = {
	    {"location:", offsetof(struct http_req, location), sizeof(((struct http_req *)0)->location)},
	    {"upload-offset:", offsetof(struct http_req, upload_offset), sizeof(((struct http_req *)0)->upload_offset)},
	    {"retry-after:", offsetof(struct http_req, retry_after), sizeof(((struct http_req *)0)->retry_after)},
	    {"outpost-signature:", offsetof(struct http_req, signature), sizeof(((struct http_req *)0)->signature)},
	    {"etag:", offsetof(struct http_req, etag), sizeof(((struct http_req *)0)->etag)},
	    {"tus-extension:", offsetof(struct http_req, tus_extension), sizeof(((struct http_req *)0)->tus_extension)},
	    {"tus-checksum-algorithm:", offsetof(struct http_req, tus_checksum),
	     sizeof(((struct http_req *)0)->tus_checksum)},
	};

	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t nl = strlen(wanted[i].name), vl;
		const char *v;

		if (len <= nl || strncasecmp(line, wanted[i].name, nl) != 0)
			continue;
		v = line + nl;
		vl = len - nl;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		snprintf((char *)r + wanted[i].off, wanted[i].cap, "%.*s", (int)vl, v);
	}
	return len;
}

/* CURLOPT_OPENSOCKETFUNCTION: the address is the one connected to, after
 * any resolution, so a name that resolves elsewhere now is caught too. */
static curl_socket_t open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_req *r = ud;
	int fd;

	(void)purpose;
	if (!r->address_ok(&a->addr, r->address_ud)) {
		snprintf(r->error, sizeof(r->error), "the address connected to is not allowed");
		return CURL_SOCKET_BAD;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

struct http_req *http_new(const char *method, const char *url, const struct http_opts *o)
{
	struct http_req *r = calloc(1, sizeof(*r));

	if (!r || !(r->easy = curl_easy_init())) {
		free(r);
		return NULL;
	}
	r->body_fd = -1;
	buf_init(&r->body, 64u << 20);
	buf_init(&r->answer, HTTP_ANSWER_MAX);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	/* Central and its upload URLs are HTTPS only (PROTOCOL §1), whatever
	 * a saved configuration or an answer's Location says. */
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, 15L);
	/* A link that stalls is a link that is down. */
	curl_easy_setopt(r->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(r->easy, CURLOPT_LOW_SPEED_TIME, 60L);
	if (o->timeout_s)
		curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, o->timeout_s);
	if (o->address_ok) {
		r->address_ok = o->address_ok;
		r->address_ud = o->address_ud;
		curl_easy_setopt(r->easy, CURLOPT_PROXY, "");
		curl_easy_setopt(r->easy, CURLOPT_OPENSOCKETFUNCTION, open_checked);
		curl_easy_setopt(r->easy, CURLOPT_OPENSOCKETDATA, r);
	}
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(r->easy, CURLOPT_CAINFO, o->ca_file);
	if (o->pin && *o->pin)
		curl_easy_setopt(r->easy, CURLOPT_PINNEDPUBLICKEY, o->pin);
	if (o->client_cert && *o->client_cert) {
		curl_easy_setopt(r->easy, CURLOPT_SSLCERT, o->client_cert);
		curl_easy_setopt(r->easy, CURLOPT_SSLKEY, o->client_key);
	}
	if (strcmp(method, "POST") == 0) { /* an empty body unless one is set */
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	return r;
}

void http_header(struct http_req *r, const char *name, const char *value)
{
	char line[1024];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	if ((l = curl_slist_append(r->headers, line)))
		r->headers = l;
}

enum status http_send(struct http_req *r, http_done_fn *done, void *ud)
{
	r->done = done;
	r->ud = ud;
	/* No "Expect: 100-continue" round trip before a body. */
	r->headers = curl_slist_append(r->headers, "Expect:");
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	if (r->body_fd >= 0) {
		curl_easy_setopt(r->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(r->easy, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(r->easy, CURLOPT_READDATA, r);
		curl_easy_setopt(r->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->fd_len);
	} else if (r->body.len) {
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body.data ? (char *)r->body.data : "");
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
	}
	if (curl_multi_add_handle(h.multi, r->easy) != CURLM_OK) {
		http_drop(r);
		return ST_IO;
	}
	return ST_OK;
}

void http_drop(struct http_req *r)
{
	if (!r)
		return;
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	buf_free(&r->body);
	buf_free(&r->answer);
	free(r);
}
