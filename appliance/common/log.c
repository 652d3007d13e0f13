/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_role = "outpostd";
static enum log_level log_threshold = LOG_LVL_INFO;
static bool log_journal;

static const char *const level_names[__LOG_LVL_MAX] = {"error", "warning", "info", "debug"};
/* syslog priorities for the sd-daemon prefix: err, warning, info, debug. */
static const int level_prio[__LOG_LVL_MAX] = {3, 4, 6, 7};

void log_init(const char *role, enum log_level level)
{
	log_role = role;
	log_threshold = level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

bool log_level_parse(const char *name, enum log_level *out)
{
	for (int i = 0; i < __LOG_LVL_MAX; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

__attribute__((format(printf, 2, 0))) static void log_vwrite(enum log_level level, const char *fmt, va_list ap,
							     const char *suffix)
{
	char line[1024];
	int n;

	if (log_journal) {
		n = snprintf(line, sizeof(line), "<%d>%s: ", level_prio[level], log_role);
	} else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s %s[%ld] %s: ", stamp, log_role, (long)getpid(),
			     level_names[level]);
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line keeps lines from different processes whole. */
	if (suffix)
		fprintf(stderr, "%s: %s\n", line, suffix);
	else
		fprintf(stderr, "%s\n", line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, NULL);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, fmt, ap, why);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
