/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cover and separator sheets, and the split of a scanned stack.
 *
 * Outpost prints a cover sheet per case (its QR: OUTPOST-COVER:<case>;<pages>,
 * the content pages the clerk counted in the checklist) and a separator
 * sheet per material (OUTPOST-SEP:<case>;<material>;<pages>).  A stack
 * scanned in one go, cover, separator, pages, separator, pages ..., maybe
 * several cases, is split here into one document per material.  Counts
 * that do not match refuse the split, so a missed separator shows instead
 * of two materials merging silently.  Pure code: unit tested and fuzzed.
 */
#ifndef OUTPOST_SHEETS_H
#define OUTPOST_SHEETS_H

#include <stdbool.h>
#include <stddef.h>

#include "casecode.h"

#define SHEETS_MAX_DOCS	 64
#define SHEETS_MAX_PAGES 9999

/* A scanned page: the barcode texts ZBar found on it. */
struct sheets_page {
	const char *const *codes;
	unsigned ncodes;
};

/* Pages first .. first + npages - 1 (content only) are material's. */
struct sheets_doc {
	char case_code[CASECODE_MAX];
	int material;
	unsigned first, npages, expected;
};

enum sheets_problem {
	SHEETS_OK = 0,
	SHEETS_EMPTY,		  /* no content pages at all */
	SHEETS_NO_COVER,	  /* content before any cover sheet (and no target) */
	SHEETS_NO_SEPARATOR,	  /* content after a cover, before its first separator */
	SHEETS_FOREIGN_SEPARATOR, /* a separator of another case than its cover's */
	SHEETS_MATERIAL_COUNT,	  /* a material's pages differ from its separator's count */
	SHEETS_CASE_COUNT,	  /* a case's pages differ from its cover's count */
	SHEETS_NOT_CONTIGUOUS,	  /* a material's separator appears twice */
	SHEETS_TOO_MANY,	  /* more than SHEETS_MAX_DOCS documents */
};

struct sheets_split {
	struct sheets_doc doc[SHEETS_MAX_DOCS];
	unsigned ndocs;
	/* What went wrong, where: the 1-based page, the case and material,
	 * the count the sheet promised and the count scanned. */
	enum sheets_problem problem;
	unsigned page;
	char case_code[CASECODE_MAX];
	int material;
	unsigned expected, got;
};

/* A sheet's payload: true for a cover (material -1) or separator. */
bool sheets_parse(const char *text, char case_code[CASECODE_MAX], int *material, unsigned *pages);

/* The payloads to print. */
void sheets_cover_payload(const char *case_code, unsigned pages, char *out, size_t cap);
void sheets_separator_payload(const char *case_code, int material, unsigned pages, char *out, size_t cap);

/*
 * Splits n pages.  Without any cover in the stack, all content pages go
 * to target_case's material target_material when given (a scan into one
 * material from the intake form).  Returns out->problem.
 */
enum sheets_problem sheets_split(const struct sheets_page *pages, unsigned n, const char *target_case,
				 int target_material, struct sheets_split *out);

/* A problem in words, Chinese and English. */
void sheets_describe(const struct sheets_split *s, bool english, char *out, size_t cap);

#endif
