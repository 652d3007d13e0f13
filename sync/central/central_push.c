/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events pushed to the offices that gave a webhook URL at enrolment, as
 * Standard Webhooks (sync/PROTOCOL.md section 6): webhook-id (the event's
 * id), webhook-timestamp, webhook-signature with "v1a," Ed25519 by
 * central's key and "v1," HMAC-SHA256 with the office's secret, over
 * id "." timestamp "." body.  A push that is not answered 2xx is tried
 * again, 2 s doubling to an hour; the office's pull of the feed is the
 * other way the same event arrives, and the box applies it once.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance/common/log.h"
#include "appliance/common/timer.h"
#include "cdb.h"
#include "central.h"
#include "sync/http.h"

#define PUSH_IN_FLIGHT	 8
#define PUSH_TICK_USEC	 (1000 * 1000ULL)
#define PUSH_MAX_BACKOFF 3600

struct push {
	struct central *c;
	int64_t seq;
	int attempts;
	struct target {
		const struct central *c;
		bool https; /* the URL's scheme: plain HTTP only to an allowed network */
	} target;
};

/* --- where a webhook may go ------------------------------------------------------------ */

static bool in_cidr(const struct central_cidr *n, int family, const uint8_t *addr)
{
	unsigned whole = n->bits / 8, rest = n->bits % 8;

	if (n->family != family || memcmp(n->addr, addr, whole) != 0)
		return false;
	return rest == 0 || ((n->addr[whole] ^ addr[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Not loopback, private, link-local, shared, documentation, multicast or
 * otherwise special (RFC 6890): an address anyone on the Internet has. */
static bool public_v4(const uint8_t a[4])
{
	static const struct {
		uint8_t net[4];
		unsigned bits;
	} special[] = {
	    {{0, 0, 0, 0}, 8},	    {{10, 0, 0, 0}, 8},	    {{100, 64, 0, 0}, 10}, {{127, 0, 0, 0}, 8},
	    {{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12},  {{192, 0, 0, 0}, 24},  {{192, 0, 2, 0}, 24},
	    {{192, 88, 99, 0}, 24}, {{192, 168, 0, 0}, 16}, {{198, 18, 0, 0}, 15}, {{198, 51, 100, 0}, 24},
	    {{203, 0, 113, 0}, 24}, {{224, 0, 0, 0}, 4},    {{240, 0, 0, 0}, 4},
	};

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		struct central_cidr n = {.family = AF_INET, .bits = special[i].bits};

		memcpy(n.addr, special[i].net, 4);
		if (in_cidr(&n, AF_INET, a))
			return false;
	}
	return true;
}

/* Global unicast (2000::/3) but documentation, 6to4 and Teredo, which may
 * carry any IPv4 address; an IPv4-mapped one is judged as IPv4. */
static bool public_v6(const uint8_t a[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return public_v4(a + 12);
	if ((a[0] & 0xe0) != 0x20)
		return false;
	if (a[0] == 0x20 && a[1] == 0x01 && ((a[2] == 0x0d && a[3] == 0xb8) || (a[2] == 0 && a[3] == 0)))
		return false;
	return !(a[0] == 0x20 && a[1] == 0x02);
}

/* Why an address may not be pushed to; NULL when it may. */
static const char *address_refused(const struct central *c, const struct sockaddr *sa, bool https)
{
	const uint8_t *addr;
	int family = sa->sa_family;

	if (family == AF_INET)
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	else if (family == AF_INET6)
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	else
		return "not an IP address";
	for (unsigned i = 0; i < c->cfg.nwebhook_allow; i++)
		if (in_cidr(&c->cfg.webhook_allow[i], family, addr))
			return NULL;
	if (!(family == AF_INET ? public_v4(addr) : public_v6(addr)))
		return "the host's address is not public and not in [central] webhook_allow";
	return https ? NULL : "webhook_url must be https://";
}

static bool connect_ok(const struct sockaddr *sa, void *ud)
{
	const struct target *t = ud;
	const char *why = address_refused(t->c, sa, t->https);
	char text[INET6_ADDRSTRLEN] = "?";

	if (!why)
		return true;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof(text));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof(text));
	log_warn("push to %s refused: %s", text, why);
	return false;
}

/* The URL's parts: https or not, and its host without brackets. */
static bool url_parts(const char *url, bool *https, char *host, size_t cap)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
		  (strcmp(scheme, "https") == 0 || strcmp(scheme, "http") == 0);

	if (ok) {
		size_t n = strlen(h);

		*https = strcmp(scheme, "https") == 0;
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
			ok = snprintf(host, cap, "%.*s", (int)(n - 2), h + 1) < (int)cap;
		else
			ok = snprintf(host, cap, "%s", h) < (int)cap;
	}
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return ok;
}

bool central_webhook_ok(const struct central *c, const char *url, char *why, size_t cap)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char host[256];
	bool https = false;
	int e;

	if (strlen(url) > 200 || !url_parts(url, &https, host, sizeof(host)) || !https) {
		snprintf(why, cap, "webhook_url must be an https:// URL of at most 200 bytes");
		return false;
	}
	/* Every address the name has must be allowed: the one libcurl picks
	 * is checked again when it connects (connect_ok). */
	if ((e = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(why, cap, "webhook_url's host %s does not resolve: %s", host, gai_strerror(e));
		return false;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		const char *no = address_refused(c, a->ai_addr, https);

		if (no) {
			snprintf(why, cap, "%s", no);
			freeaddrinfo(res);
			return false;
		}
	}
	freeaddrinfo(res);
	return true;
}

/* --- pushing ------------------------------------------------------------------------------ */

static void pushed(struct http_req *r, void *ud)
{
	struct push *p = ud;
	struct central *c = p->c;
	struct cdb_stmt *q;
	bool ok = r->status >= 200 && r->status < 300;
	int64_t delay = 2;

	for (int i = 1; i < p->attempts && delay < PUSH_MAX_BACKOFF; i++)
		delay *= 2;
	if (delay > PUSH_MAX_BACKOFF)
		delay = PUSH_MAX_BACKOFF;
	q = cdb_prepare(c->db,
			ok ? "UPDATE events SET pushed_at = ?2, push_attempts = push_attempts + 1 WHERE seq = ?1"
			   : "UPDATE events SET next_push = ?2, push_attempts = push_attempts + 1 WHERE seq = ?1");
	if (q) {
		cdb_int(q, 1, p->seq);
		cdb_int(q, 2, (int64_t)time(NULL) + (ok ? 0 : delay));
		cdb_exec_unsynced(c->db, q);
	}
	cdb_finish(q);
	if (!ok)
		log_info("push of event %lld: HTTP %ld %s; again in %lld s", (long long)p->seq, r->status, r->error,
			 (long long)delay);
	c->pushing--;
	free(p);
}

static void push_one(struct central *c, struct cdb_stmt *q)
{
	const char *id = cdb_col_text(q, 1), *body = cdb_col_text(q, 2), *url = cdb_col_text(q, 3);
	size_t secret_len = 0;
	const uint8_t *secret = cdb_col_blob(q, 4, &secret_len);
	char ts[24], *msg, sigs[400], b64[SIGN_B64_MAX(SIGN_SIG_LEN)];
	uint8_t sig[SIGN_SIG_LEN], mac[32];
	struct http_opts o = {.timeout_s = 30, .address_ok = connect_ok};
	struct http_req *r;
	struct push *p;
	char host[256];
	size_t len;

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	len = strlen(id) + strlen(ts) + strlen(body) + 3;
	msg = malloc(len);
	p = calloc(1, sizeof(*p));
	if (!msg || !p || !secret || secret_len <= 0) {
		free(msg);
		free(p);
		return;
	}
	p->target.c = c;
	if (!url_parts(url, &p->target.https, host, sizeof(host))) {
		log_warn("push of event %s: webhook_url %.200s is not a URL", id, url);
		free(msg);
		free(p);
		return;
	}
	o.address_ud = &p->target;
	snprintf(msg, len, "%s.%s.%s", id, ts, body);
	sign_ed25519(c->key, msg, strlen(msg), sig);
	sign_b64(sig, sizeof(sig), b64);
	snprintf(sigs, sizeof(sigs), "v1a,%s ", b64);
	sign_hmac_sha256(secret, (size_t)secret_len, msg, strlen(msg), mac);
	sign_b64(mac, sizeof(mac), b64);
	snprintf(sigs + strlen(sigs), sizeof(sigs) - strlen(sigs), "v1,%s", b64);
	free(msg);
	/* An office's console (and its webhook) serves the certificate the
	 * office CA issued it at enrolment. */
	if (strncmp(url, "https://", 8) == 0)
		o.ca_file = c->ca_path;
	r = http_new("POST", url, &o);
	if (!r || buf_append(&r->body, body, strlen(body)) != ST_OK) {
		http_drop(r);
		free(p);
		return;
	}
	http_header(r, "Content-Type", "application/json");
	http_header(r, "webhook-id", id);
	http_header(r, "webhook-timestamp", ts);
	http_header(r, "webhook-signature", sigs);
	p->c = c;
	p->seq = cdb_col_int(q, 0);
	p->attempts = (int)cdb_col_int(q, 5) + 1;
	/* Not taken again by the next look while it is under way. */
	{
		struct cdb_stmt *u = cdb_prepare(c->db, "UPDATE events SET next_push = ?2 WHERE seq = ?1");

		if (u) {
			cdb_int(u, 1, p->seq);
			cdb_int(u, 2, (int64_t)time(NULL) + 60);
			cdb_exec_unsynced(c->db, u);
		}
		cdb_finish(u);
	}
	if (http_send(r, pushed, p) == ST_OK)
		c->pushing++;
	else
		free(p);
}

static void look(struct central *c)
{
	struct cdb_stmt *q;

	if (c->pushing >= PUSH_IN_FLIGHT)
		return;
	q = cdb_prepare(c->db, "SELECT e.seq, e.id, e.body, o.webhook_url, o.webhook_secret, e.push_attempts "
			       "FROM events e JOIN offices o ON o.code = e.office WHERE e.pushed_at IS NULL AND "
			       "o.webhook_url IS NOT NULL AND e.next_push <= ?1 ORDER BY e.seq LIMIT ?2");
	if (!q)
		return;
	cdb_int(q, 1, (int64_t)time(NULL));
	cdb_int(q, 2, (int)(PUSH_IN_FLIGHT - c->pushing));
	while (cdb_row(q))
		push_one(c, q);
	cdb_finish(q);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *ud)
{
	look(ud);
	timer_again(s, usec, PUSH_TICK_USEC);
	return 0;
}

void central_push_kick(struct central *c)
{
	if (c->ev)
		look(c);
}

enum status central_push_init(struct central *c)
{
	if (http_init(c->ev) != ST_OK ||
	    sd_event_add_time_relative(c->ev, &c->push_timer, CLOCK_MONOTONIC, PUSH_TICK_USEC, 100000, on_tick, c) < 0)
		return ST_NOMEM;
	return ST_OK;
}

void central_push_free(struct central *c)
{
	c->push_timer = sd_event_source_disable_unref(c->push_timer);
	http_free();
}
