/* SPDX-License-Identifier: Apache-2.0 */
#include "printjobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "common/log.h"
#include "common/msg.h"
#include "reply.h"

enum status printjobs_init(struct core *c)
{
	c->nwaits = c->cfg.max_pending;
	c->waits = calloc(c->nwaits, sizeof(*c->waits));
	return c->waits ? ST_OK : ST_NOMEM;
}

static void wait_free(struct print_wait *w)
{
	w->timer = sd_event_source_disable_unref(w->timer);
	json_decref(w->answer);
	memset(w, 0, sizeof(*w));
}

/* Answers a waiting clerk with the case and what became of its receipt. */
static void wait_answer(struct print_wait *w, enum status outcome, const char *printer)
{
	json_t *receipt;

	if (w->done) {
		w->done(w, outcome);
	} else if (w->web_id) {
		static const char *const done[__RECEIPT_KIND_MAX][__LANG_MAX] = {
		    {"回执已打印", "receipt printed"},
		    {"封面页已打印", "cover sheet printed"},
		    {"交接单已打印", "handover slip printed"},
		    {"取号凭条已打印", "ticket printed"},
		};

		receipt = json_pack("{s:b, s:s, s:s}", "printed", outcome == ST_OK, "printer", printer, "message",
				    outcome == ST_OK ? done[w->kind][w->lang] : status_message(outcome, w->lang));
		json_object_set_new(w->answer, w->kind == RECEIPT_INTAKE ? "receipt" : "slip", receipt);
		if (w->kind == RECEIPT_INTAKE)
			json_object_set_new(w->answer, "receipt_state",
					    json_string(outcome == ST_OK ? "printed" : "failed"));
		reply_json(w->core, w->web_id, w->answer_http, json_incref(w->answer), NULL, -1);
	}
	wait_free(w);
}

static int on_print_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	struct print_wait *w = ud;
	struct core *c = w->core;
	int64_t case_id = w->case_id;

	(void)s;
	(void)usec;
	bool intake = w->kind == RECEIPT_INTAKE;

	log_warn("print job %u: no answer from the printer in %u s", w->job, c->cfg.printer_timeout_s);
	wait_answer(w, ST_TIMEOUT, c->printer_state);
	if (intake)
		cases_set_receipt_state(c, case_id, "failed");
	return 0;
}

enum status printjobs_send(struct core *c, json_t *receipt, enum receipt_kind kind, int64_t case_id, uint32_t web_id,
			   int http, json_t *answer, enum lang lang,
			   void (*done)(struct print_wait *w, enum status outcome), const struct queue_ticket *ticket)
{
	struct print_wait *w = NULL;
	json_t *job = NULL;
	enum status st = receipt ? ST_OK : ST_NOMEM;

	for (unsigned i = 0; i < c->nwaits; i++) {
		if (c->waits[i].job == 0) {
			w = &c->waits[i];
			break;
		}
	}
	if (st == ST_OK && !w)
		st = ST_BUSY;
	if (st == ST_OK) {
		if (++c->next_job == 0) /* 0 marks a free slot */
			c->next_job = 1;
		*w = (struct print_wait){.job = c->next_job,
					 .web_id = web_id,
					 .case_id = case_id,
					 .kind = kind,
					 .lang = lang,
					 .answer = answer,
					 .answer_http = http,
					 .core = c,
					 .done = done};
		if (ticket)
			w->ticket = *ticket;
		answer = NULL;
		/* Receipts and slips may wait for paper; a ticket may not. */
		job = json_pack("{s:I, s:o, s:b}", "job", (json_int_t)w->job, "receipt", receipt, "hold",
				kind != RECEIPT_TICKET);
		receipt = NULL;
		st = job ? core_send(c, ROLE_DEV, MSG_PRINT_JOB, w->job, job, NULL, 0, NULL, 0) : ST_NOMEM;
	}
	if (st == ST_OK &&
	    sd_event_add_time_relative(c->ev, &w->timer, CLOCK_MONOTONIC, (uint64_t)c->cfg.printer_timeout_s * 1000000,
				       100000, on_print_timeout, w) < 0)
		st = ST_NOMEM;
	json_decref(job);
	json_decref(receipt);
	if (st != ST_OK) {
		log_warn("slip not printed: %s", status_name(st));
		if (case_id && kind == RECEIPT_INTAKE)
			cases_set_receipt_state(c, case_id, "failed");
		if (w && w->job) {
			wait_answer(w, st == ST_UNAVAILABLE ? ST_PRINTER : st, c->printer_state);
		} else if (done) {
			struct print_wait failed = {.core = c, .web_id = web_id, .lang = lang, .done = done};

			if (ticket)
				failed.ticket = *ticket;
			done(&failed, st == ST_UNAVAILABLE ? ST_PRINTER : st);
		} else if (answer && web_id) {
			reply_json(c, web_id, http, answer, NULL, -1), answer = NULL;
		}
		json_decref(answer);
	}
	return st;
}

static void setup_printed(struct print_wait *w, enum status outcome)
{
	(void)w;
	if (outcome == ST_OK)
		log_info("setup slip printed: console address and certificate fingerprint");
	else
		log_warn("setup slip not printed: %s (outpostctl setup-slip prints it again)", status_name(outcome));
}

enum status printjobs_setup_slip(struct core *c)
{
	char office[64], url[320], fp[4][40];
	const char *fingerprint = c->tls.fingerprint;
	struct receipt r = receipt_blank(RECEIPT_SETUP);

	r.office_name = c->cfg.office_name;
	r.case_code = c->cfg.office_code;
	r.inquiry = url;
	snprintf(office, sizeof(office), "服务站编码：%s", c->cfg.office_code);
	/* The box's first LAN name when it has some, else its address. */
	{
		char host[256];
		size_t n;

		snprintf(host, sizeof(host), "%s", c->cfg.tls_names);
		n = strcspn(host, ", ");
		host[n] = '\0';
		snprintf(url, sizeof(url), "https://%s:%u/staff/", n ? host : c->cfg.listen_address, c->cfg.https_port);
	}
	/* 95 characters: four lines of eight bytes ("AB:CD:..."). */
	for (int i = 0; i < 4; i++)
		snprintf(fp[i], sizeof(fp[i]), "%.23s",
			 strlen(fingerprint) > (size_t)i * 24 ? fingerprint + i * 24 : "");
	r.lines[r.nlines++] = office;
	r.lines[r.nlines++] = "工作人员控制台 Staff console:";
	r.lines[r.nlines++] = url;
	r.lines[r.nlines++] = c->tls.issued ? "证书（中心签发）SHA-256 指纹：" : "证书（自签名）SHA-256 指纹：";
	for (int i = 0; i < 4; i++)
		r.lines[r.nlines++] = fp[i];
	r.lines[r.nlines++] = "浏览器提示证书不受信任时，";
	r.lines[r.nlines++] = "请核对证书指纹与本单一致再继续；";
	r.lines[r.nlines++] = "不一致请勿输入密码。";
	r.lines[r.nlines++] = "登记到中心后，证书由中心签发。";
	r.lines[r.nlines++] = "If the browser warns, compare the";
	r.lines[r.nlines++] = "fingerprint with this slip first.";
	return printjobs_send(c, receipt_to_json(&r), RECEIPT_SETUP, 0, 0, 0, NULL, LANG_ZH, setup_printed, NULL);
}

enum status printjobs_slip(struct core *c, const char *code, enum receipt_kind kind, uint32_t web_id, int http,
			   json_t *answer, enum lang lang)
{
	json_t *receipt = NULL;
	int64_t case_id = 0;
	enum status st = cases_slip(c, code, kind, &receipt, &case_id);

	if (st != ST_OK) {
		if (answer && web_id)
			reply_json(c, web_id, http, answer, NULL, -1);
		else
			json_decref(answer);
		return st;
	}
	return printjobs_send(c, receipt, kind, case_id, web_id, http, answer, lang, NULL, NULL);
}

/* The clerk hears that the slip waits for the printer; the slot stays
 * (without anyone waiting) until the printer's final word. */
static void wait_held(struct print_wait *w, const char *printer)
{
	json_t *receipt;

	w->timer = sd_event_source_disable_unref(w->timer);
	if (!w->web_id)
		return;
	receipt = json_pack("{s:b, s:b, s:s, s:s}", "printed", false, "held", true, "printer", printer, "message",
			    status_message(ST_PRINT_HELD, w->lang));
	json_object_set_new(w->answer, w->kind == RECEIPT_INTAKE ? "receipt" : "slip", receipt);
	reply_json(w->core, w->web_id, w->answer_http, json_incref(w->answer), NULL, -1);
	json_decref(w->answer);
	w->answer = NULL;
	w->web_id = 0;
}

enum status printjobs_result(struct core *c, json_t *body)
{
	json_int_t job;
	const char *status, *printer;
	bool printed;

	if (json_unpack(body, "{s:I, s:s, s:s}", "job", &job, "status", &status, "printer", &printer) != 0)
		return ST_PROTO;
	snprintf(c->printer_state, sizeof(c->printer_state), "%s", printer);
	printed = strcmp(status, "ok") == 0;
	for (unsigned i = 0; i < c->nwaits; i++) {
		struct print_wait *w = &c->waits[i];

		int64_t case_id = w->case_id;
		bool intake = w->kind == RECEIPT_INTAKE;

		if (w->job == 0 || w->job != job)
			continue;
		if (strcmp(status, "held") == 0) {
			wait_held(w, printer);
			return ST_OK;
		}
		/* The clerk (or the kiosk's queue, even with nobody waiting any
		 * more) hears first; the bookkeeping commit follows. */
		wait_answer(w, printed ? ST_OK : ST_PRINTER, printer);
		if (intake)
			cases_set_receipt_state(c, case_id, printed ? "printed" : "failed");
		return ST_OK;
	}
	log_warn("print result for unknown job %lld", (long long)job);
	return ST_OK;
}

void printjobs_web_gone(struct core *c)
{
	for (unsigned i = 0; i < c->nwaits; i++)
		c->waits[i].web_id = 0;
}

void printjobs_free(struct core *c)
{
	for (unsigned i = 0; i < c->nwaits; i++) {
		if (c->waits[i].job)
			wait_free(&c->waits[i]);
	}
	free(c->waits);
	c->waits = NULL;
}
