/* SPDX-License-Identifier: Apache-2.0 */
#include "mhdloop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "appliance/common/log.h"

/* libmicrohttpd's timeouts are its idle connections' (seconds long), so a
 * wake-up up to 250 ms late costs nothing, and the slack lets sd-event keep
 * the timerfd where it is instead of moving it on every request. */
#define IDLE_SLACK_USEC 250000

static void rearm(struct mhd_loop *l)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(l->d, &ms) != MHD_YES) {
		sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
	} else if (ms == 0) {
		/* Work now: the defer source runs it on the next iteration.  A
		 * timer at "now" would move the timerfd on every pass. */
		mhd_loop_kick(l);
	} else {
		uint64_t now;

		sd_event_now(l->ev, CLOCK_MONOTONIC, &now);
		sd_event_source_set_time_accuracy(l->timer, ms * 1000 >= 4 * IDLE_SLACK_USEC ? IDLE_SLACK_USEC : 1);
		sd_event_source_set_time(l->timer, now + ms * 1000);
		sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
	}
}

struct mhd_conn_deadline {
	struct MHD_Connection *conn;
	uint64_t due_usec;
	bool listed;
	struct mhd_conn_deadline *prev, *next;
};

static void deadline_rearm(struct mhd_loop *l)
{
	if (!l->deadline)
		return; /* detached: the daemon is stopping */
	if (!l->head) {
		sd_event_source_set_enabled(l->deadline, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(l->deadline, l->head->due_usec);
	sd_event_source_set_enabled(l->deadline, SD_EVENT_ONESHOT);
}

static void deadline_unlink(struct mhd_loop *l, struct mhd_conn_deadline *d)
{
	if (!d->listed)
		return;
	if (d->prev)
		d->prev->next = d->next;
	else
		l->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		l->tail = d->prev;
	d->prev = d->next = NULL;
	d->listed = false;
}

/* Every deadline is now plus the same timeout, so the list stays sorted by
 * appending. */
static void deadline_append(struct mhd_loop *l, struct mhd_conn_deadline *d)
{
	uint64_t now = 0;

	deadline_unlink(l, d);
	if (!l->deadline)
		return;
	sd_event_now(l->ev, CLOCK_MONOTONIC, &now);
	d->due_usec = now + (uint64_t)l->header_timeout_s * 1000000;
	d->prev = l->tail;
	if (l->tail)
		l->tail->next = d;
	else
		l->head = d;
	l->tail = d;
	d->listed = true;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *ud)
{
	struct mhd_loop *l = ud;
	struct mhd_conn_deadline *d;

	(void)s;
	while ((d = l->head) && d->due_usec <= usec) {
		const union MHD_ConnectionInfo *info =
		    MHD_get_connection_info(d->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		/* libmicrohttpd sees the end of the stream and closes the
		 * connection in its next run, as if the client had. */
		if (info)
			shutdown(info->connect_fd, SHUT_RDWR);
		log_debug("http: a connection sent no request in %u s: closed", l->header_timeout_s);
		deadline_unlink(l, d);
	}
	deadline_rearm(l);
	mhd_loop_kick(l);
	return 0;
}

void mhd_loop_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			    enum MHD_ConnectionNotificationCode code)
{
	struct mhd_loop *l = cls;
	struct mhd_conn_deadline *d = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return; /* no deadline: the idle timeout still applies */
		d->conn = conn;
		*socket_context = d;
		deadline_append(l, d);
	} else if (d) {
		deadline_unlink(l, d);
		free(d);
		*socket_context = NULL;
	}
	deadline_rearm(l);
}

static struct mhd_conn_deadline *deadline_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

void mhd_loop_request_begins(struct mhd_loop *l, struct MHD_Connection *conn)
{
	struct mhd_conn_deadline *d = deadline_of(conn);

	if (d) {
		deadline_unlink(l, d);
		deadline_rearm(l);
	}
}

void mhd_loop_request_ends(struct mhd_loop *l, struct MHD_Connection *conn)
{
	struct mhd_conn_deadline *d = deadline_of(conn);

	if (d) {
		deadline_append(l, d);
		deadline_rearm(l);
	}
}

/* A defer source, not the timer: waking the loop then needs no system call. */
void mhd_loop_kick(struct mhd_loop *l)
{
	if (l->now)
		sd_event_source_set_enabled(l->now, SD_EVENT_ONESHOT);
}

static unsigned connections(struct mhd_loop *l)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

/*
 * libmicrohttpd reads one buffer per connection per run and then asks to
 * run again at once; doing that here, a few times, spares a trip through
 * the event loop for each 64 KiB of an upload.
 *
 * A run that closed a connection is always followed by another one.  At
 * its connection limit (or when accept() fails for lack of descriptors)
 * libmicrohttpd takes its listening socket out of its epoll set, and it
 * puts it back only at the start of a later run; once the last connections
 * are gone it reports no timeout and its epoll descriptor stays quiet, so
 * without that run nothing would accept again while the process looks up.
 */
static void step(struct mhd_loop *l)
{
	MHD_UNSIGNED_LONG_LONG ms;

	for (int i = 0; i < 16; i++) {
		unsigned before = connections(l);

		MHD_run(l->d);
		if (connections(l) < before)
			continue;
		if (MHD_get_timeout(l->d, &ms) != MHD_YES || ms > 0) {
			rearm(l);
			return;
		}
	}
	/* Still work after 16 runs: back as soon as the loop has looked at
	 * its other sources. */
	rearm(l);
	mhd_loop_kick(l);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	(void)s, (void)fd, (void)revents;
	step(ud);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)s, (void)usec;
	step(ud);
	return 0;
}

static int on_kick(sd_event_source *s, void *ud)
{
	(void)s;
	step(ud);
	return 0;
}

enum status mhd_loop_attach(struct mhd_loop *l, sd_event *ev, struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);

	l->ev = ev;
	l->d = d;
	if (!info || sd_event_add_io(ev, &l->io, info->epoll_fd, EPOLLIN, on_io, l) < 0 ||
	    sd_event_add_time(ev, &l->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, l) < 0 ||
	    sd_event_add_defer(ev, &l->now, on_kick, l) < 0 ||
	    sd_event_add_time(ev, &l->deadline, CLOCK_MONOTONIC, UINT64_MAX, 1000000, on_deadline, l) < 0)
		return ST_IO;
	if (l->header_timeout_s == 0)
		l->header_timeout_s = 10;
	return sd_event_source_set_enabled(l->now, SD_EVENT_OFF) < 0 ? ST_IO : ST_OK;
}

void mhd_loop_detach(struct mhd_loop *l)
{
	l->io = sd_event_source_disable_unref(l->io);
	l->timer = sd_event_source_disable_unref(l->timer);
	l->now = sd_event_source_disable_unref(l->now);
	l->deadline = sd_event_source_disable_unref(l->deadline);
}

void mhd_loop_stop(struct mhd_loop *l)
{
	mhd_loop_detach(l);
	MHD_run(l->d);
	MHD_stop_daemon(l->d);
	l->d = NULL;
}

void mhd_loop_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: %s", line);
}
