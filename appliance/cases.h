/*
 * Cases at the office end (DESIGN 3.1).  This first slice creates a case in
 * state "received" with its documents, and reads cases back.
 *
 *  draft ──► received ──► queued ──► sent ──► accepted ──► decided ──► ready ──► collected ──► closed
 *
 * Only the first transition exists so far: cases_create() makes a
 * "received" case directly (the intake wizard with drafts comes later).
 */
#ifndef OUTPOST_CASES_H
#define OUTPOST_CASES_H

#include <jansson.h>

#include "auth.h"
#include "core.h"
#include "drivers/receipt.h"

/* The field a status refers to (for messages such as "missing: phone"). */
struct case_error {
	const char *field;
};

/*
 * Validates fields ({"applicant_name","id_number","phone","item"}) and the
 * uploaded documents (docs: [{"filename","type"}], one fd each), stores the
 * documents durably, then commits the case.  On success *out is the case as
 * JSON (caller decrefs).  Nothing is stored when validation fails.
 */
enum status cases_create(struct core *c, const struct session *s, json_t *fields, json_t *docs, const int *fds,
			 unsigned nfds, json_t **out, struct case_error *why);

/* Newest first, at most limit cases with ids below before_id (0: from the
 * newest), as the JSON text {"cases": [...]}; the caller frees *out. */
enum status cases_list(struct core *c, int64_t before_id, unsigned limit, char **out);
enum status cases_get(struct core *c, const char *code, json_t **out);
/* An open descriptor of document n (1-based) of the case and its type. */
enum status cases_document(struct core *c, const char *code, unsigned n, int *fd, const char **media, json_t **meta);
/* The receipt to print for a case, as JSON for the dev process. */
enum status cases_receipt(struct core *c, const char *code, json_t **out, int64_t *case_id);
enum status cases_set_receipt_state(struct core *c, int64_t case_id, const char *state);
enum status catalog_list(struct core *c, json_t **out);
/* Loads the demo catalog file into an empty catalog table. */
enum status catalog_seed(struct core *c, const char *path);

#endif
