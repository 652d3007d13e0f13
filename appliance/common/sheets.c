/* SPDX-License-Identifier: Apache-2.0 */
#include "sheets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COVER "OUTPOST-COVER:"
#define SEP   "OUTPOST-SEP:"

/* A whole number 0 .. max in [p, end); false otherwise. */
static bool number(const char *p, const char *end, long max, long *out)
{
	long v = 0;

	if (p == end || end - p > 5)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return v <= max;
}

bool sheets_parse(const char *text, char case_code[CASECODE_MAX], int *material, unsigned *pages)
{
	bool cover = strncmp(text, COVER, strlen(COVER)) == 0;
	const char *p = text + strlen(cover ? COVER : SEP), *semi, *end;
	long m = -1, n;

	if (!cover && strncmp(text, SEP, strlen(SEP)) != 0)
		return false;
	semi = strchr(p, ';');
	if (!semi || semi == p || (size_t)(semi - p) >= CASECODE_MAX)
		return false;
	memcpy(case_code, p, (size_t)(semi - p));
	case_code[semi - p] = '\0';
	p = semi + 1;
	if (!cover) {
		if (!(semi = strchr(p, ';')) || !number(p, semi, 999, &m) || m < 1)
			return false;
		p = semi + 1;
	}
	end = p + strlen(p);
	if (!number(p, end, SHEETS_MAX_PAGES, &n))
		return false;
	*material = (int)m;
	*pages = (unsigned)n;
	return true;
}

void sheets_cover_payload(const char *case_code, unsigned pages, char *out, size_t cap)
{
	snprintf(out, cap, COVER "%s;%u", case_code, pages);
}

void sheets_separator_payload(const char *case_code, int material, unsigned pages, char *out, size_t cap)
{
	snprintf(out, cap, SEP "%s;%d;%u", case_code, material, pages);
}

/* The first sheet payload on the page, if any. */
static bool page_sheet(const struct sheets_page *pg, char code[CASECODE_MAX], int *material, unsigned *pages)
{
	for (unsigned i = 0; i < pg->ncodes; i++)
		if (sheets_parse(pg->codes[i], code, material, pages))
			return true;
	return false;
}

static enum sheets_problem fail(struct sheets_split *s, enum sheets_problem p, unsigned page, const char *code,
				int material, unsigned expected, unsigned got)
{
	s->problem = p;
	s->page = page;
	snprintf(s->case_code, sizeof(s->case_code), "%s", code ? code : "");
	s->material = material;
	s->expected = expected;
	s->got = got;
	return p;
}

/* Checks the case that ends: its materials' counts, then its total. */
static enum sheets_problem close_case(struct sheets_split *s, unsigned from_doc, const char *code, unsigned expected,
				      unsigned page)
{
	unsigned total = 0;

	for (unsigned i = from_doc; i < s->ndocs; i++) {
		struct sheets_doc *d = &s->doc[i];

		if (d->expected && d->npages != d->expected)
			return fail(s, SHEETS_MATERIAL_COUNT, page, d->case_code, d->material, d->expected, d->npages);
		total += d->npages;
	}
	if (expected && total != expected)
		return fail(s, SHEETS_CASE_COUNT, page, code, -1, expected, total);
	return SHEETS_OK;
}

enum sheets_problem sheets_split(const struct sheets_page *pages, unsigned n, const char *target_case,
				 int target_material, struct sheets_split *out)
{
	char cur_case[CASECODE_MAX] = "", code[CASECODE_MAX];
	unsigned case_expected = 0, case_first_doc = 0, content = 0, sheet_pages;
	bool in_case = false, in_doc = false;
	int material;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n; i++) {
		struct sheets_doc *d;

		if (page_sheet(&pages[i], code, &material, &sheet_pages)) {
			if (material < 0) { /* a cover: the case before it ends here */
				if (in_case && close_case(out, case_first_doc, cur_case, case_expected, i + 1))
					return out->problem;
				memcpy(cur_case, code, sizeof(cur_case));
				case_expected = sheet_pages;
				case_first_doc = out->ndocs;
				in_case = true;
				in_doc = false;
				continue;
			}
			if (!in_case || strcmp(code, cur_case) != 0)
				return fail(out, SHEETS_FOREIGN_SEPARATOR, i + 1, code, material, 0, 0);
			for (unsigned k = case_first_doc; k < out->ndocs; k++)
				if (out->doc[k].material == material)
					return fail(out, SHEETS_NOT_CONTIGUOUS, i + 1, code, material, 0, 0);
			if (out->ndocs == SHEETS_MAX_DOCS)
				return fail(out, SHEETS_TOO_MANY, i + 1, code, material, SHEETS_MAX_DOCS, 0);
			d = &out->doc[out->ndocs++];
			memcpy(d->case_code, code, sizeof(d->case_code));
			d->material = material;
			d->expected = sheet_pages;
			d->first = i + 1;
			d->npages = 0;
			in_doc = true;
			continue;
		}
		content++;
		if (in_doc) {
			out->doc[out->ndocs - 1].npages++;
			continue;
		}
		if (in_case)
			return fail(out, SHEETS_NO_SEPARATOR, i + 1, cur_case, -1, 0, 0);
		if (!target_case || target_material < 1)
			return fail(out, SHEETS_NO_COVER, i + 1, NULL, -1, 0, 0);
		/* No sheets before it: everything goes to the target. */
		if (out->ndocs == 0) {
			d = &out->doc[out->ndocs++];
			snprintf(d->case_code, sizeof(d->case_code), "%s", target_case);
			d->material = target_material;
			d->first = i;
		}
		out->doc[0].npages++;
		if (i + 1 < n && page_sheet(&pages[i + 1], code, &material, &sheet_pages))
			return fail(out, SHEETS_NO_COVER, i + 2, NULL, -1, 0, 0); /* sheets after plain pages */
	}
	if (content == 0)
		return fail(out, SHEETS_EMPTY, n, NULL, -1, 0, 0);
	if (in_case && close_case(out, case_first_doc, cur_case, case_expected, n))
		return out->problem;
	for (unsigned k = 0; k < out->ndocs; k++) {
		if (out->doc[k].npages == 0)
			return fail(out, SHEETS_MATERIAL_COUNT, out->doc[k].first, out->doc[k].case_code,
				    out->doc[k].material, out->doc[k].expected, 0);
	}
	return SHEETS_OK;
}

void sheets_describe(const struct sheets_split *s, bool en, char *out, size_t cap)
{
	switch (s->problem) {
	case SHEETS_OK:
		snprintf(out, cap, en ? "split into %u documents" : "已分为 %u 份材料", s->ndocs);
		break;
	case SHEETS_EMPTY:
		snprintf(out, cap, en ? "no content pages were scanned" : "没有扫描到材料页");
		break;
	case SHEETS_NO_COVER:
		snprintf(out, cap,
			 en ? "page %u: no cover sheet before it; put the case's cover sheet on top"
			    : "第 %u 页前没有封面页：请将案件封面页放在最上面",
			 s->page);
		break;
	case SHEETS_NO_SEPARATOR:
		snprintf(out, cap,
			 en ? "page %u: no separator sheet between the cover of %s and the pages"
			    : "第 %u 页：案件 %s 的封面页之后缺少材料分隔页",
			 s->page, s->case_code);
		break;
	case SHEETS_FOREIGN_SEPARATOR:
		snprintf(out, cap,
			 en ? "page %u: a separator of case %s without its cover sheet"
			    : "第 %u 页：案件 %s 的分隔页前没有该案件的封面页",
			 s->page, s->case_code);
		break;
	case SHEETS_MATERIAL_COUNT:
		snprintf(out, cap,
			 en ? "case %s, material %d: %u pages expected, %u scanned; a separator sheet may be missing"
			    : "案件 %s 第 %d 项材料应为 %u 页，实际扫描 %u 页：可能漏放了分隔页",
			 s->case_code, s->material, s->expected, s->got);
		break;
	case SHEETS_CASE_COUNT:
		snprintf(out, cap,
			 en ? "case %s: %u pages expected by its cover sheet, %u scanned"
			    : "案件 %s 封面页注明 %u 页，实际扫描 %u 页",
			 s->case_code, s->expected, s->got);
		break;
	case SHEETS_NOT_CONTIGUOUS:
		snprintf(out, cap,
			 en ? "page %u: the separator of case %s material %d appears twice"
			    : "第 %u 页：案件 %s 第 %d 项材料的分隔页重复出现",
			 s->page, s->case_code, s->material);
		break;
	case SHEETS_TOO_MANY:
		snprintf(out, cap,
			 en ? "more than %u documents in one stack: scan in parts"
			    : "一次扫描超过 %u 份材料：请分批扫描",
			 SHEETS_MAX_DOCS);
		break;
	}
}
