/* SPDX-License-Identifier: Apache-2.0 */
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct msg_rule {
	const char *name;
	size_t min_len;
	size_t max_len;
	unsigned max_fds;
};

static const struct msg_rule rules[__MSG_TYPE_MAX] = {
    [MSG_HELLO] = {"hello", 2, 256, 0},
    [MSG_API_REQUEST] = {"api-request", 2, MSG_MAX_PAYLOAD, MSG_MAX_FDS},
    [MSG_API_RESPONSE] = {"api-response", 2, MSG_MAX_PAYLOAD, 1},
    [MSG_PRINT_JOB] = {"print-job", 2, MSG_MAX_PAYLOAD, 0},
    [MSG_PRINT_RESULT] = {"print-result", 2, 1024, 0},
    [MSG_DEVICE_STATE] = {"device-state", 2, 1024, 0},
    [MSG_RELOAD] = {"reload", 2, 64, 0},
    [MSG_CASE_EVENT] = {"case-event", 2, 8192, 0},
    [MSG_DISPLAY] = {"display", 2, MSG_MAX_PAYLOAD, 0},
    [MSG_ANNOUNCE] = {"announce", 2, 256, 0},
    [MSG_SCAN] = {"scan", 2, 4096, 0},
    [MSG_BUTTON] = {"button", 2, 256, 0},
    [MSG_LED] = {"led", 2, 512, 0},
    [MSG_DOCSCAN] = {"docscan", 2, 8192, 0},
    [MSG_DOCSCAN_RESULT] = {"docscan-result", 2, MSG_MAX_PAYLOAD, 1},
    [MSG_SYNC_SETUP] = {"sync-setup", 2, 256, 0},
    [MSG_SYNC_ENROL] = {"sync-enrol", 2, 16384, 0},	  /* with the TLS request */
    [MSG_SYNC_ENROLLED] = {"sync-enrolled", 2, 24576, 0}, /* with the LAN certificate and CA */
    [MSG_SYNC_BATCH] = {"sync-batch", 2, MSG_MAX_PAYLOAD, 0},
    [MSG_SYNC_DOC] = {"sync-doc", 2, 256, 1},
    [MSG_SYNC_UPLOAD] = {"sync-upload", 2, 1024, 0},
    [MSG_SYNC_RESULT] = {"sync-result", 2, MSG_MAX_PAYLOAD, 0},
    [MSG_SYNC_HEARTBEAT] = {"sync-heartbeat", 2, 4096, 0},
    [MSG_SYNC_CATALOG] = {"sync-catalog", 2, 512, 1},
    [MSG_SYNC_ROTATE] = {"sync-rotate", 2, 64, 0},
    [MSG_SYNC_ROTATED] = {"sync-rotated", 2, 1024, 0},
    [MSG_SYNC_CONTACT] = {"sync-contact", 2, 1024, 0},
    [MSG_TLS] = {"tls", 2, 32768, 0},
    [MSG_SYNC_RATINGS] = {"sync-ratings", 2, MSG_MAX_PAYLOAD, 0},
    [MSG_SYNC_RATED] = {"sync-rated", 2, MSG_MAX_PAYLOAD, 0},
    [MSG_SYNC_CAMPAIGNS] = {"sync-campaigns", 2, 512, 1},
};

const char *msg_type_name(enum msg_type type)
{
	if (type <= 0 || type >= __MSG_TYPE_MAX)
		return "unknown";
	return rules[type].name;
}

static const struct msg_rule *rule_for(unsigned type)
{
	if (type == 0 || type >= __MSG_TYPE_MAX)
		return NULL;
	return &rules[type];
}

enum status msg_encode(uint8_t *out, size_t cap, enum msg_type type, uint32_t id, const void *payload, size_t len,
		       unsigned nfds, size_t *out_len)
{
	const struct msg_rule *r = rule_for(type);
	struct msg_hdr h;

	if (!r || len < r->min_len || len > r->max_len || nfds > r->max_fds)
		return ST_PROTO;
	if (cap < sizeof(h) || len > cap - sizeof(h))
		return ST_TOO_LARGE;
	h = (struct msg_hdr){
	    .magic = MSG_MAGIC, .type = (uint16_t)type, .id = id, .len = (uint32_t)len, .nfds = (uint16_t)nfds};
	memcpy(out, &h, sizeof(h));
	if (len)
		memcpy(out + sizeof(h), payload, len);
	*out_len = sizeof(h) + len;
	return ST_OK;
}

enum status msg_decode(const uint8_t *buf, size_t n, unsigned nfds, struct msg *out)
{
	const struct msg_rule *r;
	struct msg_hdr h;

	if (n < sizeof(h) || n > MSG_MAX_SIZE)
		return ST_PROTO;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MSG_MAGIC || h.reserved != 0)
		return ST_PROTO;
	r = rule_for(h.type);
	if (!r)
		return ST_PROTO;
	if (h.len != n - sizeof(h) || h.len < r->min_len || h.len > r->max_len)
		return ST_PROTO;
	if (h.nfds != nfds || nfds > r->max_fds)
		return ST_PROTO;
	out->type = (enum msg_type)h.type;
	out->id = h.id;
	out->payload = buf + sizeof(h);
	out->len = h.len;
	out->nfds = nfds;
	return ST_OK;
}

enum status msg_send(int sock, enum msg_type type, uint32_t id, const void *payload, size_t len, const int *fds,
		     unsigned nfds)
{
	static uint8_t frame[MSG_MAX_SIZE];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} control;
	struct msghdr mh = {0};
	struct iovec iov;
	size_t n;
	enum status st;

	st = msg_encode(frame, sizeof(frame), type, id, payload, len, nfds, &n);
	if (st != ST_OK)
		return st;
	iov.iov_base = frame;
	iov.iov_len = n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	for (;;) {
		ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w >= 0)
			return ST_OK;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return ST_BUSY;
		return ST_UNAVAILABLE;
	}
}

void msg_close_fds(int *fds, unsigned nfds)
{
	for (unsigned i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

enum status msg_recv(int sock, uint8_t *buf, size_t *n, int *fds, unsigned *nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} control;
	struct msghdr mh = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = MSG_MAX_SIZE};
	struct cmsghdr *c;
	ssize_t r;
	enum status st = ST_OK;

	*nfds = 0;
	*n = 0;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	do {
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? ST_BUSY : ST_UNAVAILABLE;
	if (r == 0)
		return ST_UNAVAILABLE;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t count;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < MSG_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd), st = ST_PROTO;
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		st = ST_PROTO;
	if (st != ST_OK) {
		msg_close_fds(fds, *nfds);
		*nfds = 0;
		return st;
	}
	*n = (size_t)r;
	return ST_OK;
}
