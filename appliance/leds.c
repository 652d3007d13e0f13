/* SPDX-License-Identifier: Apache-2.0 */
#include "leds.h"

#include <string.h>

#include "common/msg.h"
#include "common/store.h"

#define BUZZ_MS 150

void leds_buzz(struct core *c)
{
	json_t *j = json_pack("{s:i}", "buzz", BUZZ_MS);

	if (j)
		core_send(c, ROLE_DEV, MSG_LED, 0, j, NULL, 0, NULL, 0);
	json_decref(j);
}

void leds_update(struct core *c, bool force)
{
	/* Online: every process up, and central not known to be out of reach. */
	bool online = core_all_up(c) && c->central != CENTRAL_UNREACHABLE,
	     paper = strcmp(c->printer_state, "ready") != 0 && strcmp(c->printer_state, "paper_near_end") != 0;
	int64_t backlog = store_int(c->db, "SELECT count(*) FROM cases WHERE state = 'queued'", 0),
		ready = store_int(c->db, "SELECT count(*) FROM cases WHERE state = 'ready'", 0);
	unsigned bits =
	    (unsigned)online | (unsigned)(backlog > 0) << 1 | (unsigned)paper << 2 | (unsigned)(ready > 0) << 3;
	json_t *j;

	if (!c->cfg.gpio_chip[0])
		return;
	if (c->led_test_until) {
		if (core_now() < c->led_test_until)
			return;
		c->led_test_until = 0;
		force = true;
	}
	if (!force && bits == c->led_bits)
		return;
	j = json_pack("{s:{s:b, s:b, s:b, s:b}}", "leds", "online", online, "backlog", backlog > 0, "paper", paper,
		      "ready", ready > 0);
	if (j && core_send(c, ROLE_DEV, MSG_LED, 0, j, NULL, 0, NULL, 0) == ST_OK)
		c->led_bits = bits;
	json_decref(j);
}
