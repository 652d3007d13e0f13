/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who each process runs as.  The core starts as root, makes its state and
 * binds its sockets, then becomes the user "outpost": it keeps no effective
 * capability, only the permitted ones it needs to start its children as
 * their own users and to signal them.  Each child becomes its own user
 * (outpost-web, outpost-dev, outpost-sync) between fork and exec, so it
 * starts with no capability at all.  Started by a user other than root,
 * nothing changes: every process runs as that user.
 */
#ifndef OUTPOST_PRIVS_H
#define OUTPOST_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/role.h"
#include "common/status.h"

/* Looks the users up (as root, before anything else); false when not root. */
enum status privs_load(bool *active);
/* The state directory: the core's, with "dev" and "sync" below it for
 * those roles; everything in it is given to its owner (after an upgrade
 * from a box whose processes all ran as root). */
enum status privs_own_state(const char *state_dir);
/* The core becomes "outpost".  Before any thread starts. */
enum status privs_drop_core(void);
/* In a forked child, before exec: becomes the role's user, no capability
 * left.  Returns false (errno set) when that failed. */
bool privs_become(enum role role);
/* kill(2) on a child, which runs as another user. */
int privs_kill(pid_t pid, int sig);

#endif
