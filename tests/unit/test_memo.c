/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appliance/common/memo.h"

static void test_version(void **state)
{
	struct memo m = {0};
	size_t len = 0;
	const char *t;

	(void)state;
	assert_null(memo_get(&m, "list", 1, &len));
	memo_put(&m, "list", 1, "[1,2]", 5);
	t = memo_get(&m, "list", 1, &len);
	assert_non_null(t);
	assert_int_equal(len, 5);
	assert_memory_equal(t, "[1,2]", 5);
	assert_null(memo_get(&m, "other", 1, &len));
	/* Another version is never answered, and the stale entry is gone. */
	assert_null(memo_get(&m, "list", 2, &len));
	assert_null(memo_get(&m, "list", 1, &len));
	memo_put(&m, "list", 2, "[3]", 3);
	memo_put(&m, "list", 3, "[4]", 3); /* the same key replaces its slot */
	assert_memory_equal(memo_get(&m, "list", 3, &len), "[4]", 3);
	assert_int_equal(m.hits, 2);
	for (int i = 0; i < MEMO_SLOTS; i++)
		assert_true(!m.slot[i].key || m.slot[i].version == 3);
	memo_clear(&m);
}

static void test_bounds(void **state)
{
	struct memo m = {0};
	char key[MEMO_KEY_MAX + 2];
	char *big = calloc(MEMO_TEXT_MAX + 1, 1);
	size_t len;

	(void)state;
	assert_non_null(big);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	memo_put(&m, key, 1, "x", 1);
	assert_null(memo_get(&m, key, 1, &len));
	memo_put(&m, "big", 1, big, MEMO_TEXT_MAX + 1);
	assert_null(memo_get(&m, "big", 1, &len));
	memo_put(&m, "just", 1, big, MEMO_TEXT_MAX);
	assert_non_null(memo_get(&m, "just", 1, &len));
	assert_int_equal(len, MEMO_TEXT_MAX);
	free(big);
	memo_clear(&m);
}

/* Past MEMO_SLOTS keys the least recently used goes first. */
static void test_least_recently_used(void **state)
{
	struct memo m = {0};
	char key[16];
	size_t len;

	(void)state;
	for (int i = 0; i < MEMO_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		memo_put(&m, key, 1, key, strlen(key));
	}
	assert_non_null(memo_get(&m, "k0", 1, &len)); /* k1 is now the oldest */
	memo_put(&m, "new", 1, "n", 1);
	assert_null(memo_get(&m, "k1", 1, &len));
	assert_non_null(memo_get(&m, "k0", 1, &len));
	assert_non_null(memo_get(&m, "new", 1, &len));
	for (int i = 2; i < MEMO_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_non_null(memo_get(&m, key, 1, &len));
	}
	memo_clear(&m);
	assert_null(memo_get(&m, "k0", 1, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_least_recently_used),
	};
	return cmocka_run_group_tests_name("memo", tests, NULL, NULL);
}
