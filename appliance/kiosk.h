/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Take-a-number tickets from the kiosk page and the panel's buttons, in
 * line for the printer: printed one at a time, so numbers go out in order
 * and a failed print leaves no gap; and what the call display and the
 * voice hear when the queue changes.
 */
#ifndef OUTPOST_KIOSK_H
#define OUTPOST_KIOSK_H

#include <jansson.h>
#include <stdint.h>

#include "core.h"

enum status kiosk_init(struct core *c);
void kiosk_free(struct core *c);

/* A ticket request {"category", "priority"?} in line for the printer; the
 * answer goes to web request web_id, or nowhere for 0 (a panel button). */
enum status kiosk_enqueue(struct core *c, json_t *body, uint32_t web_id, enum lang lang);

/* Tells the web process (the call display) and, when announce is a call
 * {"label", "window"}, the dev process (the voice) that the queue changed. */
void kiosk_queue_changed(struct core *c, json_t *announce);
/* Sends the call display's state to the web process. */
void kiosk_display_push(struct core *c);

#endif
