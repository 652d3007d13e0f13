/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Document scanning through SANE, in a worker thread of the dev process
 * (a scan takes seconds to minutes; the loop keeps serving the printer,
 * the barcode scanners and the panel meanwhile).  One job at a time: the
 * pages of a flatbed scan or of an ADF stack are read, their barcodes
 * found by ZBar on the gray image, encoded as JPEG (libjpeg-turbo), split
 * by the cover and separator sheets (sheets.h) and made into one PDF per
 * material with the JPEG embedded as is (cairo).  The loop hears of each
 * page and of the end through docscan_done's callback.
 */
#ifndef OUTPOST_DOCSCAN_H
#define OUTPOST_DOCSCAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "appliance/common/casecode.h"
#include "appliance/common/status.h"
#include "appliance/common/sheets.h"

#define DOCSCAN_MAX_OPTIONS 8

struct docscan_request {
	uint32_t job;
	char device[64]; /* a SANE device name; empty: the first one found */
	bool adf;
	unsigned dpi;
	bool color;
	unsigned jpeg_quality;
	unsigned max_pages;
	bool test; /* the device page's test scan: count and decode, no split */
	/* backend options by name, e.g. pnm's filename or status-jammed */
	struct {
		char name[32], value[256];
	} opt[DOCSCAN_MAX_OPTIONS];
	unsigned nopt;
	char target_case[CASECODE_MAX];
	int target_material;
};

/*
 * A job is a session: start scans (a flatbed: one page; an ADF: the whole
 * stack); with more set the session stays open and each "more" scans
 * another page or stack (the clerk turns pages on a flatbed; opt then
 * holds options for that scan only); finish splits and makes the PDFs;
 * cancel drops what was scanned.  Without more, start finishes by itself.
 */
enum docscan_op { DOCSCAN_START, DOCSCAN_MORE, DOCSCAN_FINISH, DOCSCAN_CANCEL };

struct docscan_cmd {
	enum docscan_op op;
	bool more;
	struct docscan_request req; /* start: all of it; more: job and opt */
};

/* What became of a command.  event: "scanned" (the session stays open
 * for more) or "done" (the job is over).  status: "ok", or the SANE
 * condition: "jammed", "cover_open", "no_docs", "busy", "io_error",
 * "no_device", "bad_option", "unsupported", "too_many_pages", "no_memory",
 * "split" (the sheets did not add up; split.problem says how). */
struct docscan_result {
	uint32_t job;
	const char *event;
	const char *status;
	char detail[160]; /* the option or device it is about */
	unsigned pages;
	double seconds;
	struct sheets_split split;
	int pdf_fd[SHEETS_MAX_DOCS]; /* done, ok: one sealed memfd per split document */
	json_t *codes;		     /* the barcodes found, [[text, ...] per page] */
};

typedef void docscan_cb(void *ud, struct docscan_result *r);

/* Reads a command from the core's MSG_DOCSCAN body over the defaults in
 * base (device, adf, dpi, color, jpeg_quality, max_pages); ST_PROTO when
 * it is malformed. */
enum status docscan_cmd_from_json(json_t *body, const struct docscan_request *base, struct docscan_cmd *out);

/* Starts the SANE worker; done (the caller frees r) is called in the loop
 * once per command. */
enum status docscan_init(sd_event *ev, docscan_cb *done, void *ud);
/* ST_BUSY while a command runs; ST_NOT_FOUND for another job's more,
 * finish or cancel. */
enum status docscan_submit(const struct docscan_cmd *cmd);
void docscan_result_free(struct docscan_result *r);
void docscan_free(void);

/* One command on the calling thread (the benchmark). */
struct docscan_result *docscan_run(const struct docscan_cmd *cmd);

#endif
