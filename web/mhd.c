/* SPDX-License-Identifier: Apache-2.0 */
#define OUTPOST_MHD_LOADER
#include "mhd.h"

#include <dlfcn.h>

#include "appliance/common/log.h"

struct mhd_fns mhd_fn;

enum status mhd_load(void)
{
	void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		log_err("cannot load libmicrohttpd: %s", dlerror());
		return ST_UNAVAILABLE;
	}
#define MHD_FN_LOAD(f)                                                                                                 \
	if (!(mhd_fn.f = (__typeof__(mhd_fn.f))dlsym(h, #f))) {                                                        \
		log_err("libmicrohttpd lacks %s", #f);                                                                 \
		return ST_UNAVAILABLE;                                                                                 \
	}
	MHD_FUNCS(MHD_FN_LOAD)
	return ST_OK;
}
