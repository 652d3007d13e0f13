/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sd-event has one-shot timers only: a repeating one re-arms itself from
 * its handler.  usec is the time the handler was given, so the period
 * does not drift by how late the handler ran.
 */
#ifndef OUTPOST_TIMER_H
#define OUTPOST_TIMER_H

#include <stdint.h>
#include <systemd/sd-event.h>

static inline void timer_again(sd_event_source *s, uint64_t usec, uint64_t period_usec)
{
	sd_event_source_set_time(s, usec + period_usec);
	sd_event_source_set_enabled(s, SD_EVENT_ON);
}

#endif
