/* SPDX-License-Identifier: Apache-2.0 */
#define OUTPOST_CURL_LOADER
#include "curlfn.h"

#include <dlfcn.h>

#include "appliance/common/log.h"

struct curl_fns curl_fn;

/* curl_global_init() calls libssh2_init(0), and libssh2 then sets up every
 * algorithm of OpenSSL, 2.8 MiB resident, for SCP and SFTP, which the box
 * never speaks.  Initialised first with LIBSSH2_INIT_NO_CRYPTO (1 in
 * libssh2.h), libssh2 counts libcurl's call and does nothing more.  A
 * libcurl built without libssh2 has nothing to quiet. */
static void quiet_ssh(void)
{
	void *h = dlopen("libssh2.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	int (*init)(int) = h ? (int (*)(int))dlsym(h, "libssh2_init") : NULL;

	if (init)
		init(1);
	if (h)
		dlclose(h);
}

enum status curl_load(void)
{
	void *h;

	if (curl_fn.curl_easy_init)
		return ST_OK; /* loaded before */
	/* libcurl's OpenSSL flavour: the same libcrypto as the sync process's
	 * signatures (appliance/common/crypto.h). */
	if (!(h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL))) {
		log_err("cannot load libcurl: %s", dlerror());
		return ST_UNAVAILABLE;
	}
#define CURL_FN_LOAD(f)                                                                                                \
	if (!(curl_fn.f = (__typeof__(curl_fn.f))dlsym(h, #f))) {                                                      \
		log_err("libcurl lacks %s", #f);                                                                       \
		return ST_UNAVAILABLE;                                                                                 \
	}
	CURL_FUNCS(CURL_FN_LOAD)
	quiet_ssh();
	return ST_OK;
}
