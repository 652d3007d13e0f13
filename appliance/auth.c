/* SPDX-License-Identifier: Apache-2.0 */
#include "auth.h"

#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/entropy.h"
#include "common/lockout.h"
#include "common/log.h"
#include "common/store.h"

/* argon2id, OWASP's 2023 minimum: 19 MiB, 2 passes, 1 lane. */
#define ARGON_T	      2
#define ARGON_M_KIB   19456
#define ARGON_P	      1
#define ARGON_SALT    16
#define ARGON_HASH    32
#define HASH_TEXT_MAX AUTH_HASH_MAX

struct auth {
	sqlite3 *db;
	unsigned lockout_failures;
	unsigned lockout_seconds;
	unsigned idle_seconds;
	unsigned max_sessions;
	struct session *sessions; /* max_sessions slots; id[0] == 0 is free */
	struct lockout_table *lockouts;
	char dummy_hash[HASH_TEXT_MAX];
	char initial_password_file[CONFIG_PATH_MAX + 32];
};

enum status auth_hash_password(const char *password, char *out, size_t cap)
{
	uint8_t salt[ARGON_SALT];

	entropy_fill(salt, sizeof(salt));
	if (argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, ARGON_P, password, strlen(password), salt, sizeof(salt),
				  ARGON_HASH, out, cap) != ARGON2_OK)
		return ST_NOMEM;
	return ST_OK;
}

enum status auth_new(sqlite3 *db, const struct config *cfg, struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (!a)
		return ST_NOMEM;
	a->db = db;
	a->max_sessions = cfg->max_sessions;
	a->sessions = calloc(a->max_sessions, sizeof(*a->sessions));
	/* Unknown names are checked against this so they take as long. */
	if (!a->sessions || lockout_new(cfg->max_lockout_entries, &a->lockouts) != ST_OK ||
	    auth_hash_password("outpost-no-such-user", a->dummy_hash, sizeof(a->dummy_hash)) != ST_OK) {
		auth_free(&a);
		return ST_NOMEM;
	}
	auth_reconfigure(a, cfg);
	*out = a;
	return ST_OK;
}

void auth_free(struct auth **ap)
{
	struct auth *a = *ap;

	if (!a)
		return;
	if (a->sessions)
		explicit_bzero(a->sessions, a->max_sessions * sizeof(*a->sessions));
	free(a->sessions);
	lockout_free(&a->lockouts);
	free(a);
	*ap = NULL;
}

void auth_reconfigure(struct auth *a, const struct config *cfg)
{
	/* The session table keeps its size until restart; limits apply now. */
	a->lockout_failures = cfg->lockout_failures;
	a->lockout_seconds = cfg->lockout_seconds;
	a->idle_seconds = cfg->session_idle_seconds;
}

/* Removes the first start's password file, which is no longer true. */
static void drop_initial_password(struct auth *a, const char *why)
{
	if (unlink(a->initial_password_file) == 0)
		log_info("removed %s: %s", a->initial_password_file, why);
	else if (errno != ENOENT)
		log_err("cannot remove %s: %s", a->initial_password_file, strerror(errno));
}

/* A box upgraded from a version that kept the file after the password
 * changed: it goes unless it still holds the admin's password (one argon2
 * check at start while it does). */
static void check_initial_password(struct auth *a)
{
	sqlite3_stmt *q = NULL;
	char password[AUTH_PASSWORD_MAX + 2] = "";
	FILE *f = fopen(a->initial_password_file, "re");
	bool current = false;

	if (!f)
		return;
	if (fgets(password, sizeof(password), f)) {
		password[strcspn(password, "\n")] = '\0';
		q = store_prepare(a->db, "SELECT password_hash FROM staff WHERE username = 'admin'");
		current =
		    q && sqlite3_step(q) == SQLITE_ROW &&
		    argon2id_verify((const char *)sqlite3_column_text(q, 0), password, strlen(password)) == ARGON2_OK;
		store_finish(q);
	}
	fclose(f);
	explicit_bzero(password, sizeof(password));
	if (!current)
		drop_initial_password(a, "it is not the admin's password any more");
}

void auth_password_changed(struct auth *a, const char *username)
{
	if (strcmp(username, "admin") == 0)
		drop_initial_password(a, "the admin's password was changed");
}

enum status auth_ensure_admin(struct auth *a, const char *password_file, bool *created)
{
	sqlite3_stmt *q = NULL;
	char password[25], hash[HASH_TEXT_MAX];
	enum status st = ST_IO;
	int fd = -1;

	*created = false;
	snprintf(a->initial_password_file, sizeof(a->initial_password_file), "%s", password_file);
	switch (store_int(a->db, "SELECT count(*) FROM staff", -1)) {
	case -1:
		return ST_IO;
	case 0:
		break;
	default:
		check_initial_password(a);
		return ST_OK;
	}
	entropy_hex(password, 12);
	if ((st = auth_hash_password(password, hash, sizeof(hash))) != ST_OK)
		goto out;
	st = ST_IO;
	fd = open(password_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", password) < 0 || fsync(fd) < 0) {
		log_err("%s: %s", password_file, strerror(errno));
		goto out;
	}
	q = store_prepare(a->db, "INSERT INTO staff (username, display_name, role, password_hash, created_at) "
				 "VALUES ('admin', '管理员', 'admin', ?1, ?2)");
	if (!q)
		goto out;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
	if ((st = store_status(sqlite3_step(q))) == ST_OK)
		*created = true;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(password, sizeof(password));
	store_finish(q);
	return st;
}

static struct session *new_session(struct auth *a, uint64_t now_s)
{
	struct session *lru = &a->sessions[0];

	for (unsigned i = 0; i < a->max_sessions; i++) {
		struct session *s = &a->sessions[i];

		if (!s->id[0] || now_s - s->last_used_s > a->idle_seconds)
			return s;
		if (s->last_used_s < lru->last_used_s)
			lru = s;
	}
	log_warn("session table full (%u): ending the least recently used session", a->max_sessions);
	return lru;
}

static void verify_password(struct worker_job *job)
{
	struct auth_attempt *at = (struct auth_attempt *)job;

	at->verified = argon2id_verify(at->hash, at->password, strlen(at->password)) == ARGON2_OK;
}

enum status auth_login_begin(struct auth *a, const char *username, const char *password, uint64_t now_s,
			     struct auth_attempt *at)
{
	sqlite3_stmt *q;

	memset(at, 0, sizeof(*at));
	if (strlen(username) >= AUTH_NAME_MAX || strlen(password) > AUTH_PASSWORD_MAX)
		return ST_BAD_LOGIN;
	if (lockout_remaining(a->lockouts, username, now_s))
		return ST_LOCKED;
	q = store_prepare(
	    a->db, "SELECT id, display_name, role, password_hash FROM staff WHERE username = ?1 AND disabled = 0");
	if (!q)
		return ST_IO;
	sqlite3_bind_text(q, 1, username, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		at->staff_id = sqlite3_column_int64(q, 0);
		snprintf(at->display_name, sizeof(at->display_name), "%s", (const char *)sqlite3_column_text(q, 1));
		snprintf(at->role, sizeof(at->role), "%s", (const char *)sqlite3_column_text(q, 2));
		snprintf(at->hash, sizeof(at->hash), "%s", (const char *)sqlite3_column_text(q, 3));
	} else {
		memcpy(at->hash, a->dummy_hash, sizeof(at->hash));
	}
	store_finish(q);
	snprintf(at->username, sizeof(at->username), "%s", username);
	snprintf(at->password, sizeof(at->password), "%s", password);
	at->job.run = verify_password;
	return ST_OK;
}

enum status auth_login_finish(struct auth *a, struct auth_attempt *at, uint64_t now_s, const struct session **out)
{
	struct session *s;

	if (!at->verified || at->staff_id == 0) {
		if (!lockout_fail(a->lockouts, at->username, a->lockout_failures, a->lockout_seconds, now_s))
			return ST_BAD_LOGIN;
		log_warn("login for '%s' locked for %u s after %u failures", at->username, a->lockout_seconds,
			 a->lockout_failures);
		return ST_LOCKED;
	}
	/* An attempt still in flight when the name was locked does not get in. */
	if (lockout_remaining(a->lockouts, at->username, now_s))
		return ST_LOCKED;
	lockout_clear(a->lockouts, at->username);
	s = new_session(a, now_s);
	memset(s, 0, sizeof(*s));
	entropy_hex(s->id, 32);
	entropy_hex(s->csrf, 32);
	s->staff_id = at->staff_id;
	memcpy(s->username, at->username, sizeof(s->username));
	memcpy(s->display_name, at->display_name, sizeof(s->display_name));
	memcpy(s->role, at->role, sizeof(s->role));
	s->last_used_s = now_s;
	*out = s;
	return ST_OK;
}

void auth_login_clear(struct auth_attempt *at)
{
	explicit_bzero(at->password, sizeof(at->password));
	explicit_bzero(at->hash, sizeof(at->hash));
}

/* Compares two tokens in time independent of where they differ. */
static bool token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == AUTH_TOKEN_HEX - 1 && strlen(b) == n && crypto_equal(a, b, n);
}

const struct session *auth_session(struct auth *a, const char *id, uint64_t now_s)
{
	if (!id || strlen(id) != AUTH_TOKEN_HEX - 1)
		return NULL;
	for (unsigned i = 0; i < a->max_sessions; i++) {
		struct session *s = &a->sessions[i];

		if (!s->id[0] || !token_equal(s->id, id))
			continue;
		if (now_s - s->last_used_s > a->idle_seconds) {
			memset(s, 0, sizeof(*s));
			return NULL;
		}
		s->last_used_s = now_s;
		return s;
	}
	return NULL;
}

bool auth_csrf_ok(const struct session *s, const char *token)
{
	return token && token_equal(s->csrf, token);
}

void auth_logout(struct auth *a, const char *id)
{
	for (unsigned i = 0; i < a->max_sessions; i++) {
		if (a->sessions[i].id[0] && token_equal(a->sessions[i].id, id))
			memset(&a->sessions[i], 0, sizeof(a->sessions[i]));
	}
}

void auth_end_staff_sessions(struct auth *a, int64_t staff_id)
{
	for (unsigned i = 0; i < a->max_sessions; i++) {
		if (a->sessions[i].id[0] && a->sessions[i].staff_id == staff_id)
			memset(&a->sessions[i], 0, sizeof(a->sessions[i]));
	}
}

unsigned auth_session_count(const struct auth *a, uint64_t now_s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < a->max_sessions; i++)
		n += a->sessions[i].id[0] && now_s - a->sessions[i].last_used_s <= a->idle_seconds;
	return n;
}
