/* SPDX-License-Identifier: Apache-2.0 */
#include "channel.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct channel {
	int fd;
	sd_event_source *io;
	const char *peer;
	channel_msg_fn *on_msg;
	channel_close_fn *on_close;
	void *ud;
};

static void channel_fail(struct channel *ch, enum status why)
{
	/* Stop reading first: the callback may free the channel. */
	sd_event_source_set_enabled(ch->io, SD_EVENT_OFF);
	ch->on_close(ch, why, ch->ud);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	static uint8_t frame[MSG_MAX_SIZE];
	struct channel *ch = ud;
	int fds[MSG_MAX_FDS];

	(void)s;
	(void)fd;
	(void)revents;
	for (int budget = 0; budget < 64; budget++) {
		json_error_t jerr;
		struct msg m;
		struct chmsg cm;
		const uint8_t *nul;
		unsigned nfds;
		size_t n, json_len;
		json_t *body;
		enum status st = msg_recv(ch->fd, frame, &n, fds, &nfds);

		if (st == ST_BUSY)
			return 0;
		if (st != ST_OK) {
			if (st == ST_PROTO)
				log_err("malformed datagram from %s", ch->peer);
			channel_fail(ch, st);
			return 0;
		}
		if (msg_decode(frame, n, nfds, &m) != ST_OK) {
			log_err("malformed message from %s (%zu bytes, %u fds)", ch->peer, n, nfds);
			msg_close_fds(fds, nfds);
			channel_fail(ch, ST_PROTO);
			return 0;
		}
		nul = memchr(m.payload, '\0', m.len);
		json_len = nul ? (size_t)(nul - m.payload) : m.len;
		body = json_loadb((const char *)m.payload, json_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!body || !json_is_object(body)) {
			log_err("%s message from %s is not a JSON object: %s", msg_type_name(m.type), ch->peer,
				body ? "not an object" : jerr.text);
			json_decref(body);
			msg_close_fds(fds, nfds);
			channel_fail(ch, ST_PROTO);
			return 0;
		}
		cm = (struct chmsg){.type = m.type, .id = m.id, .body = body, .fds = fds, .nfds = nfds};
		if (nul) {
			cm.tail = nul + 1;
			cm.tail_len = m.len - json_len - 1;
		}
		st = ch->on_msg(ch, &cm, ch->ud);
		json_decref(body);
		msg_close_fds(fds, nfds);
		if (st == ST_PROTO) {
			log_err("%s message from %s has wrong contents", msg_type_name(m.type), ch->peer);
			channel_fail(ch, ST_PROTO);
			return 0;
		}
	}
	return 0; /* more next time round; other sources get their turn */
}

struct channel *channel_new(sd_event *ev, int fd, const char *peer, channel_msg_fn *on_msg, channel_close_fn *on_close,
			    void *ud)
{
	struct channel *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->fd = fd;
	ch->peer = peer;
	ch->on_msg = on_msg;
	ch->on_close = on_close;
	ch->ud = ud;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (sd_event_add_io(ev, &ch->io, fd, EPOLLIN, on_io, ch) < 0) {
		free(ch);
		return NULL;
	}
	return ch;
}

void channel_free(struct channel **chp)
{
	struct channel *ch = *chp;

	if (!ch)
		return;
	sd_event_source_disable_unref(ch->io);
	close(ch->fd);
	free(ch);
	*chp = NULL;
}

enum status channel_send(struct channel *ch, enum msg_type type, uint32_t id, json_t *body, const void *tail,
			 size_t tail_len, const int *fds, unsigned nfds)
{
	static char payload[MSG_MAX_PAYLOAD];
	size_t n;
	enum status st;

	if (!ch)
		return ST_UNAVAILABLE;
	/* json_dumpb answers the size it needs, which may exceed the buffer. */
	n = json_dumpb(body, payload, sizeof(payload), JSON_COMPACT);
	if (n == 0)
		return ST_NOMEM;
	if (n > sizeof(payload) || (tail_len && tail_len >= sizeof(payload) - n))
		return ST_TOO_LARGE;
	if (tail_len) {
		payload[n++] = '\0';
		memcpy(payload + n, tail, tail_len);
		n += tail_len;
	}
	st = msg_send(ch->fd, type, id, payload, n, fds, nfds);
	if (st == ST_PROTO)
		st = ST_TOO_LARGE; /* our own message was over the type's limit */
	return st;
}
