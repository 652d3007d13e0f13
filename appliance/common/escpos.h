/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESC/POS command encoder (Epson-compatible receipt printers).  Pure: every
 * function appends commands to a caller-owned struct buf, whose limit bounds
 * a job.  Text is UTF-8 in and GB18030 out, for printers in Chinese mode.
 */
#ifndef OUTPOST_ESCPOS_H
#define OUTPOST_ESCPOS_H

#include <iconv.h>
#include <stdbool.h>

#include "buf.h"

enum escpos_align {
	ESCPOS_LEFT = 0,
	ESCPOS_CENTER = 1,
	ESCPOS_RIGHT = 2,
};

struct escpos {
	struct buf *out;
	iconv_t to_gb18030;
	enum status error; /* the first failure; later calls do nothing */
};

/* Starts a job: ESC @ and Chinese mode (FS &).  The caller owns out. */
enum status escpos_begin(struct escpos *e, struct buf *out);
/* Ends a job with a feed and a partial cut (GS V 66); releases the converter.
 * Returns the first error of the whole job. */
enum status escpos_end(struct escpos *e);
/* Feeds and cuts between slips of one job. */
void escpos_cut(struct escpos *e);

void escpos_align(struct escpos *e, enum escpos_align a);
void escpos_bold(struct escpos *e, bool on);
/* Character size multipliers 1..8 (GS !). */
void escpos_size(struct escpos *e, unsigned width, unsigned height);
/* UTF-8 text converted to GB18030; ST_BAD_FIELD for invalid UTF-8. */
void escpos_text(struct escpos *e, const char *utf8);
void escpos_line(struct escpos *e, const char *utf8);
void escpos_feed(struct escpos *e, unsigned lines);
/* Code128 code set B with the human-readable line below (GS k 73). */
void escpos_code128(struct escpos *e, const char *ascii);
/* Native QR model 2, error correction M, payload bytes as given (UTF-8). */
void escpos_qr(struct escpos *e, const char *payload, unsigned module_size);

/* A 1-bit picture: h rows of (w + 7) / 8 bytes, the leftmost dot in the
 * highest bit, 1 for black (the PBM layout). */
struct escpos_image {
	unsigned w, h;
	const uint8_t *bits;
};
/* A raster bit image (GS v 0), the fallback for printers without a Chinese
 * font or native QR; at most 65535 dots wide in bytes and 2303 rows. */
void escpos_image(struct escpos *e, const struct escpos_image *img);

#endif
