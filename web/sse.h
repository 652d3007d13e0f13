/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call display's live feed: Server-Sent Events at
 * GET /api/v1/display/events.  The core sends the display's state on every
 * change (MSG_DISPLAY); each client gets the newest state once, then every
 * newer one.  A client with nothing to send is a suspended libmicrohttpd
 * connection, so a thousand idle TVs cost no wake-ups; a new state resumes
 * them all.  A comment every 25 s keeps proxies and the client's watchdog
 * from closing an idle stream; EventSource reconnects by itself (retry 2 s)
 * after the box restarts.
 */
#ifndef OUTPOST_SSE_H
#define OUTPOST_SSE_H

#include "mhd.h"
#include <stddef.h>
#include <systemd/sd-event.h>

#include "appliance/common/status.h"

/* kick makes the loop run libmicrohttpd (resumed connections wait for it). */
enum status sse_init(sd_event *ev, unsigned max_clients, void (*kick)(void));
/* A new state (JSON text, copied). */
enum status sse_update(const char *json, size_t len);
/* Answers conn with the event stream; MHD_NO when full or out of memory.
 * decorate adds the headers every answer of the web carries on conn
 * (HSTS over HTTPS) before the stream is queued. */
enum MHD_Result sse_serve(struct MHD_Connection *conn,
			  void (*decorate)(struct MHD_Connection *conn, struct MHD_Response *resp));
unsigned sse_clients(void);
/* Stopping: every stream is resumed to end (see mhd_loop_stop()). */
void sse_stop(void);

#endif
