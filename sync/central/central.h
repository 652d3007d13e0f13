/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outpost-central: the reference receiver of the sync protocol
 * (sync/PROTOCOL.md).  One process around sd-event: libmicrohttpd in
 * external-epoll mode (web/mhdloop.h), SQLite through the project's store
 * code, documents as files under its state folder.
 *
 *   central.c        configuration, the HTTP front, signed requests, enrolment
 *   central_tus.c    the tus 1.0 receiver (core, creation, termination, checksum)
 *   central_cases.c  batches, the case records, events and their feed
 */
#ifndef OUTPOST_CENTRAL_H
#define OUTPOST_CENTRAL_H

#include "appliance/common/tlscert.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "appliance/common/buf.h"
#include "appliance/common/sign.h"
#include "web/mhdloop.h"

#define CENTRAL_WEBHOOK_ALLOW_MAX 16

/* One network of [central] webhook_allow: IPv4 or IPv6, the first bits. */
struct central_cidr {
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	unsigned bits;
};

struct central_config {
	char listen_address[64];
	unsigned port;
	char state_dir[256];
	char tls_cert[256], tls_key[256]; /* PEM files; both empty: plain HTTP (tests only) */
	char tls_client_ca[256];	  /* set: offices (/v1/) must show a certificate it signed */
	char name[128];
	char catalog[256];	    /* the catalog document offices install (appliance/catalog.h) */
	uint64_t max_upload_bytes;  /* one document */
	uint64_t max_request_bytes; /* one JSON body (a manifest) */
	unsigned token_hours;
	unsigned upload_expiry_seconds; /* an upload not finished by then is abandoned */
	unsigned max_connections;
	unsigned max_connections_per_address;
	unsigned header_timeout_seconds; /* a connection's request headers are due within it */
	unsigned replay_entries;	 /* signatures remembered within the clock window */
	/* the clerks' login */
	unsigned logins_per_address_per_minute;
	unsigned lockout_failures, lockout_seconds;
	unsigned followup_working_days; /* a 差评's follow-up is due within them */
	/* where offices' webhook URLs may point besides public HTTPS addresses */
	struct central_cidr webhook_allow[CENTRAL_WEBHOOK_ALLOW_MAX];
	unsigned nwebhook_allow;
};

/* Central's published catalog ([central] catalog), read again only when
 * the file changes: its bytes, ETag and signature for GET /v1/catalog, and
 * its item codes for the manifests. */
struct central_catalog {
	struct timespec mtime;
	off_t size;
	char *text;
	json_t *codes; /* {item code: true} */
	char etag[24];
	char signature[8 + SIGN_B64_MAX(SIGN_SIG_LEN)];
};

struct central {
	struct central_config cfg;
	struct central_catalog catalog;
	sd_event *ev;
	struct cdb *db;
	struct MHD_Daemon *mhd;
	struct mhd_loop loop;
	uint8_t key[SIGN_KEY_LEN], pub[SIGN_KEY_LEN];
	uint8_t ratings_key[32]; /* seals call-back phones (state_dir/ratings.key) */
	char tls_pin[64]; /* of the TLS certificate's key, "" without TLS */
	/* The offices' CA: it issues each enrolled box the certificate the
	 * box serves its console with (state_dir/office-ca.key, .crt). */
	char ca_key[TLSCERT_PEM_MAX], ca_cert[TLSCERT_PEM_MAX];
	char ca_path[300];
	char uploads_dir[300];
	struct creq *pollers; /* long-polls waiting for events */
	sd_event_source *poll_timer;
	sd_event_source *push_timer, *expiry_timer;
	unsigned pushing; /* pushes in flight */
	int64_t last_event_seq;
	struct replay *seen; /* signatures taken within the clock window */
	/* the clerks' login: password checks in a worker thread, limited per
	 * address and locked per name (central_ui.c) */
	struct worker *worker;
	/* signatures checked off the loop (central_signed_async()) */
	struct worker *verifier;
	void *verifying; /* the checks handed to it, not done yet */
	struct ratelimit *logins_by_address;
	struct lockout_table *lockouts;
	struct central_login *logins; /* waiting for their password check */
	char dummy_hash[160];	      /* what an unknown name is checked against */
};

/* Why a request is refused, in the protocol's words. */
struct central_refusal {
	unsigned code;
	const char *error, *zh, *en;
};

/* One request in progress. */
struct creq {
	struct central *c;
	struct MHD_Connection *conn;
	const char *method, *url; /* url: the path, without the query */
	char raw_uri[512];	  /* as it came, with the query */
	struct buf body;	  /* JSON bodies */
	char peer[48];		  /* the client's address */
	/* refused from the headers: the body is read and dropped, then this
	 * is the answer */
	const struct central_refusal *early;
	uint64_t dropped;
	/* the office a signed request came from, once checked */
	char office[16];
	/* the office the client certificate names (with tls_client_ca) */
	char cert_office[64];
	/* tus: begun once the headers were looked at; a PATCH streams to the
	 * upload's file */
	bool tus_begun;
	struct tus_patch *patch;
	/* long-poll */
	struct creq *next_poller;
	int64_t after;
	uint64_t deadline_usec;
	bool suspended, answered;
	int code;
	json_t *answer;
	const char *set_cookie;	     /* added to the answer when set */
	char cookie[200];	     /* set_cookie's text when the request owns it */
	struct central_login *login; /* a login waiting for its password check */
	struct MHD_Response *resp;
};

/* Answers: JSON with the protocol header; errors bilingual. */
enum MHD_Result central_json(struct creq *r, unsigned code, json_t *body);
enum MHD_Result central_error(struct creq *r, unsigned code, const char *error, const char *zh, const char *en);
enum MHD_Result central_refuse(struct creq *r, const struct central_refusal *why);
/* Suspends r until central_answer_later() gives its answer (MHD resumes it
 * and the access handler sends it). */
void central_suspend(struct creq *r);
void central_answer_later(struct creq *r, unsigned code, json_t *answer);
/* Checks Outpost-Office / -Timestamp / -Signature over body, and that the
 * signature was not taken before (a replay: 409); answers itself and
 * returns false when they do not hold. */
bool central_signed(struct creq *r, const void *body, size_t len, enum MHD_Result *answered);
/* The same over r's body, the Ed25519 check on the verifier thread: r
 * waits suspended and then(r) runs in the loop once the signature held
 * (r still suspended: it answers with central_answer_later()); a refusal
 * is answered without it.  Returns false when answered already; *answered
 * is what the access handler returns either way. */
bool central_signed_async(struct creq *r, void (*then)(struct creq *r), enum MHD_Result *answered);
enum status central_verifier_new(struct central *c);
void central_verifier_free(struct central *c);
const char *central_header(struct creq *r, const char *name);
void central_now_rfc3339(char out[32]);

/* central_tus.c */
enum MHD_Result tus_request(struct creq *r, const char *upload_data, size_t *upload_size);
void tus_request_done(struct creq *r);
/* Terminates uploads left unfinished past upload_expiry_seconds; how many. */
unsigned tus_expire(struct central *c);
/* The upload id's file when it is complete and its hash is sha256. */
enum status tus_complete(struct central *c, const char *office, const char *url, const char *sha256, uint64_t size,
			 char id[33]);

/* central_ui.c */
enum status central_ui_init(struct central *c);
/* Stopping: every login waiting for its check is answered 503. */
void central_ui_stop(struct central *c);
void central_ui_request_done(struct creq *r);
/* The request carries a live clerk session's cookie. */
bool central_ui_signed_in(struct creq *r);
enum MHD_Result central_ui(struct creq *r, json_t *body);
/* outpost-central -c FILE clerk|supervisor USER NAME DEPARTMENT: prints a
 * new password; a supervisor also decides the department's appeals. */
int central_add_clerk(struct central *c, const char *username, const char *name, const char *department,
		      bool supervisor);
/* Serves an embedded page or file (sync/central/static) as the answer. */
enum MHD_Result central_ui_asset(struct creq *r, const char *path);

/* central_cases.c */
enum MHD_Result cases_batch(struct creq *r);
enum MHD_Result cases_events(struct creq *r);
enum MHD_Result cases_heartbeat(struct creq *r);
enum MHD_Result cases_catalog(struct creq *r);
void central_catalog_free(struct central *c);
/* The published catalog, read again when its file changed; NULL: none. */
const struct central_catalog *central_catalog_now(struct central *c);
/* A clerk's decision becomes an event: type case.accepted ... case.ready. */
enum status central_case_event(struct central *c, const char *office, const char *code, int version, const char *type,
			       json_t *data, char *why, size_t whylen);
void cases_wake_pollers(struct central *c);
/* Stopping: every long-poll is resumed with its answer (mhd_loop_stop). */
void cases_stop_pollers(struct central *c);

/* central_push.c: events pushed to offices as Standard Webhooks, only to
 * public HTTPS addresses or the allowed networks: checked when an office
 * gives the URL (why: a message for the 400) and again on every
 * connection, so a name that resolves elsewhere later is not followed. */
bool central_webhook_ok(const struct central *c, const char *url, char *why, size_t cap);
enum status central_push_init(struct central *c);
void central_push_kick(struct central *c);
void central_push_free(struct central *c);

extern const char *const central_schema[];
extern const int central_schema_steps;

#endif
