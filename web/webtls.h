/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The certificate the web serves HTTPS with, and the libmicrohttpd
 * certificate callback (MHD_OPTION_HTTPS_CERT_CALLBACK) that hands it to
 * each new TLS handshake.  The core sends the certificate and key in a
 * MSG_TLS message when the web starts, and again when central has issued
 * the office its certificate: webtls_use() swaps it for the handshakes
 * that follow, without stopping the server or dropping a connection.
 */
#ifndef OUTPOST_WEBTLS_H
#define OUTPOST_WEBTLS_H

#include <stdbool.h>

#include "appliance/common/tlslib.h"

/* Takes chain (PEM, the leaf first) and key (PEM); ST_BAD_FIELD when
 * GnuTLS cannot read them (the last good pair stays in use). */
enum status webtls_use(const char *chain, const char *key);
bool webtls_ready(void);
/* gnutls_certificate_retrieve_function2 for MHD_OPTION_HTTPS_CERT_CALLBACK. */
int webtls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
		    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
		    unsigned int *pcert_length, gnutls_privkey_t *privkey);

#endif
