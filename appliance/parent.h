/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core's parent loop: it sets up the state folder, drops root, starts
 * and supervises the other roles (child.h), dispatches their messages to
 * the jobs that own them, runs the timers, and reloads and stops on
 * signals.  Only main.c includes this: nothing depends on the loop.
 */
#ifndef OUTPOST_PARENT_H
#define OUTPOST_PARENT_H

/* Runs the core until SIGTERM or SIGINT; returns the exit code. */
int core_main(const char *config_path);

#endif
