/* SPDX-License-Identifier: Apache-2.0 */
#include "sign.h"

#include <nettle/base64.h>
#include <nettle/eddsa.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "entropy.h"

enum status sign_keypair(uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN])
{
	entropy_fill(priv, SIGN_KEY_LEN);
	return sign_public_of(priv, pub);
}

enum status sign_public_of(const uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN])
{
	ed25519_sha512_public_key(pub, priv);
	return ST_OK;
}

enum status sign_ed25519(const uint8_t priv[SIGN_KEY_LEN], const void *msg, size_t len, uint8_t sig[SIGN_SIG_LEN])
{
	uint8_t pub[SIGN_KEY_LEN];

	ed25519_sha512_public_key(pub, priv);
	ed25519_sha512_sign(pub, priv, len, msg, sig);
	return ST_OK;
}

bool sign_ed25519_ok(const uint8_t pub[SIGN_KEY_LEN], const void *msg, size_t len, const uint8_t sig[SIGN_SIG_LEN])
{
	return ed25519_sha512_verify(pub, len, msg, sig) == 1;
}

void sign_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32])
{
	struct hmac_sha256_ctx cx;

	hmac_sha256_set_key(&cx, keylen, key);
	hmac_sha256_update(&cx, len, msg);
	hmac_sha256_digest(&cx, SHA256_DIGEST_SIZE, out);
	explicit_bzero(&cx, sizeof(cx));
}

void sign_sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256_ctx cx;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&cx);
	sha256_update(&cx, len, data);
	sha256_digest(&cx, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

bool sign_sha256_fd(int fd, uint64_t off, uint64_t len, uint8_t out[32])
{
	struct sha256_ctx cx;
	uint8_t buf[65536];
	ssize_t got = 0;

	sha256_init(&cx);
	while (len > 0 && (got = pread(fd, buf, len < sizeof(buf) ? (size_t)len : sizeof(buf), (off_t)off)) > 0) {
		sha256_update(&cx, (size_t)got, buf);
		off += (uint64_t)got;
		if (len != SIGN_TO_END)
			len -= (uint64_t)got;
	}
	sha256_digest(&cx, SHA256_DIGEST_SIZE, out);
	return got >= 0 && (len == 0 || len == SIGN_TO_END);
}

void sign_b64(const void *data, size_t len, char *out)
{
	base64_encode_raw(out, len, data);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
}

long sign_unb64(const char *text, uint8_t *out, size_t cap)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	struct base64_decode_ctx cx;
	size_t n = strlen(text), got = 0;
	uint8_t buf[1024];

	/* Padded, and nothing outside the alphabet: nettle would skip spaces. */
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(buf) || strspn(text, alphabet) != n)
		return -1;
	base64_decode_init(&cx);
	if (!base64_decode_update(&cx, &got, buf, n, text) || !base64_decode_final(&cx) || got > cap)
		return -1;
	memcpy(out, buf, got);
	return (long)got;
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
