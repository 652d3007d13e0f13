/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Times as the protocol and the API write them: RFC 3339, local time with
 * its offset, 2026-11-28T10:00:00+08:00 (sync/PROTOCOL.md 1).  strftime's
 * %z gives +0800, which RFC 3339 does not allow.
 */
#ifndef OUTPOST_TIMEFMT_H
#define OUTPOST_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS+HH:MM" and its NUL. */
#define TIMEFMT_RFC3339_LEN 26

/* t in the box's local time, with the offset in effect then. */
void timefmt_rfc3339(time_t t, char out[TIMEFMT_RFC3339_LEN]);

/* s, an RFC 3339 date-time (section 5.6: a fraction of a second, and Z or
 * an offset; nothing before or after it), as Unix seconds; -1 when it is
 * not one (or before 1970). */
int64_t timefmt_parse_rfc3339(const char *s);
bool timefmt_is_rfc3339(const char *s);

#endif
