/* SPDX-License-Identifier: Apache-2.0 */
#include "scanner.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "appliance/common/log.h"

int scanner_evdev_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	/* Exclusive: the codes go to Outpost only, never to a text console. */
	if (ioctl(fd, EVIOCGRAB, 1) < 0)
		log_warn("scanner %s: not grabbed (%s); another reader may see its keys", path, strerror(errno));
	return fd;
}

bool scanner_evdev_read(int fd, struct barcode_keys *k, const struct scanner_opts *o, scanner_cb *cb, void *ud)
{
	struct input_event ev[64];

	for (;;) {
		ssize_t n = read(fd, ev, sizeof(ev));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false; /* ENODEV: unplugged */
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			const char *line;
			size_t len;
			struct barcode_scan scan;
			uint64_t t = (uint64_t)ev[i].input_event_sec * 1000000 + (uint64_t)ev[i].input_event_usec;

			if (ev[i].type == EV_KEY && barcode_keys_feed(k, ev[i].code, ev[i].value, t, &line, &len) &&
			    barcode_parse(line, len, o->prefix, o->suffix, o->aim, &scan))
				cb(ud, "keyboard", &scan);
		}
	}
}

int scanner_serial_open(const char *path, unsigned baud)
{
	struct termios t;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t) == 0) {
		speed_t speed = baud == 115200	? B115200
				: baud == 57600 ? B57600
				: baud == 38400 ? B38400
				: baud == 19200 ? B19200
						: B9600;

		cfmakeraw(&t);
		cfsetispeed(&t, speed);
		cfsetospeed(&t, speed);
		t.c_cflag |= CLOCAL | CREAD;
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

bool scanner_serial_read(int fd, struct scanner_line *l, const struct scanner_opts *o, scanner_cb *cb, void *ud)
{
	char buf[512];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		for (ssize_t i = 0; i < n; i++) {
			struct barcode_scan scan;

			if (buf[i] != '\r' && buf[i] != '\n') {
				if (l->len < sizeof(l->buf))
					l->buf[l->len++] = buf[i];
				else
					l->overflow = true;
				continue;
			}
			if (l->len && !l->overflow &&
			    barcode_parse(l->buf, l->len, o->prefix, o->suffix, o->aim, &scan))
				cb(ud, "serial", &scan);
			else if (l->len)
				log_warn("scanner: a line that is not a code was dropped (%zu bytes)", l->len);
			l->len = 0;
			l->overflow = false;
		}
	}
}
