/*
 * Runs inside the qemu guest (tests/qemu/run), against real kernel drivers:
 * a USB printer gadget on dummy_hcd, seen by the host side as /dev/usb/lp0
 * through usblp and by the gadget side as /dev/g_printer0.  It drives the
 * product's usb printer backend (drivers/printer_usb.c) and checks, from
 * the gadget side, what arrived and what status the driver reported.
 * Prints one "GUEST ok|FAIL <what>" line per check and "GUEST done".
 */
#include <fcntl.h>
#include <linux/usb/g_printer.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "appliance/config.h"
#include "drivers/printer.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("GUEST %s %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

/* Reads what the printer got, up to n bytes within a second. */
static size_t gadget_read(int g, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = {.fd = g, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, 1000) <= 0)
			break;
		r = read(g, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

int main(void)
{
	static const unsigned char job[] = "\x1b@OUTPOST USB PRINTER TEST\n\x1dV\x41\x03";
	unsigned char got[256];
	struct config cfg;
	struct printer p;
	int g = open("/dev/g_printer0", O_RDWR);

	check(g >= 0, "the gadget side /dev/g_printer0 opens");
	if (g < 0)
		return 1;
	/* Online, no error, paper in. */
	ioctl(g, GADGET_SET_PRINTER_STATUS, (unsigned long)(PRINTER_SELECTED | PRINTER_NOT_ERROR));
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.printer_backend, sizeof(cfg.printer_backend), "usb");
	snprintf(cfg.printer_path, sizeof(cfg.printer_path), "/dev/usb/lp0");
	cfg.printer_timeout_s = 5;
	check(printer_open(&p, &cfg) == ST_OK, "the usb backend opens /dev/usb/lp0");
	check(printer_state(&p) == PRINTER_READY, "LPGETSTATUS says ready");
	check(printer_print(&p, job, sizeof(job) - 1) == ST_OK, "a job is written");
	check(gadget_read(g, got, sizeof(job) - 1) == sizeof(job) - 1 && memcmp(got, job, sizeof(job) - 1) == 0,
	      "the printer received the job byte for byte");

	ioctl(g, GADGET_SET_PRINTER_STATUS, (unsigned long)(PRINTER_SELECTED | PRINTER_NOT_ERROR | PRINTER_PAPER_EMPTY));
	check(printer_state(&p) == PRINTER_PAPER_OUT, "paper empty is seen as paper_out");
	check(printer_print(&p, job, sizeof(job) - 1) == ST_PRINTER, "no job goes to a printer without paper");
	ioctl(g, GADGET_SET_PRINTER_STATUS, (unsigned long)PRINTER_NOT_ERROR);
	check(printer_state(&p) == PRINTER_OFFLINE, "not selected is seen as offline");
	ioctl(g, GADGET_SET_PRINTER_STATUS, (unsigned long)(PRINTER_SELECTED | PRINTER_NOT_ERROR));
	check(printer_state(&p) == PRINTER_READY, "back online");
	printer_close(&p);
	close(g);
	printf("GUEST done %d failures\n", failures);
	return failures != 0;
}
