/* SPDX-License-Identifier: Apache-2.0 */
#include "vault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/entropy.h"
#include "common/fdio.h"
#include "common/log.h"

struct vault {
	uint8_t wrap[VAULT_KEY_LEN];
	uint8_t index[VAULT_KEY_LEN];
	uint8_t audit[VAULT_KEY_LEN];
	uint8_t local[VAULT_KEY_LEN];
};

static bool hmac(const uint8_t *key, const void *data, size_t len, uint8_t out[VAULT_HASH_LEN])
{
	crypto_hmac_sha256(key, VAULT_KEY_LEN, data, len, out);
	return true;
}

/* HKDF-Expand (RFC 5869) for one block: T(1) = HMAC(PRK, info | 0x01). */
static bool derive(const uint8_t prk[VAULT_KEY_LEN], const char *label, uint8_t out[VAULT_KEY_LEN])
{
	char info[64];
	int n = snprintf(info, sizeof(info), "outpost/v1/%s%c", label, 1);

	return n > 0 && (size_t)n < sizeof(info) && hmac(prk, info, (size_t)n, out);
}

void vault_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* Reads the box key, or makes one when there is none yet. */
static enum status load_box_key(const char *dir, uint8_t key[VAULT_KEY_LEN])
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/box.key", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		uint8_t buf[VAULT_KEY_LEN + 1]; /* one more, to see a longer file */

		n = read(fd, buf, sizeof(buf));
		close(fd);
		memcpy(key, buf, VAULT_KEY_LEN);
		vault_wipe(buf, sizeof(buf));
		if (n != VAULT_KEY_LEN) {
			log_err("%s: not a %d-byte key; refusing to start rather than lose data", path, VAULT_KEY_LEN);
			return ST_CONFIG;
		}
		return ST_OK;
	}
	if (errno != ENOENT) {
		log_err("%s: %s", path, strerror(errno));
		return ST_IO;
	}
	entropy_fill(key, VAULT_KEY_LEN);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !fdio_write_all(fd, key, VAULT_KEY_LEN) || fsync(fd) < 0) {
		log_err("%s: cannot write the new box key: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ST_IO;
	}
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	log_info("new box key written to %s; back it up apart from the data", path);
	return ST_OK;
}

enum status vault_open(const char *dir, struct vault **out)
{
	uint8_t box[VAULT_KEY_LEN];
	struct vault *v = NULL;
	enum status st = load_box_key(dir, box);

	if (st == ST_OK && !(v = calloc(1, sizeof(*v))))
		st = ST_NOMEM;
	if (st == ST_OK && !(derive(box, "wrap", v->wrap) && derive(box, "index", v->index) &&
			     derive(box, "audit", v->audit) && derive(box, "local", v->local)))
		st = ST_IO;
	vault_wipe(box, sizeof(box));
	if (st != ST_OK) {
		vault_free(&v);
		return st;
	}
	*out = v;
	return ST_OK;
}

void vault_free(struct vault **v)
{
	if (!*v)
		return;
	vault_wipe(*v, sizeof(**v));
	free(*v);
	*v = NULL;
}

enum status vault_seal(const uint8_t key[VAULT_KEY_LEN], const char *aad, const void *in, size_t len, uint8_t *out)
{
	uint8_t *nonce = out, *ct = out + VAULT_NONCE_LEN;
	struct crypto_gcm *g;

	entropy_fill(nonce, VAULT_NONCE_LEN);
	g = crypto_gcm_start(true, key, nonce, VAULT_NONCE_LEN, aad, strlen(aad));
	if (!g)
		return ST_NOMEM;
	if (!crypto_gcm_update(g, in, len, ct)) {
		crypto_gcm_abort(g);
		return ST_NOMEM;
	}
	return crypto_gcm_finish(g, ct + len) ? ST_OK : ST_NOMEM;
}

enum status vault_unseal(const uint8_t key[VAULT_KEY_LEN], const char *aad, const uint8_t *in, size_t len, void *out)
{
	uint8_t tag[VAULT_TAG_LEN];
	struct crypto_gcm *g;
	size_t clen;
	bool ok;

	if (len < VAULT_SEAL_EXTRA)
		return ST_PROTO;
	clen = len - VAULT_SEAL_EXTRA;
	if (!(g = crypto_gcm_start(false, key, in, VAULT_NONCE_LEN, aad, strlen(aad))))
		return ST_NOMEM;
	memcpy(tag, in + VAULT_NONCE_LEN + clen, VAULT_TAG_LEN);
	ok = crypto_gcm_update(g, in + VAULT_NONCE_LEN, clen, out);
	if (ok)
		ok = crypto_gcm_finish(g, tag);
	else
		crypto_gcm_abort(g);
	if (!ok) {
		vault_wipe(out, clen);
		return ST_PROTO;
	}
	return ST_OK;
}

static void case_aad(const char *case_code, char *aad, size_t cap)
{
	snprintf(aad, cap, "case-key:%s", case_code);
}

enum status vault_new_case_key(const struct vault *v, const char *case_code, uint8_t key[VAULT_KEY_LEN],
			       uint8_t wrapped[VAULT_WRAPPED_LEN])
{
	char aad[96];

	case_aad(case_code, aad, sizeof(aad));
	entropy_fill(key, VAULT_KEY_LEN);
	return vault_seal(v->wrap, aad, key, VAULT_KEY_LEN, wrapped);
}

enum status vault_unwrap_case_key(const struct vault *v, const char *case_code, const uint8_t *wrapped, size_t len,
				  uint8_t key[VAULT_KEY_LEN])
{
	char aad[96];

	if (!wrapped || len != VAULT_WRAPPED_LEN)
		return ST_PROTO;
	case_aad(case_code, aad, sizeof(aad));
	return vault_unseal(v->wrap, aad, wrapped, len, key);
}

void vault_index(const struct vault *v, const char *purpose, const char *value, uint8_t out[VAULT_HASH_LEN])
{
	size_t a = strlen(purpose) + 1, b = strlen(value);
	uint8_t *buf = malloc(a + b);

	memset(out, 0, VAULT_HASH_LEN);
	if (buf) {
		memcpy(buf, purpose, a); /* with its NUL: no purpose is a prefix */
		memcpy(buf + a, value, b);
		if (!hmac(v->index, buf, a + b, out))
			memset(out, 0, VAULT_HASH_LEN);
	}
	free(buf);
}

void vault_index_hex(const struct vault *v, const char *purpose, const char *value, char out[2 * VAULT_HASH_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t h[VAULT_HASH_LEN];

	vault_index(v, purpose, value, h);
	for (size_t i = 0; i < sizeof(h); i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * sizeof(h)] = '\0';
}

void vault_audit_mac(const struct vault *v, const void *data, size_t len, uint8_t out[VAULT_HASH_LEN])
{
	if (!hmac(v->audit, data, len, out))
		memset(out, 0, VAULT_HASH_LEN);
}

enum status vault_seal_local(const struct vault *v, const char *aad, const void *in, size_t len, uint8_t *out)
{
	return vault_seal(v->local, aad, in, len, out);
}

enum status vault_unseal_local(const struct vault *v, const char *aad, const uint8_t *in, size_t len, void *out)
{
	return vault_unseal(v->local, aad, in, len, out);
}
