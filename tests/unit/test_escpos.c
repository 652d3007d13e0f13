/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "appliance/common/escpos.h"
#include "appliance/common/receipt.h"

static const uint8_t *find(const struct buf *b, const void *needle, size_t n)
{
	if (b->len < n)
		return NULL;
	for (size_t i = 0; i + n <= b->len; i++) {
		if (memcmp(b->data + i, needle, n) == 0)
			return b->data + i;
	}
	return NULL;
}

static void test_frame(void **state)
{
	struct buf b;
	struct escpos e;
	static const uint8_t start[] = {0x1b, '@', 0x1c, '&'};
	static const uint8_t end[] = {0x1b, 'd', 3, 0x1d, 'V', 66, 0};

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(escpos_begin(&e, &b), ST_OK);
	assert_int_equal(escpos_end(&e), ST_OK);
	assert_int_equal(b.len, sizeof(start) + sizeof(end));
	assert_memory_equal(b.data, start, sizeof(start));
	assert_memory_equal(b.data + sizeof(start), end, sizeof(end));
	buf_free(&b);
}

static void test_text_gb18030(void **state)
{
	struct buf b;
	struct escpos e;
	/* 中文 in GB18030, then bold on, size 2x2, centre. */
	static const uint8_t zhongwen[] = {0xd6, 0xd0, 0xce, 0xc4, '\n'};
	static const uint8_t styles[] = {0x1b, 'E', 1, 0x1d, '!', 0x11, 0x1b, 'a', 1};

	(void)state;
	buf_init(&b, 4096);
	escpos_begin(&e, &b);
	escpos_line(&e, "中文");
	escpos_bold(&e, true);
	escpos_size(&e, 2, 2);
	escpos_align(&e, ESCPOS_CENTER);
	assert_int_equal(escpos_end(&e), ST_OK);
	assert_non_null(find(&b, zhongwen, sizeof(zhongwen)));
	assert_non_null(find(&b, styles, sizeof(styles)));
	buf_free(&b);
}

static void test_bad_utf8(void **state)
{
	struct buf b;
	struct escpos e;

	(void)state;
	buf_init(&b, 4096);
	escpos_begin(&e, &b);
	escpos_text(&e, "ok\xff\xfe");
	assert_int_equal(escpos_end(&e), ST_BAD_FIELD);
	buf_free(&b);
}

/* GS v 0: width in bytes and height in rows, little-endian, then the dots. */
static void test_image(void **state)
{
	static const uint8_t dots[3 * 2] = {0xff, 0x00, 0x81, 0x18, 0x24, 0x42};
	static const uint8_t head[] = {0x1d, 'v', '0', 0, 3, 0, 2, 0};
	const struct escpos_image img = {.w = 20, .h = 2, .bits = dots};
	const struct escpos_image tall = {.w = 8, .h = 2304, .bits = dots};
	struct escpos e;
	struct buf b;
	const uint8_t *at;

	(void)state;
	buf_init(&b, 4096);
	escpos_begin(&e, &b);
	escpos_image(&e, &img);
	assert_int_equal(escpos_end(&e), ST_OK);
	at = find(&b, head, sizeof(head));
	assert_non_null(at);
	assert_memory_equal(at + sizeof(head), dots, sizeof(dots));
	buf_free(&b);
	buf_init(&b, 4096);
	escpos_begin(&e, &b);
	escpos_image(&e, &tall);
	assert_int_equal(escpos_end(&e), ST_BAD_FIELD);
	buf_free(&b);
}

static void test_codes(void **state)
{
	struct buf b;
	struct escpos e;
	static const uint8_t code128[] = {0x1d, 'k', 73, 8, '{', 'B', 'A', 'B', '-', '1', '2', '3'};
	static const uint8_t qr_store[] = {0x1d, '(', 'k', 9, 0, 49, 80, 48, 0xe4, 0xb8, 0xad, 'Q', 'R', '1'};
	static const uint8_t qr_print[] = {0x1d, '(', 'k', 3, 0, 49, 81, 48};

	(void)state;
	buf_init(&b, 4096);
	escpos_begin(&e, &b);
	escpos_code128(&e, "AB-123");
	escpos_qr(&e, "中QR1", 6);
	assert_int_equal(escpos_end(&e), ST_OK);
	assert_non_null(find(&b, code128, sizeof(code128)));
	assert_non_null(find(&b, qr_store, sizeof(qr_store)));
	assert_non_null(find(&b, qr_print, sizeof(qr_print)));
	buf_free(&b);

	buf_init(&b, 4096);
	escpos_begin(&e, &b);
	escpos_code128(&e, "no{brace");
	assert_int_equal(escpos_end(&e), ST_BAD_FIELD);
	buf_free(&b);
}

static void test_limit(void **state)
{
	struct buf b;
	struct escpos e;

	(void)state;
	buf_init(&b, 16);
	escpos_begin(&e, &b);
	escpos_line(&e, "这一行比十六个字节长得多");
	assert_int_equal(escpos_end(&e), ST_TOO_LARGE);
	assert_true(b.len <= 16);
	buf_free(&b);
}

static const struct receipt sample = {
    .office_name = "幸福街道便民服务站",
    .case_code = "SQ01-261128-0007K",
    .item_name = "居住证办理",
    .department = "区公安分局",
    .applicant = "张*三",
    .received_at = "2026-11-28 09:30",
    .promised_by = "2026-12-05",
    .pickup_code = "493027",
    .inquiry = "咨询电话：010-12345678",
    .lines = {"收件材料：居民身份证（原件）1 份"},
    .nlines = 1,
    .documents = 2,
};

static void test_receipt(void **state)
{
	struct buf b, t;
	static const uint8_t code128_head[] = {0x1d, 'k', 73, 19, '{', 'B', 'S', 'Q', '0', '1'};

	(void)state;
	buf_init(&b, 16384);
	buf_init(&t, 16384);
	assert_int_equal(receipt_escpos(&sample, &b), ST_OK);
	assert_non_null(find(&b, code128_head, sizeof(code128_head)));
	assert_non_null(find(&b, "493027", 6));
	assert_int_equal(receipt_text(&sample, &t), ST_OK);
	assert_non_null(strstr(buf_cstr(&t), "案件编号：SQ01-261128-0007K"));
	assert_non_null(strstr(buf_cstr(&t), "居住证办理"));
	assert_non_null(strstr(buf_cstr(&t), "收件材料：居民身份证（原件）1 份"));
	assert_non_null(strstr(buf_cstr(&t), "咨询电话：010-12345678"));
	/* The pickup code is printed for the citizen, never previewed. */
	assert_null(strstr(buf_cstr(&t), "493027"));
	buf_free(&b);
	buf_free(&t);
}

static void test_receipt_json(void **state)
{
	json_t *j = receipt_to_json(&sample);
	struct receipt r;

	(void)state;
	assert_non_null(j);
	assert_int_equal(receipt_from_json(j, &r), ST_OK);
	assert_string_equal(r.case_code, sample.case_code);
	assert_int_equal(r.documents, 2);
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.lines[0], sample.lines[0]);
	json_object_set_new(j, "extra", json_true());
	assert_int_equal(receipt_from_json(j, &r), ST_BAD_FIELD);
	json_decref(j);
}

static void test_mask(void **state)
{
	char out[64];

	(void)state;
	receipt_mask_name("张三丰", out, sizeof(out));
	assert_string_equal(out, "张*丰");
	receipt_mask_name("李四", out, sizeof(out));
	assert_string_equal(out, "李*");
	receipt_mask_name("王", out, sizeof(out));
	assert_string_equal(out, "王");
	receipt_mask_name("欧阳娜娜", out, sizeof(out));
	assert_string_equal(out, "欧*娜");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame),   cmocka_unit_test(test_text_gb18030), cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_codes),   cmocka_unit_test(test_image),	 cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_receipt), cmocka_unit_test(test_receipt_json), cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests_name("escpos", tests, NULL, NULL);
}
