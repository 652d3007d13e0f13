/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: printer status replies (drivers/escpos_status.c). */
#include <stdint.h>

#include "drivers/escpos_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum printer_state s = __PRINTER_STATE_MAX;

	if (size < ESCPOS_STATUS_REPLY)
		return 0;
	/* Decoded means every byte was a status byte, and a known state. */
	if (escpos_status_decode(data, &s) &&
	    (s >= __PRINTER_STATE_MAX || !escpos_status_byte(data[0]) || !escpos_status_byte(data[2])))
		__builtin_trap();
	return 0;
}
