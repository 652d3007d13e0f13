/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dev role: it alone holds the device descriptors.  It takes print jobs
 * from the core, renders them to ESC/POS and reports each job's outcome and
 * the printer's state back.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance/common/log.h"
#include "appliance/common/roleproc.h"
#include "appliance/common/sandbox.h"
#include "appliance/common/timer.h"
#include "docscan.h"
#include "painter.h"
#include "panel.h"
#include "printer.h"
#include "scanner.h"
#include "voice.h"
#include "appliance/common/receipt.h"

#define JOB_MAX_BYTES (1024 * 1024) /* a raster receipt is some 100 KiB */

static struct printer printer;

static void report_state(struct roleproc *rp)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o}", "printer", printer_state_name(printer_state(&printer)),
			      "scanner_keyboard", scanner_state(true), "scanner_serial", scanner_state(false), "panel",
			      panel_state(), "leds", panel_leds());

	if (j)
		roleproc_send(rp, MSG_DEVICE_STATE, 0, j, NULL, 0);
	json_decref(j);
}

/*
 * Jobs held while the printer cannot print (paper out, cover open,
 * offline, unplugged): receipts and slips wait here, in order, and print
 * when the printer is back; tickets are never held (a ticket counts only
 * when it printed at once).  Bounded in number and in time.
 */
#define HELD_MAX	 16
#define HELD_MAX_SECONDS 1800

static struct held_job {
	uint32_t job;
	uint8_t *bytes;
	size_t len;
	time_t since;
} held[HELD_MAX];
static unsigned nheld;

static void job_result(struct roleproc *rp, uint32_t job, const char *status)
{
	json_t *result = json_pack("{s:I, s:s, s:s}", "job", (json_int_t)job, "status", status, "printer",
				   printer_state_name(printer.last));

	if (result)
		roleproc_send(rp, MSG_PRINT_RESULT, job, result, NULL, 0);
	json_decref(result);
}

static bool printable(enum printer_state s)
{
	return s == PRINTER_READY || s == PRINTER_PAPER_NEAR_END;
}

/* Prints what waits, oldest first, while the printer takes it. */
static void flush_held(struct roleproc *rp)
{
	time_t now = time(NULL);

	while (nheld > 0) {
		struct held_job h = held[0];
		enum status st;

		if (now - h.since > HELD_MAX_SECONDS) {
			st = ST_TIMEOUT;
		} else if (!printable(printer.last)) {
			return;
		} else {
			st = printer_print(&printer, h.bytes, h.len);
			if (st != ST_OK && !printable(printer.last))
				return; /* stopped again: it stays first in line */
		}
		log_info("held job %u: %s", h.job, status_name(st));
		job_result(rp, h.job, st == ST_OK ? "ok" : status_name(st));
		free(h.bytes);
		memmove(held, held + 1, (--nheld) * sizeof(held[0]));
	}
}

static enum status print_job(struct roleproc *rp, json_t *body)
{
	json_int_t job;
	json_t *rj;
	struct receipt r;
	struct buf bytes;
	int hold = 0;
	enum status st;

	if (json_unpack(body, "{s:I, s:o, s?b}", "job", &job, "receipt", &rj, "hold", &hold) != 0 ||
	    receipt_from_json(rj, &r) != ST_OK)
		return ST_PROTO;
	buf_init(&bytes, JOB_MAX_BYTES);
	st = strcmp(rp->cfg.printer_profile, "raster") == 0
		 ? receipt_escpos_painted(&r, painter_get(rp->cfg.printer_dots), &bytes)
		 : receipt_escpos(&r, &bytes);
	if (st == ST_OK && nheld > 0 && hold && nheld < HELD_MAX) {
		st = ST_PRINTER; /* others wait already: this one queues behind them */
	} else if (st == ST_OK) {
		st = printer_print(&printer, bytes.data, bytes.len);
	}
	if (st == ST_PRINTER && hold && nheld < HELD_MAX && bytes.data) {
		held[nheld++] =
		    (struct held_job){.job = (uint32_t)job, .bytes = bytes.data, .len = bytes.len, .since = time(NULL)};
		bytes.data = NULL; /* the queue has it now */
		log_info("receipt job %lld for %s held: printer %s", (long long)job, r.case_code,
			 printer_state_name(printer.last));
		job_result(rp, (uint32_t)job, "held");
		buf_free(&bytes);
		return ST_OK;
	}
	log_info("receipt job %lld for %s: %s (%zu bytes)", (long long)job, r.case_code, status_name(st), bytes.len);
	buf_free(&bytes);
	job_result(rp, (uint32_t)job, st == ST_OK ? "ok" : status_name(st));
	return ST_OK;
}

/* A barcode read: to the core, which hands it to the page waiting for one. */
static void on_scan(void *ud, const char *source, const struct barcode_scan *scan)
{
	json_t *j = json_pack("{s:s, s:s, s:s%}", "source", source, "symbology", scan->symbology, "text", scan->text,
			      scan->len);

	if (j)
		roleproc_send(ud, MSG_SCAN, 0, j, NULL, 0);
	json_decref(j);
}

/* A panel button: to the core, which knows what it means now. */
static void on_button(void *ud, const char *action, const char *line)
{
	json_t *j = json_pack("{s:s, s:s}", "action", action, "line", line);

	if (j)
		roleproc_send(ud, MSG_BUTTON, 0, j, NULL, 0);
	json_decref(j);
}

/* A document scan's outcome: each split document's PDF, then the end. */
static void on_docscan(void *ud, struct docscan_result *r)
{
	struct roleproc *rp = ud;
	char zh[256], en[256];
	json_t *j;

	for (unsigned i = 0; strcmp(r->status, "ok") == 0 && i < r->split.ndocs; i++) {
		const struct sheets_doc *d = &r->split.doc[i];

		j = json_pack("{s:I, s:s, s:i, s:s, s:i, s:i}", "job", (json_int_t)r->job, "event", "document", "index",
			      (int)i, "case", d->case_code, "material", d->material, "pages", (int)d->npages);
		if (j)
			roleproc_send(rp, MSG_DOCSCAN_RESULT, r->job, j, &r->pdf_fd[i], 1);
		json_decref(j);
	}
	sheets_describe(&r->split, false, zh, sizeof(zh));
	sheets_describe(&r->split, true, en, sizeof(en));
	j = json_pack("{s:I, s:s, s:s, s:s, s:i, s:f, s:i, s:O}", "job", (json_int_t)r->job, "event", r->event,
		      "status", r->status, "detail", r->detail, "pages", (int)r->pages, "seconds", r->seconds,
		      "documents", strcmp(r->status, "ok") == 0 ? (int)r->split.ndocs : 0, "codes", r->codes);
	if (j && strcmp(r->status, "split") == 0)
		json_object_set_new(j, "split",
				    json_pack("{s:s, s:s, s:i}", "zh", zh, "en", en, "page", (int)r->split.page));
	if (j)
		roleproc_send(rp, MSG_DOCSCAN_RESULT, r->job, j, NULL, 0);
	json_decref(j);
	docscan_result_free(r);
}

static enum status docscan_msg(struct roleproc *rp, json_t *body)
{
	const struct config *cfg = &rp->cfg;
	struct docscan_request base = {.adf = strcmp(cfg->docscan_source, "adf") == 0,
				       .dpi = cfg->docscan_resolution,
				       .color = strcmp(cfg->docscan_mode, "color") == 0,
				       .jpeg_quality = cfg->docscan_jpeg_quality,
				       .max_pages = cfg->docscan_max_pages};
	struct docscan_cmd cmd;
	enum status st;
	json_t *j;

	snprintf(base.device, sizeof(base.device), "%s", cfg->docscan_device);
	if (docscan_cmd_from_json(body, &base, &cmd) != ST_OK)
		return ST_PROTO;
	st = docscan_submit(&cmd);
	if (st == ST_OK)
		return ST_OK;
	/* Not taken: the core hears why at once. */
	j = json_pack("{s:I, s:s, s:s, s:s, s:i, s:f, s:i, s:[]}", "job", (json_int_t)cmd.req.job, "event", "refused",
		      "status",
		      st == ST_BUSY	   ? "busy"
		      : st == ST_NOT_FOUND ? "no_job"
					   : "no_device",
		      "detail", "", "pages", 0, "seconds", 0.0, "documents", 0, "codes");
	if (j)
		roleproc_send(rp, MSG_DOCSCAN_RESULT, cmd.req.job, j, NULL, 0);
	json_decref(j);
	return ST_OK;
}

#define STATUS_POLL_USEC (5 * 1000000ULL)

/* The printer's state every few seconds, told to the core when it changes
 * (paper out, cover open, unplugged, back). */
static int on_status_poll(sd_event_source *s, uint64_t usec, void *ud)
{
	struct roleproc *rp = ud;
	enum printer_state before = printer.last;

	static const char *kbd_before = "", *ser_before = "", *panel_before = "";

	if (printer_state(&printer) != before || strcmp(kbd_before, scanner_state(true)) != 0 ||
	    strcmp(ser_before, scanner_state(false)) != 0 || strcmp(panel_before, panel_state()) != 0) {
		log_info("devices: printer %s, keyboard scanner %s, serial scanner %s, panel %s",
			 printer_state_name(printer.last), scanner_state(true), scanner_state(false), panel_state());
		kbd_before = scanner_state(true);
		ser_before = scanner_state(false);
		panel_before = panel_state();
		report_state(rp);
	}
	flush_held(rp);
	timer_again(s, usec, STATUS_POLL_USEC);
	return 0;
}

static enum status on_msg(struct channel *ch, struct chmsg *m, void *ud)
{
	(void)ch;
	if (m->type == MSG_PRINT_JOB)
		return print_job(ud, m->body);
	if (m->type == MSG_ANNOUNCE) {
		const char *label;
		int window;

		if (json_unpack(m->body, "{s:s, s:i}", "label", &label, "window", &window) != 0 || window < 1 ||
		    window > 99 || strlen(label) > 8)
			return ST_PROTO;
		if (voice_announce(label, (unsigned)window) != ST_OK)
			log_warn("voice: call of %s not announced (busy)", label);
		return ST_OK;
	}
	if (m->type == MSG_DOCSCAN)
		return docscan_msg(ud, m->body);
	if (m->type == MSG_LED) {
		enum status st = panel_apply(m->body);

		if (st == ST_OK && json_object_get(m->body, "leds"))
			report_state(ud);
		return st;
	}
	log_err("dev does not take %s messages", msg_type_name(m->type));
	return ST_PROTO;
}

static void on_reload(struct roleproc *rp)
{
	printer_close(&printer);
	if (printer_open(&printer, &rp->cfg) != ST_OK)
		log_err("printer (%s) not available after reload", rp->cfg.printer_backend);
	report_state(rp);
}

int dev_main(const char *config_path)
{
	static struct roleproc rp;
	int ret;

	roleproc_init(&rp, ROLE_DEV, config_path, on_msg);
	rp.on_reload = on_reload;
	if (printer_open(&printer, &rp.cfg) != ST_OK)
		log_err("printer (%s) not available", rp.cfg.printer_backend);
	/* iconv loads its GB18030 module on first use: do it before the sandbox. */
	{
		struct buf warm;
		struct receipt r = receipt_blank(RECEIPT_INTAKE);

		buf_init(&warm, JOB_MAX_BYTES);
		receipt_escpos(&r, &warm);
		buf_free(&warm);
	}
	if (scanner_init(rp.ev, &rp.cfg, on_scan, &rp) != ST_OK)
		log_err("barcode scanners are off");
	if (panel_init(rp.ev, &rp.cfg, on_button, &rp) != ST_OK)
		log_err("the GPIO panel is off");
	if (voice_init(rp.ev, &rp.cfg) != ST_OK)
		log_err("voice announcements are off");
	if (sandbox_enter(ROLE_DEV, &rp.cfg, config_path) != ST_OK)
		fatalx("cannot enter the sandbox");
	/* Its thread starts in the sandbox (Landlock holds for the threads a
	 * process starts after it); SANE loads on the first scan. */
	if (docscan_init(rp.ev, on_docscan, &rp) != ST_OK)
		log_err("document scanning is off");
	rp.on_start = report_state;
	if (sd_event_add_time_relative(rp.ev, NULL, CLOCK_MONOTONIC, STATUS_POLL_USEC, 500000, on_status_poll, &rp) < 0)
		fatalx("cannot arm the printer status poll");
	log_info("dev ready: printer %s (%s)", rp.cfg.printer_backend, printer_state_name(printer_state(&printer)));
	ret = roleproc_run(&rp);
	panel_free();
	docscan_free();
	voice_free();
	return ret;
}
