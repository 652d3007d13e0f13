/* SPDX-License-Identifier: Apache-2.0 */
#include "kiosk.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "leds.h"
#include "common/msg.h"
#include "common/ratelimit.h"
#include "printjobs.h"
#include "queue.h"
#include "reply.h"

/* A kiosk's request for a ticket, waiting its turn: tickets are printed one
 * at a time, so numbers go out in order and a failed print leaves no gap. */
struct kiosk_request {
	uint32_t web_id;
	uint32_t web_epoch;
	enum lang lang;
	json_t *body;
};

void kiosk_queue_changed(struct core *c, json_t *announce)
{
	json_t *d = queue_display(c);

	if (d)
		core_send(c, ROLE_WEB, MSG_DISPLAY, 0, d, NULL, 0, NULL, 0);
	json_decref(d);
	if (announce && strcmp(c->cfg.voice_output, "off") != 0)
		core_send(c, ROLE_DEV, MSG_ANNOUNCE, 0, announce, NULL, 0, NULL, 0);
	json_decref(announce);
}

void kiosk_display_push(struct core *c)
{
	kiosk_queue_changed(c, NULL);
}

static void kiosk_next(struct core *c);

static void ticket_answer(struct core *c, uint32_t web_id, uint32_t epoch, enum lang lang, enum status st,
			  struct case_error *why, json_t *ticket)
{
	json_t *body;

	if (web_id == 0 || epoch != c->web_epoch) { /* a panel button, or a dead web */
		if (web_id == 0 && st != ST_OK)
			leds_buzz(c);
		json_decref(ticket);
		json_decref(why->extra);
		return;
	}
	if (st == ST_OK) {
		reply_json(c, web_id, 201, ticket, NULL, -1);
		return;
	}
	body = status_json(st, lang, why->field);
	if (body && why->extra)
		json_object_update(body, why->extra);
	json_decref(why->extra);
	if (st == ST_PRINTER && body)
		json_object_set_new(body, "printer", json_string(c->printer_state));
	reply_json(c, web_id, status_http(st), body, NULL, -1);
}

/* The printer's word on a ticket: only a printed ticket is issued. */
static void ticket_printed(struct print_wait *w, enum status outcome)
{
	struct core *c = w->core;
	struct case_error why = {0};
	json_t *ticket = NULL;
	enum status st = outcome;

	if (st == ST_OK)
		st = queue_commit_ticket(c, &w->ticket, &ticket);
	if (st == ST_OK)
		log_info("ticket %s issued (%s)", w->ticket.label, w->ticket.category_name);
	else
		log_warn("ticket %s not issued: %s", w->ticket.label, status_name(st));
	ticket_answer(c, w->web_id, c->web_epoch, w->lang, st, &why, ticket);
	if (st == ST_OK)
		kiosk_queue_changed(c, NULL);
	c->kiosk_busy = false;
	kiosk_next(c);
}

/* Takes the next waiting kiosk request, if the printer is free. */
static void kiosk_next(struct core *c)
{
	while (!c->kiosk_busy && c->kiosk_count > 0) {
		struct kiosk_request *k = &c->kiosk[c->kiosk_head];
		struct kiosk_request req = *k;
		struct case_error why = {0};
		struct queue_ticket t;
		json_t *ticket = NULL;
		enum status st;

		c->kiosk_head = (c->kiosk_head + 1) % c->nkiosk;
		c->kiosk_count--;
		memset(k, 0, sizeof(*k));
		if (req.web_id != 0 && req.web_epoch != c->web_epoch) {
			json_decref(req.body);
			continue;
		}
		st = queue_prepare_ticket(c, req.body, &t, &why);
		json_decref(req.body);
		if (st == ST_OK && !c->cfg.print_tickets) {
			st = queue_commit_ticket(c, &t, &ticket);
			ticket_answer(c, req.web_id, req.web_epoch, req.lang, st, &why, ticket);
			if (st == ST_OK)
				kiosk_queue_changed(c, NULL);
			continue;
		}
		if (st != ST_OK) {
			ticket_answer(c, req.web_id, req.web_epoch, req.lang, st, &why, NULL);
			continue;
		}
		c->kiosk_busy = true;
		printjobs_send(c, queue_ticket_slip(c, &t), RECEIPT_TICKET, 0, req.web_id, 201, NULL, req.lang,
			       ticket_printed, &t);
	}
}

enum status kiosk_enqueue(struct core *c, json_t *body, uint32_t web_id, enum lang lang)
{
	int64_t minute = (int64_t)core_now() / 60;
	const char *category;

	if (minute != c->kiosk_minute) {
		c->kiosk_minute = minute;
		c->kiosk_in_minute = 0;
	}
	if (c->kiosk_in_minute >= c->cfg.kiosk_tickets_per_minute)
		return ST_TOO_MANY_TICKETS;
	if (c->kiosk_count >= c->nkiosk)
		return ST_BUSY;
	/* Kiosks and buttons together: one category cannot be drained in
	 * minutes, whoever asks. */
	category = json_string_value(json_object_get(body, "category"));
	if (!ratelimit_take(c->tickets_by_category, category ? category : "",
			    c->cfg.kiosk_tickets_per_category_per_minute, core_now()))
		return ST_TOO_MANY_TICKETS;
	c->kiosk_in_minute++;
	c->kiosk[(c->kiosk_head + c->kiosk_count) % c->nkiosk] = (struct kiosk_request){
	    .web_id = web_id, .web_epoch = c->web_epoch, .lang = lang, .body = json_incref(body)};
	c->kiosk_count++;
	kiosk_next(c);
	return ST_OK;
}

enum status kiosk_init(struct core *c)
{
	c->nkiosk = c->cfg.max_pending;
	c->kiosk = calloc(c->nkiosk, sizeof(*c->kiosk));
	return c->kiosk ? ST_OK : ST_NOMEM;
}

void kiosk_free(struct core *c)
{
	for (unsigned i = 0; i < c->nkiosk; i++)
		json_decref(c->kiosk[i].body);
	free(c->kiosk);
	c->kiosk = NULL;
}
