/* SPDX-License-Identifier: Apache-2.0 */
#include "receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escpos.h"
#include "sheets.h"

#define RULE "--------------------------------"

static const char *const kinds[__RECEIPT_KIND_MAX] = {"intake", "cover", "handover", "ticket", "setup"};
static const char *const titles[__RECEIPT_KIND_MAX] = {"受理回执单", "材料扫描封面页", "办理结果领取交接单",
						       "排队取号凭条", "设备设置单 Setup slip"};

struct receipt receipt_blank(enum receipt_kind kind)
{
	return (struct receipt){.kind = kind,
				.office_name = "",
				.case_code = "",
				.item_name = "",
				.department = "",
				.applicant = "",
				.received_at = "",
				.promised_by = "",
				.pickup_code = "",
				.inquiry = "",
				.rating_code = "",
				.rating_url = ""};
}

json_t *receipt_to_json(const struct receipt *r)
{
	json_t *lines = json_array(), *seps = json_array();

	for (unsigned i = 0; lines && i < r->nlines; i++)
		json_array_append_new(lines, json_string(r->lines[i]));
	for (unsigned i = 0; seps && i < r->nseparators; i++)
		json_array_append_new(seps, json_pack("{s:i, s:i, s:s}", "material", r->separators[i].material, "pages",
						      r->separators[i].pages, "name", r->separators[i].name));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:o, s:s, s:s}", "kind",
			 kinds[r->kind], "office_name", r->office_name, "case_code", r->case_code, "item_name",
			 r->item_name, "department", r->department, "applicant", r->applicant, "received_at",
			 r->received_at, "promised_by", r->promised_by, "pickup_code", r->pickup_code, "inquiry",
			 r->inquiry, "lines", lines, "documents", r->documents, "separators", seps, "rating_code",
			 r->rating_code ? r->rating_code : "", "rating_url", r->rating_url ? r->rating_url : "");
}

enum status receipt_from_json(json_t *obj, struct receipt *r)
{
	json_error_t err;
	const char *kind;
	json_t *lines, *v, *seps = NULL;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->rating_code = r->rating_url = "";
	if (json_unpack_ex(obj, &err, JSON_STRICT,
			   "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s?o, s?s, s?s}", "kind", &kind,
			   "office_name", &r->office_name, "case_code", &r->case_code, "item_name", &r->item_name,
			   "department", &r->department, "applicant", &r->applicant, "received_at", &r->received_at,
			   "promised_by", &r->promised_by, "pickup_code", &r->pickup_code, "inquiry", &r->inquiry, "lines",
			   &lines, "documents", &r->documents, "separators", &seps, "rating_code", &r->rating_code,
			   "rating_url", &r->rating_url) != 0 ||
	    !json_is_array(lines) || json_array_size(lines) > RECEIPT_MAX_LINES ||
	    (seps && (!json_is_array(seps) || json_array_size(seps) > RECEIPT_MAX_SEPARATORS)))
		return ST_BAD_FIELD;
	json_array_foreach(seps, i, v)
	{
		struct receipt_separator *sp = &r->separators[r->nseparators++];

		if (json_unpack_ex(v, &err, JSON_STRICT, "{s:i, s:i, s:s}", "material", &sp->material, "pages",
				   &sp->pages, "name", &sp->name) != 0 ||
		    sp->material < 1 || sp->material > 999 || sp->pages < 0 || sp->pages > SHEETS_MAX_PAGES)
			return ST_BAD_FIELD;
	}
	for (r->kind = 0; r->kind < __RECEIPT_KIND_MAX && strcmp(kinds[r->kind], kind) != 0; r->kind++)
		;
	if (r->kind == __RECEIPT_KIND_MAX)
		return ST_BAD_FIELD;
	json_array_foreach(lines, i, v)
	{
		if (!json_is_string(v))
			return ST_BAD_FIELD;
		r->lines[r->nlines++] = json_string_value(v);
	}
	return ST_OK;
}

void receipt_qr_payload(const struct receipt *r, char *out, size_t cap)
{
	if (r->kind == RECEIPT_COVER)
		sheets_cover_payload(r->case_code, (unsigned)r->documents, out, cap);
	else if (r->kind == RECEIPT_SETUP)
		snprintf(out, cap, "%s", r->inquiry);
	else
		snprintf(out, cap, "OUTPOST-CASE:%s;%s", r->case_code, r->office_name);
}

/* Lines shared by print and preview, so the two never disagree. */
static void body_lines(const struct receipt *r, void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[512];

	snprintf(line, sizeof(line), "案件编号：%s", r->case_code);
	emit(ctx, line);
	snprintf(line, sizeof(line), "办理事项：%s", r->item_name);
	emit(ctx, line);
	snprintf(line, sizeof(line), "承办部门：%s", r->department);
	emit(ctx, line);
	snprintf(line, sizeof(line), "申 请 人：%s", r->applicant);
	emit(ctx, line);
	if (r->kind == RECEIPT_INTAKE) {
		snprintf(line, sizeof(line), "收件时间：%s", r->received_at);
		emit(ctx, line);
		snprintf(line, sizeof(line), "承诺办结：%s 前", r->promised_by);
		emit(ctx, line);
		snprintf(line, sizeof(line), "电子材料：%d 份", r->documents);
		emit(ctx, line);
	} else if (r->kind == RECEIPT_COVER) {
		snprintf(line, sizeof(line), "材料页数：%d 页（扫描时核对）", r->documents);
		emit(ctx, line);
	} else {
		snprintf(line, sizeof(line), "领取时间：%s", r->received_at);
		emit(ctx, line);
	}
	for (unsigned i = 0; i < r->nlines; i++)
		emit(ctx, r->lines[i]);
}

static const char *const intake_footer[] = {
    "请妥善保管本回执，凭回执、取件码",
    "及申请人身份证件领取办理结果。",
    "查询进度：在服务站自助机扫描二维码",
    "或输入案件编号。",
};
static const char *const cover_footer[] = {
    "请将本页放在该案件材料的最上面，每项材料前",
    "放其分隔页，整叠放入扫描仪。",
};
static const char *const handover_footer[] = {
    "领取人签字：",
    "",
    "经办人签字：",
};

static void footer_lines(const struct receipt *r, void (*emit)(void *ctx, const char *line), void *ctx)
{
	const char *const *f = r->kind == RECEIPT_INTAKE  ? intake_footer
			       : r->kind == RECEIPT_COVER ? cover_footer
							  : handover_footer;
	size_t n = r->kind == RECEIPT_INTAKE  ? sizeof(intake_footer) / sizeof(intake_footer[0])
		   : r->kind == RECEIPT_COVER ? sizeof(cover_footer) / sizeof(cover_footer[0])
					      : sizeof(handover_footer) / sizeof(handover_footer[0]);

	for (size_t i = 0; i < n; i++)
		emit(ctx, f[i]);
	if (r->kind == RECEIPT_INTAKE && r->inquiry[0])
		emit(ctx, r->inquiry);
}

/* The 评价码, spaced in fours so it reads aloud: "K7Q2 MX4P". */
static void rating_line(const struct receipt *r, const char *label, char *line, size_t cap)
{
	snprintf(line, cap, "%s%.4s %s", label, r->rating_code, strlen(r->rating_code) > 4 ? r->rating_code + 4 : "");
}

/*
 * What the ESC/POS layouts write through: native text and QR, or, with a
 * painter (the raster profile), images of them.  The layout is the same.
 */
struct pen {
	struct escpos e;
	const struct receipt_painter *painter;
	unsigned scale;
	bool bold;
};

static void pen_image(struct pen *p, enum status st, struct escpos_image *img)
{
	if (st == ST_OK)
		escpos_image(&p->e, img);
	else if (p->e.error == ST_OK)
		p->e.error = st;
	free((void *)img->bits);
}

static void pen_line(struct pen *p, const char *line)
{
	struct escpos_image img = {0, 0, NULL};

	if (!p->painter) {
		escpos_line(&p->e, line);
		return;
	}
	if (!*line) {
		escpos_feed(&p->e, 1);
		return;
	}
	pen_image(p, p->painter->text(p->painter->ctx, line, p->scale, p->bold, &img), &img);
}

static void pen_size(struct pen *p, unsigned n)
{
	p->scale = n;
	if (!p->painter)
		escpos_size(&p->e, n, n);
}

static void pen_bold(struct pen *p, bool on)
{
	p->bold = on;
	if (!p->painter)
		escpos_bold(&p->e, on);
}

static void pen_qr(struct pen *p, const char *payload)
{
	struct escpos_image img = {0, 0, NULL};

	if (!p->painter) {
		escpos_qr(&p->e, payload, 6);
		return;
	}
	pen_image(p, p->painter->qr(p->painter->ctx, payload, 6, &img), &img);
}

static void emit_pen(void *ctx, const char *line)
{
	pen_line(ctx, line);
}

/* The queue ticket: the number large, the category, how many wait ahead. */
static void ticket_layout(const struct receipt *r, struct pen *p)
{
	escpos_align(&p->e, ESCPOS_CENTER);
	pen_line(p, r->office_name);
	pen_line(p, titles[r->kind]);
	pen_bold(p, true);
	pen_size(p, 4);
	pen_line(p, r->case_code);
	pen_size(p, 1);
	pen_line(p, r->item_name);
	pen_bold(p, false);
	for (unsigned i = 0; i < r->nlines; i++)
		pen_line(p, r->lines[i]);
	pen_line(p, r->received_at);
	pen_line(p, "请留意叫号屏幕和语音提示，过号请重新取号或咨询工作人员。");
	if (r->rating_code && r->rating_code[0]) {
		char line[64];

		rating_line(r, "评价码 ", line, sizeof(line));
		pen_bold(p, true);
		pen_line(p, line);
		pen_bold(p, false);
		pen_line(p, "办结后请在窗口评价器输入评价码，为本次服务评价。");
	}
}

/* The rating part of a receipt or pickup slip: the 评价码 and the phone QR. */
static void rating_part(const struct receipt *r, struct pen *p)
{
	char line[64];

	if (!r->rating_code || !r->rating_code[0])
		return;
	pen_line(p, RULE);
	pen_line(p, "请为本次服务评价（好差评）：");
	pen_bold(p, true);
	rating_line(r, "评 价 码：", line, sizeof(line));
	pen_line(p, line);
	pen_bold(p, false);
	pen_line(p, "在窗口评价器输入评价码");
	if (r->rating_url && r->rating_url[0]) {
		pen_line(p, "或用手机扫描下方二维码评价：");
		escpos_align(&p->e, ESCPOS_CENTER);
		pen_qr(p, r->rating_url);
		escpos_feed(&p->e, 1);
		escpos_align(&p->e, ESCPOS_LEFT);
	}
}

/* The office's name large, the slip's title, a rule. */
static void heading(const struct receipt *r, struct pen *p)
{
	escpos_align(&p->e, ESCPOS_CENTER);
	pen_bold(p, true);
	pen_size(p, 2);
	pen_line(p, r->office_name);
	pen_size(p, 1);
	pen_line(p, titles[r->kind]);
	pen_bold(p, false);
	escpos_align(&p->e, ESCPOS_LEFT);
	pen_line(p, RULE);
}

/* The setup slip of a new box: what to open, and the fingerprint to check
 * the browser's warning against; a QR of the URL for a tablet. */
static void setup_layout(const struct receipt *r, struct pen *p)
{
	heading(r, p);
	for (unsigned i = 0; i < r->nlines; i++)
		pen_line(p, r->lines[i]);
	pen_line(p, RULE);
	escpos_align(&p->e, ESCPOS_CENTER);
	pen_qr(p, r->inquiry);
	escpos_feed(&p->e, 1);
	escpos_align(&p->e, ESCPOS_LEFT);
}

static void slip_layout(const struct receipt *r, struct pen *p)
{
	char qr[160];
	char line[64];

	heading(r, p);
	body_lines(r, emit_pen, p);
	if (r->kind == RECEIPT_INTAKE) {
		pen_bold(p, true);
		snprintf(line, sizeof(line), "取 件 码：%s", r->pickup_code);
		pen_line(p, line);
		pen_bold(p, false);
	}
	pen_line(p, RULE);
	escpos_align(&p->e, ESCPOS_CENTER);
	/* Code128 is in every printer's firmware, raster profile or not. */
	escpos_code128(&p->e, r->case_code);
	escpos_feed(&p->e, 1);
	receipt_qr_payload(r, qr, sizeof(qr));
	pen_qr(p, qr);
	escpos_feed(&p->e, 1);
	escpos_align(&p->e, ESCPOS_LEFT);
	footer_lines(r, emit_pen, p);
	rating_part(r, p);
}

/* A material's separator sheet, after its case's cover in the same job. */
static void separator_layout(const struct receipt *r, const struct receipt_separator *sp, struct pen *p)
{
	char line[512], qr[160];

	escpos_cut(&p->e);
	escpos_align(&p->e, ESCPOS_CENTER);
	pen_bold(p, true);
	pen_size(p, 2);
	pen_line(p, "材料分隔页");
	pen_size(p, 1);
	pen_bold(p, false);
	escpos_align(&p->e, ESCPOS_LEFT);
	pen_line(p, RULE);
	snprintf(line, sizeof(line), "案件编号：%s", r->case_code);
	pen_line(p, line);
	snprintf(line, sizeof(line), "第 %d 项材料：%s", sp->material, sp->name);
	pen_line(p, line);
	snprintf(line, sizeof(line), "页    数：%d 页", sp->pages);
	pen_line(p, line);
	pen_line(p, RULE);
	escpos_align(&p->e, ESCPOS_CENTER);
	sheets_separator_payload(r->case_code, sp->material, (unsigned)sp->pages, qr, sizeof(qr));
	pen_qr(p, qr);
	escpos_align(&p->e, ESCPOS_LEFT);
	pen_line(p, "请将本页放在该项材料的最上面。");
}

enum status receipt_escpos_painted(const struct receipt *r, const struct receipt_painter *painter, struct buf *out)
{
	struct pen p = {.painter = painter, .scale = 1};

	if (escpos_begin(&p.e, out) != ST_OK)
		return escpos_end(&p.e);
	if (r->kind == RECEIPT_TICKET)
		ticket_layout(r, &p);
	else if (r->kind == RECEIPT_SETUP)
		setup_layout(r, &p);
	else
		slip_layout(r, &p);
	for (unsigned i = 0; r->kind == RECEIPT_COVER && i < r->nseparators; i++)
		separator_layout(r, &r->separators[i], &p);
	return escpos_end(&p.e);
}

enum status receipt_escpos(const struct receipt *r, struct buf *out)
{
	return receipt_escpos_painted(r, NULL, out);
}

struct text_ctx {
	struct buf *out;
	enum status st;
};

static void emit_text(void *ctx, const char *line)
{
	struct text_ctx *t = ctx;

	if (t->st == ST_OK)
		t->st = buf_printf(t->out, "%s\n", line);
}

enum status receipt_text(const struct receipt *r, struct buf *out)
{
	struct text_ctx t = {out, ST_OK};
	char qr[160];
	char line[512];

	emit_text(&t, r->office_name);
	emit_text(&t, titles[r->kind]);
	emit_text(&t, RULE);
	if (r->kind == RECEIPT_SETUP) {
		for (unsigned i = 0; i < r->nlines; i++)
			emit_text(&t, r->lines[i]);
		snprintf(line, sizeof(line), "[二维码 QR] %s", r->inquiry);
		emit_text(&t, line);
		return t.st;
	}
	body_lines(r, emit_text, &t);
	if (r->kind == RECEIPT_INTAKE)
		emit_text(&t, "取 件 码：（仅打印在回执上）");
	emit_text(&t, RULE);
	snprintf(line, sizeof(line), "[条码 Code128] %s", r->case_code);
	emit_text(&t, line);
	receipt_qr_payload(r, qr, sizeof(qr));
	snprintf(line, sizeof(line), "[二维码 QR] %s", qr);
	emit_text(&t, line);
	footer_lines(r, emit_text, &t);
	if (r->rating_code && r->rating_code[0]) {
		emit_text(&t, RULE);
		rating_line(r, "评 价 码：", line, sizeof(line));
		emit_text(&t, line);
		if (r->rating_url && r->rating_url[0]) {
			snprintf(line, sizeof(line), "[手机评价二维码 QR] %s", r->rating_url);
			emit_text(&t, line);
		}
	}
	return t.st;
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

void receipt_mask_name(const char *name, char *out, size_t cap)
{
	size_t n = strlen(name), first, last_start = 0, count = 0;

	for (size_t i = 0; i < n; i += utf8_len((unsigned char)name[i])) {
		last_start = i;
		count++;
	}
	if (cap == 0)
		return;
	if (count <= 1) {
		snprintf(out, cap, "%s", name);
		return;
	}
	first = utf8_len((unsigned char)name[0]);
	if (first > n)
		first = n;
	if (count == 2)
		snprintf(out, cap, "%.*s*", (int)first, name);
	else
		snprintf(out, cap, "%.*s*%s", (int)first, name, name + last_start);
}
