/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging to stderr with levels.  Under systemd (JOURNAL_STREAM set) each line
 * carries the sd-daemon "<N>" priority prefix so journald stores the level;
 * otherwise lines start with a timestamp.
 */
#ifndef OUTPOST_LOG_H
#define OUTPOST_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, __LOG_LVL_MAX };

/* The role string must outlive the process (a literal). */
void log_init(const char *role, enum log_level level);
void log_set_level(enum log_level level);
bool log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Broken invariants: log and exit so the supervisor restarts us.  fatal()
 * appends strerror(errno), fatalx() does not. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
