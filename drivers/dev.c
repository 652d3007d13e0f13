/*
 * The dev role: it alone holds the device descriptors.  It takes print jobs
 * from the core, renders them to ESC/POS and reports each job's outcome and
 * the printer's state back.
 */
#include <string.h>

#include "appliance/log.h"
#include "appliance/roleproc.h"
#include "appliance/sandbox.h"
#include "printer.h"
#include "scanner.h"
#include "voice.h"
#include "receipt.h"

#define JOB_MAX_BYTES (64 * 1024)

int dev_main(const char *config_path);

static struct printer printer;

static void report_state(struct roleproc *rp)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "printer", printer_state_name(printer_state(&printer)),
			      "scanner_keyboard", scanner_state(true), "scanner_serial", scanner_state(false));

	if (j)
		roleproc_send(rp, MSG_DEVICE_STATE, 0, j, NULL, 0);
	json_decref(j);
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

#define STATUS_POLL_USEC (5 * 1000000ULL)

/* The printer's state every few seconds, told to the core when it changes
 * (paper out, cover open, unplugged, back). */
static int on_status_poll(sd_event_source *s, uint64_t usec, void *ud)
{
	struct roleproc *rp = ud;
	enum printer_state before = printer.last;

	static const char *kbd_before = "", *ser_before = "";

	if (printer_state(&printer) != before || strcmp(kbd_before, scanner_state(true)) != 0 ||
	    strcmp(ser_before, scanner_state(false)) != 0) {
		log_info("devices: printer %s, keyboard scanner %s, serial scanner %s",
			 printer_state_name(printer.last), scanner_state(true), scanner_state(false));
		kbd_before = scanner_state(true);
		ser_before = scanner_state(false);
		report_state(rp);
	}
	sd_event_source_set_time(s, usec + STATUS_POLL_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ON);
	return 0;
}

static enum status print_job(struct roleproc *rp, json_t *body)
{
	json_int_t job;
	json_t *rj, *result;
	struct receipt r;
	struct buf bytes;
	enum status st;

	if (json_unpack(body, "{s:I, s:o}", "job", &job, "receipt", &rj) != 0 || receipt_from_json(rj, &r) != ST_OK)
		return ST_PROTO;
	buf_init(&bytes, JOB_MAX_BYTES);
	st = receipt_escpos(&r, &bytes);
	if (st == ST_OK)
		st = printer_print(&printer, bytes.data, bytes.len);
	log_info("receipt job %lld for %s: %s (%zu bytes)", (long long)job, r.case_code, status_name(st), bytes.len);
	buf_free(&bytes);
	result = json_pack("{s:I, s:s, s:s}", "job", job, "status", st == ST_OK ? "ok" : status_name(st), "printer",
			   printer_state_name(printer.last));
	if (result)
		roleproc_send(rp, MSG_PRINT_RESULT, (uint32_t)job, result, NULL, 0);
	json_decref(result);
	return ST_OK;
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
		struct receipt r = {.kind = RECEIPT_INTAKE,
				    .office_name = "",
				    .case_code = "",
				    .item_name = "",
				    .department = "",
				    .applicant = "",
				    .received_at = "",
				    .promised_by = "",
				    .pickup_code = "",
				    .inquiry = ""};

		buf_init(&warm, JOB_MAX_BYTES);
		receipt_escpos(&r, &warm);
		buf_free(&warm);
	}
	if (scanner_init(rp.ev, &rp.cfg, on_scan, &rp) != ST_OK)
		log_err("barcode scanners are off");
	if (voice_init(rp.ev, &rp.cfg) != ST_OK)
		log_err("voice announcements are off");
	if (sandbox_enter(ROLE_DEV, config_path) != ST_OK)
		fatalx("cannot enter the sandbox");
	rp.on_start = report_state;
	if (sd_event_add_time_relative(rp.ev, NULL, CLOCK_MONOTONIC, STATUS_POLL_USEC, 500000, on_status_poll, &rp) < 0)
		fatalx("cannot arm the printer status poll");
	log_info("dev ready: printer %s (%s)", rp.cfg.printer_backend, printer_state_name(printer_state(&printer)));
	ret = roleproc_run(&rp);
	voice_free();
	return ret;
}
