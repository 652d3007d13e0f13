/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Case codes that work offline (docs/design.md 4.1): <office>-<YYMMDD>-<seq><check>,
 * e.g. "SQ01-261128-0007K".  The sequence counts per office and day, so a code
 * is unique per office forever without asking central.  The check character
 * is ISO/IEC 7064 MOD 37,36 over the letters and digits, which catches every
 * single-character error and every swap of neighbours.  Pure functions.
 */
#ifndef OUTPOST_CASECODE_H
#define OUTPOST_CASECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define CASECODE_MAX	 32
#define CASECODE_SEQ_MAX 99999u

/* The MOD 37,36 check character of the alphanumerics of s ('-' skipped), or
 * '\0' when s holds another character. */
char casecode_check_char(const char *s);

/* Writes the code into out (CASECODE_MAX bytes).  The sequence is printed
 * with at least 4 digits; seq must be 1..CASECODE_SEQ_MAX. */
enum status casecode_format(char *out, size_t cap, const char *office, int yy, int mm, int dd, unsigned seq);

/* True when s has the shape of a case code and its check character is right. */
bool casecode_valid(const char *s);

#endif
