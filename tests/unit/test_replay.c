/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sync/central/replay.h"

/* Keys whose first four bytes (the index's hash) are chosen: colliding
 * keys fill one probe run. */
static void key(uint8_t k[REPLAY_KEY_LEN], uint32_t home, uint32_t n)
{
	memset(k, 0, REPLAY_KEY_LEN);
	memcpy(k, &home, sizeof(home));
	memcpy(k + 8, &n, sizeof(n));
}

static void test_taken_once_until_it_expires(void **state)
{
	struct replay *t = NULL;
	uint8_t k[REPLAY_KEY_LEN];

	(void)state;
	assert_int_equal(replay_new(4, &t), ST_OK);
	key(k, 7, 1);
	assert_int_equal(replay_check(t, k, 100, 700), REPLAY_NEW);
	assert_int_equal(replay_check(t, k, 699, 1299), REPLAY_SEEN);
	/* Expired: the clock check refuses it by then; the place is free. */
	assert_int_equal(replay_check(t, k, 700, 1300), REPLAY_NEW);
	assert_int_equal(replay_count(t), 1);
	replay_free(&t);
	assert_null(t);
}

static void test_full_refuses_rather_than_forgets(void **state)
{
	struct replay *t = NULL;
	uint8_t k[REPLAY_KEY_LEN];

	(void)state;
	assert_int_equal(replay_new(3, &t), ST_OK);
	for (uint32_t i = 0; i < 3; i++) {
		key(k, i, i);
		assert_int_equal(replay_check(t, k, 10 + i, 610 + i), REPLAY_NEW);
	}
	key(k, 9, 9);
	assert_int_equal(replay_check(t, k, 20, 620), REPLAY_FULL);
	key(k, 0, 0);
	assert_int_equal(replay_check(t, k, 20, 620), REPLAY_SEEN);
	/* The oldest expires: room for one. */
	key(k, 9, 9);
	assert_int_equal(replay_check(t, k, 610, 1210), REPLAY_NEW);
	key(k, 1, 1);
	assert_int_equal(replay_check(t, k, 610, 1210), REPLAY_SEEN);
	replay_free(&t);
}

/* Colliding keys expire out of a probe run's middle; the ones after it
 * must still be found (backward-shift deletion). */
static void test_collisions_survive_expiry(void **state)
{
	struct replay *t = NULL;
	uint8_t k[REPLAY_KEY_LEN];

	(void)state;
	assert_int_equal(replay_new(64, &t), ST_OK);
	for (uint32_t i = 0; i < 40; i++) {
		key(k, i % 3 == 0 ? 5 : 6 + i % 2, i);
		assert_int_equal(replay_check(t, k, i, 1000 + i), REPLAY_NEW);
	}
	for (uint32_t round = 0; round < 20; round++) {
		uint64_t now = 1000 + round;

		for (uint32_t i = round + 1; i < 40; i++) {
			key(k, i % 3 == 0 ? 5 : 6 + i % 2, i);
			assert_int_equal(replay_check(t, k, now, 2000), REPLAY_SEEN);
		}
		key(k, round % 3 == 0 ? 5 : 6 + round % 2, round);
		assert_int_equal(replay_check(t, k, now, 2000), REPLAY_NEW);
	}
	replay_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_taken_once_until_it_expires),
	    cmocka_unit_test(test_full_refuses_rather_than_forgets),
	    cmocka_unit_test(test_collisions_survive_expiry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
