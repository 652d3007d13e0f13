/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/input-event-codes.h>
#include <string.h>

#include "drivers/barcode.h"

/* Types s as a wedge scanner does (press and release, shift for capitals
 * and symbols), step_us apart; returns the code when a terminator ends it. */
static const char *type(struct barcode_keys *k, const unsigned *codes, const bool *shifted, size_t n, uint64_t *t,
			uint64_t step_us, size_t *len)
{
	const char *line = NULL;

	for (size_t i = 0; i < n; i++) {
		if (shifted[i])
			barcode_keys_feed(k, KEY_LEFTSHIFT, 1, *t, &line, len);
		if (barcode_keys_feed(k, codes[i], 1, *t, &line, len))
			return line;
		barcode_keys_feed(k, codes[i], 0, *t += step_us / 2, &line, len);
		if (shifted[i])
			barcode_keys_feed(k, KEY_LEFTSHIFT, 0, *t, &line, len);
		*t += step_us / 2;
	}
	return NULL;
}

static void test_wedge(void **state)
{
	/* "SQ01-261128-0007K" then Enter. */
	static const unsigned codes[] = {KEY_S, KEY_Q, KEY_0,	  KEY_1, KEY_MINUS, KEY_2, KEY_6, KEY_1, KEY_1,
					 KEY_2, KEY_8, KEY_MINUS, KEY_0, KEY_0,	    KEY_0, KEY_7, KEY_K, KEY_ENTER};
	static const bool shifted[] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	struct barcode_keys k;
	uint64_t t = 1000000;
	size_t len = 0;
	const char *line;

	(void)state;
	barcode_keys_init(&k, 50000);
	line = type(&k, codes, shifted, sizeof(codes) / sizeof(codes[0]), &t, 4000, &len);
	assert_non_null(line);
	assert_int_equal(len, 17);
	assert_memory_equal(line, "SQ01-261128-0007K", 17);
}

/* A person typing (slow keys) never makes a code: each pause starts over. */
static void test_slow_typing(void **state)
{
	static const unsigned codes[] = {KEY_A, KEY_B, KEY_C, KEY_ENTER};
	static const bool shifted[] = {0, 0, 0, 0};
	struct barcode_keys k;
	uint64_t t = 0;
	size_t len = 0;
	const char *line;

	(void)state;
	barcode_keys_init(&k, 50000);
	line = type(&k, codes, shifted, 4, &t, 200000, &len);
	assert_null(line); /* the pause before Enter dropped the keys */
	barcode_keys_init(&k, 50000);
	/* Enter alone, and Tab, end nothing. */
	assert_false(barcode_keys_feed(&k, KEY_ENTER, 1, 10, &line, &len));
	assert_false(barcode_keys_feed(&k, KEY_TAB, 1, 20, &line, &len));
}

static void test_too_long(void **state)
{
	struct barcode_keys k;
	const char *line;
	size_t len;
	uint64_t t = 0;

	(void)state;
	barcode_keys_init(&k, 50000);
	for (int i = 0; i < BARCODE_MAX + 10; i++)
		barcode_keys_feed(&k, KEY_1, 1, t += 1000, &line, &len);
	assert_false(barcode_keys_feed(&k, KEY_ENTER, 1, t += 1000, &line, &len));
	barcode_keys_feed(&k, KEY_9, 1, t += 1000, &line, &len);
	assert_true(barcode_keys_feed(&k, KEY_TAB, 1, t += 1000, &line, &len));
	assert_int_equal(len, 1);
}

static void test_lines(void **state)
{
	struct barcode_scan s;
	static const char qr[] = "]Q1OUTPOST-CASE:SQ01-261128-0007K;幸福街道便民服务站";

	(void)state;
	assert_true(barcode_parse(qr, strlen(qr), NULL, NULL, true, &s));
	assert_string_equal(s.symbology, "Q1");
	assert_string_equal(s.text, "OUTPOST-CASE:SQ01-261128-0007K;幸福街道便民服务站");
	assert_true(barcode_parse("#]C0A012@", 9, "#", "@", true, &s));
	assert_string_equal(s.symbology, "C0");
	assert_string_equal(s.text, "A012");
	assert_true(barcode_parse("]C0A012", 7, NULL, NULL, false, &s));
	assert_string_equal(s.text, "]C0A012");
	assert_string_equal(s.symbology, "");
	/* Refused: empty, control characters, broken or overlong UTF-8. */
	assert_false(barcode_parse("#@", 2, "#", "@", false, &s));
	assert_false(barcode_parse("A\x01"
				   "B",
				   3, NULL, NULL, false, &s));
	assert_false(barcode_parse("\xe5\xb9", 2, NULL, NULL, false, &s));
	assert_false(barcode_parse("\xc0\xaf", 2, NULL, NULL, false, &s));
	assert_false(barcode_parse("\xed\xa0\x80", 3, NULL, NULL, false, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wedge),
	    cmocka_unit_test(test_slow_typing),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
