/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sync role: the only process that talks to central (docs/design.md 5,
 * sync/PROTOCOL.md).  It holds the box's Ed25519 identity (state/sync/,
 * never sent anywhere) and central's pinned keys, and runs every transfer
 * through libcurl's multi interface in its sd-event loop (sync/http.h).
 *
 *   enrolment   MSG_SYNC_ENROL {url, token} -> MSG_SYNC_ENROLLED
 *   batches     MSG_SYNC_BATCH {batch_id, manifest, documents} and one
 *               MSG_SYNC_DOC {batch_id, index} + fd per document (the
 *               plaintext, decrypted by the core); the documents go up
 *               with tus, resumed with HEAD after any cut, then the signed
 *               manifest; every attempt and the outcome go back as
 *               MSG_SYNC_UPLOAD / MSG_SYNC_RESULT.  One batch at a time.
 *   events      long-polls central's feed from the cursor the core keeps
 *               (MSG_SYNC_SETUP) and hands each event to the core as a
 *               MSG_CASE_EVENT; the core applies it and its cursor in one
 *               transaction, and ignores an event id it has seen.
 *
 * Retries wait 1 s doubling to [sync] retry_max_seconds with jitter and
 * honour Retry-After; a permanent error (a 4xx) stops the batch and is
 * reported, not hammered.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/crypto.h"
#include "appliance/common/entropy.h"
#include "appliance/common/fdio.h"
#include "appliance/common/log.h"
#include "appliance/common/roleproc.h"
#include "appliance/common/sandbox.h"
#include "http.h"
#include "appliance/common/sign.h"

#define SOFTWARE	"outpost 0.5"
#define MAX_DOCUMENTS	256
#define CENTRAL_URL_MAX 256

struct doc {
	int fd;
	uint64_t size, offset;
	bool offset_known; /* central's word on it since the last failure */
	bool restarted;	   /* abandoned once already: a second refusal is final */
	char sha256[65], filename[256], media_type[64], case_code[32];
	char upload[CENTRAL_URL_MAX + 600];
};

struct batch {
	char id[40];
	json_t *manifest;
	json_t *refused; /* cases central refused as malformed: left out, shown, not sent again */
	struct doc docs[MAX_DOCUMENTS];
	unsigned ndocs, nfds, current;
	unsigned attempts;
	sd_event_source *retry;
	bool running;
};

static struct {
	struct roleproc rp;
	char dir[CONFIG_PATH_MAX + 8];
	/* the identity, once enrolled */
	bool enrolled;
	uint8_t key[SIGN_KEY_LEN], central_pub[SIGN_KEY_LEN];
	char url[CENTRAL_URL_MAX], office[16], pin[128];
	/* the event feed */
	char cursor[24];
	bool have_cursor, polling;
	unsigned poll_failures;
	enum { CONTACT_UNKNOWN, CONTACT_UP, CONTACT_DOWN } contact; /* told to the core */
	char contact_why[300];					    /* and why not, when down */
	sd_event_source *poll_retry;
	struct batch *batch;
	/* central's tus server, asked once (OPTIONS) before the first upload:
	 * chunks carry Upload-Checksum only when it offers sha256 */
	enum { TUS_UNASKED, TUS_CHECKSUM, TUS_PLAIN } tus;
} sy;

static struct http_opts opts(long timeout)
{
	return (struct http_opts){.ca_file = sy.rp.cfg.sync_ca_file,
				  .pin = sy.pin,
				  .client_cert = sy.rp.cfg.sync_client_cert,
				  .client_key = sy.rp.cfg.sync_client_key,
				  .timeout_s = timeout};
}

/* --- the identity ---------------------------------------------------------------- */

static bool write_file(const char *name, const void *data, size_t len)
{
	char path[CONFIG_PATH_MAX + 64], tmp[CONFIG_PATH_MAX + 72];
	int fd, dfd;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", sy.dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd >= 0 && fdio_write_all(fd, data, len) && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	ok = ok && rename(tmp, path) == 0;
	if ((dfd = open(sy.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return ok;
}

static bool load_identity(void)
{
	char path[CONFIG_PATH_MAX + 64];
	json_t *j;
	const char *url, *office, *pub, *pin = "";
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "%s/identity.key", sy.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, sy.key, SIGN_KEY_LEN) == SIGN_KEY_LEN;
	close(fd);
	snprintf(path, sizeof(path), "%s/central.json", sy.dir);
	j = ok ? json_load_file(path, 0, NULL) : NULL;
	ok = j &&
	     json_unpack(j, "{s:s, s:s, s:s, s?s}", "url", &url, "office", &office, "central_public_key", &pub,
			 "tls_pin", &pin) == 0 &&
	     sign_unb64(pub, sy.central_pub, SIGN_KEY_LEN) == SIGN_KEY_LEN;
	if (ok && strncmp(url, "https://", 8) != 0) {
		log_err(
		    "central.json names %s, which is not HTTPS: the box stays unenrolled until it is enrolled again",
		    url);
		ok = false;
	}
	if (ok) {
		snprintf(sy.url, sizeof(sy.url), "%s", url);
		snprintf(sy.office, sizeof(sy.office), "%s", office);
		snprintf(sy.pin, sizeof(sy.pin), "%s", pin);
	}
	json_decref(j);
	return ok;
}

/* Now in RFC 3339 with milliseconds, never the same twice: two requests
 * with the same text would carry the same signature, and central takes a
 * signature once (sync/PROTOCOL.md section 2). */
static void timestamp_now(char ts[32])
{
	static uint64_t last_ms;
	struct timespec now;
	uint64_t ms;
	time_t secs;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	if (ms <= last_ms)
		ms = last_ms + 1;
	last_ms = ms;
	secs = (time_t)(ms / 1000);
	gmtime_r(&secs, &tm);
	strftime(ts, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), 32 - strlen(ts), ".%03uZ", (unsigned)(ms % 1000));
}

/* A box request: the Outpost-* headers over method, path and body. */
static struct http_req *signed_req(const char *method, const char *path, const void *body, size_t len, long timeout)
{
	char url[CENTRAL_URL_MAX + 512], ts[32], text[1024], hdr[8 + SIGN_B64_MAX(SIGN_SIG_LEN)];
	uint8_t sig[SIGN_SIG_LEN];
	struct http_opts o = opts(timeout);
	struct http_req *r;

	timestamp_now(ts);
	if (!sign_request_text(method, path, ts, body, len, text, sizeof(text)) ||
	    sign_ed25519(sy.key, text, strlen(text), sig) != ST_OK)
		return NULL;
	snprintf(url, sizeof(url), "%s%s", sy.url, path);
	if (!(r = http_new(method, url, &o)))
		return NULL;
	sign_header(sig, hdr);
	http_header(r, "Outpost-Protocol", "1");
	http_header(r, "Outpost-Office", sy.office);
	http_header(r, "Outpost-Timestamp", ts);
	http_header(r, "Outpost-Signature", hdr);
	if (body && len && buf_append(&r->body, body, len) != ST_OK) {
		http_drop(r);
		return NULL;
	}
	return r;
}

/* The message an answer carries, or curl's reason. */
static void answer_message(struct http_req *r, char *out, size_t cap)
{
	json_t *j = r->answer.len ? json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(j, "message"));

	if (r->status == 0)
		snprintf(out, cap, "网络错误：%s", r->error);
	else if (m)
		snprintf(out, cap, "%s", m);
	else
		snprintf(out, cap, "HTTP %ld", r->status);
	json_decref(j);
}

/* Central answered as central and took the box (a signed feed, an accepted
 * heartbeat), or did not: the core hears of each change, and of a new
 * reason while it stays out of reach, for the console and the online LED. */
static void contact(bool up, const char *why)
{
	json_t *j;

	if (up ? sy.contact == CONTACT_UP : (sy.contact == CONTACT_DOWN && strcmp(why, sy.contact_why) == 0))
		return;
	if (up)
		log_info(sy.contact == CONTACT_DOWN ? "central reachable again" : "central reachable");
	else
		log_warn("central unreachable: %s", why);
	sy.contact = up ? CONTACT_UP : CONTACT_DOWN;
	snprintf(sy.contact_why, sizeof(sy.contact_why), "%s", up ? "" : why);
	j = json_pack("{s:b, s:s}", "reachable", up, "message", up ? "" : why);
	if (j)
		roleproc_send(&sy.rp, MSG_SYNC_CONTACT, 0, j, NULL, 0);
	json_decref(j);
}

static bool transient(long status)
{
	/* 460: a chunk whose checksum failed at central, sent again */
	return status == 0 || status == 408 || status == 425 || status == 429 || status == 460 || status >= 500;
}

/* 1 s doubling to the configured most, +-25 % jitter, or Retry-After. */
static uint64_t backoff_usec(unsigned attempts, const char *retry_after)
{
	double s = 1.0;
	uint32_t rnd;

	for (unsigned i = 1; i < attempts && s < sy.rp.cfg.sync_retry_max_seconds; i++)
		s *= 2;
	if (s > sy.rp.cfg.sync_retry_max_seconds)
		s = sy.rp.cfg.sync_retry_max_seconds;
	entropy_fill(&rnd, sizeof(rnd));
	s *= 0.75 + 0.5 * (rnd / 4294967296.0);
	if (retry_after && *retry_after) {
		long ra = strtol(retry_after, NULL, 10);

		if (ra > 0 && ra <= 86400)
			s = (double)ra;
	}
	return (uint64_t)(s * 1e6);
}

/* --- enrolment ------------------------------------------------------------------ */

struct enrol {
	uint32_t job;
	uint8_t key[SIGN_KEY_LEN];
	char url[CENTRAL_URL_MAX];
};

/* On success, what the core needs to check events central pushes:
 * central's public key and the webhook secret (not the box's key). */
static void enrolled_reply(uint32_t job, bool ok, long status, const char *office, const char *message,
			   const char *central_pub, const char *whsec, json_t *answer)
{
	json_t *j =
	    json_pack("{s:b, s:i, s:s, s:s, s:s, s:s, s:s}", "ok", ok, "http", (int)status, "office",
		      office ? office : "", "message", message ? message : "", "url", ok ? sy.url : "",
		      "central_public_key", central_pub ? central_pub : "", "webhook_secret", whsec ? whsec : "");
	json_t *cert = json_object_get(answer, "tls_certificate"), *ca = json_object_get(answer, "tls_ca");

	/* The office's LAN certificate, for the core, which holds its key. */
	if (j && ok && json_is_string(cert) && json_is_string(ca) &&
	    (json_object_set(j, "tls_certificate", cert) != 0 || json_object_set(j, "tls_ca", ca) != 0)) {
		json_decref(j);
		j = NULL;
	}
	if (j)
		roleproc_send(&sy.rp, MSG_SYNC_ENROLLED, job, j, NULL, 0);
	json_decref(j);
}

static void start_polling(void);

static void on_enrolled(struct http_req *r, void *ud)
{
	struct enrol *e = ud;
	json_t *j = NULL, *saved;
	const char *office, *pub, *pin = "", *whsec = "", *name = "";
	char msg[300];
	uint8_t cpub[SIGN_KEY_LEN];
	char *text;

	if (r->status != 201) {
		answer_message(r, msg, sizeof(msg));
		log_warn("enrolment at %s refused: %s", e->url, msg);
		enrolled_reply(e->job, false, r->status, NULL, msg, NULL, NULL, NULL);
		free(e);
		return;
	}
	j = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	if (json_unpack(j, "{s:s, s:s, s?s, s?s, s?s}", "office_code", &office, "central_public_key", &pub, "tls_pin",
			&pin, "webhook_secret", &whsec, "office_name", &name) != 0 ||
	    sign_unb64(pub, cpub, SIGN_KEY_LEN) != SIGN_KEY_LEN || strlen(office) >= sizeof(sy.office)) {
		enrolled_reply(e->job, false, r->status, NULL, "中心的登记答复不完整", NULL, NULL, NULL);
		json_decref(j);
		free(e);
		return;
	}
	saved = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "url", e->url, "office", office, "office_name", name,
			  "central_public_key", pub, "tls_pin", pin, "webhook_secret", whsec);
	text = saved ? json_dumps(saved, JSON_COMPACT) : NULL;
	if (!text || !write_file("identity.key", e->key, SIGN_KEY_LEN) ||
	    !write_file("central.json", text, strlen(text))) {
		enrolled_reply(e->job, false, r->status, NULL, "无法保存登记信息", NULL, NULL, NULL);
	} else {
		memcpy(sy.key, e->key, SIGN_KEY_LEN);
		memcpy(sy.central_pub, cpub, SIGN_KEY_LEN);
		snprintf(sy.url, sizeof(sy.url), "%s", e->url);
		snprintf(sy.office, sizeof(sy.office), "%s", office);
		snprintf(sy.pin, sizeof(sy.pin), "%s", pin);
		sy.enrolled = true;
		sy.tus = TUS_UNASKED; /* another central, perhaps */
		log_info("enrolled with %s as office %s", e->url, office);
		enrolled_reply(e->job, true, r->status, office, name, pub, whsec, j);
		start_polling();
	}
	free(text);
	json_decref(saved);
	json_decref(j);
	explicit_bzero(e->key, sizeof(e->key));
	free(e);
}

static enum status enrol_msg(uint32_t job, json_t *body)
{
	const char *url, *token, *tls_request = NULL;
	struct enrol *e;
	uint8_t pub[SIGN_KEY_LEN];
	char pub_b64[SIGN_B64_MAX(SIGN_KEY_LEN)], target[CENTRAL_URL_MAX + 16];
	struct http_opts o = opts(30);
	struct http_req *r;
	json_t *req;
	char *text;

	if (json_unpack(body, "{s:s, s:s, s?s}", "url", &url, "token", &token, "tls_certificate", &tls_request) != 0 ||
	    strlen(url) >= CENTRAL_URL_MAX || strlen(token) > 128)
		return ST_PROTO;
	e = calloc(1, sizeof(*e));
	if (!e || sign_keypair(e->key, pub) != ST_OK) {
		free(e);
		enrolled_reply(job, false, 0, NULL, "无法生成密钥", NULL, NULL, NULL);
		return ST_OK;
	}
	e->job = job;
	snprintf(e->url, sizeof(e->url), "%.*s", (int)strcspn(url, "\r\n"), url);
	while (strlen(e->url) && e->url[strlen(e->url) - 1] == '/')
		e->url[strlen(e->url) - 1] = '\0';
	sign_b64(pub, SIGN_KEY_LEN, pub_b64);
	snprintf(target, sizeof(target), "%s/v1/enrol", e->url);
	o.pin = NULL; /* no pin yet: the CA decides */
	req = json_pack("{s:s, s:s, s:s}", "token", token, "public_key", pub_b64, "software", SOFTWARE);
	if (req && tls_request)
		json_object_set_new(req, "tls_certificate", json_string(tls_request));
	if (req && sy.rp.cfg.sync_webhook_url[0])
		json_object_set_new(req, "webhook_url", json_string(sy.rp.cfg.sync_webhook_url));
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	r = text ? http_new("POST", target, &o) : NULL;
	if (!r || buf_append(&r->body, text, strlen(text)) != ST_OK) {
		http_drop(r);
		free(text);
		free(e);
		enrolled_reply(job, false, 0, NULL, "内存不足", NULL, NULL, NULL);
		return ST_OK;
	}
	free(text);
	http_header(r, "Content-Type", "application/json");
	http_header(r, "Outpost-Protocol", "1");
	if (http_send(r, on_enrolled, e) != ST_OK) {
		free(e);
		enrolled_reply(job, false, 0, NULL, "无法发出请求", NULL, NULL, NULL);
	}
	return ST_OK;
}

/* --- events ------------------------------------------------------------------------- */

static void poll_events(void);

static int on_poll_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)s, (void)usec, (void)ud;
	sy.poll_retry = sd_event_source_disable_unref(sy.poll_retry);
	poll_events();
	return 0;
}

static void poll_later(uint64_t usec)
{
	sy.poll_retry = sd_event_source_disable_unref(sy.poll_retry);
	sd_event_add_time_relative(sy.rp.ev, &sy.poll_retry, CLOCK_MONOTONIC, usec, 10000, on_poll_retry, NULL);
}

/* Central's event to the core as it came; the core maps and applies it,
 * the same as a pushed one (appliance/outbox.c). */
static void hand_over(json_t *ev, const char *cursor)
{
	json_t *msg = json_pack("{s:O, s:s}", "central", ev, "cursor", cursor ? cursor : "");

	if (msg)
		roleproc_send(&sy.rp, MSG_CASE_EVENT, 0, msg, NULL, 0);
	json_decref(msg);
}

static void on_events(struct http_req *r, void *ud)
{
	uint8_t sig[SIGN_SIG_LEN];
	json_t *j, *events, *ev;
	const char *cursor;
	size_t i;

	(void)ud;
	sy.polling = false;
	if (r->status != 200) {
		char msg[300];

		answer_message(r, msg, sizeof(msg));
		sy.poll_failures++;
		log_warn("central's event feed: %s", msg);
		contact(false, msg);
		poll_later(backoff_usec(sy.poll_failures, r->retry_after));
		return;
	}
	/* The feed is central's word: its signature over the exact body. */
	if (!sign_header_parse(r->signature, sig) ||
	    !sign_ed25519_ok(sy.central_pub, r->answer.data, r->answer.len, sig)) {
		sy.poll_failures++;
		log_err("central's event feed answer is not signed by central's key: ignored");
		contact(false, "应答不是中心签发的（可能是认证网关）");
		poll_later(backoff_usec(sy.poll_failures, NULL));
		return;
	}
	j = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	if (json_unpack(j, "{s:o, s:s}", "events", &events, "cursor", &cursor) != 0 || !json_is_array(events) ||
	    strlen(cursor) >= sizeof(sy.cursor)) {
		json_decref(j);
		sy.poll_failures++;
		poll_later(backoff_usec(sy.poll_failures, NULL));
		return;
	}
	sy.poll_failures = 0;
	contact(true, "");
	json_array_foreach(events, i, ev) hand_over(ev, i + 1 == json_array_size(events) ? cursor : NULL);
	snprintf(sy.cursor, sizeof(sy.cursor), "%s", cursor);
	json_decref(j);
	poll_events();
}

static void poll_events(void)
{
	char path[96];
	struct http_req *r;

	if (!sy.enrolled || !sy.have_cursor || sy.polling || sy.poll_retry)
		return;
	snprintf(path, sizeof(path), "/v1/events?after=%s&wait=%u", sy.cursor[0] ? sy.cursor : "0",
		 sy.rp.cfg.sync_poll_seconds);
	r = signed_req("GET", path, NULL, 0, (long)sy.rp.cfg.sync_poll_seconds + 30);
	if (!r || http_send(r, on_events, NULL) != ST_OK) {
		poll_later(5 * 1000000ULL);
		return;
	}
	sy.polling = true;
}

static void start_polling(void)
{
	poll_events();
}

/* --- batches ---------------------------------------------------------------------------- */

static void batch_step(void);
static void post_manifest(void);

static void batch_free(void)
{
	struct batch *b = sy.batch;

	if (!b)
		return;
	for (unsigned i = 0; i < b->ndocs; i++)
		if (b->docs[i].fd >= 0)
			close(b->docs[i].fd);
	b->retry = sd_event_source_disable_unref(b->retry);
	json_decref(b->manifest);
	json_decref(b->refused);
	free(b);
	sy.batch = NULL;
}

/* Tells the core how the batch stands: sent, partial, failed, or retry. */
static void report(const char *state, struct http_req *r, json_t *results, uint64_t retry_usec)
{
	char msg[300] = "";
	json_t *j;

	if (r && (r->status < 200 || r->status > 299))
		answer_message(r, msg, sizeof(msg));
	j = json_pack("{s:s, s:s, s:i, s:s, s:I, s:O}", "batch_id", sy.batch->id, "state", state, "http",
		      r ? (int)r->status : 0, "message", msg, "next_retry",
		      retry_usec ? (json_int_t)(time(NULL) + (time_t)(retry_usec / 1000000)) : (json_int_t)0, "results",
		      results ? results : json_null());
	if (j)
		roleproc_send(&sy.rp, MSG_SYNC_RESULT, 0, j, NULL, 0);
	json_decref(j);
}

static int on_batch_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)s, (void)usec, (void)ud;
	if (sy.batch) {
		sy.batch->retry = sd_event_source_disable_unref(sy.batch->retry);
		batch_step();
	}
	return 0;
}

/* A failed step: retried later when it is transient, the end otherwise. */
static void batch_failed(struct http_req *r)
{
	struct batch *b = sy.batch;

	b->running = false;
	for (unsigned i = 0; i < b->ndocs; i++)
		b->docs[i].offset_known = false; /* a cut may have come after central took a chunk */
	if (transient(r->status) || r->status == 460 || r->status == 200) {
		uint64_t usec = backoff_usec(++b->attempts, r->retry_after);

		if (r->status == 200) /* a captive portal, not central */
			snprintf(r->error, sizeof(r->error), "not central's answer");
		log_warn("batch %s: HTTP %ld (%s); again in %.1f s", b->id, r->status, r->error[0] ? r->error : "-",
			 (double)usec / 1e6);
		report("retry", r, NULL, usec);
		sd_event_add_time_relative(sy.rp.ev, &b->retry, CLOCK_MONOTONIC, usec, 10000, on_batch_retry, NULL);
		return;
	}
	log_err("batch %s stopped: HTTP %ld", b->id, r->status);
	report("failed", r, NULL, 0);
	batch_free();
}

static void on_terminated(struct http_req *r, void *ud)
{
	(void)ud;
	if (r->status != 204 && r->status != 404)
		log_warn("abandoned upload not terminated: HTTP %ld %s", r->status, r->error);
}

/*
 * Central refused the manifest over one upload (not complete, or not the
 * bytes the manifest names): that upload is abandoned, terminated at
 * central (tus DELETE), and the document sent again, once.  True when
 * the batch goes on that way.
 */
static bool restart_upload(struct http_req *r)
{
	json_t *j = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	const char *error = json_string_value(json_object_get(j, "error")),
		   *url = json_string_value(json_object_get(j, "upload"));
	struct batch *b = sy.batch;
	bool again = false;

	for (unsigned i = 0; error && url && i < b->ndocs; i++) {
		struct doc *d = &b->docs[i];
		struct http_opts o = opts(30);
		struct http_req *del;

		if (strcmp(d->upload, url) != 0 || d->restarted ||
		    (strcmp(error, "document_hash_mismatch") != 0 && strcmp(error, "upload_incomplete") != 0))
			continue;
		if ((del = http_new("DELETE", d->upload, &o))) {
			http_header(del, "Tus-Resumable", "1.0.0");
			http_send(del, on_terminated, NULL);
		}
		log_warn("batch %s: central refused the upload of %s (%s); it is sent again", b->id, d->filename,
			 error);
		d->upload[0] = '\0';
		d->offset = 0;
		d->offset_known = false;
		d->restarted = true;
		b->current = 0;
		again = true;
	}
	json_decref(j);
	return again;
}

/*
 * Central refused the manifest (400 bad_manifest) over one case it names:
 * that case is a permanent error, kept as a refused result with central's
 * reason, and the others go on without it.  True when the batch goes on
 * that way (or ends, when that case was its last).
 */
static bool leave_out_case(struct http_req *r)
{
	json_t *j = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	const char *error = json_string_value(json_object_get(j, "error")),
		   *code = json_string_value(json_object_get(j, "case")),
		   *zh = json_string_value(json_object_get(j, "message")),
		   *en = json_string_value(json_object_get(j, "message_en"));
	struct batch *b = sy.batch;
	json_t *cases = json_object_get(b->manifest, "cases"), *cs;
	char msg[600];
	size_t i;
	bool found = false;

	if (r->status != 400 || !error || !code || strcmp(error, "bad_manifest") != 0) {
		json_decref(j);
		return false;
	}
	json_array_foreach(cases, i, cs)
	{
		const char *have = json_string_value(json_object_get(cs, "code"));

		if (!have || strcmp(have, code) != 0)
			continue;
		snprintf(msg, sizeof(msg),
			 "中心拒收（永久错误，不会自动重发）：%s / central refused it for good (not sent again): %s",
			 zh ? zh : "", en ? en : "");
		if (!b->refused)
			b->refused = json_array();
		json_array_append_new(b->refused, json_pack("{s:s, s:O, s:s, s:s, s:s}", "code", code, "version",
							    json_object_get(cs, "version"), "status", "refused",
							    "error", "bad_manifest", "message", msg));
		log_err("batch %s: central refused case %s for good: %s", b->id, code, en ? en : "-");
		json_array_remove(cases, i);
		found = true;
		break;
	}
	json_decref(j);
	return found;
}

static void on_batch_posted(struct http_req *r, void *ud)
{
	struct batch *b = sy.batch;
	json_t *j, *results;

	(void)ud;
	if (r->status == 422 && restart_upload(r)) {
		b->running = false;
		report("retry", r, NULL, 1);
		batch_step();
		return;
	}
	if (leave_out_case(r)) {
		b->running = false;
		if (json_array_size(json_object_get(b->manifest, "cases")) > 0) {
			post_manifest();
			return;
		}
		report("partial", r, b->refused, 0);
		batch_free();
		return;
	}
	if (r->status != 201 && r->status != 202) {
		batch_failed(r);
		return;
	}
	j = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	results = json_object_get(j, "results");
	results = json_is_array(results) ? json_incref(results) : json_array();
	if (b->refused)
		json_array_extend(results, b->refused);
	log_info("batch %s delivered: HTTP %ld", b->id, r->status);
	report(r->status == 201 && !b->refused ? "sent" : "partial", r, results, 0);
	json_decref(results);
	json_decref(j);
	batch_free();
}

/* All documents are up: the manifest, with their URLs, signed twice. */
static void post_manifest(void)
{
	struct batch *b = sy.batch;
	/* A copy: a retry fills it again from the same document indexes. */
	json_t *manifest = json_deep_copy(b->manifest), *cases = json_object_get(manifest, "cases"), *cs, *d;
	uint8_t sig[SIGN_SIG_LEN];
	char hdr[8 + SIGN_B64_MAX(SIGN_SIG_LEN)], *text;
	struct http_req *r;
	size_t i, k;

	json_array_foreach(cases, i, cs)
	{
		json_array_foreach(json_object_get(cs, "documents"), k, d)
		{
			json_int_t n = json_integer_value(json_object_get(d, "index"));

			if (n >= 0 && (unsigned)n < b->ndocs)
				json_object_set_new(d, "upload", json_string(b->docs[n].upload));
			json_object_del(d, "index");
		}
	}
	text = manifest ? json_dumps(manifest, JSON_COMPACT) : NULL;
	json_decref(manifest);
	r = text ? signed_req("POST", "/v1/batches", text, strlen(text), 120) : NULL;
	if (!r || sign_ed25519(sy.key, text, strlen(text), sig) != ST_OK) {
		free(text);
		http_drop(r);
		return;
	}
	sign_header(sig, hdr);
	http_header(r, "Content-Type", "application/json");
	http_header(r, "Idempotency-Key", b->id);
	http_header(r, "Outpost-Manifest-Signature", hdr);
	free(text);
	b->running = true;
	if (http_send(r, on_batch_posted, NULL) != ST_OK)
		b->running = false;
}

static void on_patched(struct http_req *r, void *ud)
{
	struct doc *d = ud;
	char *end;
	uint64_t off;

	if (r->status != 204) {
		batch_failed(r);
		return;
	}
	off = strtoull(r->upload_offset, &end, 10);
	if (*end || off < d->offset || off > d->size) {
		snprintf(r->error, sizeof(r->error), "Upload-Offset %s", r->upload_offset);
		r->status = 0;
		batch_failed(r);
		return;
	}
	d->offset = off;
	d->offset_known = true;
	sy.batch->attempts = 0;
	sy.batch->running = false;
	batch_step();
}

static void patch_next(struct doc *d)
{
	uint64_t len = d->size - d->offset, chunk = (uint64_t)sy.rp.cfg.sync_chunk_kib * 1024;
	struct http_opts o = opts(0);
	struct http_req *r = http_new("PATCH", d->upload, &o);
	char off[24], sum[8 + SIGN_B64_MAX(32)];

	if (len > chunk)
		len = chunk;
	if (!r)
		return;
	r->body_fd = d->fd;
	r->fd_off = d->offset;
	r->fd_len = len;
	snprintf(off, sizeof(off), "%" PRIu64, d->offset);
	http_header(r, "Tus-Resumable", "1.0.0");
	http_header(r, "Content-Type", "application/offset+octet-stream");
	http_header(r, "Upload-Offset", off);
	if (sy.tus == TUS_CHECKSUM) {
		uint8_t digest[32];

		/* A short read gives a wrong sum: central answers 460 and the
		 * chunk goes again. */
		sign_sha256_fd(d->fd, d->offset, len, digest);
		memcpy(sum, "sha256 ", 7);
		sign_b64(digest, sizeof(digest), sum + 7);
		http_header(r, "Upload-Checksum", sum);
	}
	sy.batch->running = true;
	if (http_send(r, on_patched, d) != ST_OK)
		sy.batch->running = false;
}

static void on_head(struct http_req *r, void *ud)
{
	struct doc *d = ud;
	char *end;
	uint64_t off;

	if (r->status == 404 || r->status == 410) { /* gone at central: start over */
		d->upload[0] = '\0';
		d->offset = 0;
		sy.batch->running = false;
		batch_step();
		return;
	}
	off = r->status == 200 ? strtoull(r->upload_offset, &end, 10) : 0;
	if (r->status != 200 || *end || off > d->size) {
		batch_failed(r);
		return;
	}
	d->offset = off; /* what central has is never sent again */
	d->offset_known = true;
	log_info("upload of %s resumes at %" PRIu64 " of %" PRIu64, d->filename, off, d->size);
	sy.batch->running = false;
	if (off == d->size)
		batch_step(); /* all there: the next document, or the manifest */
	else
		patch_next(d);
}

static void on_created(struct http_req *r, void *ud)
{
	struct doc *d = ud;
	json_t *j;

	if (r->status != 201 || !r->location[0]) {
		batch_failed(r);
		return;
	}
	if (r->location[0] == '/')
		snprintf(d->upload, sizeof(d->upload), "%s%s", sy.url, r->location);
	else
		snprintf(d->upload, sizeof(d->upload), "%s", r->location);
	d->offset = 0;
	d->offset_known = true;
	/* The core keeps the URL: after a restart the upload resumes. */
	j = json_pack("{s:s, s:i, s:s, s:s}", "batch_id", sy.batch->id, "index", (int)(d - sy.batch->docs), "upload",
		      d->upload, "sha256", d->sha256);
	if (j)
		roleproc_send(&sy.rp, MSG_SYNC_UPLOAD, 0, j, NULL, 0);
	json_decref(j);
	sy.batch->running = false;
	patch_next(d);
}

static void create_upload(struct doc *d)
{
	struct http_req *r = signed_req("POST", "/v1/uploads", NULL, 0, 60);
	char len[24], meta[2048], b64[4][SIGN_B64_MAX(300)];

	if (!r)
		return;
	snprintf(len, sizeof(len), "%" PRIu64, d->size);
	sign_b64(d->filename, strlen(d->filename), b64[0]);
	sign_b64(d->sha256, strlen(d->sha256), b64[1]);
	sign_b64(d->media_type, strlen(d->media_type), b64[2]);
	sign_b64(d->case_code, strlen(d->case_code), b64[3]);
	snprintf(meta, sizeof(meta), "filename %s,sha256 %s,media_type %s,case %s", b64[0], b64[1], b64[2], b64[3]);
	http_header(r, "Tus-Resumable", "1.0.0");
	http_header(r, "Upload-Length", len);
	http_header(r, "Upload-Metadata", meta);
	sy.batch->running = true;
	if (http_send(r, on_created, d) != ST_OK)
		sy.batch->running = false;
}

/* True when a comma-separated header value lists token. */
static bool lists(const char *value, const char *token)
{
	size_t n = strlen(token);

	for (const char *p = value; (p = strstr(p, token)); p += n)
		if ((p == value || p[-1] == ',' || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
	return false;
}

static void on_tus_options(struct http_req *r, void *ud)
{
	(void)ud;
	sy.batch->running = false;
	if (r->status < 200 || r->status > 299) {
		batch_failed(r);
		return;
	}
	sy.tus = lists(r->tus_extension, "checksum") && lists(r->tus_checksum, "sha256") ? TUS_CHECKSUM : TUS_PLAIN;
	log_info("central's tus server offers %s; chunks %s a checksum",
		 r->tus_extension[0] ? r->tus_extension : "no extensions",
		 sy.tus == TUS_CHECKSUM ? "carry" : "go without");
	batch_step();
}

/* The next thing the batch needs: a document's upload, or the manifest. */
static void batch_step(void)
{
	struct batch *b = sy.batch;

	if (!b || b->running || b->retry || !sy.enrolled || b->nfds < b->ndocs)
		return;
	while (b->current < b->ndocs && b->docs[b->current].upload[0] &&
	       b->docs[b->current].offset == b->docs[b->current].size)
		b->current++;
	if (b->current == b->ndocs) {
		post_manifest();
		return;
	}
	if (sy.tus == TUS_UNASKED) {
		char url[CENTRAL_URL_MAX + 16];
		struct http_opts o = opts(60);
		struct http_req *r;

		snprintf(url, sizeof(url), "%s/v1/uploads", sy.url);
		if (!(r = http_new("OPTIONS", url, &o)))
			return;
		http_header(r, "Tus-Resumable", "1.0.0");
		b->running = true;
		if (http_send(r, on_tus_options, NULL) != ST_OK)
			b->running = false;
		return;
	}
	{
		struct doc *d = &b->docs[b->current];

		if (!d->upload[0]) {
			create_upload(d);
		} else if (d->offset_known) {
			patch_next(d);
		} else {
			/* Known upload: central says where it stands. */
			struct http_opts o = opts(60);
			struct http_req *r = http_new("HEAD", d->upload, &o);

			if (!r)
				return;
			http_header(r, "Tus-Resumable", "1.0.0");
			b->running = true;
			if (http_send(r, on_head, d) != ST_OK)
				b->running = false;
		}
	}
}

static enum status batch_msg(json_t *body)
{
	const char *id;
	json_t *manifest, *docs, *d;
	struct batch *b;
	size_t i;

	if (json_unpack(body, "{s:s, s:o, s:o}", "batch_id", &id, "manifest", &manifest, "documents", &docs) != 0 ||
	    strlen(id) >= sizeof(b->id) || !json_is_array(docs) || json_array_size(docs) > MAX_DOCUMENTS)
		return ST_PROTO;
	batch_free(); /* the core sends a batch again only when it knows this one is over */
	b = calloc(1, sizeof(*b));
	if (!b)
		return ST_NOMEM;
	snprintf(b->id, sizeof(b->id), "%s", id);
	b->manifest = json_deep_copy(manifest);
	json_array_foreach(docs, i, d)
	{
		struct doc *x = &b->docs[b->ndocs++];
		const char *sha, *filename, *media, *code, *upload = "";
		json_int_t size;

		x->fd = -1;
		if (json_unpack(d, "{s:s, s:s, s:s, s:s, s:I, s?s}", "sha256", &sha, "filename", &filename,
				"media_type", &media, "case", &code, "size", &size, "upload", &upload) != 0 ||
		    strlen(sha) != 64 || size < 0) {
			sy.batch = b;
			batch_free();
			return ST_PROTO;
		}
		snprintf(x->sha256, sizeof(x->sha256), "%s", sha);
		snprintf(x->filename, sizeof(x->filename), "%s", filename);
		snprintf(x->media_type, sizeof(x->media_type), "%s", media);
		snprintf(x->case_code, sizeof(x->case_code), "%s", code);
		snprintf(x->upload, sizeof(x->upload), "%s", upload);
		x->size = (uint64_t)size;
	}
	sy.batch = b;
	log_info("batch %s: %u documents to send", b->id, b->ndocs);
	batch_step();
	return ST_OK;
}

static enum status doc_msg(struct chmsg *m)
{
	const char *id;
	json_int_t index;
	struct batch *b = sy.batch;

	if (m->nfds != 1 || json_unpack(m->body, "{s:s, s:I}", "batch_id", &id, "index", &index) != 0)
		return ST_PROTO;
	if (!b || strcmp(b->id, id) != 0 || index < 0 || (unsigned)index >= b->ndocs || b->docs[index].fd >= 0)
		return ST_PROTO;
	b->docs[index].fd = m->fds[0];
	m->fds[0] = -1;
	b->nfds++;
	batch_step();
	return ST_OK;
}

/* --- heartbeat and catalog ------------------------------------------------------------ */

static void on_catalog(struct http_req *r, void *ud)
{
	json_t *j;
	int fd;

	(void)ud;
	if (r->status == 304)
		return;
	if (r->status != 200 || !r->etag[0] || !r->answer.len) {
		log_warn("central's catalog: HTTP %ld %s", r->status, r->error);
		return;
	}
	fd = memfd_create("outpost-catalog", MFD_CLOEXEC);
	j = json_pack("{s:s}", "etag", r->etag);
	if (fd >= 0 && j && fdio_write_all(fd, r->answer.data, r->answer.len))
		roleproc_send(&sy.rp, MSG_SYNC_CATALOG, 0, j, &fd, 1);
	if (fd >= 0)
		close(fd);
	json_decref(j);
}

static void on_heartbeat(struct http_req *r, void *ud)
{
	char msg[300];

	(void)ud;
	if (r->status == 204) {
		contact(true, "");
		return;
	}
	log_warn("heartbeat: HTTP %ld %s", r->status, r->error);
	/* No answer, a portal's 200, or central refusing the box's key: the
	 * office is not in touch with central either way. */
	answer_message(r, msg, sizeof(msg));
	contact(false, r->status == 200 ? "应答不是中心的（可能是认证网关）" : msg);
}

/* Central's campaigns (PROTOCOL 9), when they are news: signed by central. */
static void on_campaigns(struct http_req *r, void *ud)
{
	uint8_t sig[SIGN_SIG_LEN];
	json_t *answer, *j;
	const char *etag;
	int fd;

	(void)ud;
	if (r->status == 304)
		return;
	if (r->status != 200 || !sign_header_parse(r->signature, sig) ||
	    !sign_ed25519_ok(sy.central_pub, r->answer.data, r->answer.len, sig)) {
		log_warn("central's campaigns: HTTP %ld %s", r->status,
			 r->status == 200 ? "not signed by central" : r->error);
		return;
	}
	answer = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	etag = json_string_value(json_object_get(answer, "etag"));
	fd = etag ? memfd_create("outpost-campaigns", MFD_CLOEXEC) : -1;
	j = etag ? json_pack("{s:s}", "etag", etag) : NULL;
	if (fd >= 0 && j && fdio_write_all(fd, r->answer.data, r->answer.len))
		roleproc_send(&sy.rp, MSG_SYNC_CAMPAIGNS, 0, j, &fd, 1);
	if (fd >= 0)
		close(fd);
	json_decref(j);
	json_decref(answer);
}

/* The core's heartbeat goes to central; then a newer catalog and newer
 * campaigns, if any. */
static enum status heartbeat_msg(json_t *body)
{
	json_t *hb = json_object_get(body, "heartbeat");
	const char *etag = json_string_value(json_object_get(body, "catalog_etag"));
	char *text;
	struct http_req *r;

	if (!json_is_object(hb))
		return ST_PROTO;
	if (!sy.enrolled)
		return ST_OK;
	text = json_dumps(hb, JSON_COMPACT);
	r = text ? signed_req("POST", "/v1/heartbeat", text, strlen(text), 30) : NULL;
	free(text);
	if (r) {
		http_header(r, "Content-Type", "application/json");
		http_send(r, on_heartbeat, NULL);
	}
	r = signed_req("GET", "/v1/catalog", NULL, 0, 60);
	if (r) {
		if (etag && *etag)
			http_header(r, "If-None-Match", etag);
		http_send(r, on_catalog, NULL);
	}
	etag = json_string_value(json_object_get(body, "campaigns_etag"));
	r = signed_req("GET", "/v1/campaigns", NULL, 0, 60);
	if (r) {
		if (etag && *etag)
			http_header(r, "If-None-Match", etag);
		http_send(r, on_campaigns, NULL);
	}
	return ST_OK;
}

/* --- ratings ----------------------------------------------------------------------------- */

/*
 * One lot from the core at a time: its ratings in one POST /v1/ratings
 * (each taken once by its id, so a lot sent again after a cut is
 * harmless), then each appeal.  The core hears the outcome once, with
 * retry_usec when central was not reached.
 */
static struct {
	json_t *ids; /* of the lot's ratings */
	json_t *appeals, *results, *appeal_results;
	size_t next_appeal;
	unsigned attempts;
	bool busy;
} rt;

static void ratings_done(uint64_t retry_usec)
{
	json_t *j = json_pack("{s:O, s:O, s:I}", "results", rt.results ? rt.results : json_array(), "appeals",
			      rt.appeal_results, "retry_usec", (json_int_t)retry_usec);

	if (j)
		roleproc_send(&sy.rp, MSG_SYNC_RATED, 0, j, NULL, 0);
	json_decref(j);
	json_decref(rt.ids);
	json_decref(rt.appeals);
	json_decref(rt.results);
	json_decref(rt.appeal_results);
	rt.ids = rt.appeals = rt.results = rt.appeal_results = NULL;
	rt.attempts = retry_usec ? rt.attempts + 1 : 0;
	rt.busy = false;
}

static void next_appeal(void);

static void on_appeal(struct http_req *r, void *ud)
{
	json_t *a = ud;
	char msg[300];

	answer_message(r, msg, sizeof(msg));
	if (transient(r->status)) {
		log_warn("appeal of rating %s: HTTP %ld %s", json_string_value(json_object_get(a, "rating")), r->status,
			 r->error);
		contact(false, msg);
		ratings_done(backoff_usec(rt.attempts + 1, r->retry_after));
		return;
	}
	json_array_append_new(rt.appeal_results, json_pack("{s:O, s:I, s:s}", "rating", json_object_get(a, "rating"),
							   "http", (json_int_t)r->status, "message", msg));
	next_appeal();
}

static void next_appeal(void)
{
	json_t *a = json_array_get(rt.appeals, rt.next_appeal++);
	struct http_req *r;
	char *text;

	if (!a) {
		ratings_done(0);
		return;
	}
	text = json_dumps(a, JSON_COMPACT);
	r = text ? signed_req("POST", "/v1/ratings/appeals", text, strlen(text), 30) : NULL;
	free(text);
	if (!r) {
		ratings_done(backoff_usec(rt.attempts + 1, NULL));
		return;
	}
	http_header(r, "Content-Type", "application/json");
	http_send(r, on_appeal, a);
}

static void on_ratings(struct http_req *r, void *ud)
{
	uint8_t sig[SIGN_SIG_LEN];
	json_t *answer;
	char msg[300];

	(void)ud;
	answer_message(r, msg, sizeof(msg));
	/* Only central's signed answer says what it took: a portal's 200 does not. */
	if (r->status == 200 && (!sign_header_parse(r->signature, sig) ||
				 !sign_ed25519_ok(sy.central_pub, r->answer.data, r->answer.len, sig))) {
		log_warn("ratings: the answer is not signed by central's key (a portal?)");
		contact(false, "应答不是中心签发的（可能是认证网关）");
		ratings_done(backoff_usec(rt.attempts + 1, NULL));
		return;
	}
	if (r->status != 200) {
		log_warn("ratings: HTTP %ld %s", r->status, r->error);
		if (transient(r->status) || r->status < 400) { /* a portal's answer is not central's */
			contact(false, msg);
			ratings_done(backoff_usec(rt.attempts + 1, r->retry_after));
			return;
		}
		/* refused as a whole: each rating keeps central's reason, and is
		 * not sent again (no hammering) */
		rt.results = json_array();
		for (size_t i = 0; i < json_array_size(rt.ids); i++)
			json_array_append_new(rt.results, json_pack("{s:O, s:s, s:s}", "id", json_array_get(rt.ids, i),
								    "status", "refused", "message", msg));
		next_appeal();
		return;
	}
	contact(true, "");
	answer = json_loadb((const char *)r->answer.data, r->answer.len, 0, NULL);
	rt.results = json_incref(json_object_get(answer, "results"));
	json_decref(answer);
	next_appeal();
}

static enum status ratings_msg(json_t *body)
{
	json_t *ratings = json_object_get(body, "ratings"), *appeals = json_object_get(body, "appeals");
	struct http_req *r;
	char *text;

	if (!json_is_array(ratings) || !json_is_array(appeals))
		return ST_PROTO;
	if (rt.busy || !sy.enrolled)
		return ST_OK; /* the core offers the lot again after its answer or a new hello */
	rt.busy = true;
	rt.ids = json_array();
	for (size_t i = 0; i < json_array_size(ratings); i++)
		json_array_append(rt.ids, json_object_get(json_array_get(ratings, i), "id"));
	rt.appeals = json_incref(appeals);
	rt.appeal_results = json_array();
	rt.next_appeal = 0;
	if (json_array_size(ratings) == 0) {
		rt.results = json_array();
		next_appeal();
		return ST_OK;
	}
	body = json_pack("{s:O}", "ratings", ratings);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	r = text ? signed_req("POST", "/v1/ratings", text, strlen(text), 60) : NULL;
	free(text);
	if (!r) {
		ratings_done(backoff_usec(rt.attempts + 1, NULL));
		return ST_OK;
	}
	http_header(r, "Content-Type", "application/json");
	http_send(r, on_ratings, NULL);
	return ST_OK;
}

/* --- key rotation ---------------------------------------------------------------------- */

struct rotation {
	uint32_t job;
	uint8_t key[SIGN_KEY_LEN];
};

static void rotated_reply(uint32_t job, bool ok, long status, const char *message)
{
	json_t *j = json_pack("{s:b, s:i, s:s}", "ok", ok, "http", (int)status, "message", message);

	if (j)
		roleproc_send(&sy.rp, MSG_SYNC_ROTATED, job, j, NULL, 0);
	json_decref(j);
}

static void on_rotated(struct http_req *r, void *ud)
{
	struct rotation *k = ud;
	char msg[300];

	if (r->status != 200) {
		answer_message(r, msg, sizeof(msg));
		rotated_reply(k->job, false, r->status, msg);
	} else if (!write_file("identity.key", k->key, SIGN_KEY_LEN)) {
		/* Central has the new key, the box cannot keep it: say so loudly. */
		log_err("central took the new key but it could not be saved: enrol again");
		rotated_reply(k->job, false, r->status, "新密钥未能保存，请重新登记");
	} else {
		memcpy(sy.key, k->key, SIGN_KEY_LEN);
		log_info("key rotated: central has the new public key");
		rotated_reply(k->job, true, r->status, "");
	}
	explicit_bzero(k->key, sizeof(k->key));
	free(k);
}

/* A new key pair, announced to central in a request signed with the old. */
static enum status rotate_msg(uint32_t job)
{
	struct rotation *k = calloc(1, sizeof(*k));
	uint8_t pub[SIGN_KEY_LEN];
	char b64[SIGN_B64_MAX(SIGN_KEY_LEN)], body[128];
	struct http_req *r;

	if (!sy.enrolled || !k || sign_keypair(k->key, pub) != ST_OK) {
		free(k);
		rotated_reply(job, false, 0, sy.enrolled ? "无法生成密钥" : "尚未登记");
		return ST_OK;
	}
	k->job = job;
	sign_b64(pub, SIGN_KEY_LEN, b64);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", b64);
	r = signed_req("POST", "/v1/keys", body, strlen(body), 30);
	if (!r) {
		free(k);
		rotated_reply(job, false, 0, "内存不足");
		return ST_OK;
	}
	http_header(r, "Content-Type", "application/json");
	if (http_send(r, on_rotated, k) != ST_OK) {
		free(k);
		rotated_reply(job, false, 0, "无法发出请求");
	}
	return ST_OK;
}

/* --- messages ---------------------------------------------------------------------------- */

static enum status on_msg(struct channel *ch, struct chmsg *m, void *ud)
{
	(void)ch, (void)ud;
	switch (m->type) {
	case MSG_SYNC_SETUP: {
		const char *cursor = "";

		if (json_unpack(m->body, "{s?s}", "cursor", &cursor) != 0 || strlen(cursor) >= sizeof(sy.cursor))
			return ST_PROTO;
		snprintf(sy.cursor, sizeof(sy.cursor), "%s", cursor);
		sy.have_cursor = true;
		poll_events();
		return ST_OK;
	}
	case MSG_SYNC_ENROL:
		return enrol_msg(m->id, m->body);
	case MSG_SYNC_BATCH:
		return batch_msg(m->body);
	case MSG_SYNC_DOC:
		return doc_msg(m);
	case MSG_SYNC_HEARTBEAT:
		return heartbeat_msg(m->body);
	case MSG_SYNC_ROTATE:
		return rotate_msg(m->id);
	case MSG_SYNC_RATINGS:
		return ratings_msg(m->body);
	default:
		log_err("sync does not take %s messages", msg_type_name(m->type));
		return ST_PROTO;
	}
}

int sync_main(const char *config_path)
{
	static struct roleproc *rp = &sy.rp;
	int ret;

	roleproc_init(rp, ROLE_SYNC, config_path, on_msg);
	snprintf(sy.dir, sizeof(sy.dir), "%s/sync", rp->cfg.state_dir);
	if (mkdir(sy.dir, 0700) < 0 && errno != EEXIST)
		fatal("cannot make %s", sy.dir);
	if (crypto_load() != ST_OK)
		fatalx("cannot load OpenSSL's libcrypto (libssl3)");
	if (http_init(rp->ev) != ST_OK)
		fatalx("cannot start libcurl");
	sy.enrolled = load_identity();
	if (sandbox_enter(ROLE_SYNC, &rp->cfg, config_path) != ST_OK)
		fatalx("cannot enter the sandbox");
	if (sy.enrolled)
		log_info("sync ready: office %s at %s", sy.office, sy.url);
	else
		log_info("sync ready (not enrolled with a central yet)");
	ret = roleproc_run(rp);
	batch_free();
	sy.poll_retry = sd_event_source_disable_unref(sy.poll_retry);
	http_free();
	return ret;
}
