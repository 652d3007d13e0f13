/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A channel is one end of a SEQPACKET socketpair between the core and a
 * child, driven by an sd-event loop.  Each received message is decoded,
 * its JSON payload parsed, and handed to the owner's callback.  Anything
 * malformed closes the channel with ST_PROTO: the core then kills the peer,
 * a child exits.
 */
#ifndef OUTPOST_CHANNEL_H
#define OUTPOST_CHANNEL_H

#include <jansson.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "msg.h"

struct channel;

/* One received message; everything in it is borrowed for the call. */
struct chmsg {
	enum msg_type type;
	uint32_t id;
	json_t *body;
	const uint8_t *tail; /* bytes after the JSON and its NUL, or NULL */
	size_t tail_len;
	int *fds;
	unsigned nfds;
};

/*
 * Handles one message.  The handler may take descriptors out of m->fds by
 * setting their slots to -1; the channel closes the rest afterwards.
 * Returning ST_PROTO declares the message malformed.
 */
typedef enum status channel_msg_fn(struct channel *ch, struct chmsg *m, void *ud);
/* Called once when the peer closed or misbehaved; why is ST_UNAVAILABLE or
 * ST_PROTO.  The callback may free the channel. */
typedef void channel_close_fn(struct channel *ch, enum status why, void *ud);

/* Takes ownership of fd (made non-blocking).  NULL when out of memory. */
struct channel *channel_new(sd_event *ev, int fd, const char *peer, channel_msg_fn *on_msg, channel_close_fn *on_close,
			    void *ud);
void channel_free(struct channel **ch);

/* Serialises body (borrowed), appends a NUL and tail when tail_len > 0, and
 * sends it with fds (still the caller's). */
enum status channel_send(struct channel *ch, enum msg_type type, uint32_t id, json_t *body, const void *tail,
			 size_t tail_len, const int *fds, unsigned nfds);

#endif
