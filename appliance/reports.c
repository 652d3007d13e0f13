/* SPDX-License-Identifier: Apache-2.0 */
#include "reports.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdio.h"
#include "common/log.h"
#include "common/store.h"

/* [from, to) in local time for a day or a month; false when malformed. */
static bool period_bounds(json_t *query, int64_t *from, int64_t *to, char *label, size_t cap)
{
	const char *period = json_string_value(json_object_get(query, "period"));
	const char *date =
	    json_string_value(json_object_get(query, period && strcmp(period, "day") == 0 ? "date" : "month"));
	struct tm tm = {0};
	char *end;

	if (!period || !date)
		return false;
	if (strcmp(period, "day") == 0)
		end = strptime(date, "%Y-%m-%d", &tm);
	else if (strcmp(period, "month") == 0)
		end = strptime(date, "%Y-%m", &tm);
	else
		return false;
	if (!end || *end || tm.tm_year < 100 || tm.tm_year > 300)
		return false;
	if (strcmp(period, "month") == 0)
		tm.tm_mday = 1;
	tm.tm_isdst = -1;
	*from = (int64_t)mktime(&tm);
	if (strcmp(period, "day") == 0)
		tm.tm_mday++;
	else
		tm.tm_mon++;
	tm.tm_isdst = -1;
	*to = (int64_t)mktime(&tm);
	snprintf(label, cap, "%s", date);
	return *from >= 0 && *to > *from;
}

/* Rows of a two-column statement (text, count) as [{key: text, "count"}]. */
static json_t *counts(sqlite3_stmt *q, int64_t from, int64_t to, const char *key)
{
	json_t *list = json_array();

	if (!q || !list) {
		store_finish(q);
		return list;
	}
	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, to);
	while (sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s, s:s, s:I}", key, sqlite3_column_text(q, 0), "name",
						      sqlite3_column_text(q, 1), "count",
						      (json_int_t)sqlite3_column_int64(q, 2)));
	store_finish(q);
	return list;
}

enum status reports_summary(struct core *c, json_t *query, json_t **out)
{
	int64_t from, to;
	char label[16];
	sqlite3_stmt *q;
	json_t *by_state = json_object(), *handling = NULL;
	int64_t total = 0;

	if (!period_bounds(query, &from, &to, label, sizeof(label))) {
		json_decref(by_state);
		return ST_BAD_REQUEST;
	}
	q = store_prepare(c->db, "SELECT state, count(*) FROM cases WHERE created_at >= ?1 AND created_at < ?2 "
				 "GROUP BY state");
	if (q) {
		sqlite3_bind_int64(q, 1, from);
		sqlite3_bind_int64(q, 2, to);
		while (sqlite3_step(q) == SQLITE_ROW) {
			json_object_set_new(by_state, (const char *)sqlite3_column_text(q, 0),
					    json_integer(sqlite3_column_int64(q, 1)));
			total += sqlite3_column_int64(q, 1);
		}
	}
	store_finish(q);
	/* Handling time: from intake to the result being ready, for cases that
	 * became ready in the period. */
	q = store_prepare(c->db, "SELECT count(*), avg(ready_at - received_at), max(ready_at - received_at), "
				 "(SELECT code FROM cases WHERE ready_at >= ?1 AND ready_at < ?2 "
				 " ORDER BY ready_at - received_at DESC LIMIT 1) "
				 "FROM cases WHERE ready_at >= ?1 AND ready_at < ?2 AND received_at IS NOT NULL");
	if (q) {
		sqlite3_bind_int64(q, 1, from);
		sqlite3_bind_int64(q, 2, to);
		if (sqlite3_step(q) == SQLITE_ROW)
			handling =
			    json_pack("{s:I, s:f, s:f, s:s?}", "count", (json_int_t)sqlite3_column_int64(q, 0),
				      "average_hours", sqlite3_column_double(q, 1) / 3600.0, "longest_hours",
				      sqlite3_column_double(q, 2) / 3600.0, "longest_case", sqlite3_column_text(q, 3));
	}
	store_finish(q);
	*out = json_pack(
	    "{s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "period", json_string_value(json_object_get(query, "period")), "of",
	    label, "total", (json_int_t)total, "by_item",
	    counts(store_prepare(c->db, "SELECT item_code, item_name, count(*) FROM cases WHERE created_at >= ?1 AND "
					"created_at < ?2 GROUP BY item_code ORDER BY count(*) DESC, item_code"),
		   from, to, "code"),
	    "by_department",
	    counts(store_prepare(c->db, "SELECT department, department, count(*) FROM cases WHERE created_at >= ?1 "
					"AND created_at < ?2 GROUP BY department ORDER BY count(*) DESC, department"),
		   from, to, "department"),
	    "by_state", by_state, "handling", handling ? handling : json_null());
	return *out ? ST_OK : ST_NOMEM;
}

/* The name with its middle hidden, as on receipts: 张*丰. */
static void mask(const char *name, char *out, size_t cap)
{
	size_t n = strlen(name), first = 1, last = n;

	while (first < n && ((unsigned char)name[first] & 0xc0) == 0x80)
		first++;
	while (last > first && ((unsigned char)name[last - 1] & 0xc0) == 0x80)
		last--;
	if (last > first)
		last--;
	while (last > first && ((unsigned char)name[last] & 0xc0) == 0x80)
		last--;
	if (n == 0)
		snprintf(out, cap, "（已销毁）");
	else if (first >= n)
		snprintf(out, cap, "%s", name);
	else if (last <= first)
		snprintf(out, cap, "%.*s*", (int)first, name);
	else
		snprintf(out, cap, "%.*s*%s", (int)first, name, name + last);
}

enum status reports_agency_rows(struct core *c, const char *month, json_t **rows)
{
	json_t *query = json_pack("{s:s, s:s}", "period", "month", "month", month);
	int64_t from, to;
	char label[16];
	sqlite3_stmt *q;
	bool ok = query && period_bounds(query, &from, &to, label, sizeof(label));

	json_decref(query);
	if (!ok)
		return ST_BAD_REQUEST;
	q = store_prepare(c->db, "SELECT code, strftime('%Y-%m-%d', created_at, 'unixepoch', 'localtime'), item_name, "
				 "department, applicant_kind, applicant_name, coalesce(agent_name, ''), state "
				 "FROM cases WHERE by_agent = 1 AND created_at >= ?1 AND created_at < ?2 ORDER BY id");
	*rows = json_array();
	if (!q || !*rows) {
		store_finish(q);
		return ST_IO;
	}
	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, to);
	while (sqlite3_step(q) == SQLITE_ROW) {
		char applicant[128], agent[128];
		const char *name = (const char *)sqlite3_column_text(q, 5);

		if (strcmp((const char *)sqlite3_column_text(q, 4), "org") == 0 && *name)
			snprintf(applicant, sizeof(applicant), "%s", name);
		else
			mask(name, applicant, sizeof(applicant));
		mask((const char *)sqlite3_column_text(q, 6), agent, sizeof(agent));
		json_array_append_new(*rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code",
						       sqlite3_column_text(q, 0), "date", sqlite3_column_text(q, 1),
						       "item", sqlite3_column_text(q, 2), "department",
						       sqlite3_column_text(q, 3), "applicant", applicant, "agent",
						       agent, "state", sqlite3_column_text(q, 7)));
	}
	store_finish(q);
	return ST_OK;
}

static const char *const columns[] = {"code", "date", "item", "department", "applicant", "agent", "state"};
static const char *const headings[] = {"案件编号", "收件日期", "办理事项", "承办部门", "申请人", "代办人", "状态"};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

static enum status csv_cell(struct buf *b, const char *s, bool last)
{
	enum status st = buf_append(b, "\"", 1);

	/* A leading = + - @ would run as a formula in a spreadsheet. */
	if (st == ST_OK && strchr("=+-@\t\r", s[0]) && s[0])
		st = buf_append(b, "'", 1);
	for (const char *p = s; st == ST_OK && *p; p++)
		st = *p == '"' ? buf_append(b, "\"\"", 2) : buf_append(b, p, 1);
	if (st == ST_OK)
		st = buf_append(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
	return st;
}

enum status reports_agency_csv(json_t *rows, char **out, size_t *len)
{
	struct buf b;
	json_t *row;
	size_t i;
	enum status st;

	buf_init(&b, (size_t)64 << 20);
	st = buf_append(&b, "\xef\xbb\xbf", 3); /* BOM: spreadsheets then read UTF-8 */
	for (size_t k = 0; st == ST_OK && k < NCOLS; k++)
		st = csv_cell(&b, headings[k], k + 1 == NCOLS);
	json_array_foreach(rows, i, row)
	{
		for (size_t k = 0; st == ST_OK && k < NCOLS; k++)
			st = csv_cell(&b, json_string_value(json_object_get(row, columns[k])), k + 1 == NCOLS);
	}
	if (st != ST_OK) {
		buf_free(&b);
		return st;
	}
	*len = b.len;
	*out = (char *)b.data; /* the buffer is the caller's now */
	return ST_OK;
}

/*
 * cairo is loaded when the first PDF is drawn, not linked: outpostd is one
 * binary for four processes, and linking it would map cairo and the X and
 * font libraries it pulls in into every one of them (about 8 MiB of
 * resident memory each) for a report drawn a few times a month.  systemd
 * loads its optional libraries the same way.  Only the worker thread calls
 * this, so the one-time load needs no lock.
 */
#define CAIRO_FUNCS(X)                                                                                                 \
	X(pdf_surface_create_for_stream)                                                                               \
	X(create)                                                                                                      \
	X(select_font_face)                                                                                            \
	X(set_line_width)                                                                                              \
	X(set_font_size)                                                                                               \
	X(move_to)                                                                                                     \
	X(show_text)                                                                                                   \
	X(line_to)                                                                                                     \
	X(stroke)                                                                                                      \
	X(show_page)                                                                                                   \
	X(status)                                                                                                      \
	X(destroy)                                                                                                     \
	X(surface_finish)                                                                                              \
	X(surface_status)                                                                                              \
	X(surface_destroy)

#define CAIRO_DECL(f) __typeof__(cairo_##f) *f;
static struct {
	CAIRO_FUNCS(CAIRO_DECL)
} cr_fn;

static bool pdf_lib_loaded(void)
{
	static int state; /* 0: not tried, 1: loaded, -1: missing */
	void *h;

	if (state)
		return state > 0;
	state = -1;
	h = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("cannot load cairo for PDF reports: %s", dlerror());
		return false;
	}
#define CAIRO_LOAD(f)                                                                                                  \
	if (!(cr_fn.f = (__typeof__(cr_fn.f))dlsym(h, "cairo_" #f))) {                                                 \
		log_err("cairo lacks cairo_%s", #f);                                                                   \
		return false;                                                                                          \
	}
	CAIRO_FUNCS(CAIRO_LOAD)
	state = 1;
	return true;
}

static cairo_status_t to_fd(void *closure, const unsigned char *data, unsigned int length)
{
	return fdio_write_all(*(int *)closure, data, length) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

#define A4_W   595.0
#define A4_H   842.0
#define MARGIN 40.0
#define ROW_H  18.0
#define FONT   "WenQuanYi Micro Hei"

static const double col_x[NCOLS] = {MARGIN, 150, 215, 330, 420, 475, 530};

static void page_head(cairo_t *cr, const char *office, const char *month, int page)
{
	char line[256];

	cr_fn.set_font_size(cr, 15);
	snprintf(line, sizeof(line), "%s %s 代办业务月报", office, month);
	cr_fn.move_to(cr, MARGIN, MARGIN + 10);
	cr_fn.show_text(cr, line);
	cr_fn.set_font_size(cr, 9);
	snprintf(line, sizeof(line), "第 %d 页", page);
	cr_fn.move_to(cr, A4_W - MARGIN - 40, A4_H - MARGIN / 2);
	cr_fn.show_text(cr, line);
	for (size_t k = 0; k < NCOLS; k++) {
		cr_fn.move_to(cr, col_x[k], MARGIN + 40);
		cr_fn.show_text(cr, headings[k]);
	}
	cr_fn.move_to(cr, MARGIN, MARGIN + 45);
	cr_fn.line_to(cr, A4_W - MARGIN, MARGIN + 45);
	cr_fn.stroke(cr);
}

enum status reports_agency_pdf(const char *office, const char *month, json_t *rows, int *memfd)
{
	int fd = memfd_create("outpost-report", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	cairo_surface_t *pdf;
	cairo_t *cr;
	double y = MARGIN + 45 + ROW_H;
	int page = 1;
	json_t *row;
	size_t i;
	enum status st;

	if (!pdf_lib_loaded()) {
		if (fd >= 0)
			close(fd);
		return ST_UNAVAILABLE;
	}
	if (fd < 0)
		return ST_NOMEM;
	pdf = cr_fn.pdf_surface_create_for_stream(to_fd, &fd, A4_W, A4_H);
	cr = cr_fn.create(pdf);
	cr_fn.select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cr_fn.set_line_width(cr, 0.5);
	page_head(cr, office, month, page);
	json_array_foreach(rows, i, row)
	{
		if (y > A4_H - MARGIN - ROW_H) {
			cr_fn.show_page(cr);
			page_head(cr, office, month, ++page);
			y = MARGIN + 45 + ROW_H;
		}
		for (size_t k = 0; k < NCOLS; k++) {
			cr_fn.move_to(cr, col_x[k], y);
			cr_fn.show_text(cr, json_string_value(json_object_get(row, columns[k])));
		}
		y += ROW_H;
	}
	if (json_array_size(rows) == 0) {
		cr_fn.move_to(cr, MARGIN, y);
		cr_fn.show_text(cr, "本月无代办业务。");
	}
	cr_fn.set_font_size(cr, 10);
	{
		char total[64];

		snprintf(total, sizeof(total), "合计：%zu 件", json_array_size(rows));
		cr_fn.move_to(cr, MARGIN, A4_H - MARGIN / 2);
		cr_fn.show_text(cr, total);
	}
	cr_fn.show_page(cr);
	st = cr_fn.status(cr) == CAIRO_STATUS_SUCCESS ? ST_OK : ST_IO;
	cr_fn.destroy(cr);
	cr_fn.surface_finish(pdf);
	if (st == ST_OK && cr_fn.surface_status(pdf) != CAIRO_STATUS_SUCCESS)
		st = ST_IO;
	cr_fn.surface_destroy(pdf);
	if (st == ST_OK && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		st = ST_IO;
	if (st != ST_OK) {
		close(fd);
		return st;
	}
	*memfd = fd;
	return ST_OK;
}
