/* SPDX-License-Identifier: Apache-2.0 */
#include "gpio.h"

#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/common/log.h"

struct gpio_panel {
	struct gpiod_chip *chip;
	unsigned nbuttons, nleds;
	unsigned button_offset[GPIO_MAX_BUTTONS], led_offset[GPIO_MAX_LEDS];
	uint64_t last_press_ns[GPIO_MAX_BUTTONS];
	bool active_low;
#if OUTPOST_GPIOD_API == 2
	struct gpiod_line_request *buttons, *leds;
	struct gpiod_edge_event_buffer *events;
#else
	struct gpiod_line *button_line[GPIO_MAX_BUTTONS], *led_line[GPIO_MAX_LEDS];
#endif
};

int gpio_api(void)
{
	return OUTPOST_GPIOD_API;
}

/* A line by name on the chip, or by offset in digits; -1 when neither. */
static int line_offset(struct gpiod_chip *chip, const char *spec)
{
	char *end;
	long n = strtol(spec, &end, 10);

	if (*spec && !*end)
		return n >= 0 && n < 1024 ? (int)n : -1;
#if OUTPOST_GPIOD_API == 2
	return gpiod_chip_get_line_offset_from_name(chip, spec);
#else
	{
		struct gpiod_line *l = gpiod_chip_find_line(chip, spec);

		return l ? (int)gpiod_line_offset(l) : -1;
	}
#endif
}

/* A press, debounced: true when it counts. */
static bool pressed(struct gpio_panel *p, unsigned i, uint64_t t_ns, uint64_t debounce_us)
{
	if (p->last_press_ns[i] && t_ns - p->last_press_ns[i] < debounce_us * 1000)
		return false;
	p->last_press_ns[i] = t_ns;
	return true;
}

#if OUTPOST_GPIOD_API == 2

static struct gpiod_line_request *request(struct gpiod_chip *chip, const unsigned *offsets, unsigned n, bool output,
					  bool active_low)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	struct gpiod_line_request *req = NULL;

	if (s && lc && rc) {
		gpiod_request_config_set_consumer(rc, "outpost");
		if (output) {
			gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT);
			gpiod_line_settings_set_output_value(s, GPIOD_LINE_VALUE_INACTIVE);
		} else {
			gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT);
			gpiod_line_settings_set_edge_detection(s, GPIOD_LINE_EDGE_BOTH);
			gpiod_line_settings_set_active_low(s, active_low);
		}
		if (gpiod_line_config_add_line_settings(lc, offsets, n, s) == 0)
			req = gpiod_chip_request_lines(chip, rc, lc);
	}
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	gpiod_line_settings_free(s);
	return req;
}

unsigned gpio_fds(struct gpio_panel *p, int *fds, unsigned max)
{
	if (!p->buttons || max == 0)
		return 0;
	fds[0] = gpiod_line_request_get_fd(p->buttons);
	return 1;
}

bool gpio_read(struct gpio_panel *p, int fd, uint64_t debounce_us, void (*press)(void *ud, unsigned i), void *ud)
{
	int n = gpiod_line_request_read_edge_events(p->buttons, p->events, 16);

	(void)fd;
	if (n < 0)
		return false;
	for (int k = 0; k < n; k++) {
		struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(p->events, (unsigned long)k);
		unsigned off = gpiod_edge_event_get_line_offset(e);

		/* Settings carry active_low: rising means pressed. */
		if (gpiod_edge_event_get_event_type(e) != GPIOD_EDGE_EVENT_RISING_EDGE)
			continue;
		for (unsigned i = 0; i < p->nbuttons; i++) {
			if (p->button_offset[i] == off &&
			    pressed(p, i, gpiod_edge_event_get_timestamp_ns(e), debounce_us))
				press(ud, i);
		}
	}
	return true;
}

enum status gpio_set_led(struct gpio_panel *p, unsigned i, bool on)
{
	if (i >= p->nleds || !p->leds)
		return ST_NOT_FOUND;
	return gpiod_line_request_set_value(p->leds, p->led_offset[i],
					    on ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) == 0
		   ? ST_OK
		   : ST_IO;
}

static enum status request_all(struct gpio_panel *p)
{
	if (p->nbuttons && (!(p->buttons = request(p->chip, p->button_offset, p->nbuttons, false, p->active_low)) ||
			    !(p->events = gpiod_edge_event_buffer_new(16))))
		return ST_IO;
	if (p->nleds && !(p->leds = request(p->chip, p->led_offset, p->nleds, true, false)))
		return ST_IO;
	return ST_OK;
}

static void release_all(struct gpio_panel *p)
{
	if (p->buttons)
		gpiod_line_request_release(p->buttons);
	if (p->leds)
		gpiod_line_request_release(p->leds);
	if (p->events)
		gpiod_edge_event_buffer_free(p->events);
}

#else /* libgpiod v1 */

unsigned gpio_fds(struct gpio_panel *p, int *fds, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nbuttons && n < max; i++) {
		if (p->button_line[i])
			fds[n++] = gpiod_line_event_get_fd(p->button_line[i]);
	}
	return n;
}

bool gpio_read(struct gpio_panel *p, int fd, uint64_t debounce_us, void (*press)(void *ud, unsigned i), void *ud)
{
	for (unsigned i = 0; i < p->nbuttons; i++) {
		struct gpiod_line_event e;

		if (!p->button_line[i] || gpiod_line_event_get_fd(p->button_line[i]) != fd)
			continue;
		if (gpiod_line_event_read(p->button_line[i], &e) < 0)
			return false;
		/* Requested active-low when wired so: rising means pressed. */
		if (e.event_type == GPIOD_LINE_EVENT_RISING_EDGE &&
		    pressed(p, i, (uint64_t)e.ts.tv_sec * 1000000000u + (uint64_t)e.ts.tv_nsec, debounce_us))
			press(ud, i);
		return true;
	}
	return true;
}

enum status gpio_set_led(struct gpio_panel *p, unsigned i, bool on)
{
	if (i >= p->nleds || !p->led_line[i])
		return ST_NOT_FOUND;
	return gpiod_line_set_value(p->led_line[i], on) == 0 ? ST_OK : ST_IO;
}

static enum status request_all(struct gpio_panel *p)
{
	for (unsigned i = 0; i < p->nbuttons; i++) {
		p->button_line[i] = gpiod_chip_get_line(p->chip, p->button_offset[i]);
		if (!p->button_line[i] ||
		    gpiod_line_request_both_edges_events_flags(
			p->button_line[i], "outpost", p->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0) < 0)
			return ST_IO;
	}
	for (unsigned i = 0; i < p->nleds; i++) {
		p->led_line[i] = gpiod_chip_get_line(p->chip, p->led_offset[i]);
		if (!p->led_line[i] || gpiod_line_request_output(p->led_line[i], "outpost", 0) < 0)
			return ST_IO;
	}
	return ST_OK;
}

static void release_all(struct gpio_panel *p)
{
	for (unsigned i = 0; i < p->nbuttons; i++) {
		if (p->button_line[i])
			gpiod_line_release(p->button_line[i]);
	}
	for (unsigned i = 0; i < p->nleds; i++) {
		if (p->led_line[i])
			gpiod_line_release(p->led_line[i]);
	}
}

#endif

enum status gpio_open(const char *chip, const char *const *buttons, unsigned nbuttons, const char *const *leds,
		      unsigned nleds, bool active_low, struct gpio_panel **out)
{
	struct gpio_panel *p;
	enum status st = ST_OK;

	if (nbuttons > GPIO_MAX_BUTTONS || nleds > GPIO_MAX_LEDS)
		return ST_CONFIG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ST_NOMEM;
	p->active_low = active_low;
	p->chip = gpiod_chip_open(chip);
	if (!p->chip) {
		free(p);
		return ST_NOT_FOUND;
	}
	for (unsigned i = 0; i < nbuttons && st == ST_OK; i++) {
		int off = line_offset(p->chip, buttons[i]);

		if (off < 0) {
			log_err("gpio: no line '%s' on %s", buttons[i], chip);
			st = ST_CONFIG;
		}
		p->button_offset[p->nbuttons++] = (unsigned)off;
	}
	for (unsigned i = 0; i < nleds && st == ST_OK; i++) {
		int off = line_offset(p->chip, leds[i]);

		if (off < 0) {
			log_err("gpio: no line '%s' on %s", leds[i], chip);
			st = ST_CONFIG;
		}
		p->led_offset[p->nleds++] = (unsigned)off;
	}
	if (st == ST_OK)
		st = request_all(p);
	if (st != ST_OK) {
		gpio_close(&p);
		return st;
	}
	*out = p;
	return ST_OK;
}

void gpio_close(struct gpio_panel **pp)
{
	struct gpio_panel *p = *pp;

	if (!p)
		return;
	release_all(p);
	if (p->chip)
		gpiod_chip_close(p->chip);
	free(p);
	*pp = NULL;
}
