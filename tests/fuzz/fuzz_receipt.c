/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a print job's receipt from JSON, rendered to ESC/POS
 * and to the text preview (appliance/common/receipt.c, appliance/common/escpos.c). */
#include <jansson.h>
#include <stdint.h>

#include "appliance/common/buf.h"
#include "appliance/common/receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct receipt r;
	struct buf b;

	if (j && receipt_from_json(j, &r) == ST_OK) {
		buf_init(&b, 1 << 20);
		(void)receipt_escpos(&r, &b);
		buf_reset(&b);
		(void)receipt_text(&r, &b);
		buf_free(&b);
	}
	json_decref(j);
	return 0;
}
