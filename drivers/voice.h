/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Call announcements by voice: espeak-ng in Mandarin ("请 A零一二号到二号
 * 窗口办理"), synthesised in a worker thread of the dev process, then
 * written as a WAV file ([voice] output = wav: the demo, and boxes without
 * speakers) or played on the default ALSA device (output = alsa).
 * libespeak-ng is loaded on the first announcement, not linked, so the
 * other processes of the one binary never map it.
 */
#ifndef OUTPOST_VOICE_H
#define OUTPOST_VOICE_H

#include <stddef.h>
#include <systemd/sd-event.h>

#include "appliance/common/config.h"

enum status voice_init(sd_event *ev, const struct config *cfg);
/* Queues the call of ticket label to window (1-99); ST_BUSY when the
 * previous ones are still being spoken. */
enum status voice_announce(const char *label, unsigned window);
/* The spoken text of a call, e.g. "请 A零一二号到二号窗口办理". */
void voice_text(const char *label, unsigned window, char *out, size_t cap);
void voice_free(void);

#endif
