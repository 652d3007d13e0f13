/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: scanner lines and wedge key streams (drivers/barcode.c). */
#include <stdint.h>
#include <string.h>

#include "drivers/barcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct barcode_scan s;
	struct barcode_keys k;
	const char *line;
	size_t len;
	uint64_t t = 0;

	if (barcode_parse((const char *)data, size, "#", "@", true, &s) &&
	    (s.len == 0 || s.len > BARCODE_MAX || strlen(s.text) != s.len))
		__builtin_trap();
	/* The same bytes as key events: code, value, time step. */
	barcode_keys_init(&k, 50000);
	for (size_t i = 0; i + 3 <= size; i += 3) {
		t += data[i + 2] * 1000u;
		if (barcode_keys_feed(&k, data[i], data[i + 1] % 3, t, &line, &len) && (len == 0 || len > BARCODE_MAX))
			__builtin_trap();
	}
	return 0;
}
