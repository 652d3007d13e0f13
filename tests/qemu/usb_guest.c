/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs inside the qemu guest (tests/qemu/run), against real kernel drivers
 * and USB gadgets on dummy_hcd:
 * - a printer (host side /dev/usb/lp0 through usblp, gadget side
 *   /dev/g_printer0), driven by the product's usb printer backend;
 * - a boot keyboard (gadget /dev/hidg0, host /dev/input/eventN through
 *   usbhid and evdev), read as a keyboard-wedge scanner;
 * - a serial line (gadget /dev/ttyGS0, host /dev/ttyACM0 through cdc-acm),
 *   read as a line-mode scanner carrying a QR code with Chinese text.
 * Prints one "GUEST ok|FAIL <what>" line per check and "GUEST done".
 */
#include <fcntl.h>
#include <linux/usb/g_printer.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <dirent.h>
#include <linux/input.h>

#include "appliance/common/config.h"
#include "drivers/printer.h"
#include "drivers/scanner.h"

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

static struct barcode_scan last;
static int scans;

static void got_scan(void *ud, const char *source, const struct barcode_scan *scan)
{
	(void)ud, (void)source;
	last = *scan;
	scans++;
}

/* The evdev device of the keyboard gadget, by its name. */
static int find_keyboard(void)
{
	DIR *d = opendir("/dev/input");
	struct dirent *e;
	char path[300], name[256];
	int fd = -1;

	while (d && (e = readdir(d)) && fd < 0) {
		if (strncmp(e->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
		fd = scanner_evdev_open(path);
		if (fd >= 0 && (ioctl(fd, EVIOCGNAME(sizeof(name)), name) < 0 || !strstr(name, "Outpost"))) {
			close(fd);
			fd = -1;
		}
	}
	if (d)
		closedir(d);
	return fd;
}

/* Types s on the keyboard gadget as HID boot reports (press, release),
 * reading the evdev side as it goes, as the dev process's loop does (evdev
 * keeps only so many events for a reader that does not read). */
static void hid_type(int h, const char *s, int kbd, struct barcode_keys *k, const struct scanner_opts *o)
{
	for (; *s; s++) {
		unsigned char r[8] = {0};
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			r[0] = 0x02, r[2] = (unsigned char)(0x04 + c - 'A');
		else if (c >= 'a' && c <= 'z')
			r[2] = (unsigned char)(0x04 + c - 'a');
		else if (c >= '1' && c <= '9')
			r[2] = (unsigned char)(0x1e + c - '1');
		else if (c == '0')
			r[2] = 0x27;
		else if (c == '-')
			r[2] = 0x2d;
		else if (c == '\n')
			r[2] = 0x28;
		if (write(h, r, sizeof(r)) != (ssize_t)sizeof(r))
			return;
		usleep(5000);
		memset(r, 0, sizeof(r));
		if (write(h, r, sizeof(r)) != (ssize_t)sizeof(r))
			return;
		usleep(5000);
		scanner_evdev_read(kbd, k, o, got_scan, NULL);
	}
}

static void wait_scan(int fd, bool keyboard, struct barcode_keys *k, struct scanner_line *l,
		      const struct scanner_opts *o)
{
	for (int i = 0; i < 50 && scans == 0; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (poll(&pfd, 1, 100) > 0) {
			if (keyboard)
				scanner_evdev_read(fd, k, o, got_scan, NULL);
			else
				scanner_serial_read(fd, l, o, got_scan, NULL);
		}
	}
}

static void scanners(void)
{
	static const char qr[] = "]Q1OUTPOST-CASE:SQ01-261128-0007K;幸福街道便民服务站\r\n";
	struct scanner_opts o = {.aim = true};
	struct barcode_keys k;
	struct scanner_line l = {.len = 0};
	int h = open("/dev/hidg0", O_WRONLY), kbd = find_keyboard(), acm, gs;

	check(h >= 0 && kbd >= 0, "the keyboard gadget appears as an evdev device and is grabbed");
	if (h >= 0 && kbd >= 0) {
		/* An emulated CPU delivers keys unevenly: the gap rule is the
		 * unit tests' business, this checks the real driver path. */
		barcode_keys_init(&k, 1000000);
		hid_type(h, "SQ01-261128-0007K\n", kbd, &k, &o);
		wait_scan(kbd, true, &k, NULL, &o);
		check(scans == 1 && strcmp(last.text, "SQ01-261128-0007K") == 0,
		      "a code typed by the wedge scanner is read, shift and all");
		if (scans != 1 || strcmp(last.text, "SQ01-261128-0007K") != 0)
			printf("GUEST info: %d scans, last '%s'\n", scans, last.text);
	}
	scans = 0;
	acm = scanner_serial_open("/dev/ttyACM0", 115200);
	gs = open("/dev/ttyGS0", O_WRONLY | O_NOCTTY);
	check(acm >= 0 && gs >= 0, "the CDC-ACM serial scanner opens");
	if (acm >= 0 && gs >= 0) {
		struct termios t;

		tcgetattr(gs, &t);
		cfmakeraw(&t);
		tcsetattr(gs, TCSANOW, &t);
		if (write(gs, qr, sizeof(qr) - 1) != (ssize_t)(sizeof(qr) - 1))
			check(0, "the QR line is sent");
		wait_scan(acm, false, NULL, &l, &o);
		check(scans == 1 && strcmp(last.symbology, "Q1") == 0 &&
			  strcmp(last.text, "OUTPOST-CASE:SQ01-261128-0007K;幸福街道便民服务站") == 0,
		      "a QR code with Chinese text arrives exactly over CDC-ACM, its AIM id split off");
	}
	if (h >= 0)
		close(h);
	if (kbd >= 0)
		close(kbd);
	if (acm >= 0)
		close(acm);
	if (gs >= 0)
		close(gs);
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
	scanners();
	printf("GUEST done %d failures\n", failures);
	return failures != 0;
}
