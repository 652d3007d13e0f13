/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs inside the qemu guest against gpio-sim (a simulated GPIO chip, built
 * out of tree for Debian's kernel): a button press is made by pulling the
 * simulated line up through sysfs, an LED level is read back there.  The
 * product's panel code (drivers/gpio.c) is built twice, against libgpiod v1
 * and v2; each prints "GUEST ok|FAIL ..." lines.
 *   gpio_guest /dev/gpiochipN /sys/devices/platform/gpio-sim.0/gpiochipN
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/gpio.h"

/* Long, because an emulated CPU writes the two sysfs values of a "bounce"
 * slowly; the rule is the same at the box's 30 ms. */
#define DEBOUNCE_US 500000

static int failures, presses;

static void check(int ok, const char *what)
{
	printf("GUEST %s libgpiod v%d: %s\n", ok ? "ok" : "FAIL", gpio_api(), what);
	failures += !ok;
}

static void on_press(void *ud, unsigned i)
{
	(void)ud, (void)i;
	presses++;
}

static void sim_write(const char *dir, const char *file, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, value, strlen(value)) < 0)
			perror(path);
		close(fd);
	}
}

static char sim_read(const char *dir, const char *file)
{
	char path[256], c = '?';
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '?';
		close(fd);
	}
	return c;
}

/* Reads edges for up to ms milliseconds. */
static void pump(struct gpio_panel *p, int ms)
{
	int fds[GPIO_MAX_BUTTONS];
	unsigned n = gpio_fds(p, fds, GPIO_MAX_BUTTONS);

	for (int t = 0; t < ms; t += 10) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};

		if (n && poll(&pfd, 1, 10) > 0)
			gpio_read(p, fds[0], DEBOUNCE_US, on_press, NULL);
	}
}

/* Reads edges until want presses were counted (at most 5 s: a slow guest
 * only delays them, the kernel has queued them with their times), then
 * 100 ms more, so a press counted by mistake shows too. */
static void pump_until(struct gpio_panel *p, int want)
{
	for (int t = 0; t < 5000 && presses < want; t += 50)
		pump(p, 50);
	pump(p, 100);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
	static const char *const buttons[] = {"btn_call"};
	static const char *const leds[] = {"3"}; /* by offset */
	struct gpio_panel *p = NULL;
	char what[160];
	uint64_t took;

	if (argc != 3)
		return 2;
	sim_write(argv[2], "sim_gpio0/pull", "pull-down");
	check(gpio_open(argv[1], buttons, 1, leds, 1, false, &p) == ST_OK,
	      "the panel opens: a button by line name, an LED by offset");
	if (!p)
		return 1;
	sim_write(argv[2], "sim_gpio0/pull", "pull-up");
	pump_until(p, 1);
	check(presses == 1, "a button edge is one press");
	/* The checks below depend on the edges' kernel times, not on how fast
	 * this guest reads them: a press and its bounce are written back to
	 * back, and the time the writes took is measured. */
	usleep(DEBOUNCE_US + 200000);
	took = now_us();
	sim_write(argv[2], "sim_gpio0/pull", "pull-down");
	sim_write(argv[2], "sim_gpio0/pull", "pull-up");
	sim_write(argv[2], "sim_gpio0/pull", "pull-down");
	sim_write(argv[2], "sim_gpio0/pull", "pull-up");
	took = now_us() - took;
	pump_until(p, 2);
	snprintf(what, sizeof(what), "a bounce within the debounce time is ignored (press and bounce written in %llu ms)",
		 (unsigned long long)(took / 1000));
	check(presses == 2 && took < DEBOUNCE_US, what);
	usleep(DEBOUNCE_US + 200000);
	sim_write(argv[2], "sim_gpio0/pull", "pull-down");
	sim_write(argv[2], "sim_gpio0/pull", "pull-up");
	pump_until(p, 3);
	check(presses == 3, "a second press after the debounce time counts");
	check(gpio_set_led(p, 0, true) == ST_OK && sim_read(argv[2], "sim_gpio3/value") == '1', "an LED on reads 1");
	check(gpio_set_led(p, 0, false) == ST_OK && sim_read(argv[2], "sim_gpio3/value") == '0', "and off reads 0");
	gpio_close(&p);
	printf("GUEST gpio v%d done %d failures\n", gpio_api(), failures);
	return failures != 0;
}
