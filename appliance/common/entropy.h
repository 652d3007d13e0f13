/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random bytes from OpenSSL's CSPRNG (crypto.h, itself seeded by
 * getrandom(2)), for keys, nonces, salts, session tokens and ids; shared by
 * outpostd and outpost-central.  Should it ever fail, no caller may go on
 * with bytes an attacker could guess, so the process dies (fatal) and its
 * supervisor starts it again: there is no error to check.
 */
#ifndef OUTPOST_ENTROPY_H
#define OUTPOST_ENTROPY_H

#include <stddef.h>

void entropy_fill(void *out, size_t n);
/* bytes random bytes (at most 64) as 2 * bytes lowercase hex digits and a
 * NUL: tokens, passwords, ids. */
void entropy_hex(char *out, size_t bytes);

#endif
