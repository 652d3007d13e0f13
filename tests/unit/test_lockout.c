/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appliance/common/lockout.h"

static void test_locks_after_failures_then_runs_out(void **state)
{
	struct lockout_table *t = NULL;

	(void)state;
	assert_int_equal(lockout_new(4, &t), ST_OK);
	assert_false(lockout_fail(t, "police", 3, 60, 100));
	assert_false(lockout_fail(t, "police", 3, 60, 101));
	assert_int_equal(lockout_remaining(t, "police", 101), 0);
	assert_true(lockout_fail(t, "police", 3, 60, 102));
	assert_int_equal(lockout_remaining(t, "police", 102), 60);
	assert_int_equal(lockout_remaining(t, "tax", 102), 0);
	/* Run out: a fresh count. */
	assert_int_equal(lockout_remaining(t, "police", 162), 0);
	assert_false(lockout_fail(t, "police", 3, 60, 162));
	lockout_clear(t, "police");
	assert_false(lockout_fail(t, "police", 3, 60, 163));
	assert_false(lockout_fail(t, "police", 3, 60, 164));
	lockout_free(&t);
	assert_null(t);
}

static void test_made_up_names_do_not_push_out_a_lock(void **state)
{
	struct lockout_table *t = NULL;
	char name[32];

	(void)state;
	assert_int_equal(lockout_new(4, &t), ST_OK);
	for (int i = 0; i < 3; i++)
		lockout_fail(t, "police", 3, 300, 100);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "made-up-%d", i);
		lockout_fail(t, name, 3, 300, 101);
	}
	assert_int_equal(lockout_remaining(t, "police", 102), 298);
	lockout_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_locks_after_failures_then_runs_out),
	    cmocka_unit_test(test_made_up_names_do_not_push_out_a_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
