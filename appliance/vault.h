/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The box's keys and what they protect (PIPL-minded storage, docs/design.md 3.3).
 *
 * One 256-bit box key lives in <state_dir>/box.key (mode 0600, read by the
 * core only).  From it, by HKDF-Expand (SHA-256) with fixed labels, come
 * the key-wrapping key, the index key for keyed hashes, the audit key and
 * the local key for sealed files outside the database.
 * Every case gets its own random data key, stored only wrapped (AES-256-GCM
 * under the wrapping key, bound to the case code): the case's ID numbers,
 * phone, pickup code, document files and their names and SHA-256s are
 * encrypted with it, so deleting the wrapped
 * key (purge) leaves nothing that can be decrypted, backups included.
 */
#ifndef OUTPOST_VAULT_H
#define OUTPOST_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define VAULT_KEY_LEN	  32
#define VAULT_NONCE_LEN	  12
#define VAULT_TAG_LEN	  16
#define VAULT_SEAL_EXTRA  (VAULT_NONCE_LEN + VAULT_TAG_LEN)
#define VAULT_WRAPPED_LEN (VAULT_KEY_LEN + VAULT_SEAL_EXTRA)
#define VAULT_HASH_LEN	  32

struct vault;

/* Loads the box key from dir/box.key, creating it on first start. */
enum status vault_open(const char *dir, struct vault **out);
void vault_free(struct vault **v);

/* A fresh case data key and its wrapped form, bound to case_code. */
enum status vault_new_case_key(const struct vault *v, const char *case_code, uint8_t key[VAULT_KEY_LEN],
			       uint8_t wrapped[VAULT_WRAPPED_LEN]);
/* ST_PROTO when the wrapped key does not open (altered, or another case's). */
enum status vault_unwrap_case_key(const struct vault *v, const char *case_code, const uint8_t *wrapped, size_t len,
				  uint8_t key[VAULT_KEY_LEN]);

/* AES-256-GCM of len bytes under key; out gets nonce | ciphertext | tag,
 * len + VAULT_SEAL_EXTRA bytes.  aad names what is sealed ("id_number"), so
 * a value cannot be moved to another column unnoticed. */
enum status vault_seal(const uint8_t key[VAULT_KEY_LEN], const char *aad, const void *in, size_t len, uint8_t *out);
/* The reverse; out gets len - VAULT_SEAL_EXTRA bytes.  ST_PROTO when the
 * tag does not match. */
enum status vault_unseal(const uint8_t key[VAULT_KEY_LEN], const char *aad, const uint8_t *in, size_t len, void *out);

/* The keyed hash that finds a value without storing it: HMAC-SHA256 under
 * the index key of purpose, a NUL and the value. */
void vault_index(const struct vault *v, const char *purpose, const char *value, uint8_t out[VAULT_HASH_LEN]);
/* The same in lowercase hex, for a TEXT column. */
void vault_index_hex(const struct vault *v, const char *purpose, const char *value, char out[2 * VAULT_HASH_LEN + 1]);
/* HMAC-SHA256 under the audit key. */
void vault_audit_mac(const struct vault *v, const void *data, size_t len, uint8_t out[VAULT_HASH_LEN]);

/* vault_seal and vault_unseal under the local key (derived from the box
 * key, used for nothing else): for small state the box keeps outside the
 * database, the audit chain's anchor (audit.h). */
enum status vault_seal_local(const struct vault *v, const char *aad, const void *in, size_t len, uint8_t *out);
enum status vault_unseal_local(const struct vault *v, const char *aad, const uint8_t *in, size_t len, void *out);

/* Wipes a key or a plaintext buffer. */
void vault_wipe(void *p, size_t n);

#endif
