/* SPDX-License-Identifier: Apache-2.0 */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "printjobs.h"
#include "audit.h"
#include "common/log.h"

#define CONTROL_CLIENTS	     8
#define CONTROL_LINE_MAX     256
#define CONTROL_TIMEOUT_USEC (5 * 1000000ULL)

struct control_client {
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	char line[CONTROL_LINE_MAX];
	size_t len;
	struct control *ctl;
};

struct control {
	struct core *core;
	int fd;
	sd_event_source *accept_src;
	struct control_client clients[CONTROL_CLIENTS];
};

static void client_close(struct control_client *cl)
{
	cl->io = sd_event_source_disable_unref(cl->io);
	cl->timer = sd_event_source_disable_unref(cl->timer);
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

static void answer(struct control_client *cl, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (text) {
		/* Small answers fit the socket buffer; a slow reader gets cut. */
		if (send(cl->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ||
		    send(cl->fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_warn("control: answer not sent: %s", strerror(errno));
	}
	free(text);
	json_decref(j);
}

/* The chain check for outpostctl: {"ok", "rows", "anchor", "bad_row"?,
 * "truncated"?, "why"?, "why_zh"?}.  The anchor is moved to the committed
 * head first, so the check sees every row written so far. */
static json_t *audit_verify_json(struct core *c)
{
	struct audit_check k;
	enum status st;

	audit_anchor_advance(c->db, c->anchor);
	st = audit_verify(c->db, c->vault, c->anchor, &k);
	if (st == ST_OK)
		return json_pack("{s:b, s:I, s:I}", "ok", true, "rows", (json_int_t)k.rows, "anchor",
				 (json_int_t)k.anchor_seq);
	if (st != ST_PROTO)
		return json_pack("{s:s}", "error", status_name(st));
	log_err("audit chain broken: %s", k.why);
	return json_pack("{s:b, s:I, s:I, s:I, s:b, s:s, s:s}", "ok", false, "rows", (json_int_t)k.rows, "anchor",
			 (json_int_t)k.anchor_seq, "bad_row", (json_int_t)k.bad_row, "truncated", k.truncated, "why",
			 k.why, "why_zh", k.why_zh);
}

static void run_command(struct control_client *cl)
{
	struct core *c = cl->ctl->core;

	if (strcmp(cl->line, "status") == 0)
		answer(cl, core_status_json(c, true));
	else if (strcmp(cl->line, "audit verify") == 0)
		answer(cl, audit_verify_json(c));
	else if (strcmp(cl->line, "setup-slip") == 0)
		answer(cl, printjobs_setup_slip(c) == ST_OK
			       ? json_pack("{s:b}", "ok", true)
			       : json_pack("{s:b, s:s}", "ok", false, "error", "the printer is not available"));
	else
		answer(cl, json_pack("{s:s}", "error", "unknown command (try: status, audit verify, setup-slip)"));
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct control_client *cl = ud;
	ssize_t n;
	char *nl;

	(void)s;
	(void)revents;
	n = read(fd, cl->line + cl->len, sizeof(cl->line) - 1 - cl->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		client_close(cl);
		return 0;
	}
	cl->len += (size_t)n;
	cl->line[cl->len] = '\0';
	nl = strchr(cl->line, '\n');
	if (!nl && cl->len < sizeof(cl->line) - 1)
		return 0;
	if (nl)
		*nl = '\0';
	run_command(cl);
	client_close(cl);
	return 0;
}

static int on_client_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)s;
	(void)usec;
	client_close(ud);
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct control *ctl = ud;
	struct control_client *cl = NULL;
	int cfd;

	(void)s;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return 0;
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		if (ctl->clients[i].fd < 0) {
			cl = &ctl->clients[i];
			break;
		}
	}
	if (!cl) {
		log_warn("control: too many clients, refusing one");
		close(cfd);
		return 0;
	}
	cl->fd = cfd;
	cl->len = 0;
	if (sd_event_add_io(ctl->core->ev, &cl->io, cfd, EPOLLIN, on_client_io, cl) < 0 ||
	    sd_event_add_time_relative(ctl->core->ev, &cl->timer, CLOCK_MONOTONIC, CONTROL_TIMEOUT_USEC, 0,
				       on_client_timeout, cl) < 0)
		client_close(cl);
	return 0;
}

enum status control_open(struct core *c)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct control *ctl;
	mode_t old;

	if (strlen(c->cfg.control_socket) >= sizeof(sun.sun_path)) {
		log_err("control socket path too long: %s", c->cfg.control_socket);
		return ST_CONFIG;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return ST_NOMEM;
	ctl->core = c;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		ctl->clients[i] = (struct control_client){.fd = -1, .ctl = ctl};
	memcpy(sun.sun_path, c->cfg.control_socket, strlen(c->cfg.control_socket) + 1);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unlink(sun.sun_path);
	old = umask(0077);
	if (ctl->fd < 0 || bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(ctl->fd, 8) < 0 ||
	    sd_event_add_io(c->ev, &ctl->accept_src, ctl->fd, EPOLLIN, on_accept, ctl) < 0) {
		umask(old);
		log_err("control socket %s: %s", sun.sun_path, strerror(errno));
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl);
		return ST_IO;
	}
	umask(old);
	c->control = ctl;
	return ST_OK;
}

void control_close(struct core *c)
{
	struct control *ctl = c->control;

	if (!ctl)
		return;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		client_close(&ctl->clients[i]);
	sd_event_source_disable_unref(ctl->accept_src);
	close(ctl->fd);
	unlink(c->cfg.control_socket);
	free(ctl);
	c->control = NULL;
}
