/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 政务公开测评 on the box, first part: the campaigns central gives the
 * office (PROTOCOL 9), each with its questionnaire, kept as central last
 * sent them (replaced as a whole, by ETag, with every heartbeat), and the
 * kiosk's view of those open today on the kiosk channel.
 */
#ifndef OUTPOST_SURVEY_H
#define OUTPOST_SURVEY_H

#include <jansson.h>

#include "core.h"

/* Central's answer ({"etag"} and the answer's bytes as fd): replaces the box's. */
enum status survey_campaigns_install(struct core *c, json_t *body, const int *fds, unsigned nfds);
/* {"campaigns": [{"id", "title", "end", "groups", "questionnaire": {...}}]}:
 * those running today that a kiosk offers. */
enum status survey_kiosk_campaigns(struct core *c, json_t **out);

#endif
