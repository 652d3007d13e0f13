#include "mhdloop.h"

#include <stdio.h>
#include <string.h>

#include "appliance/log.h"

/* libmicrohttpd's timeouts are its idle connections' (seconds long), so a
 * wake-up up to 250 ms late costs nothing, and the slack lets sd-event keep
 * the timerfd where it is instead of moving it on every request. */
#define IDLE_SLACK_USEC 250000

static void rearm(struct mhd_loop *l)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(l->d, &ms) == MHD_YES) {
		uint64_t now;

		sd_event_now(l->ev, CLOCK_MONOTONIC, &now);
		sd_event_source_set_time_accuracy(l->timer, ms * 1000 >= 4 * IDLE_SLACK_USEC ? IDLE_SLACK_USEC : 1);
		sd_event_source_set_time(l->timer, now + ms * 1000);
		sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
	} else {
		sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
	}
}

/* A defer source, not the timer: waking the loop then needs no system call. */
void mhd_loop_kick(struct mhd_loop *l)
{
	sd_event_source_set_enabled(l->now, SD_EVENT_ONESHOT);
}

/* libmicrohttpd reads one buffer per connection per run and then asks to
 * run again at once; doing that here, a few times, spares a trip through
 * the event loop for each 64 KiB of an upload. */
static void step(struct mhd_loop *l)
{
	MHD_UNSIGNED_LONG_LONG ms;

	for (int i = 0; i < 16; i++) {
		MHD_run(l->d);
		if (MHD_get_timeout(l->d, &ms) != MHD_YES || ms > 0)
			break;
	}
	rearm(l);
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
	    sd_event_add_defer(ev, &l->now, on_kick, l) < 0)
		return ST_IO;
	return sd_event_source_set_enabled(l->now, SD_EVENT_OFF) < 0 ? ST_IO : ST_OK;
}

void mhd_loop_detach(struct mhd_loop *l)
{
	l->io = sd_event_source_disable_unref(l->io);
	l->timer = sd_event_source_disable_unref(l->timer);
	l->now = sd_event_source_disable_unref(l->now);
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
