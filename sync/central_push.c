/*
 * Events pushed to the offices that gave a webhook URL at enrolment, as
 * Standard Webhooks (sync/PROTOCOL.md section 6): webhook-id (the event's
 * id), webhook-timestamp, webhook-signature with "v1a," Ed25519 by
 * central's key and "v1," HMAC-SHA256 with the office's secret, over
 * id "." timestamp "." body.  A push that is not answered 2xx is tried
 * again, 2 s doubling to an hour; the office's pull of the feed is the
 * other way the same event arrives, and the box applies it once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance/log.h"
#include "appliance/timer.h"
#include "cdb.h"
#include "central.h"
#include "http.h"

#define PUSH_IN_FLIGHT	 8
#define PUSH_TICK_USEC	 (1000 * 1000ULL)
#define PUSH_MAX_BACKOFF 3600

struct push {
	struct central *c;
	int64_t seq;
	int attempts;
};

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
	struct http_opts o = {.timeout_s = 30};
	struct http_req *r;
	struct push *p;
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
