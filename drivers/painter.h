/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the dev process draws with cairo.  The raster profile's painter
 * (receipt.h): text lines in the box's Chinese font, QR codes made with
 * libqrencode, both as 1-bit images for GS v 0.  And the PDFs of scanned
 * materials, the pages' JPEG embedded as is.  Both libraries are loaded
 * on first use, not linked, so only a dev process that needs them maps
 * them.
 */
#ifndef OUTPOST_PAINTER_H
#define OUTPOST_PAINTER_H

#include "appliance/common/receipt.h"

/* The painter for a printer dots wide (576 for 80 mm paper, 384 for 58 mm). */
const struct receipt_painter *painter_get(unsigned dots);

/* A scanned page: baseline JPEG data, its size in pixels and resolution. */
struct painter_jpeg {
	const unsigned char *data;
	unsigned long len;
	unsigned width, height, dpi;
};

/* Writes one PDF of n pages to fd, each page the size of its scan. */
enum status painter_pdf(const struct painter_jpeg *pages, unsigned n, int fd);

#endif
