/* SPDX-License-Identifier: Apache-2.0 */
#include "central.h"
#include "central_ratings.h"
#include "central_survey.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ini.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/crypto.h"
#include "appliance/common/entropy.h"
#include "appliance/common/fdio.h"
#include "appliance/common/log.h"
#include "appliance/common/timefmt.h"
#include "appliance/common/timer.h"
#include "appliance/common/tlslib.h"
#include "appliance/common/worker.h"
#include "cdb.h"
#include "replay.h"

#define CLOCK_SKEW_SECONDS   300
#define CONTACT_STEP_SECONDS 10
/* Bodies a request may carry before it is looked at further: anything
 * anonymous (enrolment, a login, a page, an unknown path) and a signed
 * request other than a manifest get little; a manifest gets
 * max_request_bytes. */
#define ANON_BODY_MAX  16384
#define SMALL_BODY_MAX 65536
/* A refused body is read and dropped, so the client reads the answer
 * instead of a reset; past this much the answer goes at once and
 * libmicrohttpd closes the connection. */
#define DROP_MAX (16u << 20)

/* --- configuration ------------------------------------------------------------------- */

/* "10.0.0.0/8, 127.0.0.1/32, fd00::/8": a network without /bits is one address. */
static int parse_cidrs(const char *value, struct central_config *cfg)
{
	char list[512], *save = NULL;

	if (snprintf(list, sizeof(list), "%s", value) >= (int)sizeof(list))
		return 0;
	cfg->nwebhook_allow = 0;
	for (char *item = strtok_r(list, ", \t", &save); item; item = strtok_r(NULL, ", \t", &save)) {
		struct central_cidr *n = &cfg->webhook_allow[cfg->nwebhook_allow];
		char *slash = strchr(item, '/'), *end;
		unsigned long bits;

		if (cfg->nwebhook_allow == CENTRAL_WEBHOOK_ALLOW_MAX)
			return 0;
		if (slash)
			*slash = '\0';
		n->family = strchr(item, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(n->family, item, n->addr) != 1)
			return 0;
		bits = slash ? strtoul(slash + 1, &end, 10) : (n->family == AF_INET ? 32 : 128);
		if ((slash && (!slash[1] || *end)) || bits > (n->family == AF_INET ? 32u : 128u))
			return 0;
		n->bits = (unsigned)bits;
		cfg->nwebhook_allow++;
	}
	return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct central_config *cfg = user;
	char *end;
	unsigned long long v = strtoull(value, &end, 10);
	bool number = *value && !*end;

	if (strcmp(section, "central") != 0)
		return 0;
#define TEXT(k)                                                                                                        \
	if (strcmp(name, #k) == 0)                                                                                     \
		return snprintf(cfg->k, sizeof(cfg->k), "%s", value) < (int)sizeof(cfg->k);
#define NUMBER(k, lo, hi)                                                                                              \
	if (strcmp(name, #k) == 0)                                                                                     \
		return number && v >= (lo) && v <= (hi) ? (cfg->k = (__typeof__(cfg->k))v, 1) : 0;
	TEXT(listen_address)
	TEXT(state_dir)
	TEXT(tls_cert)
	TEXT(tls_key)
	TEXT(tls_client_ca)
	TEXT(name)
	TEXT(catalog)
	NUMBER(port, 1, 65535)
	NUMBER(max_upload_bytes, 1024, 1ull << 34)
	NUMBER(max_request_bytes, 1024, 64u << 20)
	NUMBER(token_hours, 1, 24 * 365)
	NUMBER(upload_expiry_seconds, 1, 365 * 86400)
	NUMBER(max_connections, 4, 100000)
	NUMBER(max_connections_per_address, 1, 100000)
	NUMBER(header_timeout_seconds, 1, 300)
	NUMBER(replay_entries, 16, 1u << 24)
	NUMBER(logins_per_address_per_minute, 1, 100000)
	NUMBER(lockout_failures, 1, 1000)
	NUMBER(lockout_seconds, 1, 86400)
	NUMBER(followup_working_days, 1, 60)
	if (strcmp(name, "webhook_allow") == 0)
		return parse_cidrs(value, cfg);
	return 0;
}

static bool load_config(const char *path, struct central_config *cfg)
{
	int line;

	*cfg = (struct central_config){.port = 8443,
				       .max_upload_bytes = 64u << 20,
				       .max_request_bytes = 8u << 20,
				       .token_hours = 24,
				       .upload_expiry_seconds = 3 * 86400,
				       .max_connections = 1024,
				       .max_connections_per_address = 64,
				       .header_timeout_seconds = 10,
				       .replay_entries = 200000,
				       .logins_per_address_per_minute = 10,
				       .lockout_failures = 5,
				       .lockout_seconds = 300,
				       .followup_working_days = 15};
	snprintf(cfg->listen_address, sizeof(cfg->listen_address), "127.0.0.1");
	snprintf(cfg->name, sizeof(cfg->name), "outpost-central");
	line = ini_parse(path, on_key, cfg);
	if (line != 0) {
		fprintf(stderr, line < 0 ? "%s: cannot read\n" : "%s:%d: unknown key or bad value\n", path, line);
		return false;
	}
	if (!cfg->state_dir[0]) {
		fprintf(stderr, "%s: [central] state_dir is required\n", path);
		return false;
	}
	if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
		fprintf(stderr, "%s: [central] tls_cert and tls_key go together\n", path);
		return false;
	}
	if (cfg->tls_client_ca[0] && !cfg->tls_cert[0]) {
		fprintf(stderr, "%s: [central] tls_client_ca needs tls_cert and tls_key\n", path);
		return false;
	}
	return true;
}

/* --- answers ----------------------------------------------------------------------- */

void central_now_rfc3339(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const struct central_refusal not_signed = {401, "bad_signature", "请求缺少有效的签名",
						  "the request is not signed"},
				    stale = {401, "stale_request", "请求时间与中心时间相差过大，请校准设备时钟",
					     "the request's time is too far from central's clock"},
				    bad_signature = {401, "bad_signature", "签名无效或该服务站未登记",
						     "bad signature, or the office is not enrolled"},
				    replayed = {409, "replayed", "该签名请求已经收到过，重放的请求不予受理",
						"this signed request was taken before: a replay is refused"},
				    replay_full = {503, "busy", "中心暂时无法核对请求是否重复，请稍后重试",
						   "central cannot check for replays just now; try again shortly"},
				    too_large = {413, "too_large", "请求过大", "the request is too large"};

/* What a signed request's headers say, checked as far as they can be
 * without the body: present, well formed, within the clock window, from
 * an enrolled office.  NULL when they hold. */
struct signer {
	const char *office, *ts;
	uint8_t sig[SIGN_SIG_LEN], pub[SIGN_KEY_LEN];
	int64_t last_contact;
};

static const struct central_refusal busy = {503, "busy", "中心繁忙，请稍后重试", "central is busy: try again shortly"};

static const struct central_refusal *signer_of(struct creq *r, struct signer *s)
{
	const char *sighdr = central_header(r, "Outpost-Signature");
	int64_t t, now = (int64_t)time(NULL);
	struct cdb_stmt *q;
	bool known = false;

	s->office = central_header(r, "Outpost-Office");
	s->ts = central_header(r, "Outpost-Timestamp");
	if (!s->office || !s->ts || !sighdr || strlen(s->office) >= sizeof(r->office) ||
	    !sign_header_parse(sighdr, s->sig))
		return &not_signed;
	t = timefmt_parse_rfc3339(s->ts);
	if (t < 0 || llabs((long long)(t - now)) > CLOCK_SKEW_SECONDS)
		return &stale;
	q = cdb_prepare(r->c->db, "SELECT public_key, last_contact FROM offices WHERE code = ?1 AND "
				  "public_key IS NOT NULL");
	if (q) {
		cdb_text(q, 1, s->office);
		size_t key_len = 0;
		const void *stored = cdb_row(q) ? cdb_col_blob(q, 0, &key_len) : NULL;

		if (stored && key_len == SIGN_KEY_LEN) {
			memcpy(s->pub, stored, SIGN_KEY_LEN);
			s->last_contact = cdb_col_int(q, 1);
			known = true;
		}
	}
	cdb_finish(q);
	return known ? NULL : &bad_signature;
}

/* A signature is remembered as long as its timestamp could pass the clock
 * check: at most the window either side of now. */
static const struct central_refusal *first_time(struct central *c, const uint8_t sig[SIGN_SIG_LEN])
{
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	switch (replay_check(c->seen, sig, (uint64_t)mono.tv_sec, (uint64_t)mono.tv_sec + 2 * CLOCK_SKEW_SECONDS + 1)) {
	case REPLAY_NEW:
		return NULL;
	case REPLAY_SEEN:
		return &replayed;
	case REPLAY_FULL:
		break;
	}
	log_warn("%u signatures taken in the last %d s: [central] replay_entries is full", replay_count(c->seen),
		 2 * CLOCK_SKEW_SECONDS);
	return &replay_full;
}

/* After a signature held: the replay check, then the request is the
 * office's (r->office) and counts as contact, written down once in
 * CONTACT_STEP_SECONDS (not a write for each chunk of an upload).  The
 * refusal, or NULL. */
static const struct central_refusal *signature_held(struct creq *r, const struct signer *s)
{
	const struct central_refusal *why = first_time(r->c, s->sig);
	int64_t now = (int64_t)time(NULL);
	struct cdb_stmt *q;

	/* Only a signature that holds is remembered: nobody else can fill the
	 * table with them. */
	if (why == &replayed)
		log_warn("%s %s from %s: a replay of a signed request, refused", r->method, r->url, s->office);
	if (why)
		return why;
	snprintf(r->office, sizeof(r->office), "%s", s->office);
	if (now - s->last_contact < CONTACT_STEP_SECONDS)
		return NULL;
	q = cdb_prepare(r->c->db, "UPDATE offices SET last_contact = ?2 WHERE code = ?1");
	if (q) {
		cdb_text(q, 1, s->office);
		cdb_int(q, 2, now);
		cdb_exec_unsynced(r->c->db, q);
	}
	cdb_finish(q);
	return NULL;
}

bool central_signed(struct creq *r, const void *body, size_t len, enum MHD_Result *answered)
{
	struct signer s;
	const struct central_refusal *why = signer_of(r, &s);
	char text[1024];

	if (!why && (!sign_request_text(r->method, r->raw_uri, s.ts, body, len, text, sizeof(text)) ||
		     !sign_ed25519_ok(s.pub, text, strlen(text), s.sig)))
		why = &bad_signature;
	if (!why)
		why = signature_held(r, &s);
	if (why) {
		*answered = central_refuse(r, why);
		return false;
	}
	return true;
}

/*
 * The same with the Ed25519 check on the verifier thread, so the loop
 * goes on with other requests meanwhile (a check costs about 0.1 ms).  r
 * waits suspended; then() runs in the loop once the signature held, with r
 * still suspended (it answers with central_answer_later()); a refusal is
 * answered here.  With the verifier's queue full, the check runs at once.
 */
struct verify_job {
	struct worker_job job; /* first: the worker hands back &job */
	struct verify_job *next; /* in c->verifying until done */
	struct creq *r;
	struct signer s;
	char text[1024];
	bool ok;
	void (*then)(struct creq *r);
};

static void verify_run(struct worker_job *job)
{
	struct verify_job *v = (struct verify_job *)job;

	v->ok = sign_ed25519_ok(v->s.pub, v->text, strlen(v->text), v->s.sig);
}

static void verify_done(struct worker_job *job)
{
	struct verify_job *v = (struct verify_job *)job;
	const struct central_refusal *why = v->ok ? signature_held(v->r, &v->s) : &bad_signature;

	for (struct verify_job **p = (struct verify_job **)&v->r->c->verifying; *p; p = &(*p)->next) {
		if (*p == v) {
			*p = v->next;
			break;
		}
	}
	if (why)
		central_answer_later(v->r, why->code,
				     json_pack("{s:s, s:s, s:s}", "error", why->error, "message", why->zh, "message_en",
					       why->en));
	else
		v->then(v->r);
	free(v);
}

bool central_signed_async(struct creq *r, void (*then)(struct creq *r), enum MHD_Result *answered)
{
	struct verify_job *v = calloc(1, sizeof(*v));
	const struct central_refusal *why = v ? signer_of(r, &v->s) : &busy;

	if (!why && !sign_request_text(r->method, r->raw_uri, v->s.ts, r->body.data, r->body.len, v->text,
				       sizeof(v->text)))
		why = &bad_signature;
	if (why) {
		free(v);
		*answered = central_refuse(r, why);
		return false;
	}
	v->r = r;
	v->then = then;
	v->job = (struct worker_job){.run = verify_run, .done = verify_done};
	if (worker_submit(r->c->verifier, WORKER_STAFF, &v->job) == ST_OK) {
		v->next = r->c->verifying;
		r->c->verifying = v;
	} else {
		free(v);
		if (!central_signed(r, r->body.data, r->body.len, answered))
			return false;
		central_suspend(r);
		then(r);
		*answered = MHD_YES;
		return true;
	}
	central_suspend(r);
	*answered = MHD_YES;
	return true;
}

enum status central_verifier_new(struct central *c)
{
	static const unsigned max_jobs[__WORKER_CLASS_MAX] = {[WORKER_STAFF] = 1024, [WORKER_ANON] = 1};

	return worker_new(c->ev, max_jobs, &c->verifier);
}

void central_verifier_free(struct central *c)
{
	worker_free(&c->verifier); /* the jobs it had are not done: freed here */
	while (c->verifying) {
		struct verify_job *v = c->verifying;

		c->verifying = v->next;
		free(v);
	}
}

/* --- enrolment -------------------------------------------------------------------------- */

static void token_hash(const char *token, char out[65])
{
	sign_sha256_hex(token, strlen(token), out);
}

/* A name central certifies for an office: its own screen (localhost,
 * loopback) and names and addresses of the office's LAN (private IPv4 and
 * IPv6 addresses, single-label names and .local, .lan, .internal,
 * .home.arpa).  A public name could let a box pose as another site to the
 * browsers that trust the office CA. */
static bool lan_name(const char *n)
{
	static const char *const suffixes[] = {".local", ".lan", ".internal", ".home.arpa"};
	unsigned char a[16];
	size_t len = strlen(n);

	if (inet_pton(AF_INET, n, a) == 1)
		return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, n, a) == 1)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		       (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) == 0 && a[15] == 1);
	if (!strchr(n, '.'))
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i]);

		if (len > s && strcasecmp(n + len - s, suffixes[i]) == 0)
			return true;
	}
	return false;
}

/* The office's certificate for the LAN, signed by the office CA: the
 * office code as common name, the LAN names of the box's request.  false
 * when the request is not a valid self-signed certificate. */
static bool issue_office_cert(struct central *c, const char *code, const char *name, const char *request, char *out,
			      size_t cap)
{
	char names[TLSCERT_NAME_MAX], kept[TLSCERT_NAME_MAX] = "", *save = NULL;
	struct tlscert_subject s = {.common_name = code, .organization = name, .names = kept, .days = 825};
	size_t used = 0;

	if (tlscert_request_names(request, names) != ST_OK)
		return false;
	for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		if (!lan_name(n)) {
			log_info("office %s asked for the name %s: not a LAN name, left out", code, n);
			continue;
		}
		used += (size_t)snprintf(kept + used, sizeof(kept) - used, "%s%s", used ? "," : "", n);
	}
	return tlscert_sign(&s, NULL, request, c->ca_cert, c->ca_key, out, cap) == ST_OK;
}

/* POST /v1/enrol {"token", "public_key", "software", "tls_certificate"}: the
 * token is the credential. */
static enum MHD_Result enrol(struct creq *r, json_t *body)
{
	struct central *c = r->c;
	const char *token, *key_b64, *software = "", *webhook = NULL, *tls_request = NULL;
	char office_cert[TLSCERT_PEM_MAX] = "";
	uint8_t pub[SIGN_KEY_LEN + 4], secret[32];
	char hash[65], code[16], name[128], pub_b64[SIGN_B64_MAX(SIGN_KEY_LEN)], secret_b64[SIGN_B64_MAX(32)],
	    whsec[8 + SIGN_B64_MAX(32)], why[200];
	struct cdb_stmt *q;
	bool ok = false;
	enum status st;

	if (json_unpack(body, "{s:s, s:s, s?s, s?s, s?s}", "token", &token, "public_key", &key_b64, "software",
			&software, "webhook_url", &webhook, "tls_certificate", &tls_request) != 0 ||
	    sign_unb64(key_b64, pub, sizeof(pub)) != SIGN_KEY_LEN)
		return central_error(r, 400, "bad_request", "登记请求缺少令牌或公钥",
				     "the token or public key is missing");
	token_hash(token, hash);
	if ((st = cdb_begin(c->db)) != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	q = cdb_prepare(c->db, "SELECT office_code, office_name FROM enrol_tokens WHERE token_hash = ?1 AND "
			       "used_at IS NULL AND expires_at > ?2");
	if (q) {
		cdb_text(q, 1, hash);
		cdb_int(q, 2, (int64_t)time(NULL));
		if (cdb_row(q)) {
			snprintf(code, sizeof(code), "%s", cdb_col_text(q, 0));
			snprintf(name, sizeof(name), "%s", cdb_col_text(q, 1));
			ok = true;
		}
	}
	cdb_finish(q);
	if (!ok) {
		cdb_rollback(c->db);
		return central_error(r, 403, "bad_token", "登记令牌无效、已使用或已过期，请向中心索取新令牌",
				     "the enrolment token is unknown, used or expired");
	}
	/* With client certificates, an office enrols with its own. */
	if (c->cfg.tls_client_ca[0] && strcmp(r->cert_office, code) != 0) {
		cdb_rollback(c->db);
		log_warn("enrolment for %s refused: the client certificate is office %s's", code, r->cert_office);
		return central_error(r, 403, "client_certificate_office", "客户端证书不属于这个服务站",
				     "the client certificate is another office's");
	}
	if (tls_request && !issue_office_cert(c, code, name, tls_request, office_cert, sizeof(office_cert))) {
		cdb_rollback(c->db);
		return central_error(r, 400, "bad_tls_certificate", "服务站的 TLS 证书请求无效（须为自签名证书）",
				     "tls_certificate is not a valid self-signed certificate");
	}
	/* After the token, so only its holder makes central look a name up. */
	if (webhook && !central_webhook_ok(c, webhook, why, sizeof(why))) {
		char zh[300];

		cdb_rollback(c->db);
		snprintf(zh, sizeof(zh), "推送地址不可用（须为 https 地址且指向公网，或在中心允许的网络内）：%s", why);
		log_warn("enrolment for %s refused: webhook_url %.200s: %s", code, webhook, why);
		return central_error(r, 400, "bad_webhook_url", zh, why);
	}
	entropy_fill(secret, sizeof(secret));
	q = cdb_prepare(c->db, "INSERT INTO offices (code, name, public_key, webhook_secret, enrolled_at, software, "
			       "webhook_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (code) DO UPDATE SET "
			       "public_key = ?3, webhook_secret = ?4, enrolled_at = ?5, software = ?6, name = ?2, "
			       "webhook_url = ?7, audit_seq = NULL, audit_hash = NULL, audit_flag = NULL, "
			       "audit_flag_seq = NULL, audit_flag_at = NULL");
	st = q ? ST_OK : ST_IO;
	if (q) {
		cdb_text(q, 1, code);
		cdb_text(q, 2, name);
		cdb_blob(q, 3, pub, SIGN_KEY_LEN);
		cdb_blob(q, 4, secret, sizeof(secret));
		cdb_int(q, 5, (int64_t)time(NULL));
		cdb_text(q, 6, software);
		cdb_text(q, 7, webhook);
		st = cdb_exec(q);
	}
	cdb_finish(q);
	q = st == ST_OK ? cdb_prepare(c->db, "UPDATE enrol_tokens SET used_at = ?2 WHERE token_hash = ?1") : NULL;
	if (q) {
		cdb_text(q, 1, hash);
		cdb_int(q, 2, (int64_t)time(NULL));
		st = cdb_exec(q);
	}
	cdb_finish(q);
	if (st == ST_OK)
		st = cdb_commit(c->db);
	if (st != ST_OK) {
		cdb_rollback(c->db);
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	}
	sign_b64(c->pub, SIGN_KEY_LEN, pub_b64);
	sign_b64(secret, sizeof(secret), secret_b64);
	snprintf(whsec, sizeof(whsec), "whsec_%s", secret_b64);
	log_info("office %s (%s) enrolled%s", code, name, office_cert[0] ? ", its LAN certificate issued" : "");
	{
		json_t *answer = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "office_code", code, "office_name", name,
					   "central_public_key", pub_b64, "webhook_secret", whsec, "tls_pin",
					   c->tls_pin, "heartbeat_seconds", 300);

		if (answer && office_cert[0]) {
			json_object_set_new(answer, "tls_certificate", json_string(office_cert));
			json_object_set_new(answer, "tls_ca", json_string(c->ca_cert));
		}
		return central_json(r, 201, answer);
	}
}

/* POST /v1/keys {"public_key"}, signed with the current key: the new one
 * counts from the answer on. */
static enum MHD_Result rotate(struct creq *r, json_t *body)
{
	const char *key_b64 = json_string_value(json_object_get(body, "public_key"));
	uint8_t pub[SIGN_KEY_LEN + 4];
	enum MHD_Result answered;
	struct cdb_stmt *q;
	enum status st = ST_IO;

	if (!central_signed(r, r->body.data, r->body.len, &answered))
		return answered;
	if (!key_b64 || sign_unb64(key_b64, pub, sizeof(pub)) != SIGN_KEY_LEN)
		return central_error(r, 400, "bad_request", "缺少新公钥", "the new public key is missing");
	q = cdb_prepare(r->c->db, "UPDATE offices SET public_key = ?2 WHERE code = ?1");
	if (q) {
		cdb_text(q, 1, r->office);
		cdb_blob(q, 2, pub, SIGN_KEY_LEN);
		st = cdb_exec(q);
	}
	cdb_finish(q);
	if (st != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理，请稍后重试", "try again shortly");
	log_info("office %s rotated its key", r->office);
	return central_json(r, 200, json_pack("{s:b}", "rotated", true));
}

/* --- the HTTP front ---------------------------------------------------------------------- */

static bool is(struct creq *r, const char *method, const char *url)
{
	return strcmp(r->method, method) == 0 && strcmp(r->url, url) == 0;
}

static enum MHD_Result dispatch(struct creq *r)
{
	const char *version = central_header(r, "Outpost-Protocol");
	json_t *body = NULL;
	enum MHD_Result ret;

	if (version && strcmp(version, "1") != 0)
		return central_json(r, 400,
				    json_pack("{s:s, s:s, s:s, s:[i]}", "error", "unsupported_version", "message",
					      "不支持该协议版本", "message_en", "unsupported protocol version",
					      "supported", 1));
	if (r->early)
		return central_refuse(r, r->early);
	if (r->body.len) {
		json_error_t err;

		body = json_loadb((const char *)r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &err);
		if (!json_is_object(body)) {
			json_decref(body);
			return central_error(r, 400, "bad_json", "请求内容不是有效的 JSON 对象",
					     "the body is not a JSON object");
		}
	}
	if (strncmp(r->url, "/central/", 9) == 0)
		ret = central_ui(r, body);
	else if (is(r, "POST", "/v1/enrol"))
		ret = body ? enrol(r, body) : central_error(r, 400, "bad_request", "缺少请求内容", "no body");
	else if (is(r, "POST", "/v1/batches"))
		ret = cases_batch(r);
	else if (is(r, "GET", "/v1/events") || strncmp(r->url, "/v1/events?", 11) == 0)
		ret = cases_events(r);
	else if (is(r, "POST", "/v1/keys"))
		ret = body ? rotate(r, body) : central_error(r, 400, "bad_request", "缺少请求内容", "no body");
	else if (is(r, "GET", "/v1/catalog"))
		ret = cases_catalog(r);
	else if (is(r, "POST", "/v1/heartbeat"))
		ret = cases_heartbeat(r);
	else if (is(r, "POST", "/v1/ratings"))
		ret = ratings_post(r);
	else if (is(r, "POST", "/v1/ratings/appeals"))
		ret = ratings_appeal(r);
	else if (is(r, "GET", "/v1/campaigns"))
		ret = survey_for_office(r);
	else if (strncmp(r->url, "/r/", 3) == 0)
		ret = ratings_phone(r, body);
	else
		ret = central_error(r, 404, "not_found", "没有这个地址", "no such path");
	json_decref(body);
	return ret;
}

/* The office's TLS client certificate, checked against [central]
 * tls_client_ca (MHD asks for one; GnuTLS verifies the chain); cn gets the
 * office code it was issued for (its common name). */
static bool client_certified(struct MHD_Connection *conn, char *cn, size_t cap)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	unsigned int n = 0, status = 1;
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt = NULL;
	size_t len = cap - 1;
	bool ok;

	cn[0] = '\0';
	if (!ci || !ci->tls_session || !(peers = gnutls_certificate_get_peers(ci->tls_session, &n)) || n == 0 ||
	    gnutls_certificate_verify_peers2(ci->tls_session, &status) != 0 || status != 0)
		return false;
	ok = gnutls_x509_crt_init(&crt) == 0 && gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0 &&
	     gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) == 0;
	gnutls_x509_crt_deinit(crt);
	if (!ok)
		cn[0] = '\0';
	return ok;
}

/* Every request starts here, with the URI as it came (the query too, which
 * a signature covers); MHD passes what this returns as *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct central *c = cls;
	struct creq *r = calloc(1, sizeof(*r));
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (!r)
		return NULL;
	r->c = c;
	r->conn = conn;
	snprintf(r->raw_uri, sizeof(r->raw_uri), "%s", uri);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->peer, sizeof(r->peer));
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, r->peer,
			  sizeof(r->peer));
	return r;
}

/*
 * What a request may carry, judged from its headers before any of its body
 * is read: a box request's signature headers must hold as far as they can
 * without the body (signer_of()), a clerk's request needs a live session,
 * and everything gets a body limit by what it is.  A refused request's
 * body is dropped as it comes (r->early).
 */
static void admit(struct creq *r)
{
	const char *len = central_header(r, "Content-Length");
	uint64_t limit = ANON_BODY_MAX;
	struct signer s;

	if (strncmp(r->url, "/v1/", 4) == 0 && !is(r, "POST", "/v1/enrol")) {
		r->early = signer_of(r, &s);
		if (is(r, "POST", "/v1/batches"))
			limit = r->c->cfg.max_request_bytes;
		else
			limit = SMALL_BODY_MAX;
	} else if (strncmp(r->url, "/central/api/", 13) == 0 && !is(r, "POST", "/central/api/login")) {
		static const struct central_refusal login_required = {401, "login_required", "请先登录",
								      "log in first"};

		if (!central_ui_signed_in(r))
			r->early = &login_required;
		limit = SMALL_BODY_MAX;
	}
	if (!r->early && len && strtoull(len, NULL, 10) > limit)
		r->early = &too_large;
	buf_init(&r->body, (size_t)limit);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct creq *r = *con_cls;

	(void)cls, (void)version;
	if (!r)
		return MHD_NO;
	if (!r->method) {
		mhd_loop_request_begins(&r->c->loop, conn);
		r->method = method;
		r->url = url;
		if (strncmp(url, "/v1/", 4) == 0 && r->c->cfg.tls_client_ca[0]) {
			const char *office = central_header(r, "Outpost-Office");
			char *cn = r->cert_office;

			if (!client_certified(conn, cn, sizeof(r->cert_office))) {
				log_warn("%s %s refused: no client certificate signed by %s", method, url,
					 r->c->cfg.tls_client_ca);
				return central_error(r, 403, "client_certificate", "需要由中心签发的服务站客户端证书",
						     "a client certificate signed by central's CA is required");
			}
			/* The certificate is one office's: it carries no other's requests. */
			if (office && strcmp(office, cn) != 0) {
				log_warn(
				    "%s %s refused: the client certificate is office %s's, the request office %s's",
				    method, url, cn, office);
				return central_error(r, 403, "client_certificate_office", "客户端证书不属于这个服务站",
						     "the client certificate is another office's");
			}
		}
		if (strncmp(url, "/v1/uploads", 11) != 0) {
			admit(r);
			return MHD_YES;
		}
	}
	if (strncmp(url, "/v1/uploads", 11) == 0)
		return tus_request(r, upload_data, upload_size);
	if (r->answered) { /* answered before the body (DROP_MAX): the rest goes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->suspended) /* a long-poll or login resumed with its answer ready */
		return central_json(r, (unsigned)r->code, json_incref(r->answer));
	if (*upload_size) {
		if (!r->early && buf_append(&r->body, upload_data, *upload_size) != ST_OK)
			r->early = &too_large;
		if (r->early) {
			r->dropped += *upload_size;
			if (r->dropped > DROP_MAX) {
				*upload_size = 0;
				return central_refuse(r, r->early);
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct central *c = cls;
	struct creq *r = *con_cls;

	(void)toe;
	mhd_loop_request_ends(&c->loop, conn);
	if (!r)
		return;
	tus_request_done(r);
	central_ui_request_done(r);
	/* A long-poll whose client went away leaves the list. */
	for (struct creq **p = &r->c->pollers; *p; p = &(*p)->next_poller) {
		if (*p == r) {
			*p = r->next_poller;
			break;
		}
	}
	json_decref(r->answer);
	buf_free(&r->body);
	free(r);
	*con_cls = NULL;
}

/* --- keys, tokens, start --------------------------------------------------------------- */

static bool load_key(struct central *c)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/central.key", c->cfg.state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		bool ok = read(fd, c->key, SIGN_KEY_LEN) == SIGN_KEY_LEN;

		close(fd);
		return ok && sign_public_of(c->key, c->pub) == ST_OK;
	}
	if (sign_keypair(c->key, c->pub) != ST_OK)
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !fdio_write_all(fd, c->key, SIGN_KEY_LEN) || fsync(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	log_info("central key made: %s", path);
	return true;
}

/* The pin of the certificate's key as libcurl takes it: "sha256//" and
 * the base64 SHA-256 of its SubjectPublicKeyInfo. */
static bool tls_pin_of(const char *cert_pem, char *out, size_t cap)
{
	gnutls_datum_t pem = {.data = (unsigned char *)cert_pem, .size = (unsigned)strlen(cert_pem)}, spki = {0};
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t key = NULL;
	uint8_t d[32];
	size_t n = sizeof(d);
	bool ok = cap > 8 + 45 && gnutls_x509_crt_init(&crt) == 0 &&
		  gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) == 0 && gnutls_pubkey_init(&key) == 0 &&
		  gnutls_pubkey_import_x509(key, crt, 0) == 0 &&
		  gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, &spki) == 0 &&
		  gnutls_fingerprint(GNUTLS_DIG_SHA256, &spki, d, &n) == 0 && n == sizeof(d);

	if (ok) {
		memcpy(out, "sha256//", 8);
		sign_b64(d, sizeof(d), out + 8);
	}
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(key);
	gnutls_x509_crt_deinit(crt);
	return ok;
}

static bool read_pem(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;

	if (f)
		fclose(f);
	out[n] = '\0';
	return n > 0 && n < cap - 1;
}

static bool write_pem(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && fdio_write_all(fd, text, strlen(text)) && fsync(fd) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* The offices' CA, made at first start: a key and a certificate that
 * signs end certificates only. */
static bool load_office_ca(struct central *c)
{
	char key_path[320], cn[200];
	struct tlscert_subject s = {.common_name = cn, .organization = c->cfg.name, .ca = true, .days = 3650};

	snprintf(key_path, sizeof(key_path), "%s/office-ca.key", c->cfg.state_dir);
	snprintf(c->ca_path, sizeof(c->ca_path), "%s/office-ca.crt", c->cfg.state_dir);
	if (tlslib_load() != ST_OK)
		return false;
	if (read_pem(key_path, c->ca_key, sizeof(c->ca_key)) && read_pem(c->ca_path, c->ca_cert, sizeof(c->ca_cert)))
		return tlscert_fits_key(c->ca_cert, c->ca_key);
	snprintf(cn, sizeof(cn), "Outpost office CA (%s)", c->cfg.name);
	if (tlscert_new_key(c->ca_key, sizeof(c->ca_key)) != ST_OK ||
	    tlscert_sign(&s, c->ca_key, NULL, NULL, NULL, c->ca_cert, sizeof(c->ca_cert)) != ST_OK ||
	    !write_pem(c->ca_path, c->ca_cert) || !write_pem(key_path, c->ca_key))
		return false;
	log_info("office CA made: %s", c->ca_path);
	return true;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1 << 20) && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = calloc(1, (size_t)n + 1)) && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* outpost-central -c FILE token CODE NAME: a one-time enrolment token. */
static int make_token(struct central *c, const char *code, const char *name)
{
	char token[40], hash[65];
	struct cdb_stmt *q;
	enum status st = ST_IO;

	if (strlen(code) < 2 || strlen(code) > 8)
		return 2;
	entropy_hex(token, 16);
	token_hash(token, hash);
	q = cdb_prepare(c->db, "INSERT INTO enrol_tokens (token_hash, office_code, office_name, expires_at) "
			       "VALUES (?1, ?2, ?3, ?4)");
	if (q) {
		cdb_text(q, 1, hash);
		cdb_text(q, 2, code);
		cdb_text(q, 3, name);
		cdb_int(q, 4, (int64_t)time(NULL) + (int64_t)c->cfg.token_hours * 3600);
		st = cdb_exec(q);
	}
	cdb_finish(q);
	if (st != ST_OK)
		return 1;
	printf("%s\n", token);
	return 0;
}

/* Abandoned uploads are looked for as often as they may expire, hourly at most. */
static int on_expiry(sd_event_source *s, uint64_t usec, void *ud)
{
	struct central *c = ud;
	uint64_t every = c->cfg.upload_expiry_seconds < 3600 ? c->cfg.upload_expiry_seconds : 3600;

	tus_expire(c);
	timer_again(s, usec, every * 1000000);
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	(void)si, (void)ud;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: outpost-central -c FILE                      serve\n"
		"       outpost-central -n -c FILE                   check the configuration\n"
		"       outpost-central -c FILE token CODE NAME      print a one-time enrolment token\n"
		"       outpost-central -c FILE clerk USER NAME DEPARTMENT\n"
		"                                                     add a clerk (or a new password); prints it\n"
		"       outpost-central -c FILE supervisor USER NAME DEPARTMENT\n"
		"                                                     the same, who also decides appeals (申诉)\n"
		"       outpost-central -c FILE event OFFICE CODE VERSION TYPE [DATA-JSON]\n"
		"                                                     a clerk's decision, as an event\n");
}

int main(int argc, char **argv)
{
	static struct central c;
	const char *conf = NULL;
	char err[256], db_path[300];
	char *cert = NULL, *key = NULL, *client_ca = NULL;
	sigset_t ss;
	bool check_only = false;
	int opt, ret;

	while ((opt = getopt(argc, argv, "c:n")) != -1) {
		if (opt == 'c') {
			conf = optarg;
		} else if (opt == 'n') {
			check_only = true;
		} else {
			usage();
			return 2;
		}
	}
	if (!conf) {
		usage();
		return 2;
	}
	log_init("outpost-central", LOG_LVL_INFO);
	if (!load_config(conf, &c.cfg))
		return 2;
	if (check_only) {
		printf("configuration OK\n");
		return 0;
	}
	umask(077);
	mkdir(c.cfg.state_dir, 0700);
	snprintf(c.uploads_dir, sizeof(c.uploads_dir), "%s/uploads", c.cfg.state_dir);
	mkdir(c.uploads_dir, 0700);
	snprintf(db_path, sizeof(db_path), "%s/central.db", c.cfg.state_dir);
	if (cdb_open(db_path, central_schema, central_schema_steps, &c.db, err, sizeof(err)) != ST_OK) {
		fprintf(stderr, "outpost-central: %s\n", err);
		return 1;
	}
	if (!load_key(&c)) {
		fprintf(stderr, "outpost-central: cannot read or make %s/central.key\n", c.cfg.state_dir);
		return 1;
	}
	if (optind < argc) {
		if (strcmp(argv[optind], "token") == 0 && argc - optind == 3)
			ret = make_token(&c, argv[optind + 1], argv[optind + 2]);
		else if (strcmp(argv[optind], "clerk") == 0 && argc - optind == 4)
			ret = central_add_clerk(&c, argv[optind + 1], argv[optind + 2], argv[optind + 3], false);
		else if (strcmp(argv[optind], "supervisor") == 0 && argc - optind == 4)
			ret = central_add_clerk(&c, argv[optind + 1], argv[optind + 2], argv[optind + 3], true);
		else if (strcmp(argv[optind], "event") == 0 && (argc - optind == 5 || argc - optind == 6)) {
			json_t *data = argc - optind == 6 ? json_loads(argv[optind + 5], 0, NULL) : json_object();

			ret = data && central_case_event(&c, argv[optind + 1], argv[optind + 2], atoi(argv[optind + 3]),
							 argv[optind + 4], data, err, sizeof(err)) == ST_OK
				  ? 0
				  : (fprintf(stderr, "outpost-central: %s\n", data ? err : "DATA is not JSON"), 1);
			json_decref(data);
		} else {
			usage();
			ret = 2;
		}
		cdb_close(&c.db);
		return ret;
	}
	if (mhd_load() != ST_OK || crypto_load() != ST_OK)
		return 1;
	if (!load_office_ca(&c)) {
		fprintf(stderr, "outpost-central: cannot read or make the office CA in %s\n", c.cfg.state_dir);
		return 1;
	}
	if (c.cfg.tls_cert[0] && (!(cert = slurp(c.cfg.tls_cert)) || !(key = slurp(c.cfg.tls_key)) ||
				  !tls_pin_of(cert, c.tls_pin, sizeof(c.tls_pin)))) {
		fprintf(stderr, "outpost-central: cannot read %s or %s\n", c.cfg.tls_cert, c.cfg.tls_key);
		return 1;
	}
	if (c.cfg.tls_client_ca[0] && !(client_ca = slurp(c.cfg.tls_client_ca))) {
		fprintf(stderr, "outpost-central: cannot read %s\n", c.cfg.tls_client_ca);
		return 1;
	}
	{
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c.cfg.port)};

		if (inet_pton(AF_INET, c.cfg.listen_address, &sin.sin_addr) != 1) {
			fprintf(stderr, "outpost-central: listen_address must be IPv4\n");
			return 2;
		}
		struct MHD_OptionItem opts[16] = {
		    {MHD_OPTION_SOCK_ADDR, 0, &sin},
		    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, &c},
		    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)mhd_loop_on_connection, &c.loop},
		    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, &c},
		    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)c.cfg.max_connections, NULL},
		    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)c.cfg.max_connections_per_address, NULL},
		    {MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL},
		    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_loop_log, NULL},
		};
		size_t n = 8;
		unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

		if (cert) {
			flags |= MHD_USE_TLS;
			opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
			opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
		}
		if (client_ca)
			opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, client_ca};
		opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
		c.loop.header_timeout_s = c.cfg.header_timeout_seconds;
		c.mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &c, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	}
	if (!c.mhd) {
		fprintf(stderr, "outpost-central: cannot listen on %s:%u\n", c.cfg.listen_address, c.cfg.port);
		return 1;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if (sd_event_default(&c.ev) < 0 || mhd_loop_attach(&c.loop, c.ev, c.mhd) != ST_OK ||
	    replay_new(c.cfg.replay_entries, &c.seen) != ST_OK || central_ui_init(&c) != ST_OK ||
	    ratings_init(&c) != ST_OK || survey_init(&c) != ST_OK)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	sd_event_add_signal(c.ev, NULL, SIGTERM, on_signal, NULL);
	sd_event_add_signal(c.ev, NULL, SIGINT, on_signal, NULL);
	c.last_event_seq = cdb_int_of(c.db, "SELECT coalesce(max(seq), 0) FROM events", 0);
	if (central_push_init(&c) != ST_OK ||
	    sd_event_add_time_relative(c.ev, &c.expiry_timer, CLOCK_MONOTONIC, 1000000, 500000, on_expiry, &c) < 0)
		return 1;
	log_info("outpost-central ready on %s://%s:%u/", cert ? "https" : "http", c.cfg.listen_address, c.cfg.port);
	ret = sd_event_loop(c.ev);
	cases_stop_pollers(&c);
	central_ui_stop(&c);
	ratings_stop(&c);
	mhd_loop_stop(&c.loop);
	central_push_free(&c);
	central_catalog_free(&c);
	ratings_free(&c);
	c.expiry_timer = sd_event_source_disable_unref(c.expiry_timer);
	c.poll_timer = sd_event_source_disable_unref(c.poll_timer);
	replay_free(&c.seen);
	sd_event_unref(c.ev);
	cdb_close(&c.db);
	free(cert);
	free(key);
	free(client_ca);
	return ret < 0 ? 1 : 0;
}
