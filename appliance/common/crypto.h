/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cryptography of the box and of outpost-central, on OpenSSL 3's
 * libcrypto (EVP): AES-256-GCM, SHA-256, HMAC-SHA256, Ed25519, random
 * bytes, constant-time comparison, base64.
 *
 * outpostd is one binary for four processes and only the core and sync
 * seal, hash or sign: libcrypto is loaded at run time (dlopen), so web and
 * dev never map it.  crypto_load() is called before a process's sandbox;
 * every other call loads it on first use too.  A process that cannot load
 * it stops (fatal): none of these may fail quietly.
 */
#ifndef OUTPOST_CRYPTO_H
#define OUTPOST_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CRYPTO_KEY_LEN	   32 /* AES-256, HMAC keys, Ed25519 seeds and public keys */
#define CRYPTO_TAG_LEN	   16 /* GCM */
#define CRYPTO_SHA256_LEN  32
#define CRYPTO_ED25519_SIG 64

/* Loads libcrypto; ST_UNAVAILABLE (logged) when it is not there. */
enum status crypto_load(void);

/* AES-256-GCM in steps: start with the key, nonce and additional data,
 * update with the text (out may be in), finish with the tag: written when
 * sealing, checked when opening (false: wrong key, data or tag).  finish
 * frees g, and crypto_gcm_abort() frees a g that is not finished. */
struct crypto_gcm;
struct crypto_gcm *crypto_gcm_start(bool seal, const uint8_t key[CRYPTO_KEY_LEN], const uint8_t *nonce,
				    size_t nonce_len, const void *aad, size_t aad_len);
bool crypto_gcm_update(struct crypto_gcm *g, const uint8_t *in, size_t len, uint8_t *out);
bool crypto_gcm_finish(struct crypto_gcm *g, uint8_t tag[CRYPTO_TAG_LEN]);
void crypto_gcm_abort(struct crypto_gcm *g);

/* SHA-256 in steps, and at once. */
struct crypto_sha256;
struct crypto_sha256 *crypto_sha256_start(void);
void crypto_sha256_update(struct crypto_sha256 *h, const void *data, size_t len);
void crypto_sha256_finish(struct crypto_sha256 *h, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_sha256_abort(struct crypto_sha256 *h); /* frees h unfinished (NULL: nothing) */
void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
			uint8_t out[CRYPTO_SHA256_LEN]);

/* Ed25519 (RFC 8032) from a 32-byte seed. */
void crypto_ed25519_public(const uint8_t seed[CRYPTO_KEY_LEN], uint8_t pub[CRYPTO_KEY_LEN]);
void crypto_ed25519_sign(const uint8_t seed[CRYPTO_KEY_LEN], const void *msg, size_t len,
			 uint8_t sig[CRYPTO_ED25519_SIG]);
bool crypto_ed25519_verify(const uint8_t pub[CRYPTO_KEY_LEN], const void *msg, size_t len,
			   const uint8_t sig[CRYPTO_ED25519_SIG]);

/* Random bytes from OpenSSL's CSPRNG (seeded by getrandom). */
void crypto_random(void *out, size_t n);

/* Whether a and b (n bytes each) are equal, in time that does not depend
 * on where they differ. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Standard base64 with padding: out holds 4 * ((len + 2) / 3) + 1 bytes.
 * Decoding takes only the alphabet, padded, and returns the length or -1
 * (also when it is over cap). */
void crypto_b64(const void *data, size_t len, char *out);
long crypto_unb64(const char *text, uint8_t *out, size_t cap);

#endif
