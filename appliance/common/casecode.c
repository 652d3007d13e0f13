/* SPDX-License-Identifier: Apache-2.0 */
#include "casecode.h"

#include <stdio.h>
#include <string.h>

static int char_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

char casecode_check_char(const char *s)
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const int m = 36;
	int p = m;

	for (; *s; s++) {
		int v, t;

		if (*s == '-')
			continue;
		v = char_value(*s);
		if (v < 0)
			return '\0';
		t = (p + v) % m;
		if (t == 0)
			t = m;
		p = (t * 2) % (m + 1);
	}
	return alphabet[(m + 1 - p) % m];
}

enum status casecode_format(char *out, size_t cap, const char *office, int yy, int mm, int dd, unsigned seq)
{
	char body[CASECODE_MAX];
	char check;
	int n;

	if (seq == 0 || seq > CASECODE_SEQ_MAX)
		return ST_SEQ_EXHAUSTED;
	n = snprintf(body, sizeof(body), "%s-%02d%02d%02d-%04u", office, yy % 100, mm, dd, seq);
	if (n < 0 || (size_t)n >= sizeof(body) - 1)
		return ST_BAD_FIELD;
	check = casecode_check_char(body);
	if (check == '\0')
		return ST_BAD_FIELD;
	n = snprintf(out, cap, "%s%c", body, check);
	if (n < 0 || (size_t)n >= cap)
		return ST_TOO_LARGE;
	return ST_OK;
}

bool casecode_valid(const char *s)
{
	size_t n = strlen(s);
	const char *d1 = strchr(s, '-');
	const char *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	char body[CASECODE_MAX];

	if (n < 2 + 1 + 6 + 1 + 4 + 1 || n >= CASECODE_MAX || !d1 || !d2 || strchr(d2 + 1, '-'))
		return false;
	if (d1 - s < 2 || d1 - s > 8 || d2 - d1 != 7 || strlen(d2 + 1) < 5)
		return false;
	for (const char *p = d1 + 1; p < d2; p++) {
		if (*p < '0' || *p > '9')
			return false;
	}
	for (const char *p = d2 + 1; p < s + n - 1; p++) {
		if (*p < '0' || *p > '9')
			return false;
	}
	memcpy(body, s, n - 1);
	body[n - 1] = '\0';
	return casecode_check_char(body) == s[n - 1];
}
