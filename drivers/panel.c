/* SPDX-License-Identifier: Apache-2.0 */
/* The GPIO panel in the dev process's loop (panel.h). */
#include "panel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/log.h"
#include "appliance/common/timer.h"
#include "gpio.h"

#define RETRY_USEC   (2 * 1000000ULL)
#define BUZZ_MAX_MS  2000
#define SIM_LINE_MAX 64

static struct {
	sd_event *ev;
	char chip[CONFIG_PATH_MAX];
	bool sim, active_low;
	uint64_t debounce_us;
	struct config_gpio_line button[CONFIG_GPIO_MAX_BUTTONS], led[CONFIG_GPIO_MAX_LEDS];
	unsigned nbuttons, nleds;
	bool led_on[CONFIG_GPIO_MAX_LEDS];
	struct gpio_panel *gpio;
	sd_event_source *io[GPIO_MAX_BUTTONS], *retry, *buzz_off;
	unsigned nio;
	/* the simulator */
	int fifo;
	char sim_buf[SIM_LINE_MAX];
	size_t sim_len;
	uint64_t sim_last_ns[CONFIG_GPIO_MAX_BUTTONS];
	panel_cb *cb;
	void *ud;
} pn = {.fifo = -1};

static void pressed(void *ud, unsigned i)
{
	(void)ud;
	log_info("panel: %s (line %s) pressed", pn.button[i].what, pn.button[i].line);
	pn.cb(pn.ud, pn.button[i].what, pn.button[i].line);
}

static void drop_chip(void)
{
	for (unsigned i = 0; i < pn.nio; i++)
		pn.io[i] = sd_event_source_disable_unref(pn.io[i]);
	pn.nio = 0;
	gpio_close(&pn.gpio);
}

static int on_edge(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	(void)s, (void)revents, (void)ud;
	if (!gpio_read(pn.gpio, fd, pn.debounce_us, pressed, NULL)) {
		log_warn("panel: %s gone", pn.chip);
		drop_chip();
	}
	return 0;
}

static void set_line(unsigned i, bool on)
{
	pn.led_on[i] = on;
	if (pn.gpio && gpio_set_led(pn.gpio, i, on) != ST_OK)
		log_warn("panel: LED %s (line %s) not set", pn.led[i].what, pn.led[i].line);
}

static void open_chip(void)
{
	const char *buttons[CONFIG_GPIO_MAX_BUTTONS], *leds[CONFIG_GPIO_MAX_LEDS];
	int fds[GPIO_MAX_BUTTONS];
	unsigned n;

	for (unsigned i = 0; i < pn.nbuttons; i++)
		buttons[i] = pn.button[i].line;
	for (unsigned i = 0; i < pn.nleds; i++)
		leds[i] = pn.led[i].line;
	if (gpio_open(pn.chip, buttons, pn.nbuttons, leds, pn.nleds, pn.active_low, &pn.gpio) != ST_OK)
		return;
	n = gpio_fds(pn.gpio, fds, GPIO_MAX_BUTTONS);
	for (unsigned i = 0; i < n; i++) {
		if (sd_event_add_io(pn.ev, &pn.io[pn.nio], fds[i], EPOLLIN, on_edge, NULL) < 0) {
			drop_chip();
			return;
		}
		pn.nio++;
	}
	for (unsigned i = 0; i < pn.nleds; i++)
		set_line(i, pn.led_on[i]); /* what the core said while it was gone */
	log_info("panel: %s with %u buttons and %u LEDs (libgpiod v%d)", pn.chip, pn.nbuttons, pn.nleds, gpio_api());
}

static int on_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)ud;
	if (!pn.gpio)
		open_chip();
	timer_again(s, usec, RETRY_USEC);
	return 0;
}

/* The simulator: one line name or offset per line. */
static void sim_line(const char *line)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (unsigned i = 0; i < pn.nbuttons; i++) {
		if (strcmp(pn.button[i].line, line) != 0)
			continue;
		if (pn.sim_last_ns[i] && now - pn.sim_last_ns[i] < pn.debounce_us * 1000)
			return;
		pn.sim_last_ns[i] = now;
		pressed(NULL, i);
		return;
	}
	log_warn("panel simulator: no button on line '%.32s'", line);
}

static int on_fifo(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	char buf[256];
	ssize_t n;

	(void)s, (void)revents, (void)ud;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || buf[i] == '\r') {
				pn.sim_buf[pn.sim_len] = '\0';
				if (pn.sim_len > 0)
					sim_line(pn.sim_buf);
				pn.sim_len = 0;
			} else if (pn.sim_len < sizeof(pn.sim_buf) - 1) {
				pn.sim_buf[pn.sim_len++] = buf[i];
			}
		}
	}
	return 0;
}

static enum status open_sim(const struct config *cfg)
{
	char path[CONFIG_PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/dev/gpio-sim", cfg->state_dir);
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		log_err("panel simulator: cannot make %s: %s", path, strerror(errno));
		return ST_IO;
	}
	/* Read and write: the FIFO never reads as ended between writers. */
	pn.fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (pn.fifo < 0 || sd_event_add_io(pn.ev, NULL, pn.fifo, EPOLLIN, on_fifo, NULL) < 0) {
		log_err("panel simulator: cannot open %s", path);
		return ST_IO;
	}
	log_info("panel simulator: press a button by writing its line to %s", path);
	return ST_OK;
}

enum status panel_init(sd_event *ev, const struct config *cfg, panel_cb *cb, void *ud)
{
	pn.ev = ev;
	pn.cb = cb;
	pn.ud = ud;
	snprintf(pn.chip, sizeof(pn.chip), "%s", cfg->gpio_chip);
	pn.sim = strcmp(cfg->gpio_chip, "sim") == 0;
	pn.active_low = cfg->gpio_active_low;
	pn.debounce_us = (uint64_t)cfg->gpio_debounce_ms * 1000;
	pn.nbuttons = cfg->ngpio_buttons;
	pn.nleds = cfg->ngpio_leds;
	memcpy(pn.button, cfg->gpio_button, sizeof(pn.button));
	memcpy(pn.led, cfg->gpio_led, sizeof(pn.led));
	if (!pn.chip[0])
		return ST_OK;
	if (pn.sim)
		return open_sim(cfg);
	open_chip();
	if (!pn.gpio)
		log_warn("panel: %s not available; trying again every 2 s", pn.chip);
	return sd_event_add_time_relative(ev, &pn.retry, CLOCK_MONOTONIC, RETRY_USEC, 100000, on_retry, NULL) < 0
		   ? ST_NOMEM
		   : ST_OK;
}

void panel_free(void)
{
	drop_chip();
	pn.retry = sd_event_source_disable_unref(pn.retry);
	pn.buzz_off = sd_event_source_disable_unref(pn.buzz_off);
	if (pn.fifo >= 0)
		close(pn.fifo);
	pn.fifo = -1;
}

static int led_index(const char *name)
{
	for (unsigned i = 0; i < pn.nleds; i++)
		if (strcmp(pn.led[i].what, name) == 0)
			return (int)i;
	return -1;
}

static int on_buzz_off(sd_event_source *s, uint64_t usec, void *ud)
{
	int b = led_index("buzzer");

	(void)s, (void)usec, (void)ud;
	if (b >= 0)
		set_line((unsigned)b, false);
	return 0;
}

enum status panel_apply(json_t *body)
{
	json_t *leds = json_object_get(body, "leds"), *buzz = json_object_get(body, "buzz"), *v;
	const char *name;
	int b;

	if ((leds && !json_is_object(leds)) || (buzz && !json_is_integer(buzz)))
		return ST_PROTO;
	json_object_foreach(leds, name, v)
	{
		int i = led_index(name);

		if (!json_is_boolean(v))
			return ST_PROTO;
		if (i >= 0 && pn.led_on[i] != json_is_true(v)) {
			log_debug("panel: LED %s %s", name, json_is_true(v) ? "on" : "off");
			set_line((unsigned)i, json_is_true(v));
		}
	}
	if (buzz && (b = led_index("buzzer")) >= 0) {
		json_int_t ms = json_integer_value(buzz);

		if (ms < 1 || ms > BUZZ_MAX_MS)
			return ST_PROTO;
		set_line((unsigned)b, true);
		pn.buzz_off = sd_event_source_disable_unref(pn.buzz_off);
		if (sd_event_add_time_relative(pn.ev, &pn.buzz_off, CLOCK_MONOTONIC, (uint64_t)ms * 1000, 1000,
					       on_buzz_off, NULL) < 0)
			set_line((unsigned)b, false);
	}
	return ST_OK;
}

const char *panel_state(void)
{
	if (!pn.chip[0])
		return "none";
	if (pn.sim)
		return "simulated";
	return pn.gpio ? "ready" : "disconnected";
}

json_t *panel_leds(void)
{
	json_t *j = json_object();

	for (unsigned i = 0; j && i < pn.nleds; i++)
		json_object_set_new(j, pn.led[i].what, json_boolean(pn.led_on[i]));
	return j;
}
