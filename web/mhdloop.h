/*
 * libmicrohttpd in external-epoll mode inside an sd-event loop: its epoll
 * descriptor is one io source, its timeout one timer, and a kick one defer
 * source.  Used by the web
 * process and by outpost-central.
 */
#ifndef OUTPOST_MHDLOOP_H
#define OUTPOST_MHDLOOP_H

#include <stdarg.h>
#include <systemd/sd-event.h>

#include "mhd.h"

struct mhd_loop {
	sd_event *ev;
	struct MHD_Daemon *d;
	sd_event_source *io, *timer, *now;
};

enum status mhd_loop_attach(struct mhd_loop *l, sd_event *ev, struct MHD_Daemon *d);
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
