/* SPDX-License-Identifier: Apache-2.0 */
#include "idnum.h"

#include <string.h>

char idnum_check_char(const char *s)
{
	static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		if (s[i] < '0' || s[i] > '9')
			return '\0';
		sum += (s[i] - '0') * weights[i];
	}
	return check[sum % 11];
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool date_ok(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int max;

	if (y < 1850 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool idnum_valid(const char *s, long today_yyyymmdd)
{
	char c;
	int y, m, d;

	if (strlen(s) != 18)
		return false;
	c = idnum_check_char(s);
	if (c == '\0')
		return false;
	if (s[0] == '0')
		return false; /* no region code starts with 0 */
	y = digits(s + 6, 4);
	m = digits(s + 10, 2);
	d = digits(s + 12, 2);
	if (!date_ok(y, m, d) || (long)y * 10000 + m * 100 + d > today_yyyymmdd)
		return false;
	return s[17] == c || (c == 'X' && s[17] == 'x');
}

static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

char uscc_check_char(const char *s)
{
	static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		const char *p = s[i] ? strchr(uscc_chars, s[i]) : NULL;

		if (!p)
			return '\0';
		sum += (int)(p - uscc_chars) * weights[i];
	}
	return uscc_chars[(31 - sum % 31) % 31];
}

bool uscc_valid(const char *s)
{
	return strlen(s) == 18 && s[17] && strchr(uscc_chars, s[17]) && uscc_check_char(s) == s[17];
}
