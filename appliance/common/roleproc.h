/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every child role shares: the configuration, an sd-event loop, and
 * the channel to the core on descriptor 3, greeted with a hello.  When the
 * core goes away or sends something malformed, the child exits.
 */
#ifndef OUTPOST_ROLEPROC_H
#define OUTPOST_ROLEPROC_H

#include "channel.h"
#include "role.h"
#include "config.h"

struct roleproc {
	enum role role;
	const char *config_path;
	struct config cfg;
	sd_event *ev;
	struct channel *ch;
	channel_msg_fn *on_msg;
	void (*on_reload)(struct roleproc *rp);
	void (*on_start)(struct roleproc *rp); /* after the hello */
	void *ud;
};

/* Loads the configuration and sets up loop and channel; exits on failure.
 * MSG_RELOAD is handled here (re-parse, then on_reload); other messages go
 * to on_msg with rp as ud. */
void roleproc_init(struct roleproc *rp, enum role role, const char *config_path, channel_msg_fn *on_msg);
/* Says hello to the core and runs the loop until the core is gone. */
int roleproc_run(struct roleproc *rp);
enum status roleproc_send(struct roleproc *rp, enum msg_type type, uint32_t id, json_t *body, const int *fds,
			  unsigned nfds);

#endif
