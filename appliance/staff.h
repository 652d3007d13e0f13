/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Staff accounts, managed by admins: list, create, disable and enable,
 * set a new password.  Two roles: a clerk works cases; an admin also
 * manages staff, the catalog and settings.  Every change is audited.
 */
#ifndef OUTPOST_STAFF_H
#define OUTPOST_STAFF_H

#include <jansson.h>

#include "auth.h"
#include "core.h"

#define STAFF_PASSWORD_MIN 10

/* [{"username", "display_name", "role", "disabled", "created_at"}]. */
enum status staff_list(struct core *c, json_t **out);

/*
 * Checks a new account or a new password (who may be NULL for a password
 * change: only password is checked) before the slow hash; *field names the
 * offending field.
 */
enum status staff_check(json_t *who, const char **field);
/* Inserts the account with its argon2id hash; ST_BAD_FIELD when the name is
 * taken. */
enum status staff_insert(struct core *c, const struct session *by, json_t *who, const char *hash);
/* Sets a new password hash and ends the account's sessions. */
enum status staff_set_password(struct core *c, const struct session *by, const char *username, const char *hash);
/* Disables (ending its sessions) or enables an account; an admin cannot
 * disable themselves. */
enum status staff_set_disabled(struct core *c, const struct session *by, const char *username, bool disabled);

#endif
