/* SPDX-License-Identifier: Apache-2.0 */
/* 好差评 at central (central_ratings.c). */
#ifndef OUTPOST_CENTRAL_RATINGS_H
#define OUTPOST_CENTRAL_RATINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "central.h"

/* The signed-in clerk a request comes from. */
struct central_clerk {
	const char *username, *name, *department;
	bool supervisor; /* decides the department's appeals */
};

enum status ratings_init(struct central *c);
void ratings_free(struct central *c);
/* Stopping: the lots waiting for their group commit are stored and answered. */
void ratings_stop(struct central *c);
/* Central's clock (the test build's fake clock hooks here). */
time_t ratings_now(void);
/* The end of the working_days-th working day (Monday to Friday) after from. */
time_t ratings_due(time_t from, unsigned working_days);

/* From the offices, signed. */
enum MHD_Result ratings_post(struct creq *r);
enum MHD_Result ratings_appeal(struct creq *r);
/* /r/<token> and /r/api/<token>: the citizen's phone, no login. */
enum MHD_Result ratings_phone(struct creq *r, json_t *body);
/* The clerks'. */
enum MHD_Result ratings_followups(struct creq *r, const struct central_clerk *k);
enum MHD_Result ratings_followup_step(struct creq *r, const struct central_clerk *k, const char *office,
				      const char *rating, const char *step, json_t *body);
enum MHD_Result ratings_appeals(struct creq *r, const struct central_clerk *k);
enum MHD_Result ratings_appeal_decide(struct creq *r, const struct central_clerk *k, const char *office,
				      const char *rating, const char *decision, json_t *body);
enum MHD_Result ratings_stats(struct creq *r, const struct central_clerk *k, bool csv);

#endif
