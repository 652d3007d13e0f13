/* SPDX-License-Identifier: Apache-2.0 */
/* The configured scanners in the dev process's loop (scanner.h). */
#include <stdio.h>
#include <unistd.h>

#include "appliance/common/log.h"
#include "appliance/common/timer.h"
#include "scanner.h"

#define RETRY_USEC (2 * 1000000ULL)

static struct {
	char keyboard[CONFIG_PATH_MAX], serial[CONFIG_PATH_MAX];
	unsigned baud;
	char prefix[32], suffix[32];
	struct scanner_opts opts;
	struct barcode_keys keys;
	struct scanner_line line;
	sd_event_source *kbd_io, *ser_io;
	scanner_cb *cb;
	void *ud;
	sd_event *ev;
} sc;

static int on_kbd(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	(void)revents, (void)ud;
	if (!scanner_evdev_read(fd, &sc.keys, &sc.opts, sc.cb, sc.ud)) {
		log_warn("scanner %s gone", sc.keyboard);
		sc.kbd_io = sd_event_source_disable_unref(s);
		close(fd);
	}
	return 0;
}

static int on_ser(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	(void)revents, (void)ud;
	if (!scanner_serial_read(fd, &sc.line, &sc.opts, sc.cb, sc.ud)) {
		log_warn("scanner %s gone", sc.serial);
		sc.ser_io = sd_event_source_disable_unref(s);
		close(fd);
	}
	return 0;
}

/* Opens what is configured and missing: at start and every 2 s. */
static int on_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	int fd;

	(void)ud;
	if (sc.keyboard[0] && !sc.kbd_io && (fd = scanner_evdev_open(sc.keyboard)) >= 0) {
		if (sd_event_add_io(sc.ev, &sc.kbd_io, fd, EPOLLIN, on_kbd, NULL) < 0)
			close(fd);
		else
			log_info("scanner %s (keyboard wedge) connected", sc.keyboard);
	}
	if (sc.serial[0] && !sc.ser_io && (fd = scanner_serial_open(sc.serial, sc.baud)) >= 0) {
		if (sd_event_add_io(sc.ev, &sc.ser_io, fd, EPOLLIN, on_ser, NULL) < 0)
			close(fd);
		else
			log_info("scanner %s (serial) connected", sc.serial);
	}
	if (s) {
		timer_again(s, usec, RETRY_USEC);
	}
	return 0;
}

enum status scanner_init(sd_event *ev, const struct config *cfg, scanner_cb *cb, void *ud)
{
	snprintf(sc.keyboard, sizeof(sc.keyboard), "%s", cfg->scanner_keyboard);
	snprintf(sc.serial, sizeof(sc.serial), "%s", cfg->scanner_serial);
	snprintf(sc.prefix, sizeof(sc.prefix), "%s", cfg->scanner_prefix);
	snprintf(sc.suffix, sizeof(sc.suffix), "%s", cfg->scanner_suffix);
	sc.baud = cfg->scanner_baud;
	sc.opts = (struct scanner_opts){.prefix = sc.prefix, .suffix = sc.suffix, .aim = cfg->scanner_aim};
	barcode_keys_init(&sc.keys, (uint64_t)cfg->scanner_gap_ms * 1000);
	sc.cb = cb;
	sc.ud = ud;
	sc.ev = ev;
	if (!sc.keyboard[0] && !sc.serial[0])
		return ST_OK;
	on_retry(NULL, 0, NULL);
	return sd_event_add_time_relative(ev, NULL, CLOCK_MONOTONIC, RETRY_USEC, 500000, on_retry, NULL) < 0 ? ST_NOMEM
													     : ST_OK;
}

const char *scanner_state(bool keyboard)
{
	if (keyboard)
		return !sc.keyboard[0] ? "none" : sc.kbd_io ? "ready" : "disconnected";
	return !sc.serial[0] ? "none" : sc.ser_io ? "ready" : "disconnected";
}
