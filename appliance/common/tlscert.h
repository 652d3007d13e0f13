/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 for the office LAN's TLS: the box's key and its self-signed
 * certificate, the office CA that outpost-central keeps, and the
 * certificates that CA issues to offices.  Pure code over PEM texts (no
 * file, no socket), through GnuTLS (tlslib.h; call tlslib_load() first).
 * Keys are ECDSA P-256, which every browser takes.  Used by the core and by
 * outpost-central.
 */
#ifndef OUTPOST_TLSCERT_H
#define OUTPOST_TLSCERT_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define TLSCERT_PEM_MAX	 8192
#define TLSCERT_FP_LEN	 96  /* "AB:CD:...": 32 bytes as 95 characters and a NUL */
#define TLSCERT_NAME_MAX 512 /* subjectAltName names as text */

struct tlscert_subject {
	const char *common_name;
	const char *organization; /* may be NULL */
	/* subjectAltName: DNS names and IPv4/IPv6 addresses, separated by
	 * commas or spaces; may be NULL. */
	const char *names;
	bool ca;       /* a CA that signs end certificates only (path length 0) */
	unsigned days; /* validity from an hour ago, for clocks a little behind */
};

/* A new private key, PEM, into key_pem (cap bytes). */
enum status tlscert_new_key(char *key_pem, size_t cap);

/*
 * Signs a certificate for subject s into cert_pem.  Its key is key_pem's
 * when request_pem is NULL, otherwise the key of request_pem (a
 * certificate, see tlscert_request_names()).  It is signed by issuer_key_pem
 * and names issuer_cert_pem as its issuer, or (both NULL) self-signed by
 * key_pem.  An end certificate serves TLS and may also be a TLS client's.
 */
enum status tlscert_sign(const struct tlscert_subject *s, const char *key_pem, const char *request_pem,
			 const char *issuer_cert_pem, const char *issuer_key_pem, char *cert_pem, size_t cap);

/* A box's request: its self-signed certificate, whose signature proves that
 * the sender holds the key.  ST_BAD_SIGNATURE when it does not verify;
 * otherwise its subjectAltName names, comma-separated, into names. */
enum status tlscert_request_names(const char *request_pem, char names[TLSCERT_NAME_MAX]);

/* The SHA-256 fingerprint of the first certificate of cert_pem, as
 * browsers and "openssl x509 -fingerprint -sha256" show it. */
enum status tlscert_fingerprint(const char *cert_pem, char out[TLSCERT_FP_LEN]);

/* True when the first certificate of cert_pem is for key_pem's key. */
bool tlscert_fits_key(const char *cert_pem, const char *key_pem);

/* The subject's common name of the first certificate of cert_pem. */
enum status tlscert_common_name(const char *cert_pem, char *out, size_t cap);

#endif
