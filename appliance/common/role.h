/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The processes of outpostd.  The core (appliance/) starts each role as a
 * fresh execution of outpostd itself with "--role NAME" (appliance/child.h);
 * the role finds its channel to the core on ROLE_CHANNEL_FD and, for web,
 * the listening sockets on ROLE_LISTEN_FD (plain HTTP) and
 * ROLE_TLS_LISTEN_FD (HTTPS), so a socket outlives a crashed web process.
 *   web   web/web.c      HTTP and HTTPS; no database, no key
 *   dev   drivers/dev.c  printer, scanners, panel, voice
 *   sync  sync/sync.c    the only process that talks to central
 */
#ifndef OUTPOST_ROLE_H
#define OUTPOST_ROLE_H

#include <stdbool.h>

#define ROLE_CHANNEL_FD	   3
#define ROLE_LISTEN_FD	   4
#define ROLE_TLS_LISTEN_FD 5

enum role { ROLE_WEB = 0, ROLE_DEV, ROLE_SYNC, __ROLE_MAX };

/* "web", "dev", "sync" ("unknown" out of range). */
const char *role_name(enum role role);
bool role_parse(const char *name, enum role *out);

/* Each role's entry point, run by main() after exec; returns the exit
 * status. */
int web_main(const char *config_path);
int dev_main(const char *config_path);
int sync_main(const char *config_path);

#endif
