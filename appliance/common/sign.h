/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protocol's cryptography (sync/PROTOCOL.md sections 2, 5, 6), shared
 * by the box's sync process and outpost-central: Ed25519 keys, request and
 * manifest signatures, Standard Webhooks signatures, base64 (crypto.h).
 */
#ifndef OUTPOST_SIGN_H
#define OUTPOST_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define SIGN_KEY_LEN	32
#define SIGN_SIG_LEN	64
#define SIGN_B64_MAX(n) (((n) + 2) / 3 * 4 + 1)

/* A new key pair: the raw 32-byte private seed and public key. */
enum status sign_keypair(uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN]);
enum status sign_public_of(const uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN]);
enum status sign_ed25519(const uint8_t priv[SIGN_KEY_LEN], const void *msg, size_t len, uint8_t sig[SIGN_SIG_LEN]);
bool sign_ed25519_ok(const uint8_t pub[SIGN_KEY_LEN], const void *msg, size_t len, const uint8_t sig[SIGN_SIG_LEN]);

/* HMAC-SHA256 of msg under key. */
void sign_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32]);
void sign_sha256_hex(const void *data, size_t len, char out[65]);
/* SHA-256 of fd's bytes from off, len of them or up to the end (SIGN_TO_END);
 * false when a read fails or the file is shorter. */
#define SIGN_TO_END UINT64_MAX
bool sign_sha256_fd(int fd, uint64_t off, uint64_t len, uint8_t out[32]);

/* Standard base64 with padding; decode returns the length or -1. */
void sign_b64(const void *data, size_t len, char *out);
long sign_unb64(const char *text, uint8_t *out, size_t cap);

/*
 * What a box request's Outpost-Signature covers:
 *   METHOD "\n" PATH-WITH-QUERY "\n" TIMESTAMP "\n" hex(SHA-256(body))
 * written into out (cap bytes); false when it does not fit.
 */
bool sign_request_text(const char *method, const char *path, const char *timestamp, const void *body, size_t len,
		       char *out, size_t cap);

/* "ed25519=<base64>" header values. */
void sign_header(const uint8_t sig[SIGN_SIG_LEN], char out[8 + SIGN_B64_MAX(SIGN_SIG_LEN)]);
bool sign_header_parse(const char *value, uint8_t sig[SIGN_SIG_LEN]);

#endif
