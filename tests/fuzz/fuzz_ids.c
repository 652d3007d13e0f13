/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: ID numbers, credit codes and case codes (pure checks). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/common/casecode.h"
#include "appliance/common/idnum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* A valid code must have the check character its own function gives. */
	if (idnum_valid(s, 20261128) && idnum_check_char(s) != (s[17] == 'x' ? 'X' : s[17]))
		__builtin_trap();
	if (uscc_valid(s) && uscc_check_char(s) != s[17])
		__builtin_trap();
	(void)casecode_valid(s);
	free(s);
	return 0;
}
