/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protocol's signatures and hashes on OpenSSL give what nettle gave:
 * the vectors below were made with the nettle build (commit 5049e8d), so a
 * box's identity key and the signatures central stored read the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "appliance/common/sign.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void test_ed25519_as_nettle(void **state)
{
	static const char msg[] = "POST\n/v1/batches\n2026-12-04T08:00:00+08:00\n";
	uint8_t priv[SIGN_KEY_LEN], pub[SIGN_KEY_LEN], sig[SIGN_SIG_LEN];
	char text[2 * SIGN_SIG_LEN + 1];

	(void)state;
	for (int i = 0; i < SIGN_KEY_LEN; i++)
		priv[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(sign_public_of(priv, pub), ST_OK);
	hex(pub, sizeof(pub), text);
	assert_string_equal(text, "e4030998cfd5ad1723c169f956aa0b9eb8619b5992bd612c2af428ebc79f8df0");
	assert_int_equal(sign_ed25519(priv, msg, strlen(msg), sig), ST_OK);
	hex(sig, sizeof(sig), text);
	assert_string_equal(text, "2688c6b825a68ff0a40348ba5e3e7ecc9155e3d4d2a7de307c2561c4142c8a2e"
				  "80e77714a9105d77d98e4cb74f776f31a549fc9535d112deb2ecae531bd36208");
	assert_true(sign_ed25519_ok(pub, msg, strlen(msg), sig));
	sig[10] ^= 1;
	assert_false(sign_ed25519_ok(pub, msg, strlen(msg), sig));
}

static void test_hashes_as_nettle(void **state)
{
	uint8_t mac[32];
	char text[65];

	(void)state;
	sign_hmac_sha256("whsec-key", 9, "msg-1.1796342400.{}", 19, mac);
	hex(mac, sizeof(mac), text);
	assert_string_equal(text, "a8db9cb85981f19146929f6e6bc5d6563acbc351fd184b3a2fa815542e2ee5b3");
	sign_sha256_hex("abc", 3, text);
	assert_string_equal(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_base64(void **state)
{
	char text[SIGN_B64_MAX(8)];
	uint8_t out[16];

	(void)state;
	sign_b64("\xff\x00\x01hello", 8, text);
	assert_string_equal(text, "/wABaGVsbG8=");
	assert_int_equal(sign_unb64(text, out, sizeof(out)), 8);
	assert_memory_equal(out, "\xff\x00\x01hello", 8);
	assert_int_equal(sign_unb64("aGk=", out, sizeof(out)), 2);
	assert_int_equal(sign_unb64("YQ==", out, sizeof(out)), 1);
	/* Not the alphabet, not padded, padding inside, or over cap. */
	assert_int_equal(sign_unb64("aG k", out, sizeof(out)), -1);
	assert_int_equal(sign_unb64("aGk", out, sizeof(out)), -1);
	assert_int_equal(sign_unb64("a=Gk", out, sizeof(out)), -1);
	assert_int_equal(sign_unb64("Y===", out, sizeof(out)), -1);
	assert_int_equal(sign_unb64("", out, sizeof(out)), -1);
	assert_int_equal(sign_unb64("/wABaGVsbG8=", out, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_ed25519_as_nettle),
					   cmocka_unit_test(test_hashes_as_nettle), cmocka_unit_test(test_base64)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
