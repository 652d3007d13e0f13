/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The intake receipt (回执单): what the citizen takes home.  The core fills a
 * struct receipt, sends it to the dev process as JSON, and the dev process
 * renders ESC/POS bytes for the printer; the same struct renders the plain
 * text preview shown in the staff console.  Pure code.
 */
#ifndef OUTPOST_RECEIPT_H
#define OUTPOST_RECEIPT_H

#include <jansson.h>

#include "buf.h"
#include "escpos.h"

/* What is printed: the intake receipt the citizen keeps, the cover sheet
 * that leads a case's pages through the document scanner, the handover
 * slip signed at pickup, the queue ticket (case_code holds the ticket
 * number, item_name its category, received_at the time), and the setup
 * slip of a new box (case_code holds the office code, inquiry the
 * console's URL, lines the certificate's fingerprint and what to do). */
enum receipt_kind {
	RECEIPT_INTAKE = 0,
	RECEIPT_COVER,
	RECEIPT_HANDOVER,
	RECEIPT_TICKET,
	RECEIPT_SETUP,
	__RECEIPT_KIND_MAX
};

#define RECEIPT_MAX_LINES      40
#define RECEIPT_MAX_SEPARATORS 40

/* A separator sheet printed after a cover sheet: one per material, its
 * QR naming the case, the material and its pages (sheets.h). */
struct receipt_separator {
	int material;
	int pages;
	const char *name;
};

/* Every string is UTF-8 and borrowed: it must outlive the struct's use.
 * Strings a kind does not use are "". */
struct receipt {
	enum receipt_kind kind;
	const char *office_name;
	const char *case_code;
	const char *item_name;
	const char *department;
	const char *applicant; /* already masked for print, e.g. "张*三" */
	const char *received_at;
	const char *promised_by; /* intake */
	const char *pickup_code; /* intake; printed, never previewed */
	const char *inquiry;	 /* intake: how to ask about the case */
	/* 好差评: the service's 评价码 (ticket, intake, handover) and the phone
	 * page's URL, a second QR (intake, handover); "" without */
	const char *rating_code;
	const char *rating_url;
	/* Kind-specific lines: materials received, who collected, ... */
	const char *lines[RECEIPT_MAX_LINES];
	unsigned nlines;
	int documents;
	/* Cover only: the separator sheets that follow it in the same job. */
	struct receipt_separator separators[RECEIPT_MAX_SEPARATORS];
	unsigned nseparators;
};

/* A receipt of that kind with every string "" (then fill what it uses). */
struct receipt receipt_blank(enum receipt_kind kind);

/* Returns a new JSON object (caller decrefs) or NULL when out of memory. */
json_t *receipt_to_json(const struct receipt *r);
/* Points r's strings into obj, which must outlive r.  ST_BAD_FIELD when a
 * member is missing or of the wrong type. */
enum status receipt_from_json(json_t *obj, struct receipt *r);

/* The QR payload (UTF-8) for a case code; out must hold 160 bytes. */
void receipt_qr_payload(const struct receipt *r, char *out, size_t cap);

enum status receipt_escpos(const struct receipt *r, struct buf *out);

/*
 * The raster profile, for printers without a Chinese font or native QR:
 * every line and the QR are drawn by the painter and sent as images.
 * Each function fills img with bits the caller frees (free(img->bits)).
 */
struct receipt_painter {
	enum status (*text)(void *ctx, const char *utf8, unsigned scale, bool bold, struct escpos_image *img);
	enum status (*qr)(void *ctx, const char *payload, unsigned module, struct escpos_image *img);
	void *ctx;
};
enum status receipt_escpos_painted(const struct receipt *r, const struct receipt_painter *p, struct buf *out);
/* The readable preview; the pickup code is not shown there, only printed. */
enum status receipt_text(const struct receipt *r, struct buf *out);

/* Masks a name for print: keeps the first and last character ("张*三",
 * "李*"); writes at most cap bytes. */
void receipt_mask_name(const char *name, char *out, size_t cap);

#endif
