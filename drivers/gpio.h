/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GPIO panel: buttons (ticket categories, a caller per window, the
 * five rating buttons) and LEDs and a buzzer, on lines named in the
 * configuration by line name or by offset on the chip.  Both libgpiod
 * APIs are supported, chosen at build time from pkg-config's version:
 * v1 (Debian bookworm, Raspberry Pi OS bookworm) and v2 (trixie); make
 * check builds both.
 */
#ifndef OUTPOST_GPIO_H
#define OUTPOST_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appliance/common/status.h"

#define GPIO_MAX_BUTTONS 24
#define GPIO_MAX_LEDS	 8

struct gpio_panel;

/*
 * Opens chip (a path such as /dev/gpiochip0) and requests the buttons as
 * inputs with edge events and the LEDs as outputs (off).  A line is its
 * name on the chip, or its offset in digits.  active_low: a pressed
 * button reads 0 (wired to ground, pulled up).  Logs what is missing.
 */
enum status gpio_open(const char *chip, const char *const *buttons, unsigned nbuttons, const char *const *leds,
		      unsigned nleds, bool active_low, struct gpio_panel **out);
void gpio_close(struct gpio_panel **p);

/* The descriptors to wait on (v1: one per button; v2: one); returns how
 * many were written to fds (at most max). */
unsigned gpio_fds(struct gpio_panel *p, int *fds, unsigned max);

/* Reads what fd has; calls press(ud, i) for each press of button i, a
 * press within debounce_us of the last one of the same button ignored.
 * False when the chip is gone. */
bool gpio_read(struct gpio_panel *p, int fd, uint64_t debounce_us, void (*press)(void *ud, unsigned i), void *ud);

/* Switches LED i. */
enum status gpio_set_led(struct gpio_panel *p, unsigned i, bool on);

/* The libgpiod API this build uses: 1 or 2. */
int gpio_api(void);

#endif
