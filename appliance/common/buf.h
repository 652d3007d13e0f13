/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable byte buffer with a hard limit (curl's dynbuf).  Appends past the
 * limit fail with ST_TOO_LARGE and leave the buffer as it was.
 */
#ifndef OUTPOST_BUF_H
#define OUTPOST_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
enum status buf_append(struct buf *b, const void *data, size_t len);
enum status buf_putc(struct buf *b, uint8_t c);
enum status buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminates without counting the NUL in len; returns the data. */
const char *buf_cstr(struct buf *b);

#endif
