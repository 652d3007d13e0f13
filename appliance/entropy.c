#include "entropy.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

enum status entropy_fill(void *out, size_t n)
{
	uint8_t *p = out;

	/* Blocks only until the pool is first seeded, early in boot; a large
	 * request may come back short and an interrupted one with EINTR. */
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return ST_IO;
		}
		p += got;
		n -= (size_t)got;
	}
	return ST_OK;
}
