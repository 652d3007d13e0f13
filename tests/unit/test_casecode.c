/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "appliance/common/casecode.h"

static void test_format(void **state)
{
	char code[CASECODE_MAX];

	(void)state;
	assert_int_equal(casecode_format(code, sizeof(code), "SQ01", 2026, 11, 28, 7), ST_OK);
	assert_int_equal(strncmp(code, "SQ01-261128-0007", 16), 0);
	assert_int_equal(strlen(code), 17);
	assert_true(casecode_valid(code));
	assert_int_equal(casecode_format(code, sizeof(code), "SQ01", 2026, 1, 2, 12345), ST_OK);
	assert_int_equal(strncmp(code, "SQ01-260102-12345", 17), 0);
	assert_true(casecode_valid(code));
}

static void test_sequence_bounds(void **state)
{
	char code[CASECODE_MAX];

	(void)state;
	assert_int_equal(casecode_format(code, sizeof(code), "SQ01", 2026, 11, 28, 0), ST_SEQ_EXHAUSTED);
	assert_int_equal(casecode_format(code, sizeof(code), "SQ01", 2026, 11, 28, CASECODE_SEQ_MAX + 1),
			 ST_SEQ_EXHAUSTED);
	assert_int_equal(casecode_format(code, 10, "SQ01", 2026, 11, 28, 1), ST_TOO_LARGE);
}

/* Every single-character change and every swap of neighbours is caught. */
static void test_detects_errors(void **state)
{
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char code[CASECODE_MAX], bad[CASECODE_MAX];
	size_t n;

	(void)state;
	assert_int_equal(casecode_format(code, sizeof(code), "GL07", 2026, 11, 28, 4711), ST_OK);
	n = strlen(code);
	for (size_t i = 0; i < n; i++) {
		if (code[i] == '-')
			continue;
		for (size_t k = 0; k < 36; k++) {
			if (alnum[k] == code[i])
				continue;
			memcpy(bad, code, n + 1);
			bad[i] = alnum[k];
			if (casecode_valid(bad))
				fail_msg("change at %zu to %c not caught: %s", i, alnum[k], bad);
		}
		if (i + 1 < n && code[i + 1] != '-' && code[i + 1] != code[i]) {
			memcpy(bad, code, n + 1);
			bad[i] = code[i + 1];
			bad[i + 1] = code[i];
			if (casecode_valid(bad))
				fail_msg("swap at %zu not caught: %s", i, bad);
		}
	}
}

static void test_shape(void **state)
{
	(void)state;
	assert_false(casecode_valid(""));
	assert_false(casecode_valid("SQ01-261128"));
	assert_false(casecode_valid("SQ01-2611A8-0007K"));
	assert_false(casecode_valid("SQ01-261128-0007-K"));
	assert_false(casecode_valid("sq01-261128-0007K"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_sequence_bounds),
	    cmocka_unit_test(test_detects_errors),
	    cmocka_unit_test(test_shape),
	};
	return cmocka_run_group_tests_name("casecode", tests, NULL, NULL);
}
