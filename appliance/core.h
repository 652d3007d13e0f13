/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core: the parent process.  It owns the database, the document store
 * and every key, keeps the business rules, and supervises the web, dev and
 * sync children.  Authorization lives here; the web only carries requests.
 */
#ifndef OUTPOST_CORE_H
#define OUTPOST_CORE_H

#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <systemd/sd-event.h>

#include "auth.h"
#include "child.h"
#include "common/config.h"
#include "common/memo.h"
#include "docstore.h"
#include "lantls.h"
#include "vault.h"
#include "common/worker.h"

#define CORE_MAX_SCANS 32

struct print_wait;
struct kiosk_request;
struct store_checkpointer;
struct audit_anchor;
struct control;
struct ratelimit;

struct core {
	sd_event *ev;
	const char *config_path;
	struct config cfg;
	char exe[PATH_MAX];
	struct child_env env;
	struct child children[__ROLE_MAX];
	sqlite3 *db;
	struct docstore *docs;
	struct memo lists; /* rendered case lists, cases.c */
	struct vault *vault;
	struct lantls tls;	     /* the office LAN's HTTPS identity */
	struct audit_anchor *anchor; /* the audit chain's head outside the database */
	sd_event_source *anchor_timer;
	sd_event_source *purge_timer;
	struct auth *auth;
	struct control *control;
	struct worker *worker;
	struct store_checkpointer *checkpointer;
	uint32_t web_epoch; /* counts web processes, to drop answers for a dead one */
	char printer_state[32];
	char scanner_keyboard[16], scanner_serial[16]; /* ready, disconnected, none */
	uint64_t started_usec;
	uint32_t next_job;
	struct print_wait *waits; /* cfg.max_pending slots */
	unsigned nwaits;
	/* Kiosk ticket requests waiting for the printer, a ring of nkiosk. */
	struct kiosk_request *kiosk;
	unsigned nkiosk, kiosk_head, kiosk_count;
	bool kiosk_busy;
	bool setup_slip_due; /* a new certificate: the setup slip prints once dev is up */
	int64_t kiosk_minute;
	unsigned kiosk_in_minute;
	/* Public requests per client address and per category (api.c). */
	struct ratelimit *logins_by_address, *tickets_by_address, *tickets_by_category, *ratings_by_address;
	/* Failed logins under unknown or locked names, audited one by one up
	 * to a number a minute, then counted (api.c). */
	uint64_t login_audit_minute;
	unsigned login_audit_rows, login_audit_more;
	char login_audit_last_peer[64];
	/* The last barcode scans, for the page waiting for one. */
	json_t *scans; /* array, at most CORE_MAX_SCANS */
	uint64_t scan_seq;
	/* The GPIO panel: its state, the LEDs as the dev process set them,
	 * the last presses (buttons.h), and the LED bits last sent. */
	char panel_state[16];
	json_t *leds;
	json_t *presses;
	uint64_t press_seq;
	unsigned led_bits;
	uint64_t led_test_until; /* the device page tries an LED until then */
	sd_event_source *led_timer;
	struct scanjobs *scanjobs;					 /* scanjobs.h */
	sd_event_source *outbox_timer, *release_timer, *heartbeat_timer; /* outbox.h */
	/* ratings.h: a lot of ratings with the sync process, its retry */
	bool ratings_busy;
	json_t *rating_reasons; /* the catalog's list, parsed once; NULL: read it again */
	sd_event_source *ratings_timer;
	bool outbox_open;	/* batches are made until nothing waits */
	uint64_t outbox_resend; /* "send now" at: cases central refused before then go again */
	/* Central's reachability as the sync process last told it (outbox.h);
	 * unknown until enrolled and first in touch. */
	enum { CENTRAL_UNKNOWN, CENTRAL_REACHABLE, CENTRAL_UNREACHABLE } central;
	char central_message[256];
	int64_t central_since;
};

/* Wall-clock seconds (the fake clock of test builds would hook here). */
uint64_t core_now(void);

/* Sends a message (see channel_send) to a child; ST_UNAVAILABLE when it is
 * down. */
enum status core_send(struct core *c, enum role role, enum msg_type type, uint32_t id, json_t *body, const void *tail,
		      size_t tail_len, const int *fds, unsigned nfds);

/* Sends the HTTPS certificate and key to the web process (at its hello,
 * and when central issued a new certificate). */
void core_send_tls(struct core *c);

/* The status document shared by /api/v1/health and outpostctl. */
json_t *core_status_json(struct core *c, bool detailed);
bool core_all_up(const struct core *c);

#endif
