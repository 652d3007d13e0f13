/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real-time status of an ESC/POS printer (DLE EOT n), decoded.  The printer
 * answers each query with one byte whose bits 0, 1, 4 and 7 are fixed
 * (0, 1, 1, 0), so a byte that is not a status reply is recognised.
 *
 *   DLE EOT 1 (printer)        bit 3: offline
 *   DLE EOT 2 (offline cause)  bit 2: cover open; bit 5: stopped at paper end;
 *                              bit 6: an error occurred
 *   DLE EOT 4 (paper sensor)   bits 2-3: paper near its end; bits 5-6: paper out
 *
 * Pure code.
 */
#ifndef OUTPOST_ESCPOS_STATUS_H
#define OUTPOST_ESCPOS_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "printer.h"

/* The query bytes: DLE EOT 1, DLE EOT 2, DLE EOT 4, answered in order. */
extern const uint8_t escpos_status_query[9];
#define ESCPOS_STATUS_REPLY 3

/* True when b has the fixed bits of a status reply. */
bool escpos_status_byte(uint8_t b);
/*
 * The state the three replies (to escpos_status_query) say, the gravest
 * first: cover open, paper out, offline, paper near end, ready.  False when
 * a reply is not a status byte (*state is then untouched).
 */
bool escpos_status_decode(const uint8_t reply[ESCPOS_STATUS_REPLY], enum printer_state *state);

/* The state a usblp LPGETSTATUS byte (IEEE 1284) says: paper empty
 * (0x20), not selected (0x10 low) or an error (0x08 low), else ready. */
enum printer_state escpos_status_usblp(int lp);

#endif
