/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Barcode scanners, the pure part: keyboard-wedge scanners type their
 * code as key presses (Linux evdev codes, US layout), line-mode scanners
 * (RS-232 or USB CDC-ACM, the only kind that can carry Chinese text) send
 * one line per code.  Both may add a configured prefix and suffix and an
 * AIM symbology identifier ("]Q1" QR, "]C0" Code 128, ...).  No I/O here;
 * drivers/scanner.c reads the devices.
 */
#ifndef OUTPOST_BARCODE_H
#define OUTPOST_BARCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BARCODE_MAX 1024 /* bytes of one code; longer ones are refused */

struct barcode_scan {
	char symbology[4]; /* the AIM id without ']' ("Q1"), or "" */
	char text[BARCODE_MAX + 1];
	size_t len;
};

/* Key presses to codes.  A code ends at Enter (or keypad Enter) or Tab; a
 * pause longer than gap_us between keys drops what came before it (a
 * person typing, or a code cut off), as does a code longer than
 * BARCODE_MAX. */
struct barcode_keys {
	char buf[BARCODE_MAX + 1];
	size_t len;
	bool shift;
	bool overflow;
	uint64_t last_us;
	uint64_t gap_us;
};

void barcode_keys_init(struct barcode_keys *k, uint64_t gap_us);
/* One evdev key event (code, value 1 press / 0 release / 2 repeat, at
 * t_us); true when it ended a code, which is then in *line (len bytes,
 * valid until the next call). */
bool barcode_keys_feed(struct barcode_keys *k, unsigned code, int value, uint64_t t_us, const char **line, size_t *len);

/*
 * A scanned line (without its CR/LF) to a scan: the prefix and suffix are
 * removed when present (NULL or "" for none), an AIM id split off when
 * aim is set.  False for an empty code, one longer than BARCODE_MAX, one
 * that is not UTF-8, or one with control characters.
 */
bool barcode_parse(const char *line, size_t len, const char *prefix, const char *suffix, bool aim,
		   struct barcode_scan *out);

#endif
