/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages between outpostd's processes.  One message is one SOCK_SEQPACKET
 * datagram: a fixed header and a payload.  The payload is a JSON object,
 * optionally followed by a NUL and opaque bytes (the tail) that the receiver
 * passes on without parsing, such as an HTTP body the core already wrote.
 * File descriptors ride along with SCM_RIGHTS; bulk data (uploaded documents,
 * files to serve) only ever travels as descriptors.
 *
 * Every type has a payload size range and a descriptor limit; msg_decode()
 * refuses anything else, and the receiver treats a refusal as fatal for the
 * peer that sent it.
 */
#ifndef OUTPOST_MSG_H
#define OUTPOST_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define MSG_MAX_SIZE 65536
#define MSG_MAX_FDS  32
#define MSG_MAGIC    0x4f50u /* "OP" */

enum msg_type {
	MSG_HELLO = 1,	    /* child -> core: {"role","pid"} */
	MSG_API_REQUEST,    /* web -> core: one HTTP request, uploads as fds */
	MSG_API_RESPONSE,   /* core -> web: answer, optional fd of a file to serve */
	MSG_PRINT_JOB,	    /* core -> dev: {"job", "receipt": {...}} */
	MSG_PRINT_RESULT,   /* dev -> core: {"job","status","printer"} */
	MSG_DEVICE_STATE,   /* dev -> core: {"printer": state} */
	MSG_RELOAD,	    /* core -> child: re-read configuration */
	MSG_CASE_EVENT,	    /* sync -> core: a case event from central, see cases_central_event() */
	MSG_DISPLAY,	    /* core -> web: the call display's state, see queue_display() */
	MSG_ANNOUNCE,	    /* core -> dev: {"label", "window"} to announce by voice */
	MSG_SCAN,	    /* dev -> core: {"source", "symbology", "text"} a barcode read */
	MSG_BUTTON,	    /* dev -> core: {"action", "line"} a panel button pressed */
	MSG_LED,	    /* core -> dev: {"leds": {name: on}} and/or {"buzz": ms} */
	MSG_DOCSCAN,	    /* core -> dev: a document scan command, see docscan_cmd_from_json() */
	MSG_DOCSCAN_RESULT, /* dev -> core: {"job","event",...}; a split document's PDF as fd */
	MSG_SYNC_SETUP,	    /* core -> sync: {"cursor"} of central's event feed */
	MSG_SYNC_ENROL,	    /* core -> sync: {"url","token"}; id is the job */
	MSG_SYNC_ENROLLED,  /* sync -> core: {"ok","http","office","message"}; id is the job */
	MSG_SYNC_BATCH,	    /* core -> sync: {"batch_id","manifest","documents"} */
	MSG_SYNC_DOC,	    /* core -> sync: {"batch_id","index"} + the document's plaintext fd */
	MSG_SYNC_UPLOAD,    /* sync -> core: {"batch_id","index","upload"} a tus URL to keep */
	MSG_SYNC_RESULT,    /* sync -> core: {"batch_id","state","http","message","next_retry","results"} */
	MSG_SYNC_HEARTBEAT, /* core -> sync: {"heartbeat": {...}, "catalog_etag"} to send now */
	MSG_SYNC_CATALOG,   /* sync -> core: {"etag"} + central's catalog document as fd */
	MSG_SYNC_ROTATE,    /* core -> sync: {} a new key pair, announced with the old; id is the job */
	MSG_SYNC_ROTATED,   /* sync -> core: {"ok","http","message"}; id is the job */
	MSG_SYNC_CONTACT,   /* sync -> core: {"reachable","message"} when central's reachability changes */
	MSG_TLS,	    /* core -> web: {"chain","key"} PEM, the certificate and key to serve HTTPS with */
	MSG_SYNC_RATINGS,   /* core -> sync: {"ratings": [...], "appeals": [{"rating","reason"}]} to send */
	MSG_SYNC_RATED,	    /* sync -> core: {"results", "appeals": [{"rating","http","message"}], "retry_usec"} */
	MSG_SYNC_CAMPAIGNS, /* sync -> core: {"etag"} + central's campaigns answer as fd */
	__MSG_TYPE_MAX
};

struct msg_hdr {
	uint16_t magic;
	uint16_t type;
	uint32_t id;
	uint32_t len;
	uint16_t nfds;
	uint16_t reserved;
};

_Static_assert(sizeof(struct msg_hdr) == 16, "msg_hdr must stay 16 bytes");

#define MSG_MAX_PAYLOAD (MSG_MAX_SIZE - sizeof(struct msg_hdr))

/* A decoded message; payload points into the caller's datagram buffer. */
struct msg {
	enum msg_type type;
	uint32_t id;
	const uint8_t *payload;
	size_t len;
	unsigned nfds;
};

const char *msg_type_name(enum msg_type type);

/*
 * Pure framing.  msg_encode writes header and payload into out (cap bytes)
 * and sets *out_len.  msg_decode checks a received datagram of n bytes that
 * came with nfds descriptors against the type's rules.
 */
enum status msg_encode(uint8_t *out, size_t cap, enum msg_type type, uint32_t id, const void *payload, size_t len,
		       unsigned nfds, size_t *out_len);
enum status msg_decode(const uint8_t *buf, size_t n, unsigned nfds, struct msg *out);

/*
 * I/O on a non-blocking SEQPACKET socket.  msg_send never blocks: a full
 * socket is ST_BUSY.  The caller keeps ownership of fds.
 */
enum status msg_send(int sock, enum msg_type type, uint32_t id, const void *payload, size_t len, const int *fds,
		     unsigned nfds);

/*
 * Receives one datagram into buf (MSG_MAX_SIZE bytes).  Received descriptors
 * are stored in fds (MSG_MAX_FDS slots, close-on-exec) and become the
 * caller's.  Returns ST_OK with *n > 0, ST_BUSY when nothing is waiting,
 * ST_UNAVAILABLE when the peer closed, ST_PROTO for a truncated datagram (any
 * descriptors that came with it are closed).
 */
enum status msg_recv(int sock, uint8_t *buf, size_t *n, int *fds, unsigned *nfds);

/* Closes nfds descriptors and sets each slot to -1. */
void msg_close_fds(int *fds, unsigned nfds);

#endif
