/* SPDX-License-Identifier: Apache-2.0 */
#include "crypto.h"

#include <dlfcn.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* The libcrypto calls made here, looked up once: each pointer has the type
 * of OpenSSL's own declaration. */
#define CRYPTO_FUNCS(X)                                                                                                \
	X(OPENSSL_init_crypto)                                                                                         \
	X(EVP_CIPHER_CTX_new)                                                                                          \
	X(EVP_CIPHER_CTX_free)                                                                                         \
	X(EVP_CIPHER_CTX_ctrl)                                                                                         \
	X(EVP_aes_256_gcm)                                                                                             \
	X(EVP_CipherInit_ex)                                                                                           \
	X(EVP_CipherUpdate)                                                                                            \
	X(EVP_CipherFinal_ex)                                                                                          \
	X(EVP_MD_CTX_new)                                                                                              \
	X(EVP_MD_CTX_free)                                                                                             \
	X(EVP_sha256)                                                                                                  \
	X(EVP_DigestInit_ex)                                                                                           \
	X(EVP_DigestUpdate)                                                                                            \
	X(EVP_DigestFinal_ex)                                                                                          \
	X(HMAC)                                                                                                        \
	X(EVP_PKEY_new_raw_private_key)                                                                                \
	X(EVP_PKEY_new_raw_public_key)                                                                                 \
	X(EVP_PKEY_get_raw_public_key)                                                                                 \
	X(EVP_PKEY_free)                                                                                               \
	X(EVP_DigestSignInit)                                                                                          \
	X(EVP_DigestSign)                                                                                              \
	X(EVP_DigestVerifyInit)                                                                                        \
	X(EVP_DigestVerify)                                                                                            \
	X(RAND_bytes)                                                                                                  \
	X(CRYPTO_memcmp)                                                                                               \
	X(EVP_EncodeBlock)                                                                                             \
	X(EVP_DecodeBlock)

static struct {
#define CRYPTO_FN_FIELD(f) __typeof__(f) *f;
	CRYPTO_FUNCS(CRYPTO_FN_FIELD)
} lib;
static bool loaded;

static void warm_up(void);

enum status crypto_load(void)
{
	void *h;

	if (loaded)
		return ST_OK;
	if (!(h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL))) {
		log_err("cannot load OpenSSL's libcrypto: %s", dlerror());
		return ST_UNAVAILABLE;
	}
#define CRYPTO_FN_LOAD(f)                                                                                              \
	if (!(lib.f = (__typeof__(lib.f))dlsym(h, #f))) {                                                              \
		log_err("libcrypto lacks %s", #f);                                                                     \
		return ST_UNAVAILABLE;                                                                                 \
	}
	CRYPTO_FUNCS(CRYPTO_FN_LOAD)
	loaded = true;
	/* openssl.cnf names nothing the box uses (engines, providers beyond
	 * the default): not read, and no exit handler to run in a process that
	 * ends with _exit after a fork. */
	lib.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
	warm_up();
	return ST_OK;
}

static void need(void)
{
	if (!loaded && crypto_load() != ST_OK)
		fatalx("no cryptography without libcrypto (libssl3)");
}

/* EVP takes int lengths; every buffer here is far below INT_MAX, and one
 * that is not is a broken caller. */
static int int_len(size_t n)
{
	if (n > INT_MAX / 2)
		fatalx("crypto: %zu bytes at once", n);
	return (int)n;
}

/* OpenSSL reads its configuration, seeds its generator and fetches each
 * algorithm's implementation on first use: all of it here, before the
 * caller's sandbox, rather than under it. */
static void warm_up(void)
{
	uint8_t key[CRYPTO_KEY_LEN] = {0}, out[CRYPTO_ED25519_SIG], tag[CRYPTO_TAG_LEN];
	struct crypto_gcm *g;

	crypto_random(out, 16);
	crypto_sha256("", 0, out);
	crypto_hmac_sha256(key, sizeof(key), "", 0, out);
	crypto_ed25519_public(key, out);
	crypto_ed25519_sign(key, "", 0, out);
	if ((g = crypto_gcm_start(true, key, key, 12, "", 0)))
		crypto_gcm_finish(g, tag);
}

struct crypto_gcm {
	EVP_CIPHER_CTX *cx;
	bool seal;
};

struct crypto_gcm *crypto_gcm_start(bool seal, const uint8_t key[CRYPTO_KEY_LEN], const uint8_t *nonce,
				    size_t nonce_len, const void *aad, size_t aad_len)
{
	struct crypto_gcm *g;
	int n;

	need();
	if (!(g = calloc(1, sizeof(*g))) || !(g->cx = lib.EVP_CIPHER_CTX_new())) {
		free(g);
		return NULL;
	}
	g->seal = seal;
	if (lib.EVP_CipherInit_ex(g->cx, lib.EVP_aes_256_gcm(), NULL, NULL, NULL, seal) != 1 ||
	    lib.EVP_CIPHER_CTX_ctrl(g->cx, EVP_CTRL_GCM_SET_IVLEN, int_len(nonce_len), NULL) != 1 ||
	    lib.EVP_CipherInit_ex(g->cx, NULL, NULL, key, nonce, seal) != 1 ||
	    (aad_len && lib.EVP_CipherUpdate(g->cx, NULL, &n, aad, int_len(aad_len)) != 1)) {
		crypto_gcm_abort(g);
		return NULL;
	}
	return g;
}

bool crypto_gcm_update(struct crypto_gcm *g, const uint8_t *in, size_t len, uint8_t *out)
{
	int n = 0;

	/* GCM is a stream: every byte in is a byte out, at once. */
	return len == 0 || (lib.EVP_CipherUpdate(g->cx, out, &n, in, int_len(len)) == 1 && (size_t)n == len);
}

bool crypto_gcm_finish(struct crypto_gcm *g, uint8_t tag[CRYPTO_TAG_LEN])
{
	uint8_t none[16];
	int n = 0;
	bool ok;

	if (g->seal)
		ok = lib.EVP_CipherFinal_ex(g->cx, none, &n) == 1 &&
		     lib.EVP_CIPHER_CTX_ctrl(g->cx, EVP_CTRL_GCM_GET_TAG, CRYPTO_TAG_LEN, tag) == 1;
	else
		ok = lib.EVP_CIPHER_CTX_ctrl(g->cx, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAG_LEN, tag) == 1 &&
		     lib.EVP_CipherFinal_ex(g->cx, none, &n) == 1;
	crypto_gcm_abort(g);
	return ok && n == 0;
}

void crypto_gcm_abort(struct crypto_gcm *g)
{
	if (!g)
		return;
	lib.EVP_CIPHER_CTX_free(g->cx);
	free(g);
}

struct crypto_sha256 *crypto_sha256_start(void)
{
	EVP_MD_CTX *cx;

	need();
	cx = lib.EVP_MD_CTX_new();
	if (!cx || lib.EVP_DigestInit_ex(cx, lib.EVP_sha256(), NULL) != 1)
		fatalx("crypto: SHA-256 cannot start");
	return (struct crypto_sha256 *)cx;
}

void crypto_sha256_update(struct crypto_sha256 *h, const void *data, size_t len)
{
	if (len && lib.EVP_DigestUpdate((EVP_MD_CTX *)h, data, len) != 1)
		fatalx("crypto: SHA-256 update failed");
}

void crypto_sha256_finish(struct crypto_sha256 *h, uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned n = 0;

	if (lib.EVP_DigestFinal_ex((EVP_MD_CTX *)h, out, &n) != 1 || n != CRYPTO_SHA256_LEN)
		fatalx("crypto: SHA-256 cannot finish");
	lib.EVP_MD_CTX_free((EVP_MD_CTX *)h);
}

void crypto_sha256_abort(struct crypto_sha256 *h)
{
	if (h)
		lib.EVP_MD_CTX_free((EVP_MD_CTX *)h);
}

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
	struct crypto_sha256 *h = crypto_sha256_start();

	crypto_sha256_update(h, data, len);
	crypto_sha256_finish(h, out);
}

void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
			uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned n = 0;

	need();
	/* HMAC() takes a NULL data pointer for no data as some versions do
	 * not: an empty message is given as "". */
	if (!lib.HMAC(lib.EVP_sha256(), key, int_len(key_len), len ? data : (const void *)"", len, out, &n) ||
	    n != CRYPTO_SHA256_LEN)
		fatalx("crypto: HMAC-SHA256 failed");
}

void crypto_ed25519_public(const uint8_t seed[CRYPTO_KEY_LEN], uint8_t pub[CRYPTO_KEY_LEN])
{
	EVP_PKEY *k;
	size_t n = CRYPTO_KEY_LEN;

	need();
	k = lib.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, CRYPTO_KEY_LEN);
	if (!k || lib.EVP_PKEY_get_raw_public_key(k, pub, &n) != 1 || n != CRYPTO_KEY_LEN)
		fatalx("crypto: Ed25519 public key failed");
	lib.EVP_PKEY_free(k);
}

void crypto_ed25519_sign(const uint8_t seed[CRYPTO_KEY_LEN], const void *msg, size_t len,
			 uint8_t sig[CRYPTO_ED25519_SIG])
{
	EVP_PKEY *k;
	EVP_MD_CTX *cx;
	size_t n = CRYPTO_ED25519_SIG;

	need();
	k = lib.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, CRYPTO_KEY_LEN);
	cx = lib.EVP_MD_CTX_new();
	if (!k || !cx || lib.EVP_DigestSignInit(cx, NULL, NULL, NULL, k) != 1 ||
	    lib.EVP_DigestSign(cx, sig, &n, msg, len) != 1 || n != CRYPTO_ED25519_SIG)
		fatalx("crypto: Ed25519 signing failed");
	lib.EVP_MD_CTX_free(cx);
	lib.EVP_PKEY_free(k);
}

bool crypto_ed25519_verify(const uint8_t pub[CRYPTO_KEY_LEN], const void *msg, size_t len,
			   const uint8_t sig[CRYPTO_ED25519_SIG])
{
	EVP_PKEY *k;
	EVP_MD_CTX *cx;
	bool ok;

	need();
	k = lib.EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, CRYPTO_KEY_LEN);
	cx = lib.EVP_MD_CTX_new();
	ok = k && cx && lib.EVP_DigestVerifyInit(cx, NULL, NULL, NULL, k) == 1 &&
	     lib.EVP_DigestVerify(cx, sig, CRYPTO_ED25519_SIG, msg, len) == 1;
	lib.EVP_MD_CTX_free(cx);
	lib.EVP_PKEY_free(k);
	return ok;
}

void crypto_random(void *out, size_t n)
{
	need();
	/* RAND_bytes fails only when the CSPRNG cannot be seeded: no caller
	 * may go on with bytes an attacker could guess. */
	if (lib.RAND_bytes(out, int_len(n)) != 1)
		fatalx("crypto: no random bytes");
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
	need();
	return lib.CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_b64(const void *data, size_t len, char *out)
{
	need();
	lib.EVP_EncodeBlock((unsigned char *)out, data, int_len(len));
}

long crypto_unb64(const char *text, uint8_t *out, size_t cap)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(text), body = strspn(text, alphabet), pad = n - body;
	uint8_t buf[1024];
	int got;

	/* Padded to a multiple of 4, the padding (at most two '=') at the end
	 * only: EVP_DecodeBlock alone would skip spaces and miscount. */
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(buf) || pad > 2 || strspn(text + body, "=") != pad)
		return -1;
	need();
	got = lib.EVP_DecodeBlock(buf, (const unsigned char *)text, (int)n);
	if (got < 0 || (size_t)got < pad || (size_t)got - pad > cap)
		return -1;
	got -= (int)pad;
	memcpy(out, buf, (size_t)got);
	explicit_bzero(buf, sizeof(buf));
	return got;
}
