/* SPDX-License-Identifier: Apache-2.0 */
/* The 好差评 rules both ends share: phone tokens, call-back numbers, texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "appliance/common/crypto.h"
#include "appliance/common/rating.h"

static const uint8_t secret[32] = {7, 7, 7};

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return crypto_load() == ST_OK ? 0 : -1;
}

static void test_token_round_trip(void **state)
{
	uint8_t key[32], other[32];
	char text[RATING_TOKEN_MAX];
	struct rating_token t;
	time_t last = 1796342400; /* 2026-12-04 08:00 in Shanghai */

	(void)state;
	rating_token_key(secret, sizeof(secret), key);
	assert_true(rating_token_make(key, "SQ01", "intake", "SQ01-261204-0001K", last, text));
	assert_string_equal(strchr(text, '.'), strstr(text, ".i.SQ01-261204-0001K.20261204."));
	assert_true(rating_token_parse(text, &t));
	assert_string_equal(t.office, "SQ01");
	assert_string_equal(t.kind, "intake");
	assert_string_equal(t.ref, "SQ01-261204-0001K");
	assert_true(rating_token_check(&t, key));
	/* Another office's key, a changed day, a changed letter: refused. */
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	assert_false(rating_token_check(&t, other));
	memcpy(t.last_day, "20261205", 9);
	assert_false(rating_token_check(&t, key));
	text[strlen(text) - 1] = text[strlen(text) - 1] == 'A' ? 'B' : 'A';
	assert_true(!rating_token_parse(text, &t) || !rating_token_check(&t, key));
	/* Good through its last local day, not after. */
	assert_true(rating_token_make(key, "SQ01", "pickup", "SQ01-261204-0001K", last, text));
	assert_true(rating_token_parse(text, &t));
	assert_false(rating_token_expired(&t, last + 15 * 3600)); /* 23:00 the same day */
	assert_true(rating_token_expired(&t, last + 17 * 3600));  /* 01:00 the next */
	/* Tickets have no phone token; odd codes make none. */
	assert_false(rating_token_make(key, "SQ01", "ticket", "A012", last, text));
	assert_false(rating_token_make(key, "sq01", "intake", "SQ01-261204-0001K", last, text));
}

static void test_token_parse_refuses(void **state)
{
	static const char *const bad[] = {
	    "",
	    "SQ01",
	    "SQ01.x.SQ01-261204-0001K.20261204.AAAAAAAAAAAAAAAAAAAAAA",
	    "SQ01.i.SQ01-261204-0001K.2026124.AAAAAAAAAAAAAAAAAAAAAA",
	    "SQ01.i.SQ01-261204-0001K.20261204.AAAAAAAAAAAAAAAAAAAAA",
	    "SQ01.i.SQ01-261204-0001K.20261204.AAAAAAAAAAAAAAAAAAAAAA.x",
	    "SQ01.i.sq01-261204-0001K.20261204.AAAAAAAAAAAAAAAAAAAAAA",
	};
	struct rating_token t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(rating_token_parse(bad[i], &t));
}

static void test_phone_and_text(void **state)
{
	json_t *list, *codes, *texts;

	(void)state;
	assert_true(rating_phone_ok("13800138000"));
	assert_true(rating_phone_ok("010-62345678"));
	assert_false(rating_phone_ok("123456"));
	assert_false(rating_phone_ok("-13800138000"));
	assert_false(rating_phone_ok("138--00138000"));
	assert_false(rating_phone_ok("1380013800a"));
	assert_false(rating_phone_ok("123456789012345678901"));
	assert_int_equal(rating_text_chars("等候时间长"), 5);
	assert_int_equal(rating_text_chars("ab"), 2);
	list = rating_default_reasons();
	codes = json_pack("[s, s]", "wait", "unknown");
	texts = rating_reason_texts(list, codes);
	assert_string_equal(json_string_value(json_array_get(texts, 0)), "等候时间长");
	assert_string_equal(json_string_value(json_array_get(texts, 1)), "unknown");
	json_decref(texts);
	json_decref(codes);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_round_trip),
	    cmocka_unit_test(test_token_parse_refuses),
	    cmocka_unit_test(test_phone_and_text),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
