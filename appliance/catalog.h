/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service catalog (事项目录): the category tree of the take-a-number
 * kiosk and the service items with their required materials.  It comes as
 * one versioned JSON document (the demo file, later pushed by central) and
 * is replaced as a whole, never edited in place; cases keep their own copy
 * of what they were taken in under.
 *
 * Document: {"version", "categories": [{"code", "kind", "name", "name_en",
 * "queue_prefix"?, "children"?}], "items": [{"code", "name", "name_en",
 * "department", "category", "applicant": "person"|"org"|"both",
 * "promised_days", "fees", "materials": [{"name", "form":
 * "original"|"copy", "copies", "optional"}]}]}.
 */
#ifndef OUTPOST_CATALOG_H
#define OUTPOST_CATALOG_H

#include <jansson.h>

#include "core.h"

#define CATALOG_MAX_ITEMS     2000
#define CATALOG_MAX_MATERIALS 30

/* Validates doc and makes it the catalog, in one transaction; on a bad
 * document *why names the first offence (static text) and nothing
 * changes.  by is who replaced it, for the audit. */
enum status catalog_replace(struct core *c, json_t *doc, const char *by, const char **why);
/* Loads path when the box has no catalog yet. */
enum status catalog_seed(struct core *c, const char *path);
/* The catalog document as installed, as JSON text; the caller frees it. */
enum status catalog_document(struct core *c, char **out);

#endif
