/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Print jobs: every slip the core sends to the dev process (receipts,
 * cover sheets, handover slips, queue tickets, the setup slip) takes one of
 * cfg.max_pending slots until the printer's word or the printer timeout,
 * and the clerk waiting for it (a web request) is answered then.
 */
#ifndef OUTPOST_PRINTJOBS_H
#define OUTPOST_PRINTJOBS_H

#include <jansson.h>
#include <stdint.h>

#include "core.h"
#include "common/receipt.h"
#include "queue.h"

/*
 * A case whose receipt is printing: the clerk's request is answered when the
 * dev process reports the job or the printer timeout passes.
 */
struct print_wait {
	uint32_t job;
	uint32_t web_id; /* 0: no one waits (reprint, or the web restarted) */
	int64_t case_id;
	enum receipt_kind kind;
	enum lang lang;
	json_t *answer; /* the case, sent with the receipt outcome */
	int answer_http;
	sd_event_source *timer;
	struct core *core;
	/* Set for a queue ticket: called with the outcome instead of the
	 * usual answer, and the ticket it prints. */
	void (*done)(struct print_wait *w, enum status outcome);
	struct queue_ticket ticket;
};

enum status printjobs_init(struct core *c);
void printjobs_free(struct core *c);

/* Sends a slip (receipt JSON, stolen) to the dev process.  With web_id set
 * the clerk's answer (stolen, answered with http) waits for the outcome;
 * with done set, done is told instead (ticket: the queue ticket it prints).
 * case_id names the case whose receipt it is (0: none). */
enum status printjobs_send(struct core *c, json_t *receipt, enum receipt_kind kind, int64_t case_id, uint32_t web_id,
			   int http, json_t *answer, enum lang lang,
			   void (*done)(struct print_wait *w, enum status outcome), const struct queue_ticket *ticket);
/* Prints a slip of a committed case, as printjobs_send(). */
enum status printjobs_slip(struct core *c, const char *code, enum receipt_kind kind, uint32_t web_id, int http,
			   json_t *answer, enum lang lang);
/* Prints the setup slip: the console's HTTPS address and the certificate's
 * fingerprint (at the first start, and on outpostctl setup-slip). */
enum status printjobs_setup_slip(struct core *c);
/* A print result from the dev process. */
enum status printjobs_result(struct core *c, json_t *body);
/* The web process went away: pending answers have nobody to go to. */
void printjobs_web_gone(struct core *c);

#endif
