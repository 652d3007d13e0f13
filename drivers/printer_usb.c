/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A USB printer-class receipt printer through the kernel's usblp driver
 * (/dev/usb/lp0).  Its status is the IEEE 1284 status byte the driver
 * gives with the LPGETSTATUS ioctl: paper empty, selected (online), no
 * error.  A printer unplugged makes the device vanish (ENODEV); it is
 * opened again at the next job or status poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/lp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/log.h"
#include "escpos_status.h"
#include "printer.h"

static bool usb_reopen(struct printer *p)
{
	if (p->fd >= 0)
		return true;
	p->fd = open(p->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0)
		p->fd = open(p->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (p->fd >= 0)
		log_info("printer %s (usb) connected", p->path);
	return p->fd >= 0;
}

static void usb_drop(struct printer *p, const char *why)
{
	if (p->fd >= 0) {
		log_warn("printer %s: %s; closed, will open it again", p->path, why);
		close(p->fd);
	}
	p->fd = -1;
}

static enum printer_state usb_state(struct printer *p)
{
	int lp = 0;

	if (!usb_reopen(p))
		return PRINTER_DISCONNECTED;
	if (ioctl(p->fd, LPGETSTATUS, &lp) < 0) {
		usb_drop(p, strerror(errno));
		return PRINTER_DISCONNECTED;
	}
	return escpos_status_usblp(lp);
}

static enum status usb_open(struct printer *p, const struct config *cfg)
{
	snprintf(p->path, sizeof(p->path), "%s", cfg->printer_path);
	p->timeout_s = cfg->printer_timeout_s;
	if (!usb_reopen(p))
		log_warn("printer %s (usb) not there yet", p->path);
	return ST_OK;
}

static enum status usb_write(struct printer *p, const uint8_t *data, size_t len)
{
	struct timespec start, now;

	p->last = usb_state(p);
	if (p->last != PRINTER_READY && p->last != PRINTER_PAPER_NEAR_END)
		return ST_PRINTER;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (len > 0) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
		ssize_t w;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)p->timeout_s || poll(&pfd, 1, 200) < 0) {
			usb_drop(p, "job not taken in time");
			return ST_PRINTER;
		}
		w = write(p->fd, data, len);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0) {
			usb_drop(p, w < 0 ? strerror(errno) : "nothing written");
			return ST_PRINTER;
		}
		data += w;
		len -= (size_t)w;
	}
	return ST_OK;
}

static void usb_close(struct printer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

const struct printer_ops printer_usb_ops = {
    .name = "usb",
    .open = usb_open,
    .write = usb_write,
    .state = usb_state,
    .close = usb_close,
};
