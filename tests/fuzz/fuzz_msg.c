/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: message framing from a child (appliance/common/msg.c). */
#include <stddef.h>
#include <stdint.h>

#include "appliance/common/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg m;

	/* The first byte stands for the number of descriptors that came along. */
	if (size == 0)
		return 0;
	if (msg_decode(data + 1, size - 1, data[0] % (MSG_MAX_FDS + 2), &m) == ST_OK && m.len > size)
		__builtin_trap(); /* a payload longer than what arrived */
	return 0;
}
