/*
 * Random bytes from the kernel's CSPRNG (getrandom(2)), for keys, nonces,
 * salts and session tokens; shared by outpostd and outpost-central.
 */
#ifndef OUTPOST_ENTROPY_H
#define OUTPOST_ENTROPY_H

#include <stddef.h>

#include "status.h"

/* Fills out with n random bytes; ST_IO only if the kernel refuses. */
enum status entropy_fill(void *out, size_t n);

#endif
