#define OUTPOST_CURL_LOADER
#include "curlfn.h"

#include <dlfcn.h>
#include <stdlib.h>

#include "appliance/log.h"

struct curl_fns curl_fn;

enum status curl_load(void)
{
	void *h;

	if (curl_fn.curl_easy_init)
		return ST_OK; /* loaded before */
	/* libcurl (OpenSSL) reaches GnuTLS only through librtmp, which the box
	 * never uses: GnuTLS need not set itself up (and hold its memory) on
	 * load. */
	setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
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
	return ST_OK;
}
