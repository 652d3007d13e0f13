/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "appliance/common/timefmt.h"

static void in_zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void test_format(void **state)
{
	char out[TIMEFMT_RFC3339_LEN];

	(void)state;
	in_zone("Asia/Shanghai");
	timefmt_rfc3339(1796342400, out); /* 2026-12-04T00:00:00Z */
	assert_string_equal(out, "2026-12-04T08:00:00+08:00");
	in_zone("UTC");
	timefmt_rfc3339(1796342400, out);
	assert_string_equal(out, "2026-12-04T00:00:00+00:00");
	/* A zone west of Greenwich and one with half an hour. */
	in_zone("America/St_Johns");
	timefmt_rfc3339(1796342400, out);
	assert_string_equal(out, "2026-12-03T20:30:00-03:30");
	assert_true(timefmt_is_rfc3339(out));
}

static void test_parse(void **state)
{
	static const char *const good[] = {"2026-11-28T10:00:00+08:00", "2026-11-28T02:00:00Z",
					   "2026-11-28t02:00:00.123z", "2026-12-31T23:59:60-03:30"};
	static const char *const bad[] = {"2026-11-28T10:00:00+0800", /* strftime's %z */
					  "2026-11-28 10:00:00+08:00",
					  "2026-11-28T10:00:00",
					  "2026-13-01T00:00:00Z",
					  "2026-11-00T00:00:00Z",
					  "2026-11-28T24:00:00Z",
					  "2026-11-28T10:00:00.Z",
					  "2026-11-28T10:00:00Z ",
					  "26-11-28T10:00:00Z",
					  "",
					  NULL};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(timefmt_is_rfc3339(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(timefmt_is_rfc3339(bad[i]));
	/* The same instant in three spellings. */
	assert_int_equal(timefmt_parse_rfc3339("2026-12-04T08:00:00+08:00"), 1796342400);
	assert_int_equal(timefmt_parse_rfc3339("2026-12-04T00:00:00Z"), 1796342400);
	assert_int_equal(timefmt_parse_rfc3339("2026-12-03T20:30:00.250-03:30"), 1796342400);
	assert_int_equal(timefmt_parse_rfc3339("2026-12-04 00:00:00Z"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_format), cmocka_unit_test(test_parse)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
