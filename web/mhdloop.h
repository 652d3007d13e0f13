/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd in external-epoll mode inside an sd-event loop: its epoll
 * descriptor is one io source, its timeout one timer, and a kick one defer
 * source.  Used by the web process and by outpost-central.
 *
 * The loop also gives every connection a deadline for each request's
 * headers (libmicrohttpd's own timeout is an idle timeout, which a client
 * sending a byte now and then never meets): a connection that has not
 * delivered a request's headers header_timeout_s after it opened, or after
 * its last answer, is shut down.
 */
#ifndef OUTPOST_MHDLOOP_H
#define OUTPOST_MHDLOOP_H

#include <stdarg.h>
#include <systemd/sd-event.h>

#include "mhd.h"

struct mhd_conn_deadline;

struct mhd_loop {
	sd_event *ev;
	struct MHD_Daemon *d;
	sd_event_source *io, *timer, *now, *deadline;
	unsigned header_timeout_s;
	/* Connections waiting for a request's headers, soonest deadline first. */
	struct mhd_conn_deadline *head, *tail;
};

/* Set l->header_timeout_s first, and pass mhd_loop_on_connection with l as
 * MHD_OPTION_NOTIFY_CONNECTION when starting the daemon. */
enum status mhd_loop_attach(struct mhd_loop *l, sd_event *ev, struct MHD_Daemon *d);
void mhd_loop_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			    enum MHD_ConnectionNotificationCode code);
/* The access handler's first call for a request: its headers came. */
void mhd_loop_request_begins(struct mhd_loop *l, struct MHD_Connection *conn);
/* The request completed (MHD_OPTION_NOTIFY_COMPLETED): the next request's
 * headers are due within the timeout. */
void mhd_loop_request_ends(struct mhd_loop *l, struct MHD_Connection *conn);
/* Makes the loop run libmicrohttpd now: a resumed connection is only
 * picked up by MHD_run(). */
void mhd_loop_kick(struct mhd_loop *l);
void mhd_loop_detach(struct mhd_loop *l);
/* Detaches and stops the daemon.  libmicrohttpd panics (abort) when it is
 * stopped with a connection suspended, and a resumed one leaves that state
 * only in its next run: the caller resumes every connection it suspended
 * first, and this runs it once before the stop. */
void mhd_loop_stop(struct mhd_loop *l);
/* MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's messages, one line each, at
 * debug level. */
void mhd_loop_log(void *cls, const char *fmt, va_list ap);

#endif
