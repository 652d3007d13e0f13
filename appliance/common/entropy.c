/* SPDX-License-Identifier: Apache-2.0 */
#include "entropy.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

void entropy_fill(void *out, size_t n)
{
	uint8_t *p = out;

	/* Blocks only until the pool is first seeded, early in boot; a large
	 * request may come back short and an interrupted one with EINTR. */
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			fatal("getrandom");
		p += got;
		n -= (size_t)got;
	}
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
