/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appliance/common/ratelimit.h"

/* Takes until refused; how many were taken. */
static unsigned drain(struct ratelimit *rl, const char *key, unsigned per_minute, uint64_t now)
{
	unsigned n = 0;

	while (n < 10000 && ratelimit_take(rl, key, per_minute, now))
		n++;
	return n;
}

static void test_a_minutes_worth_then_the_rate(void **state)
{
	struct ratelimit *rl = NULL;

	(void)state;
	assert_int_equal(ratelimit_new(8, &rl), ST_OK);
	assert_int_equal(drain(rl, "10.0.0.1", 10, 1000), 10);
	/* Six seconds give back one of ten a minute, not sooner. */
	assert_false(ratelimit_take(rl, "10.0.0.1", 10, 1005));
	assert_true(ratelimit_take(rl, "10.0.0.1", 10, 1006));
	assert_false(ratelimit_take(rl, "10.0.0.1", 10, 1006));
	/* A long pause refills to one minute's worth, no more. */
	assert_int_equal(drain(rl, "10.0.0.1", 10, 1000000), 10);
	ratelimit_free(&rl);
	assert_null(rl);
}

static void test_keys_are_apart(void **state)
{
	struct ratelimit *rl = NULL;

	(void)state;
	assert_int_equal(ratelimit_new(8, &rl), ST_OK);
	assert_int_equal(drain(rl, "10.0.0.1", 5, 50), 5);
	assert_int_equal(drain(rl, "10.0.0.2", 5, 50), 5);
	assert_false(ratelimit_take(rl, "10.0.0.1", 5, 50));
	ratelimit_free(&rl);
}

static void test_a_full_table_forgets_the_fullest_bucket(void **state)
{
	struct ratelimit *rl = NULL;
	char key[32];

	(void)state;
	assert_int_equal(ratelimit_new(4, &rl), ST_OK);
	assert_int_equal(drain(rl, "attacked", 3, 100), 3);
	/* Many other keys, each taking once, fill the table over and over. */
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "decoy-%d", i);
		assert_true(ratelimit_take(rl, key, 3, 100));
	}
	/* The drained key stayed: an empty bucket is never the fullest. */
	assert_false(ratelimit_take(rl, "attacked", 3, 100));
	ratelimit_free(&rl);
}

static void test_long_keys_are_cut(void **state)
{
	struct ratelimit *rl = NULL;
	char a[100], b[100];

	(void)state;
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[90] = 'b'; /* differs only past RATELIMIT_KEY_MAX */
	assert_int_equal(ratelimit_new(2, &rl), ST_OK);
	assert_int_equal(drain(rl, a, 2, 7), 2);
	assert_false(ratelimit_take(rl, b, 2, 7));
	ratelimit_free(&rl);
	assert_int_equal(ratelimit_new(0, &rl), ST_NOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_minutes_worth_then_the_rate),
	    cmocka_unit_test(test_keys_are_apart),
	    cmocka_unit_test(test_a_full_table_forgets_the_fullest_bucket),
	    cmocka_unit_test(test_long_keys_are_cut),
	};
	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
