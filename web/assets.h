/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static pages embedded in the binary at build time (web/embed.c writes
 * assets.c from web/static/), so the web role opens no file to serve them.
 */
#ifndef OUTPOST_ASSETS_H
#define OUTPOST_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path; /* URL path, e.g. "/staff/app.js" */
	const char *type;
	const unsigned char *data;
	size_t len;
	const char *etag;
};

/* NULL when no asset has this path. */
const struct asset *asset_find(const char *path);

#endif
