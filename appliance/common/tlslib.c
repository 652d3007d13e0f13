/* SPDX-License-Identifier: Apache-2.0 */
#define OUTPOST_TLSLIB_LOADER
#include "tlslib.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "log.h"

struct tlslib_fns tlslib_fn;

enum status tlslib_load(void)
{
	static bool loaded;
	void *h;

	if (loaded)
		return ST_OK;
	h = dlopen("libgnutls.so.30", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("cannot load GnuTLS: %s", dlerror());
		return ST_UNAVAILABLE;
	}
#define TLSLIB_FN_LOAD(f)                                                                                              \
	if (!(tlslib_fn.f = (__typeof__(tlslib_fn.f))dlsym(h, #f))) {                                                  \
		log_err("GnuTLS lacks %s", #f);                                                                        \
		return ST_UNAVAILABLE;                                                                                 \
	}
	TLSLIB_FUNCS(TLSLIB_FN_LOAD)
	loaded = true;
	return ST_OK;
}
