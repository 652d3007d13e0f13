/* SPDX-License-Identifier: Apache-2.0 */
#include "sse.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/common/log.h"
#include "appliance/common/timer.h"

#define KEEPALIVE_USEC (25ULL * 1000000)

struct sse_client {
	struct MHD_Connection *conn;
	uint64_t seq;	    /* the newest state this client has whole */
	size_t off;	    /* how much of the current frame it has */
	uint64_t keepalive; /* the keepalive round it has had */
	bool suspended;
	unsigned slot;
};

static struct {
	struct sse_client **clients;
	unsigned max, count;
	char *frame; /* "id: N\nevent: state\ndata: {...}\n\n" */
	size_t frame_len;
	uint64_t seq;
	uint64_t keepalive;
	void (*kick)(void);
	sd_event_source *timer;
	bool stopping; /* every stream ends instead of waiting */
} sse;

static const char hello[] = "retry: 2000\n\n";
static const char ping[] = ": keepalive\n\n";

static void resume_all(void)
{
	for (unsigned i = 0; i < sse.max; i++) {
		struct sse_client *cl = sse.clients[i];

		if (cl && cl->suspended) {
			cl->suspended = false;
			MHD_resume_connection(cl->conn);
		}
	}
	sse.kick();
}

static int on_keepalive(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)ud;
	sse.keepalive++;
	if (sse.count)
		resume_all();
	timer_again(s, usec, KEEPALIVE_USEC);
	return 0;
}

enum status sse_init(sd_event *ev, unsigned max_clients, void (*kick)(void))
{
	sse.clients = calloc(max_clients, sizeof(*sse.clients));
	sse.max = max_clients;
	sse.kick = kick;
	if (!sse.clients || sd_event_add_time_relative(ev, &sse.timer, CLOCK_MONOTONIC, KEEPALIVE_USEC, 1000000,
						       on_keepalive, NULL) < 0)
		return ST_NOMEM;
	return ST_OK;
}

enum status sse_update(const char *json, size_t len)
{
	char head[48];
	int n = snprintf(head, sizeof(head), "id: %llu\nevent: state\ndata: ", (unsigned long long)sse.seq + 1);
	char *frame = malloc((size_t)n + len + 2);

	if (!frame)
		return ST_NOMEM;
	/* JSON text from jansson's compact dump holds no newline. */
	memcpy(frame, head, (size_t)n);
	memcpy(frame + n, json, len);
	memcpy(frame + n + len, "\n\n", 2);
	free(sse.frame);
	sse.frame = frame;
	sse.frame_len = (size_t)n + len + 2;
	sse.seq++;
	/* A client part-way through the old frame starts the new one afresh. */
	for (unsigned i = 0; i < sse.max; i++) {
		if (sse.clients[i])
			sse.clients[i]->off = 0;
	}
	if (sse.count)
		resume_all();
	return ST_OK;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *cl = cls;
	size_t n;

	if (sse.stopping)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (pos == 0 && max >= sizeof(hello) - 1) {
		memcpy(buf, hello, sizeof(hello) - 1);
		return (ssize_t)(sizeof(hello) - 1);
	}
	if (cl->seq < sse.seq && sse.frame) {
		n = sse.frame_len - cl->off < max ? sse.frame_len - cl->off : max;
		memcpy(buf, sse.frame + cl->off, n);
		cl->off += n;
		if (cl->off == sse.frame_len) {
			cl->seq = sse.seq;
			cl->off = 0;
		}
		return (ssize_t)n;
	}
	if (cl->keepalive < sse.keepalive && max >= sizeof(ping) - 1) {
		cl->keepalive = sse.keepalive;
		memcpy(buf, ping, sizeof(ping) - 1);
		return (ssize_t)(sizeof(ping) - 1);
	}
	/* Nothing new: park the connection until the next state. */
	cl->suspended = true;
	MHD_suspend_connection(cl->conn);
	return 0;
}

static void client_free(void *cls)
{
	struct sse_client *cl = cls;

	sse.clients[cl->slot] = NULL;
	sse.count--;
	free(cl);
}

enum MHD_Result sse_serve(struct MHD_Connection *conn,
			  void (*decorate)(struct MHD_Connection *conn, struct MHD_Response *resp))
{
	struct MHD_Response *resp;
	struct sse_client *cl;
	enum MHD_Result ret;
	unsigned slot;

	for (slot = 0; slot < sse.max && sse.clients[slot]; slot++)
		;
	if (slot == sse.max) {
		log_warn("display feed: %u clients already, refusing one more", sse.max);
		return MHD_NO;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return MHD_NO;
	*cl = (struct sse_client){.conn = conn, .keepalive = sse.keepalive, .slot = slot};
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256, reader, cl, client_free);
	if (!resp) {
		free(cl);
		return MHD_NO;
	}
	sse.clients[slot] = cl;
	sse.count++;
	MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	decorate(conn, resp);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

unsigned sse_clients(void)
{
	return sse.count;
}

void sse_stop(void)
{
	sse.stopping = true;
	resume_all();
}
