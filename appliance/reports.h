/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports for the office: daily and monthly counts by item, department and
 * state, handling times, and the monthly agency (代办) report as CSV and as
 * an A4 PDF.  Figures come from the case rows, which keep item, department
 * and dates after a purge, so reports survive retention.
 */
#ifndef OUTPOST_REPORTS_H
#define OUTPOST_REPORTS_H

#include <jansson.h>

#include "core.h"

/*
 * query: {"period": "day", "date": "YYYY-MM-DD"} or {"period": "month",
 * "month": "YYYY-MM"} (strings).  *out: {"period", "from", "to",
 * "total", "by_item": [...], "by_department": [...], "by_state": {...},
 * "handling": {"count", "average_hours", "longest_hours", "longest_case"}}.
 * ST_BAD_REQUEST for a bad period.
 */
enum status reports_summary(struct core *c, json_t *query, json_t **out);

/* The agency cases taken in during month ("YYYY-MM"): names masked. */
enum status reports_agency_rows(struct core *c, const char *month, json_t **rows);
/* The rows as CSV (UTF-8 with BOM, CRLF, RFC 4180 quoting, cells that a
 * spreadsheet would run as a formula defused); *out is malloc'd. */
enum status reports_agency_csv(json_t *rows, char **out, size_t *len);
/* The rows as an A4 PDF in a new sealed memfd; safe in a worker thread
 * (it touches only its arguments). */
enum status reports_agency_pdf(const char *office, const char *month, json_t *rows, int *memfd);

#endif
