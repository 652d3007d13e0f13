/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GPIO panel in the dev process's loop: the configured buttons become
 * actions for the core (call:1, ticket:A, rate:5 ...), the core's LED
 * states become line levels.  The backend is a GPIO chip (drivers/gpio.c),
 * opened again after it went away, or, with [gpio] chip = sim, the panel
 * simulator: a FIFO in the state folder where writing a button's line
 * name (or offset) and a newline presses it, and the LEDs are only
 * reported.  The simulator is for the demo and the benchmark, and says
 * so in the device state.
 */
#ifndef OUTPOST_PANEL_H
#define OUTPOST_PANEL_H

#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "appliance/common/config.h"
#include "appliance/common/status.h"

/* A press of the button configured as action on line. */
typedef void panel_cb(void *ud, const char *action, const char *line);

enum status panel_init(sd_event *ev, const struct config *cfg, panel_cb *cb, void *ud);
void panel_free(void);

/* Applies the core's MSG_LED body: {"leds": {"paper": true, ...}} and/or
 * {"buzz": ms}.  ST_PROTO when it is malformed. */
enum status panel_apply(json_t *body);

/* "ready", "simulated", "disconnected" or "none". */
const char *panel_state(void);
/* {name: on} of the configured LEDs and the buzzer. */
json_t *panel_leds(void);

#endif
