/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GnuTLS, loaded when it is needed.  libmicrohttpd terminates the box's TLS
 * with GnuTLS, so the web process has it mapped anyway; the core needs it
 * only to make and check the box's TLS key and certificate (tlscert.h).
 * Linked, it would map itself and its helpers into the dev and sync
 * processes too (see web/mhd.h), so the core and the web dlopen it, and
 * every gnutls_ call in tlscert.c and web/webtls.c goes through the table
 * below.  outpost-central links GnuTLS and loads the same table from it.
 */
#ifndef OUTPOST_TLSLIB_H
#define OUTPOST_TLSLIB_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "status.h"

#define TLSLIB_FUNCS(X)                                                                                                \
	X(gnutls_x509_privkey_init)                                                                                    \
	X(gnutls_x509_privkey_deinit)                                                                                  \
	X(gnutls_x509_privkey_generate)                                                                                \
	X(gnutls_x509_privkey_import)                                                                                  \
	X(gnutls_x509_privkey_export)                                                                                  \
	X(gnutls_x509_privkey_get_key_id)                                                                              \
	X(gnutls_x509_crt_init)                                                                                        \
	X(gnutls_x509_crt_deinit)                                                                                      \
	X(gnutls_x509_crt_import)                                                                                      \
	X(gnutls_x509_crt_export)                                                                                      \
	X(gnutls_x509_crt_set_version)                                                                                 \
	X(gnutls_x509_crt_set_serial)                                                                                  \
	X(gnutls_x509_crt_set_activation_time)                                                                         \
	X(gnutls_x509_crt_set_expiration_time)                                                                         \
	X(gnutls_x509_crt_set_dn_by_oid)                                                                               \
	X(gnutls_x509_crt_set_subject_alt_name)                                                                        \
	X(gnutls_x509_crt_get_subject_alt_name)                                                                        \
	X(gnutls_x509_crt_set_basic_constraints)                                                                       \
	X(gnutls_x509_crt_set_key_usage)                                                                               \
	X(gnutls_x509_crt_set_key_purpose_oid)                                                                         \
	X(gnutls_x509_crt_set_key)                                                                                     \
	X(gnutls_x509_crt_set_pubkey)                                                                                  \
	X(gnutls_x509_crt_set_subject_key_id)                                                                          \
	X(gnutls_x509_crt_set_authority_key_id)                                                                        \
	X(gnutls_x509_crt_get_key_id)                                                                                  \
	X(gnutls_x509_crt_get_dn_by_oid)                                                                               \
	X(gnutls_x509_crt_sign2)                                                                                       \
	X(gnutls_x509_crt_verify)                                                                                      \
	X(gnutls_x509_crt_get_fingerprint)                                                                             \
	X(gnutls_pubkey_init)                                                                                          \
	X(gnutls_pubkey_deinit)                                                                                        \
	X(gnutls_pubkey_import_x509)                                                                                   \
	X(gnutls_pcert_list_import_x509_raw)                                                                           \
	X(gnutls_pcert_deinit)                                                                                         \
	X(gnutls_privkey_init)                                                                                         \
	X(gnutls_privkey_deinit)                                                                                       \
	X(gnutls_privkey_import_x509_raw)

#define TLSLIB_FN_DECL(f) __typeof__(f) *f;
extern struct tlslib_fns {
	TLSLIB_FUNCS(TLSLIB_FN_DECL)
} tlslib_fn;

/* Loads the library (once); ST_UNAVAILABLE (logged) when it or a function
 * is missing.  The web calls it before its sandbox. */
enum status tlslib_load(void);

#ifndef OUTPOST_TLSLIB_LOADER
#define TLSLIB_FN_USE(f)		      (tlslib_fn.f)
#define gnutls_x509_privkey_init	      TLSLIB_FN_USE(gnutls_x509_privkey_init)
#define gnutls_x509_privkey_deinit	      TLSLIB_FN_USE(gnutls_x509_privkey_deinit)
#define gnutls_x509_privkey_generate	      TLSLIB_FN_USE(gnutls_x509_privkey_generate)
#define gnutls_x509_privkey_import	      TLSLIB_FN_USE(gnutls_x509_privkey_import)
#define gnutls_x509_privkey_export	      TLSLIB_FN_USE(gnutls_x509_privkey_export)
#define gnutls_x509_privkey_get_key_id	      TLSLIB_FN_USE(gnutls_x509_privkey_get_key_id)
#define gnutls_x509_crt_init		      TLSLIB_FN_USE(gnutls_x509_crt_init)
#define gnutls_x509_crt_deinit		      TLSLIB_FN_USE(gnutls_x509_crt_deinit)
#define gnutls_x509_crt_import		      TLSLIB_FN_USE(gnutls_x509_crt_import)
#define gnutls_x509_crt_export		      TLSLIB_FN_USE(gnutls_x509_crt_export)
#define gnutls_x509_crt_set_version	      TLSLIB_FN_USE(gnutls_x509_crt_set_version)
#define gnutls_x509_crt_set_serial	      TLSLIB_FN_USE(gnutls_x509_crt_set_serial)
#define gnutls_x509_crt_set_activation_time   TLSLIB_FN_USE(gnutls_x509_crt_set_activation_time)
#define gnutls_x509_crt_set_expiration_time   TLSLIB_FN_USE(gnutls_x509_crt_set_expiration_time)
#define gnutls_x509_crt_set_dn_by_oid	      TLSLIB_FN_USE(gnutls_x509_crt_set_dn_by_oid)
#define gnutls_x509_crt_set_subject_alt_name  TLSLIB_FN_USE(gnutls_x509_crt_set_subject_alt_name)
#define gnutls_x509_crt_get_subject_alt_name  TLSLIB_FN_USE(gnutls_x509_crt_get_subject_alt_name)
#define gnutls_x509_crt_set_basic_constraints TLSLIB_FN_USE(gnutls_x509_crt_set_basic_constraints)
#define gnutls_x509_crt_set_key_usage	      TLSLIB_FN_USE(gnutls_x509_crt_set_key_usage)
#define gnutls_x509_crt_set_key_purpose_oid   TLSLIB_FN_USE(gnutls_x509_crt_set_key_purpose_oid)
#define gnutls_x509_crt_set_key		      TLSLIB_FN_USE(gnutls_x509_crt_set_key)
#define gnutls_x509_crt_set_pubkey	      TLSLIB_FN_USE(gnutls_x509_crt_set_pubkey)
#define gnutls_x509_crt_set_subject_key_id    TLSLIB_FN_USE(gnutls_x509_crt_set_subject_key_id)
#define gnutls_x509_crt_set_authority_key_id  TLSLIB_FN_USE(gnutls_x509_crt_set_authority_key_id)
#define gnutls_x509_crt_get_key_id	      TLSLIB_FN_USE(gnutls_x509_crt_get_key_id)
#define gnutls_x509_crt_get_dn_by_oid	      TLSLIB_FN_USE(gnutls_x509_crt_get_dn_by_oid)
#define gnutls_x509_crt_sign2		      TLSLIB_FN_USE(gnutls_x509_crt_sign2)
#define gnutls_x509_crt_verify		      TLSLIB_FN_USE(gnutls_x509_crt_verify)
#define gnutls_x509_crt_get_fingerprint	      TLSLIB_FN_USE(gnutls_x509_crt_get_fingerprint)
#define gnutls_pubkey_init		      TLSLIB_FN_USE(gnutls_pubkey_init)
#define gnutls_pubkey_deinit		      TLSLIB_FN_USE(gnutls_pubkey_deinit)
#define gnutls_pubkey_import_x509	      TLSLIB_FN_USE(gnutls_pubkey_import_x509)
#define gnutls_pcert_list_import_x509_raw     TLSLIB_FN_USE(gnutls_pcert_list_import_x509_raw)
#define gnutls_pcert_deinit		      TLSLIB_FN_USE(gnutls_pcert_deinit)
#define gnutls_privkey_init		      TLSLIB_FN_USE(gnutls_privkey_init)
#define gnutls_privkey_deinit		      TLSLIB_FN_USE(gnutls_privkey_deinit)
#define gnutls_privkey_import_x509_raw	      TLSLIB_FN_USE(gnutls_privkey_import_x509_raw)
#endif

#endif
