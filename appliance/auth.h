/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Staff accounts, sessions and login lockout (core only).  Passwords are
 * stored as argon2id hashes.  Sessions live in a fixed table in the core's
 * memory: a random 256-bit id (the cookie) and a random CSRF token each; the
 * least recently used session is evicted when the table is full.  Failed
 * logins are counted per user name (known or not, so the answer does not
 * reveal which names exist) and lock the name for a while.
 */
#ifndef OUTPOST_AUTH_H
#define OUTPOST_AUTH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/worker.h"

#define AUTH_TOKEN_HEX	  65 /* 32 random bytes in hex and a NUL */
#define AUTH_NAME_MAX	  64
#define AUTH_PASSWORD_MAX 256
#define AUTH_HASH_MAX	  160

struct session {
	char id[AUTH_TOKEN_HEX];
	char csrf[AUTH_TOKEN_HEX];
	int64_t staff_id;
	char username[AUTH_NAME_MAX];
	char display_name[AUTH_NAME_MAX];
	char role[8];
	uint64_t last_used_s;
};

struct auth;

enum status auth_new(sqlite3 *db, const struct config *cfg, struct auth **out);
void auth_free(struct auth **a);
/* Applies reloaded limits; existing sessions are kept. */
void auth_reconfigure(struct auth *a, const struct config *cfg);

/*
 * On a database without staff, creates the account "admin" with a random
 * password, written to password_file (mode 0600) for the first login.
 * *created tells whether it happened.  On one with staff, removes
 * password_file (logged) unless it still holds the admin's password.
 */
enum status auth_ensure_admin(struct auth *a, const char *password_file, bool *created);
/* Call after a password change of username: the admin's removes the first
 * start's password file (logged). */
void auth_password_changed(struct auth *a, const char *username);

/*
 * A login in two halves around the slow argon2id check, which runs in
 * job.run (safe in a worker thread: it touches only the attempt).
 * auth_login_begin() refuses a locked name and fills the caller's attempt
 * (unknown names get a dummy hash, so they take as long); the caller sets
 * job.done and hands job to a worker.  auth_login_finish() counts a failure
 * or creates the session (borrowed, valid until the next auth call).
 * auth_login_clear() wipes the password and hash from the attempt.
 */
struct auth_attempt {
	struct worker_job job; /* first, so a job pointer is the attempt */
	char username[AUTH_NAME_MAX];
	char password[AUTH_PASSWORD_MAX + 1];
	char hash[AUTH_HASH_MAX];
	int64_t staff_id; /* 0: no such user */
	char display_name[AUTH_NAME_MAX];
	char role[8];
	bool verified;
};

enum status auth_login_begin(struct auth *a, const char *username, const char *password, uint64_t now_s,
			     struct auth_attempt *at);
enum status auth_login_finish(struct auth *a, struct auth_attempt *at, uint64_t now_s, const struct session **out);
void auth_login_clear(struct auth_attempt *at);
/* The live session with this id, touched; NULL if none or expired. */
const struct session *auth_session(struct auth *a, const char *id, uint64_t now_s);
bool auth_csrf_ok(const struct session *s, const char *token);
void auth_logout(struct auth *a, const char *id);
unsigned auth_session_count(const struct auth *a, uint64_t now_s);
/* Ends every session of a staff member (disabled, or password reset). */
void auth_end_staff_sessions(struct auth *a, int64_t staff_id);

/* argon2id hash in PHC string form. */
enum status auth_hash_password(const char *password, char *out, size_t cap);

#endif
