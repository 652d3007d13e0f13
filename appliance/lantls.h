/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The box's TLS identity on the office LAN, kept by the core in the state
 * folder:
 *
 *   tls.key       the TLS private key (ECDSA P-256), for TLS only: never
 *                 the box key that seals data or the key that signs for
 *                 central.  Only the core reads it; the web gets it in a
 *                 MSG_TLS message.
 *   tls-self.crt  the self-signed certificate made at first start; until
 *                 enrolment it is the one served, and at enrolment it is
 *                 the request central issues a certificate for.
 *   tls.crt       the certificate central issued for the office, and
 *   tls-ca.crt    central's office CA, once enrolled: served from then on.
 */
#ifndef OUTPOST_LANTLS_H
#define OUTPOST_LANTLS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/config.h"
#include "common/tlscert.h"

struct lantls {
	char key[TLSCERT_PEM_MAX];
	char self[TLSCERT_PEM_MAX];
	char chain[2 * TLSCERT_PEM_MAX];  /* served: the leaf, then central's CA once issued */
	char fingerprint[TLSCERT_FP_LEN]; /* SHA-256 of the served leaf */
	char self_fingerprint[TLSCERT_FP_LEN];
	bool issued;
	bool renamed; /* tls-self.crt made again at start for new [web] tls_names */
};

/* Reads the identity, or makes key and self-signed certificate (*created)
 * when there is none yet.  A self-signed certificate whose names are no
 * longer those of [web] tls_names is made again for the same key
 * (t->renamed). */
enum status lantls_open(const struct config *cfg, struct lantls *t, bool *created);
/* Takes central's certificate for this box's key and central's CA: kept on
 * disk, then served.  ST_BAD_FIELD when the certificate is not for the key. */
enum status lantls_install(const struct config *cfg, struct lantls *t, const char *cert_pem, const char *ca_pem);
/* The MSG_TLS body for the web. */
json_t *lantls_message(const struct lantls *t);
/* {"fingerprint", "issuer", "self_fingerprint"} for status. */
json_t *lantls_json(const struct lantls *t);

#endif
