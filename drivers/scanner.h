/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Barcode scanners on the box: a keyboard-wedge scanner through evdev
 * (grabbed exclusively, so its codes never reach a console), and a
 * line-mode scanner on a serial line or USB CDC-ACM.  The read functions
 * are usable on their own (the qemu guest test drives them); scanner_init
 * puts the configured ones in the dev process's loop and opens them again
 * after an unplug.
 */
#ifndef OUTPOST_SCANNER_H
#define OUTPOST_SCANNER_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "appliance/common/config.h"
#include "barcode.h"

struct scanner_opts {
	const char *prefix, *suffix;
	bool aim;
};

typedef void scanner_cb(void *ud, const char *source, const struct barcode_scan *scan);

/* Opens and grabs an evdev keyboard device; -1 when it is not there. */
int scanner_evdev_open(const char *path);
/* Reads what the device has; calls cb for each finished code.  False when
 * the device is gone (the caller closes fd). */
bool scanner_evdev_read(int fd, struct barcode_keys *k, const struct scanner_opts *o, scanner_cb *cb, void *ud);

/* A line-mode scanner: one code per CR/LF-ended line. */
struct scanner_line {
	char buf[BARCODE_MAX + 64];
	size_t len;
	bool overflow;
};
int scanner_serial_open(const char *path, unsigned baud);
bool scanner_serial_read(int fd, struct scanner_line *l, const struct scanner_opts *o, scanner_cb *cb, void *ud);

/* The configured scanners in the loop; cb gets every scan. */
enum status scanner_init(sd_event *ev, const struct config *cfg, scanner_cb *cb, void *ud);
/* "ready", "disconnected" or "none" for each kind, for the device state. */
const char *scanner_state(bool keyboard);

#endif
