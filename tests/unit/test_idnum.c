/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "appliance/common/idnum.h"

#define TODAY 20261128L

struct idcase {
	const char *id;
	bool valid;
};

/* Check digits computed by hand from GB 11643's weights. */
static const struct idcase cases[] = {
    {"11010519491231002X", true},  /* the standard's own example */
    {"11010519491231002x", true},  /* lowercase x accepted */
    {"110105194912310021", false}, /* wrong check digit */
    {"440524188001010014", true},
    {"440524188001010015", false},
    {"11010519491231002", false},   /* 17 characters */
    {"11010519491231002XX", false}, /* 19 characters */
    {"1101051949123100AX", false},  /* letter in the body */
    {"110105194902300012", false},  /* 30 February, check digit right */
    {"11010520300101001X", false},  /* born in the future, check digit right */
    {"010105194912310026", false},  /* region starts with 0, check digit right */
    {"", false},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (idnum_valid(cases[i].id, TODAY) != cases[i].valid)
			fail_msg("idnum_valid(%s) should be %d", cases[i].id, cases[i].valid);
	}
}

static void test_check_char(void **state)
{
	(void)state;
	assert_int_equal(idnum_check_char("11010519491231002"), 'X');
	assert_int_equal(idnum_check_char("44052418800101001"), '4');
	assert_int_equal(idnum_check_char("4405241880010100A"), '\0');
}

static void test_leap_day(void **state)
{
	char id[19] = "11010520000229001";

	(void)state;
	id[17] = idnum_check_char(id);
	assert_true(idnum_valid(id, TODAY));
	memcpy(id, "11010519000229001", 17); /* 1900 was not a leap year */
	id[17] = idnum_check_char(id);
	assert_false(idnum_valid(id, TODAY));
}

/* Unified social credit codes: published examples, and every single
 * wrong check character and forbidden letter refused. */
static void test_uscc(void **state)
{
	static const char *const good[] = {"91350100M000100Y43", "911100007109288314"};
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char bad[19];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(uscc_valid(good[i]));
		for (const char *c = alnum; *c; c++) {
			memcpy(bad, good[i], 19);
			bad[17] = *c;
			assert_int_equal(uscc_valid(bad), *c == good[i][17]);
		}
	}
	assert_false(uscc_valid("91350100M000100Y4"));
	assert_false(uscc_valid("91350100M000100Y433"));
	assert_false(uscc_valid("9135010OM000100Y43")); /* O is not in the set */
	assert_false(uscc_valid("91350100m000100Y43")); /* lowercase */
	assert_false(uscc_valid(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_uscc),
	    cmocka_unit_test(test_check_char),
	    cmocka_unit_test(test_leap_day),
	};
	return cmocka_run_group_tests_name("idnum", tests, NULL, NULL);
}
