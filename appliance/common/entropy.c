/* SPDX-License-Identifier: Apache-2.0 */
#include "entropy.h"

#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "log.h"

void entropy_fill(void *out, size_t n)
{
	crypto_random(out, n);
}

void entropy_hex(char *out, size_t bytes)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t raw[64];

	if (bytes > sizeof(raw))
		fatalx("entropy_hex: %zu bytes asked, %zu at most", bytes, sizeof(raw));
	entropy_fill(raw, bytes);
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * bytes] = '\0';
	explicit_bzero(raw, sizeof(raw));
}
