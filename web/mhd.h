/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd, loaded by the web process alone.  outpostd is one binary
 * for four processes; linked, libmicrohttpd would map itself and GnuTLS
 * with its helpers (p11-kit, nettle, gmp, unistring, ...) into the core,
 * dev and sync processes too, about 2 MiB of resident memory each, for
 * nothing.  So the web process dlopens it before it enters its sandbox,
 * and every MHD_ call in web/ goes through the table below (the macros
 * keep the call sites as the library's documentation writes them).
 * Include this instead of <microhttpd.h>.
 */
#ifndef OUTPOST_MHD_H
#define OUTPOST_MHD_H

#include <microhttpd.h>

#include "appliance/common/status.h"

#define MHD_FUNCS(X)                                                                                                   \
	X(MHD_start_daemon)                                                                                            \
	X(MHD_stop_daemon)                                                                                             \
	X(MHD_get_daemon_info)                                                                                         \
	X(MHD_run)                                                                                                     \
	X(MHD_get_timeout)                                                                                             \
	X(MHD_suspend_connection)                                                                                      \
	X(MHD_resume_connection)                                                                                       \
	X(MHD_get_connection_info)                                                                                     \
	X(MHD_lookup_connection_value)                                                                                 \
	X(MHD_get_connection_values)                                                                                   \
	X(MHD_create_response_from_buffer)                                                                             \
	X(MHD_create_response_from_fd)                                                                                 \
	X(MHD_create_response_from_callback)                                                                           \
	X(MHD_add_response_header)                                                                                     \
	X(MHD_queue_response)                                                                                          \
	X(MHD_destroy_response)                                                                                        \
	X(MHD_create_post_processor)                                                                                   \
	X(MHD_post_process)                                                                                            \
	X(MHD_destroy_post_processor)

#define MHD_FN_DECL(f) __typeof__(f) *f;
extern struct mhd_fns {
	MHD_FUNCS(MHD_FN_DECL)
} mhd_fn;

/* Loads the library; ST_UNAVAILABLE (logged) when it or a function is
 * missing.  Call before the sandbox. */
enum status mhd_load(void);

#ifndef OUTPOST_MHD_LOADER
#define MHD_start_daemon		  (mhd_fn.MHD_start_daemon)
#define MHD_stop_daemon			  (mhd_fn.MHD_stop_daemon)
#define MHD_get_daemon_info		  (mhd_fn.MHD_get_daemon_info)
#define MHD_run				  (mhd_fn.MHD_run)
#define MHD_get_timeout			  (mhd_fn.MHD_get_timeout)
#define MHD_suspend_connection		  (mhd_fn.MHD_suspend_connection)
#define MHD_resume_connection		  (mhd_fn.MHD_resume_connection)
#define MHD_get_connection_info		  (mhd_fn.MHD_get_connection_info)
#define MHD_lookup_connection_value	  (mhd_fn.MHD_lookup_connection_value)
#define MHD_get_connection_values	  (mhd_fn.MHD_get_connection_values)
#define MHD_create_response_from_buffer	  (mhd_fn.MHD_create_response_from_buffer)
#define MHD_create_response_from_fd	  (mhd_fn.MHD_create_response_from_fd)
#define MHD_create_response_from_callback (mhd_fn.MHD_create_response_from_callback)
#define MHD_add_response_header		  (mhd_fn.MHD_add_response_header)
#define MHD_queue_response		  (mhd_fn.MHD_queue_response)
#define MHD_destroy_response		  (mhd_fn.MHD_destroy_response)
#define MHD_create_post_processor	  (mhd_fn.MHD_create_post_processor)
#define MHD_post_process		  (mhd_fn.MHD_post_process)
#define MHD_destroy_post_processor	  (mhd_fn.MHD_destroy_post_processor)
#endif

#endif
