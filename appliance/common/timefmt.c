/* SPDX-License-Identifier: Apache-2.0 */
#include "timefmt.h"

#include <stdio.h>
#include <stdlib.h>

void timefmt_rfc3339(time_t t, char out[TIMEFMT_RFC3339_LEN])
{
	struct tm tm;
	long off, h, m;

	if (!localtime_r(&t, &tm)) {
		snprintf(out, TIMEFMT_RFC3339_LEN, "1970-01-01T00:00:00+00:00");
		return;
	}
	off = tm.tm_gmtoff / 60;
	h = labs(off) / 60;
	m = labs(off) % 60;
	/* (The % bounds tell the compiler each field's width.) */
	snprintf(out, TIMEFMT_RFC3339_LEN, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 off < 0 ? '-' : '+', (unsigned)h % 100u, (unsigned)m % 100u);
}

/* n digits at *s, their value in *v (at most max); advances *s. */
static bool digits(const char **s, int n, int max, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return false;
		*v = *v * 10 + (**s - '0');
	}
	return *v <= max;
}

static bool expect(const char **s, char a, char b)
{
	if (**s != a && **s != b)
		return false;
	(*s)++;
	return true;
}

int64_t timefmt_parse_rfc3339(const char *s)
{
	struct tm tm = {0};
	int v, sign = 0, off = 0;

	if (!s || !digits(&s, 4, 9999, &v))
		return -1;
	tm.tm_year = v - 1900;
	if (!expect(&s, '-', '-') || !digits(&s, 2, 12, &v) || v < 1)
		return -1;
	tm.tm_mon = v - 1;
	if (!expect(&s, '-', '-') || !digits(&s, 2, 31, &tm.tm_mday) || tm.tm_mday < 1 || !expect(&s, 'T', 't') ||
	    !digits(&s, 2, 23, &tm.tm_hour) || !expect(&s, ':', ':') || !digits(&s, 2, 59, &tm.tm_min) ||
	    !expect(&s, ':', ':') || !digits(&s, 2, 60, &tm.tm_sec))
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else {
		sign = *s == '-' ? -1 : 1;
		if (!expect(&s, '+', '-') || !digits(&s, 2, 23, &v))
			return -1;
		off = v * 3600;
		if (!expect(&s, ':', ':') || !digits(&s, 2, 59, &v))
			return -1;
		off += v * 60;
	}
	if (*s != '\0')
		return -1;
	return (int64_t)timegm(&tm) - sign * off;
}

bool timefmt_is_rfc3339(const char *s)
{
	return timefmt_parse_rfc3339(s) >= 0;
}
