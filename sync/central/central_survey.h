/* SPDX-License-Identifier: Apache-2.0 */
/* 政务公开测评 at central (central_survey.c): the indicator tree and questionnaires. */
#ifndef OUTPOST_CENTRAL_SURVEY_H
#define OUTPOST_CENTRAL_SURVEY_H

#include <jansson.h>
#include <stdbool.h>

#include "central.h"
#include "central_ratings.h"

/* Puts the seed's indicator tree in the database (once). */
enum status survey_init(struct central *c);
/* Whether doc is a well-formed questionnaire; else path (a JSON path, ""
 * for the whole) and why, in Chinese and English. */
bool survey_questionnaire_ok(struct central *c, json_t *doc, char *path, size_t cap, const char **zh, const char **en);
enum MHD_Result survey_upload(struct creq *r, const struct central_clerk *k, json_t *doc);
enum MHD_Result survey_list(struct creq *r);
/* Campaigns: a questionnaire version for a period, units, groups, channels. */
enum MHD_Result survey_campaign_new(struct creq *r, const struct central_clerk *k, json_t *doc);
enum MHD_Result survey_campaigns(struct creq *r);
/* GET /v1/campaigns: an office's campaigns with their questionnaires (ETag). */
enum MHD_Result survey_for_office(struct creq *r);

#endif
