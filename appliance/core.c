/* SPDX-License-Identifier: Apache-2.0 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "common/log.h"
#include "common/clock.h"
#include "common/store.h"

/* The fake clock of the test build lives in common/clock.c. */
uint64_t core_now(void)
{
	return clock_now();
}

enum status core_send(struct core *c, enum role role, enum msg_type type, uint32_t id, json_t *body, const void *tail,
		      size_t tail_len, const int *fds, unsigned nfds)
{
	struct child *ch = &c->children[role];

	if (!ch->ready)
		return ST_UNAVAILABLE;
	return channel_send(ch->ch, type, id, body, tail, tail_len, fds, nfds);
}

bool core_all_up(const struct core *c)
{
	for (int r = 0; r < __ROLE_MAX; r++) {
		if (!c->children[r].ready)
			return false;
	}
	return true;
}

static uint64_t mono_usec(struct core *c)
{
	uint64_t t = 0;

	sd_event_now(c->ev, CLOCK_MONOTONIC, &t);
	return t;
}

json_t *core_status_json(struct core *c, bool detailed)
{
	json_t *roles = json_object(), *j;
	uint64_t now = mono_usec(c);

	if (!roles)
		return NULL;
	if (detailed) {
		json_object_set_new(roles, "core",
				    json_pack("{s:s, s:i, s:I, s:i}", "state", "up", "pid", (int)getpid(), "uptime_s",
					      (json_int_t)((now - c->started_usec) / 1000000), "restarts", 0));
	} else {
		json_object_set_new(roles, "core", json_string("up"));
	}
	for (int r = 0; r < __ROLE_MAX; r++) {
		const struct child *ch = &c->children[r];
		const char *state = ch->ready ? "up" : child_running(ch) ? "starting" : "down";

		if (detailed)
			json_object_set_new(
			    roles, role_name(r),
			    json_pack("{s:s, s:i, s:I, s:i}", "state", state, "pid", (int)ch->pid, "uptime_s",
				      (json_int_t)(child_running(ch) ? (now - ch->started_usec) / 1000000 : 0),
				      "restarts", (int)ch->restarts));
		else
			json_object_set_new(roles, role_name(r), json_string(state));
	}
	j = json_pack("{s:s, s:o, s:s, s:s}", "status", core_all_up(c) ? "ok" : "degraded", "roles", roles, "printer",
		      c->printer_state, "office", c->cfg.office_code);
	if (j && detailed) {
		json_object_set_new(j, "database",
				    json_pack("{s:I, s:i}", "bytes", (json_int_t)store_size_bytes(c->db), "schema",
					      store_schema_version(c->db)));
		json_object_set_new(j, "sessions", json_integer(auth_session_count(c->auth, core_now())));
		json_t *tls = lantls_json(&c->tls);
		if (tls) {
			json_object_set_new(tls, "https_port", json_integer(c->cfg.https_port));
			json_object_set_new(tls, "port", json_integer(c->cfg.port));
			json_object_set_new(tls, "listen_address", json_string(c->cfg.listen_address));
		}
		json_object_set_new(j, "tls", tls);
	}
	return j;
}

/* A new web process gets the certificate and key to serve HTTPS with. */
void core_send_tls(struct core *c)
{
	json_t *j = lantls_message(&c->tls);

	if (!j || core_send(c, ROLE_WEB, MSG_TLS, 0, j, NULL, 0, NULL, 0) != ST_OK)
		log_err("cannot hand the HTTPS certificate to the web process");
	json_decref(j);
}
