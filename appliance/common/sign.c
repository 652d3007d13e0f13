/* SPDX-License-Identifier: Apache-2.0 */
#include "sign.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "entropy.h"

enum status sign_keypair(uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN])
{
	entropy_fill(priv, SIGN_KEY_LEN);
	return sign_public_of(priv, pub);
}

enum status sign_public_of(const uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN])
{
	crypto_ed25519_public(priv, pub);
	return ST_OK;
}

enum status sign_ed25519(const uint8_t priv[SIGN_KEY_LEN], const void *msg, size_t len, uint8_t sig[SIGN_SIG_LEN])
{
	crypto_ed25519_sign(priv, msg, len, sig);
	return ST_OK;
}

bool sign_ed25519_ok(const uint8_t pub[SIGN_KEY_LEN], const void *msg, size_t len, const uint8_t sig[SIGN_SIG_LEN])
{
	return crypto_ed25519_verify(pub, msg, len, sig);
}

void sign_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32])
{
	crypto_hmac_sha256(key, keylen, msg, len, out);
}

void sign_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[CRYPTO_SHA256_LEN];

	crypto_sha256(data, len, d);
	for (int i = 0; i < CRYPTO_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

bool sign_sha256_fd(int fd, uint64_t off, uint64_t len, uint8_t out[32])
{
	struct crypto_sha256 *h = crypto_sha256_start();
	uint8_t buf[65536];
	ssize_t got = 0;

	while (len > 0 && (got = pread(fd, buf, len < sizeof(buf) ? (size_t)len : sizeof(buf), (off_t)off)) > 0) {
		crypto_sha256_update(h, buf, (size_t)got);
		off += (uint64_t)got;
		if (len != SIGN_TO_END)
			len -= (uint64_t)got;
	}
	crypto_sha256_finish(h, out);
	return got >= 0 && (len == 0 || len == SIGN_TO_END);
}

void sign_b64(const void *data, size_t len, char *out)
{
	crypto_b64(data, len, out);
}

long sign_unb64(const char *text, uint8_t *out, size_t cap)
{
	return crypto_unb64(text, out, cap);
}

bool sign_request_text(const char *method, const char *path, const char *timestamp, const void *body, size_t len,
		       char *out, size_t cap)
{
	char hex[65];
	int n;

	sign_sha256_hex(body ? body : "", body ? len : 0, hex);
	n = snprintf(out, cap, "%s\n%s\n%s\n%s", method, path, timestamp, hex);
	return n > 0 && (size_t)n < cap;
}

void sign_header(const uint8_t sig[SIGN_SIG_LEN], char out[8 + SIGN_B64_MAX(SIGN_SIG_LEN)])
{
	memcpy(out, "ed25519=", 8);
	sign_b64(sig, SIGN_SIG_LEN, out + 8);
}

bool sign_header_parse(const char *value, uint8_t sig[SIGN_SIG_LEN])
{
	return value && strncmp(value, "ed25519=", 8) == 0 && sign_unb64(value + 8, sig, SIGN_SIG_LEN) == SIGN_SIG_LEN;
}
