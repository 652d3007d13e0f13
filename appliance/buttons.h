/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GPIO panel seen from the core: what a button press means now, and
 * what the LEDs show.  The dev process only reports presses and sets
 * lines; the meaning lives here, beside the queue and the cases.
 *
 *   call:N, recall:N, noshow:N  act at window N as the staff member signed
 *                               in there; with nobody signed in the press
 *                               is refused and the buzzer sounds
 *   ticket:A                    a kiosk ticket of the category with letter
 *                               A, counted only once printed (or buzzes)
 *   rate:1 .. rate:5            rates the ticket last finished at
 *                               [gpio] rate_window, once
 *
 * The LEDs and the buzzer are leds.h.
 */
#ifndef OUTPOST_BUTTONS_H
#define OUTPOST_BUTTONS_H

#include <jansson.h>

#include "core.h"

#define BUTTONS_RECENT	     16
#define BUTTONS_TEST_SECONDS 10

/* A MSG_BUTTON from the dev process: {"action", "line"}. */
enum status buttons_press(struct core *c, json_t *body);

#endif
