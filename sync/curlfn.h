/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded by the sync process alone (and outpost-central).
 * outpostd is one binary for four processes; linked, libcurl would map
 * itself and its dependencies (GnuTLS, nghttp2, libssh2, librtmp,
 * Kerberos, LDAP, SASL, ...) into the core, web and dev processes too,
 * several MiB of resident memory each, for nothing.  So http_init()
 * dlopens it before the sandbox, and every curl_ call goes through the
 * table below, the macros keeping the call sites as libcurl's
 * documentation writes them (web/mhd.h does the same for libmicrohttpd).
 * Include this instead of <curl/curl.h>.
 */
#ifndef OUTPOST_CURLFN_H
#define OUTPOST_CURLFN_H

#define CURL_DISABLE_TYPECHECK /* the calls below go through pointers */
#include <curl/curl.h>

#include "appliance/common/status.h"

#define CURL_FUNCS(X)                                                                                                  \
	X(curl_global_init)                                                                                            \
	X(curl_global_cleanup)                                                                                         \
	X(curl_easy_init)                                                                                              \
	X(curl_easy_cleanup)                                                                                           \
	X(curl_easy_setopt)                                                                                            \
	X(curl_easy_getinfo)                                                                                           \
	X(curl_easy_strerror)                                                                                          \
	X(curl_multi_init)                                                                                             \
	X(curl_multi_cleanup)                                                                                          \
	X(curl_multi_setopt)                                                                                           \
	X(curl_multi_assign)                                                                                           \
	X(curl_multi_add_handle)                                                                                       \
	X(curl_multi_remove_handle)                                                                                    \
	X(curl_multi_socket_action)                                                                                    \
	X(curl_multi_info_read)                                                                                        \
	X(curl_slist_append)                                                                                           \
	X(curl_slist_free_all)                                                                                         \
	X(curl_url)                                                                                                    \
	X(curl_url_set)                                                                                                \
	X(curl_url_get)                                                                                                \
	X(curl_url_cleanup)                                                                                            \
	X(curl_free)

#define CURL_FN_DECL(f) __typeof__(f) *f;
extern struct curl_fns {
	CURL_FUNCS(CURL_FN_DECL)
} curl_fn;

/* Loads the library; ST_UNAVAILABLE (logged) when it or a function is
 * missing.  Call before the sandbox. */
enum status curl_load(void);

#ifndef OUTPOST_CURL_LOADER
/* curl.h wraps these three in same-name macros that count the arguments */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init	 (curl_fn.curl_global_init)
#define curl_global_cleanup	 (curl_fn.curl_global_cleanup)
#define curl_easy_init		 (curl_fn.curl_easy_init)
#define curl_easy_cleanup	 (curl_fn.curl_easy_cleanup)
#define curl_easy_setopt	 (curl_fn.curl_easy_setopt)
#define curl_easy_getinfo	 (curl_fn.curl_easy_getinfo)
#define curl_easy_strerror	 (curl_fn.curl_easy_strerror)
#define curl_multi_init		 (curl_fn.curl_multi_init)
#define curl_multi_cleanup	 (curl_fn.curl_multi_cleanup)
#define curl_multi_setopt	 (curl_fn.curl_multi_setopt)
#define curl_multi_assign	 (curl_fn.curl_multi_assign)
#define curl_multi_add_handle	 (curl_fn.curl_multi_add_handle)
#define curl_multi_remove_handle (curl_fn.curl_multi_remove_handle)
#define curl_multi_socket_action (curl_fn.curl_multi_socket_action)
#define curl_multi_info_read	 (curl_fn.curl_multi_info_read)
#define curl_slist_append	 (curl_fn.curl_slist_append)
#define curl_slist_free_all	 (curl_fn.curl_slist_free_all)
#define curl_url		 (curl_fn.curl_url)
#define curl_url_set		 (curl_fn.curl_url_set)
#define curl_url_get		 (curl_fn.curl_url_get)
#define curl_url_cleanup	 (curl_fn.curl_url_cleanup)
#define curl_free		 (curl_fn.curl_free)
#endif

#endif
