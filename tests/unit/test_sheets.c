/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "appliance/common/sheets.h"

#define CASE_A "SQ01-261128-0007K"
#define CASE_B "SQ01-261128-0008H"

/* A stack described as words: "C:case:pages", "S:case:material:pages",
 * "P" (a content page), "X" (a page with someone else's barcode). */
struct stack {
	char text[32][64];
	const char *codes[32][1];
	struct sheets_page pages[32];
	unsigned n;
};

static void build(struct stack *s, const char *const *words, unsigned n)
{
	s->n = n;
	for (unsigned i = 0; i < n; i++) {
		char c[CASECODE_MAX];
		int m;
		unsigned p;

		s->pages[i] = (struct sheets_page){.codes = s->codes[i], .ncodes = 0};
		if (words[i][0] == 'C' && sscanf(words[i], "C:%31[^:]:%u", c, &p) == 2)
			sheets_cover_payload(c, p, s->text[i], sizeof(s->text[i]));
		else if (words[i][0] == 'S' && sscanf(words[i], "S:%31[^:]:%d:%u", c, &m, &p) == 3)
			sheets_separator_payload(c, m, p, s->text[i], sizeof(s->text[i]));
		else if (words[i][0] == 'X')
			snprintf(s->text[i], sizeof(s->text[i]), "6901234567892");
		else
			continue;
		s->codes[i][0] = s->text[i];
		s->pages[i].ncodes = 1;
	}
}

static enum sheets_problem split(const char *const *words, unsigned n, struct sheets_split *out)
{
	static struct stack s;

	build(&s, words, n);
	return sheets_split(s.pages, s.n, NULL, 0, out);
}

static void test_parse(void **state)
{
	char code[CASECODE_MAX], text[64];
	int m;
	unsigned p;

	(void)state;
	sheets_separator_payload(CASE_A, 3, 12, text, sizeof(text));
	assert_string_equal(text, "OUTPOST-SEP:" CASE_A ";3;12");
	assert_true(sheets_parse(text, code, &m, &p));
	assert_string_equal(code, CASE_A);
	assert_int_equal(m, 3);
	assert_int_equal(p, 12);
	assert_true(sheets_parse("OUTPOST-COVER:" CASE_A ";7", code, &m, &p));
	assert_int_equal(m, -1);
	assert_int_equal(p, 7);
	static const char *const bad[] = {
	    "OUTPOST-CASE:" CASE_A ";x",       "OUTPOST-COVER:;7",
	    "OUTPOST-COVER:" CASE_A,	       "OUTPOST-COVER:" CASE_A ";",
	    "OUTPOST-COVER:" CASE_A ";7x",     "OUTPOST-SEP:" CASE_A ";0;3",
	    "OUTPOST-SEP:" CASE_A ";3",	       "OUTPOST-SEP:" CASE_A ";;3",
	    "OUTPOST-COVER:" CASE_A ";123456", "OUTPOST-COVER:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA;1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sheets_parse(bad[i], code, &m, &p))
			fail_msg("accepted %s", bad[i]);
}

static void test_good_stack(void **state)
{
	static const char *const w[] = {"C:" CASE_A ":3",
					"S:" CASE_A ":1:2",
					"P",
					"X",
					"S:" CASE_A ":2:1",
					"P",
					"C:" CASE_B ":0",
					"S:" CASE_B ":1:0",
					"P",
					"P",
					"P"};
	struct sheets_split s;

	(void)state;
	assert_int_equal(split(w, 11, &s), SHEETS_OK);
	assert_int_equal(s.ndocs, 3);
	assert_string_equal(s.doc[0].case_code, CASE_A);
	assert_int_equal(s.doc[0].material, 1);
	assert_int_equal(s.doc[0].first, 2);
	assert_int_equal(s.doc[0].npages, 2); /* a page with a product barcode is content */
	assert_int_equal(s.doc[1].first, 5);
	assert_int_equal(s.doc[1].npages, 1);
	assert_string_equal(s.doc[2].case_code, CASE_B);
	assert_int_equal(s.doc[2].npages, 3); /* counts of 0: not counted, not checked */
}

static void test_missed_separator(void **state)
{
	/* The separator of material 2 was left out: material 1 gets 3 pages. */
	static const char *const w[] = {"C:" CASE_A ":3", "S:" CASE_A ":1:2", "P", "P", "P"};
	struct sheets_split s;
	char msg[256];

	(void)state;
	assert_int_equal(split(w, 5, &s), SHEETS_MATERIAL_COUNT);
	assert_int_equal(s.material, 1);
	assert_int_equal(s.expected, 2);
	assert_int_equal(s.got, 3);
	sheets_describe(&s, false, msg, sizeof(msg));
	assert_string_equal(msg, "案件 " CASE_A " 第 1 项材料应为 2 页，实际扫描 3 页：可能漏放了分隔页");
}

static void test_refusals(void **state)
{
	static const char *const no_cover[] = {"P", "C:" CASE_A ":1"};
	static const char *const no_sep[] = {"C:" CASE_A ":1", "P"};
	static const char *const foreign[] = {"C:" CASE_A ":1", "S:" CASE_B ":1:1", "P"};
	static const char *const total[] = {"C:" CASE_A ":4", "S:" CASE_A ":1:0", "P", "P"};
	static const char *const twice[] = {"C:" CASE_A ":0", "S:" CASE_A ":1:0", "P", "S:" CASE_A ":1:0", "P"};
	static const char *const empty[] = {"C:" CASE_A ":0", "S:" CASE_A ":1:0"};
	struct sheets_split s;

	(void)state;
	assert_int_equal(split(no_cover, 2, &s), SHEETS_NO_COVER);
	assert_int_equal(split(no_sep, 2, &s), SHEETS_NO_SEPARATOR);
	assert_int_equal(s.page, 2);
	assert_int_equal(split(foreign, 3, &s), SHEETS_FOREIGN_SEPARATOR);
	assert_int_equal(split(total, 4, &s), SHEETS_CASE_COUNT);
	assert_int_equal(s.expected, 4);
	assert_int_equal(s.got, 2);
	assert_int_equal(split(twice, 5, &s), SHEETS_NOT_CONTIGUOUS);
	assert_int_equal(split(empty, 2, &s), SHEETS_EMPTY);
}

static void test_target(void **state)
{
	static const char *const w[] = {"P", "X", "P"};
	static struct stack st;
	struct sheets_split s;

	(void)state;
	build(&st, w, 3);
	assert_int_equal(sheets_split(st.pages, st.n, CASE_A, 2, &s), SHEETS_OK);
	assert_int_equal(s.ndocs, 1);
	assert_int_equal(s.doc[0].material, 2);
	assert_int_equal(s.doc[0].first, 0);
	assert_int_equal(s.doc[0].npages, 3);
	assert_int_equal(sheets_split(st.pages, st.n, NULL, 0, &s), SHEETS_NO_COVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),    cmocka_unit_test(test_good_stack), cmocka_unit_test(test_missed_separator),
	    cmocka_unit_test(test_refusals), cmocka_unit_test(test_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
