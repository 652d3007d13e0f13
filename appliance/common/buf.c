/* SPDX-License-Identifier: Apache-2.0 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
}

static enum status buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	/* +1 keeps room for the NUL of buf_cstr(). */
	if (extra > b->max || b->len > b->max - extra)
		return ST_TOO_LARGE;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return ST_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return ST_NOMEM;
	b->data = p;
	b->cap = cap;
	return ST_OK;
}

enum status buf_append(struct buf *b, const void *data, size_t len)
{
	enum status st = buf_reserve(b, len);

	if (st != ST_OK)
		return st;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return ST_OK;
}

enum status buf_putc(struct buf *b, uint8_t c)
{
	return buf_append(b, &c, 1);
}

enum status buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ST_BAD_FIELD;
	st = buf_reserve(b, (size_t)n);
	if (st != ST_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return ST_OK;
}

const char *buf_cstr(struct buf *b)
{
	if (buf_reserve(b, 0) != ST_OK)
		return "";
	b->data[b->len] = '\0';
	return (const char *)b->data;
}
