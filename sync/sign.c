#include "sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

enum status sign_random(void *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? ST_OK : ST_IO;
}

enum status sign_keypair(uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN])
{
	if (RAND_bytes(priv, SIGN_KEY_LEN) != 1)
		return ST_IO;
	return sign_public_of(priv, pub);
}

enum status sign_public_of(const uint8_t priv[SIGN_KEY_LEN], uint8_t pub[SIGN_KEY_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, SIGN_KEY_LEN);
	size_t n = SIGN_KEY_LEN;
	enum status st = k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == SIGN_KEY_LEN ? ST_OK : ST_IO;

	EVP_PKEY_free(k);
	return st;
}

enum status sign_ed25519(const uint8_t priv[SIGN_KEY_LEN], const void *msg, size_t len, uint8_t sig[SIGN_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, SIGN_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = SIGN_SIG_LEN;
	enum status st = ST_IO;

	if (k && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == SIGN_SIG_LEN)
		st = ST_OK;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return st;
}

bool sign_ed25519_ok(const uint8_t pub[SIGN_KEY_LEN], const void *msg, size_t len, const uint8_t sig[SIGN_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SIGN_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
		  EVP_DigestVerify(ctx, sig, SIGN_SIG_LEN, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok;
}

void sign_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32])
{
	unsigned n = 32;

	HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &n);
}

void sign_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[32];
	unsigned n = 32;

	EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void sign_b64(const void *data, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

long sign_unb64(const char *text, uint8_t *out, size_t cap)
{
	size_t n = strlen(text);
	uint8_t buf[1024];
	int got;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(buf))
		return -1;
	got = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)n);
	if (got < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (text[n - 1] == '=')
		got--;
	if (text[n - 2] == '=')
		got--;
	if ((size_t)got > cap)
		return -1;
	memcpy(out, buf, (size_t)got);
	return got;
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
