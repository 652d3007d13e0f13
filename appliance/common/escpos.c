/* SPDX-License-Identifier: Apache-2.0 */
#include "escpos.h"

#include <errno.h>
#include <string.h>

#define ESC 0x1b
#define FS  0x1c
#define GS  0x1d

static void put(struct escpos *e, const void *data, size_t len)
{
	if (e->error != ST_OK)
		return;
	e->error = buf_append(e->out, data, len);
}

static void put_bytes(struct escpos *e, size_t n, const uint8_t *bytes)
{
	put(e, bytes, n);
}

#define PUT(e, ...)                                                                                                    \
	do {                                                                                                           \
		const uint8_t seq_[] = {__VA_ARGS__};                                                                  \
		put_bytes((e), sizeof(seq_), seq_);                                                                    \
	} while (0)

enum status escpos_begin(struct escpos *e, struct buf *out)
{
	e->out = out;
	e->error = ST_OK;
	e->to_gb18030 = iconv_open("GB18030", "UTF-8");
	if (e->to_gb18030 == (iconv_t)-1)
		return e->error = ST_NOMEM;
	PUT(e, ESC, '@'); /* initialise */
	PUT(e, FS, '&');  /* Chinese character mode */
	return e->error;
}

void escpos_cut(struct escpos *e)
{
	escpos_feed(e, 3);
	PUT(e, GS, 'V', 66, 0); /* feed to the cutter and cut partially */
}

enum status escpos_end(struct escpos *e)
{
	escpos_cut(e);
	if (e->to_gb18030 != (iconv_t)-1)
		iconv_close(e->to_gb18030);
	e->to_gb18030 = (iconv_t)-1;
	return e->error;
}

void escpos_align(struct escpos *e, enum escpos_align a)
{
	PUT(e, ESC, 'a', (uint8_t)a);
}

void escpos_bold(struct escpos *e, bool on)
{
	PUT(e, ESC, 'E', on ? 1 : 0);
}

void escpos_size(struct escpos *e, unsigned width, unsigned height)
{
	if (width < 1 || width > 8 || height < 1 || height > 8) {
		if (e->error == ST_OK)
			e->error = ST_BAD_FIELD;
		return;
	}
	PUT(e, GS, '!', (uint8_t)(((width - 1) << 4) | (height - 1)));
}

void escpos_text(struct escpos *e, const char *utf8)
{
	char chunk[256];
	char *in = (char *)utf8;
	size_t inleft = strlen(utf8);

	if (e->error != ST_OK)
		return;
	iconv(e->to_gb18030, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		char *outp = chunk;
		size_t outleft = sizeof(chunk);
		size_t r = iconv(e->to_gb18030, &in, &inleft, &outp, &outleft);

		put(e, chunk, sizeof(chunk) - outleft);
		if (r == (size_t)-1 && errno != E2BIG) {
			if (e->error == ST_OK)
				e->error = ST_BAD_FIELD;
			return;
		}
	}
}

void escpos_line(struct escpos *e, const char *utf8)
{
	escpos_text(e, utf8);
	PUT(e, '\n');
}

void escpos_feed(struct escpos *e, unsigned lines)
{
	PUT(e, ESC, 'd', (uint8_t)(lines > 255 ? 255 : lines));
}

void escpos_code128(struct escpos *e, const char *ascii)
{
	size_t n = strlen(ascii);

	/* Code set B holds ASCII 32..126; '{' starts a function code. */
	for (size_t i = 0; i < n; i++) {
		if (ascii[i] < 32 || ascii[i] > 126 || ascii[i] == '{') {
			if (e->error == ST_OK)
				e->error = ST_BAD_FIELD;
			return;
		}
	}
	if (n + 2 > 255) {
		if (e->error == ST_OK)
			e->error = ST_TOO_LARGE;
		return;
	}
	PUT(e, GS, 'h', 80);		       /* bar height in dots */
	PUT(e, GS, 'w', 2);		       /* module width */
	PUT(e, GS, 'H', 2);		       /* human-readable text below */
	PUT(e, GS, 'k', 73, (uint8_t)(n + 2)); /* Code128, length */
	PUT(e, '{', 'B');
	put(e, ascii, n);
}

void escpos_qr(struct escpos *e, const char *payload, unsigned module_size)
{
	size_t n = strlen(payload);
	size_t store_len = n + 3;

	if (n == 0 || n > 7089 || module_size < 1 || module_size > 16) {
		if (e->error == ST_OK)
			e->error = ST_BAD_FIELD;
		return;
	}
	/* GS ( k: select model 2, module size, error correction M, store, print. */
	PUT(e, GS, '(', 'k', 4, 0, 49, 65, 50, 0);
	PUT(e, GS, '(', 'k', 3, 0, 49, 67, (uint8_t)module_size);
	PUT(e, GS, '(', 'k', 3, 0, 49, 69, 49);
	PUT(e, GS, '(', 'k', (uint8_t)(store_len & 0xff), (uint8_t)(store_len >> 8), 49, 80, 48);
	put(e, payload, n);
	PUT(e, GS, '(', 'k', 3, 0, 49, 81, 48);
}

void escpos_image(struct escpos *e, const struct escpos_image *img)
{
	unsigned x = (img->w + 7) / 8;

	if (img->w == 0 || img->h == 0 || img->h > 2303 || x > 0xffff) {
		if (e->error == ST_OK)
			e->error = ST_BAD_FIELD;
		return;
	}
	PUT(e, GS, 'v', '0', 0, (uint8_t)(x & 0xff), (uint8_t)(x >> 8), (uint8_t)(img->h & 0xff),
	    (uint8_t)(img->h >> 8));
	put(e, img->bits, (size_t)x * img->h);
}
