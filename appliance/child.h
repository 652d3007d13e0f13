/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Supervision of the core's children: each role (common/role.h) runs as a
 * fresh execution of outpostd itself with "--role NAME", its descriptors
 * in place.  A child that exits or misbehaves is restarted with
 * exponential backoff.
 */
#ifndef OUTPOST_CHILD_H
#define OUTPOST_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "common/channel.h"
#include "common/role.h"

struct child_env {
	sd_event *ev;
	const char *exe;
	int exe_fd; /* the binary, opened (O_PATH) at start */
	pid_t core_pid;
	const char *config_path;
	int listen_fd, tls_listen_fd;
	unsigned backoff_max_ms;
	bool stopping;		 /* no restarts while the core shuts down */
	channel_msg_fn *on_msg;	 /* ud is the struct child */
	void (*on_change)(void); /* a child came up or went down */
};

struct child {
	enum role role;
	struct child_env *env;
	pid_t pid;
	struct channel *ch;
	sd_event_source *exit_src;
	sd_event_source *restart_timer;
	uint64_t started_usec;
	unsigned restarts;
	unsigned quick_failures;
	bool ready; /* said hello */
};

/* Starts the child now; on failure schedules a retry. */
void child_start(struct child *c);
/* Kills a misbehaving child; its exit triggers the restart. */
void child_kill(struct child *c);
/* SIGTERM to a running child (shutdown). */
void child_terminate(struct child *c);
bool child_running(const struct child *c);

#endif
