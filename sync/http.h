/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP requests of the sync process: libcurl's multi-socket interface in
 * the process's sd-event loop (docs/design.md 2.7), every transfer with the
 * configured TLS trust, central's pinned key once enrolled, and bounded
 * answers.  A request is built, sent, and its done callback gets the HTTP
 * status (0 for a network error, with curl's reason), the answer's
 * headers that the protocol reads, and its body.
 */
#ifndef OUTPOST_HTTP_H
#define OUTPOST_HTTP_H

#include "curlfn.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "appliance/common/buf.h"
#include "appliance/common/status.h"

#define HTTP_ANSWER_MAX (1024 * 1024)

struct http_req;
typedef void http_done_fn(struct http_req *r, void *ud);

struct http_req {
	CURL *easy;
	struct curl_slist *headers;
	struct buf body; /* what is sent (owned) */
	int body_fd;	 /* or a range of a file: PATCH chunks */
	uint64_t fd_off, fd_len, fd_sent;
	struct buf answer; /* what came back */
	long status;	   /* 0: no answer; error holds why */
	char error[CURL_ERROR_SIZE];
	char location[512], upload_offset[24], retry_after[24], signature[160], etag[128];
	char tus_extension[160], tus_checksum[80]; /* what a tus server offers (OPTIONS) */
	http_done_fn *done;
	void *ud;
	bool (*address_ok)(const struct sockaddr *sa, void *ud);
	void *address_ud;
};

struct http_opts {
	const char *ca_file;		      /* trust for central's certificate; NULL: the system's */
	const char *pin;		      /* "sha256//<base64>", once enrolled; NULL: none */
	const char *client_cert, *client_key; /* PEM files; NULL or "": none */
	long timeout_s;			      /* per transfer, 0: none (long-polls set their own) */
	/* Set: every address libcurl is about to connect to is asked first,
	 * no proxy is used, and a refused address fails the transfer. */
	bool (*address_ok)(const struct sockaddr *sa, void *ud);
	void *address_ud;
};

enum status http_init(sd_event *ev);
void http_free(void);

/* A request to url; method "GET", "POST", "PATCH", "HEAD", "DELETE". */
struct http_req *http_new(const char *method, const char *url, const struct http_opts *o);
void http_header(struct http_req *r, const char *name, const char *value);
/* Sends it; done is called once, then the request is freed. */
enum status http_send(struct http_req *r, http_done_fn *done, void *ud);
/* Drops a request before it was sent. */
void http_drop(struct http_req *r);

#endif
