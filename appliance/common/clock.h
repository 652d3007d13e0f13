/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wall-clock seconds for every program.  In the test build
 * (OUTPOST_TEST_HOOKS) a file named by OUTPOST_FAKE_CLOCK holding a number
 * of seconds replaces the clock, read again whenever the file changes, so
 * a test can move outpostd's and outpost-central's days and weekends; the
 * plain build has no such hook.
 */
#ifndef OUTPOST_CLOCK_H
#define OUTPOST_CLOCK_H

#include <stdint.h>

uint64_t clock_now(void);

#endif
