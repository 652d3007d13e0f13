/*
 * What a child role gives up once it is set up: new privileges
 * (PR_SET_NO_NEW_PRIVS), the system calls it has no business making
 * (seccomp), and, for the web role, the whole file system (Landlock, where
 * the kernel has it) but for reading its configuration file.
 */
#ifndef OUTPOST_SANDBOX_H
#define OUTPOST_SANDBOX_H

#include "child.h"
#include "status.h"

/* config_path stays readable, for reloads. */
enum status sandbox_enter(enum role role, const char *config_path);

#endif
