/*
 * The raster profile's painter (receipt.h): text lines drawn with cairo in
 * the box's Chinese font, QR codes made with libqrencode, both as 1-bit
 * images for GS v 0.  Both libraries are loaded on first use, not linked,
 * so only the dev process of a box with such a printer maps them.
 */
#ifndef OUTPOST_PAINTER_H
#define OUTPOST_PAINTER_H

#include "receipt.h"

/* The painter for a printer dots wide (576 for 80 mm paper, 384 for 58 mm). */
const struct receipt_painter *painter_get(unsigned dots);

#endif
