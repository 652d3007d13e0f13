/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GPIO panel's outputs, set by the core through the dev process:
 * LEDs online (every process up, central not known to be out of reach),
 * backlog (cases queued for central), paper (the printer cannot print),
 * ready (results waiting for pickup); and the buzzer.
 */
#ifndef OUTPOST_LEDS_H
#define OUTPOST_LEDS_H

#include <stdbool.h>

#include "core.h"

/* Works out the LED states; tells the dev process when they changed, or
 * always with force (a new dev process). */
void leds_update(struct core *c, bool force);

/* A short buzz: a press that did nothing, a ticket that was not issued. */
void leds_buzz(struct core *c);

#endif
