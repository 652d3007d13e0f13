/* SPDX-License-Identifier: Apache-2.0 */
#include "roleproc.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static enum status on_core_msg(struct channel *ch, struct chmsg *m, void *ud)
{
	struct roleproc *rp = ud;

	if (m->type == MSG_RELOAD) {
		struct config next;
		char err[512];

		if (config_load(rp->config_path, &next, err, sizeof(err)) != ST_OK) {
			log_err("reload refused: %s", err);
			return ST_OK;
		}
		rp->cfg = next;
		log_set_level(rp->cfg.log_level);
		if (rp->on_reload)
			rp->on_reload(rp);
		return ST_OK;
	}
	return rp->on_msg(ch, m, rp);
}

static void on_core_close(struct channel *ch, enum status why, void *ud)
{
	struct roleproc *rp = ud;

	(void)ch;
	if (why == ST_PROTO)
		fatalx("malformed message from the core");
	log_info("the core closed the channel: exiting");
	sd_event_exit(rp->ev, 0);
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	(void)s;
	(void)si;
	return sd_event_exit(((struct roleproc *)ud)->ev, 0);
}

void roleproc_init(struct roleproc *rp, enum role role, const char *config_path, channel_msg_fn *on_msg)
{
	char err[512];
	sigset_t mask;

	rp->role = role;
	rp->config_path = config_path;
	rp->on_msg = on_msg;
	if (config_load(config_path, &rp->cfg, err, sizeof(err)) != ST_OK)
		fatalx("%s", err);
	log_set_level(rp->cfg.log_level);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* Ctrl-C and SIGHUP reach the whole process group; the core decides
	 * and tells us through the channel. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (sd_event_default(&rp->ev) < 0)
		fatalx("cannot create the event loop");
	sd_event_add_signal(rp->ev, NULL, SIGTERM, on_term, rp);
	rp->ch = channel_new(rp->ev, ROLE_CHANNEL_FD, "core", on_core_msg, on_core_close, rp);
	if (!rp->ch)
		fatalx("cannot watch the channel to the core");
}

enum status roleproc_send(struct roleproc *rp, enum msg_type type, uint32_t id, json_t *body, const int *fds,
			  unsigned nfds)
{
	return channel_send(rp->ch, type, id, body, NULL, 0, fds, nfds);
}

int roleproc_run(struct roleproc *rp)
{
	json_t *hello = json_pack("{s:s, s:i}", "role", role_name(rp->role), "pid", (int)getpid());

	if (!hello || roleproc_send(rp, MSG_HELLO, 0, hello, NULL, 0) != ST_OK)
		fatalx("cannot greet the core");
	json_decref(hello);
	if (rp->on_start)
		rp->on_start(rp);
	sd_event_loop(rp->ev);
	channel_free(&rp->ch);
	sd_event_unref(rp->ev);
	return 0;
}
