/* SPDX-License-Identifier: Apache-2.0 */
#include "tlscert.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "entropy.h"
#include "tlslib.h"

static gnutls_datum_t datum(const char *pem)
{
	return (gnutls_datum_t){.data = (unsigned char *)pem, .size = pem ? (unsigned)strlen(pem) : 0};
}

static gnutls_x509_crt_t load_crt(const char *pem)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d = datum(pem);

	if (!pem || gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(crt);
		return NULL;
	}
	return crt;
}

static gnutls_x509_privkey_t load_key(const char *pem)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t d = datum(pem);

	if (!pem || gnutls_x509_privkey_init(&key) < 0)
		return NULL;
	if (gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_privkey_deinit(key);
		return NULL;
	}
	return key;
}

enum status tlscert_new_key(char *key_pem, size_t cap)
{
	gnutls_x509_privkey_t key = NULL;
	size_t n = cap - 1;
	enum status st = ST_IO;

	if (gnutls_x509_privkey_init(&key) == 0 &&
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) ==
		0 &&
	    gnutls_x509_privkey_export(key, GNUTLS_X509_FMT_PEM, key_pem, &n) == 0) {
		key_pem[n] = '\0';
		st = ST_OK;
	}
	if (key)
		gnutls_x509_privkey_deinit(key);
	return st;
}

/* Each name of s->names as a DNS name or, when it reads as one, an IP
 * address. */
static bool set_names(gnutls_x509_crt_t crt, const char *names)
{
	char copy[TLSCERT_NAME_MAX], *save = NULL;

	if (!names || !*names)
		return true;
	if (snprintf(copy, sizeof(copy), "%s", names) >= (int)sizeof(copy))
		return false;
	for (char *n = strtok_r(copy, ", ", &save); n; n = strtok_r(NULL, ", ", &save)) {
		unsigned char ip[16];
		int ret;

		if (inet_pton(AF_INET, n, ip) == 1)
			ret =
			    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
		else if (inet_pton(AF_INET6, n, ip) == 1)
			ret =
			    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16, GNUTLS_FSAN_APPEND);
		else
			ret = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, n, (unsigned)strlen(n),
								   GNUTLS_FSAN_APPEND);
		if (ret < 0)
			return false;
	}
	return true;
}

enum status tlscert_sign(const struct tlscert_subject *s, const char *key_pem, const char *request_pem,
			 const char *issuer_cert_pem, const char *issuer_key_pem, char *cert_pem, size_t cap)
{
	gnutls_x509_crt_t crt = NULL, request = request_pem ? load_crt(request_pem) : NULL,
			  issuer = issuer_cert_pem ? load_crt(issuer_cert_pem) : NULL;
	gnutls_x509_privkey_t key = key_pem ? load_key(key_pem) : NULL,
			      signer = issuer_key_pem ? load_key(issuer_key_pem) : NULL;
	gnutls_pubkey_t pub = NULL;
	unsigned char serial[16], id[64];
	size_t n = sizeof(id);
	time_t now = time(NULL);
	enum status st = ST_IO;
	bool ok;

	if ((request_pem ? !request : !key) || (issuer_cert_pem ? !issuer || !signer : !key) ||
	    gnutls_x509_crt_init(&crt) < 0)
		goto out;
	entropy_fill(serial, sizeof(serial));
	serial[0] &= 0x7f; /* a positive number */
	ok = gnutls_x509_crt_set_version(crt, 3) == 0 && gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) == 0 &&
	     gnutls_x509_crt_set_activation_time(crt, now - 3600) == 0 &&
	     gnutls_x509_crt_set_expiration_time(crt, now + (time_t)s->days * 86400) == 0 &&
	     gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, s->common_name,
					   (unsigned)strlen(s->common_name)) == 0 &&
	     (!s->organization ||
	      gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, s->organization,
					    (unsigned)strlen(s->organization)) == 0) &&
	     set_names(crt, s->names) && gnutls_x509_crt_set_basic_constraints(crt, s->ca, s->ca ? 0 : -1) == 0 &&
	     gnutls_x509_crt_set_key_usage(crt, s->ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
						      : GNUTLS_KEY_DIGITAL_SIGNATURE) == 0;
	if (ok && !s->ca)
		ok = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) == 0 &&
		     gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) == 0;
	if (ok && request)
		ok = gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_x509(pub, request, 0) == 0 &&
		     gnutls_x509_crt_set_pubkey(crt, pub) == 0 && gnutls_x509_crt_get_key_id(request, 0, id, &n) == 0;
	else if (ok)
		ok = gnutls_x509_crt_set_key(crt, key) == 0 && gnutls_x509_privkey_get_key_id(key, 0, id, &n) == 0;
	ok = ok && gnutls_x509_crt_set_subject_key_id(crt, id, n) == 0;
	if (ok && issuer) {
		n = sizeof(id);
		ok = gnutls_x509_crt_get_key_id(issuer, 0, id, &n) == 0 &&
		     gnutls_x509_crt_set_authority_key_id(crt, id, n) == 0;
	}
	ok = ok && gnutls_x509_crt_sign2(crt, issuer ? issuer : crt, issuer ? signer : key, GNUTLS_DIG_SHA256, 0) == 0;
	n = cap - 1;
	if (ok && gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_PEM, cert_pem, &n) == 0) {
		cert_pem[n] = '\0';
		st = ST_OK;
	}
out:
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (request)
		gnutls_x509_crt_deinit(request);
	if (issuer)
		gnutls_x509_crt_deinit(issuer);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (signer)
		gnutls_x509_privkey_deinit(signer);
	return st;
}

enum status tlscert_request_names(const char *request_pem, char names[TLSCERT_NAME_MAX])
{
	gnutls_x509_crt_t crt = load_crt(request_pem);
	unsigned verify = 1;
	size_t used = 0;
	enum status st = ST_BAD_SIGNATURE;

	names[0] = '\0';
	if (!crt)
		return ST_BAD_FIELD;
	/* Its own signature, checked against itself: not taken as trusted
	 * for being in the list, and not refused for not being a CA. */
	if (gnutls_x509_crt_verify(crt, &crt, 1,
				   GNUTLS_VERIFY_DO_NOT_ALLOW_SAME | GNUTLS_VERIFY_DISABLE_CA_SIGN |
				       GNUTLS_VERIFY_DISABLE_TIME_CHECKS,
				   &verify) < 0 ||
	    verify != 0)
		goto out;
	st = ST_OK;
	for (unsigned i = 0;; i++) {
		char v[256], text[INET6_ADDRSTRLEN];
		size_t n = sizeof(v) - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, v, &n, NULL);
		const char *name = NULL;

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			v[n] = '\0';
			name = v;
		} else if (type == GNUTLS_SAN_IPADDRESS && (n == 4 || n == 16)) {
			name = inet_ntop(n == 4 ? AF_INET : AF_INET6, v, text, sizeof(text));
		} else if (type < 0) {
			st = ST_BAD_FIELD;
			break;
		}
		if (name &&
		    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") == strlen(name)) {
			int w = snprintf(names + used, TLSCERT_NAME_MAX - used, "%s%s", used ? "," : "", name);

			if (w < 0 || (size_t)w >= TLSCERT_NAME_MAX - used) {
				st = ST_TOO_LARGE;
				break;
			}
			used += (size_t)w;
		}
	}
out:
	gnutls_x509_crt_deinit(crt);
	return st;
}

enum status tlscert_fingerprint(const char *cert_pem, char out[TLSCERT_FP_LEN])
{
	gnutls_x509_crt_t crt = load_crt(cert_pem);
	unsigned char d[32];
	size_t n = sizeof(d);
	enum status st = ST_BAD_FIELD;

	out[0] = '\0';
	if (crt && gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, d, &n) == 0 && n == sizeof(d)) {
		for (size_t i = 0; i < n; i++) {
			snprintf(out + 3 * i, 3, "%02X", d[i]);
			out[3 * i + 2] = ':';
		}
		out[3 * n - 1] = '\0';
		st = ST_OK;
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return st;
}

bool tlscert_fits_key(const char *cert_pem, const char *key_pem)
{
	gnutls_x509_crt_t crt = load_crt(cert_pem);
	gnutls_x509_privkey_t key = load_key(key_pem);
	unsigned char a[64], b[64];
	size_t na = sizeof(a), nb = sizeof(b);
	bool fits = crt && key && gnutls_x509_crt_get_key_id(crt, 0, a, &na) == 0 &&
		    gnutls_x509_privkey_get_key_id(key, 0, b, &nb) == 0 && na == nb && memcmp(a, b, na) == 0;

	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return fits;
}

enum status tlscert_common_name(const char *cert_pem, char *out, size_t cap)
{
	gnutls_x509_crt_t crt = load_crt(cert_pem);
	size_t n = cap;
	enum status st = crt && gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &n) == 0
			     ? ST_OK
			     : ST_BAD_FIELD;

	if (crt)
		gnutls_x509_crt_deinit(crt);
	return st;
}
