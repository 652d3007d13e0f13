/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/escpos_status.h"

/* Replies as the Epson ESC/POS reference gives them, and what they mean. */
static const struct {
	uint8_t reply[3];
	enum printer_state state;
} cases[] = {
    {{0x12, 0x12, 0x12}, PRINTER_READY},      {{0x12, 0x12, 0x1e}, PRINTER_PAPER_NEAR_END}, /* bits 2-3: near end */
    {{0x12, 0x12, 0x72}, PRINTER_PAPER_OUT},						    /* bits 5-6: no paper */
    {{0x1a, 0x32, 0x72}, PRINTER_PAPER_OUT},  /* offline because the paper ended */
    {{0x1a, 0x16, 0x12}, PRINTER_COVER_OPEN}, /* offline, cover open */
    {{0x1a, 0x36, 0x72}, PRINTER_COVER_OPEN}, /* cover open and no paper: the cover first */
    {{0x1a, 0x12, 0x12}, PRINTER_OFFLINE},    {{0x12, 0x52, 0x12}, PRINTER_OFFLINE}, /* an error occurred */
    {{0x1a, 0x12, 0x1e}, PRINTER_OFFLINE},					     /* offline outranks near end */
};

static void test_replies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum printer_state s = __PRINTER_STATE_MAX;

		assert_true(escpos_status_decode(cases[i].reply, &s));
		assert_int_equal(s, cases[i].state);
	}
}

/* A byte with a fixed bit wrong is not a status reply (a stray byte, a
 * printer in another mode): refused, the state untouched. */
static void test_not_status(void **state)
{
	static const uint8_t bad[][3] = {
	    {0x00, 0x12, 0x12}, {0x12, 0x13, 0x12}, {0x12, 0x12, 0x92}, {0x12, 0x12, 0x02}};
	int seen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum printer_state s = PRINTER_DISCONNECTED;

		assert_false(escpos_status_decode(bad[i], &s));
		assert_int_equal(s, PRINTER_DISCONNECTED);
	}
	for (int b = 0; b < 256; b++)
		seen += escpos_status_byte((uint8_t)b);
	assert_int_equal(seen, 16); /* 4 fixed bits of 8 */
}

/* usblp's LPGETSTATUS byte (IEEE 1284): 0x20 paper empty, 0x10 selected,
 * 0x08 no error. */
static void test_usblp(void **state)
{
	(void)state;
	assert_int_equal(escpos_status_usblp(0x18), PRINTER_READY);
	assert_int_equal(escpos_status_usblp(0x38), PRINTER_PAPER_OUT);
	assert_int_equal(escpos_status_usblp(0x30), PRINTER_PAPER_OUT);
	assert_int_equal(escpos_status_usblp(0x08), PRINTER_OFFLINE);
	assert_int_equal(escpos_status_usblp(0x10), PRINTER_OFFLINE);
}

static void test_query(void **state)
{
	(void)state;
	assert_int_equal(escpos_status_query[0], 0x10);
	assert_int_equal(escpos_status_query[1], 0x04);
	assert_int_equal(escpos_status_query[2], 1);
	assert_int_equal(escpos_status_query[5], 2);
	assert_int_equal(escpos_status_query[8], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replies),
	    cmocka_unit_test(test_not_status),
	    cmocka_unit_test(test_usblp),
	    cmocka_unit_test(test_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
