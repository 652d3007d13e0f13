/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chinese resident identity numbers (GB 11643-1999): 6-digit region, 8-digit
 * birth date, 3-digit sequence, and an ISO 7064 MOD 11-2 check character
 * (0-9 or X).  Pure functions.
 */
#ifndef OUTPOST_IDNUM_H
#define OUTPOST_IDNUM_H

#include <stdbool.h>

/* The check character for the first 17 digits of s, or '\0' if they are not
 * 17 digits. */
char idnum_check_char(const char *s);

/*
 * True when s is exactly 18 characters, the birth date is a real date not
 * after today_yyyymmdd (e.g. 20261128), and the check character matches.  A
 * lowercase 'x' is accepted; callers store the canonical uppercase form.
 */
bool idnum_valid(const char *s, long today_yyyymmdd);

/*
 * Unified social credit codes of organisations (GB 32100-2015): 18
 * characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, S, V, Z), the
 * last a MOD 31 check character.  Uppercase only.
 */
char uscc_check_char(const char *s);
bool uscc_valid(const char *s);

#endif
