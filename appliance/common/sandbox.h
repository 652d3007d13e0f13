/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a process gives up once it is set up (after it has dropped root,
 * privs.h): new privileges (PR_SET_NO_NEW_PRIVS), every system call not on
 * its role's allow-list (seccomp: the process is killed, and the kernel
 * logs the call), and, where the kernel has Landlock, every file but those
 * its role needs:
 *   web   its configuration file;
 *   dev   the system's libraries and configuration, /sys, /dev, what
 *         udev, ALSA, fontconfig and SANE read, its own folder
 *         <state_dir>/dev, the printer's file and the voice folder;
 *   sync  the same libraries and configuration, /dev/urandom, /dev/null,
 *         its own <state_dir>/sync and the CA and client files the
 *         configuration names.
 * Neither dev nor sync can open the database or the box key.  The core owns
 * both and keeps the file system, with the allow-list of all its children
 * (their filters stack on its own).
 */
#ifndef OUTPOST_SANDBOX_H
#define OUTPOST_SANDBOX_H

#include "role.h"
#include "config.h"
#include "status.h"

/* config_path stays readable, for reloads. */
enum status sandbox_enter(enum role role, const struct config *cfg, const char *config_path);
enum status sandbox_enter_core(void);

#endif
