/* SPDX-License-Identifier: Apache-2.0 */
#include "escpos_status.h"

#include <linux/lp.h>

const uint8_t escpos_status_query[9] = {0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04};

bool escpos_status_byte(uint8_t b)
{
	return (b & 0x93) == 0x12;
}

bool escpos_status_decode(const uint8_t reply[ESCPOS_STATUS_REPLY], enum printer_state *state)
{
	uint8_t printer = reply[0], offline = reply[1], paper = reply[2];

	for (int i = 0; i < ESCPOS_STATUS_REPLY; i++) {
		if (!escpos_status_byte(reply[i]))
			return false;
	}
	if (offline & 0x04)
		*state = PRINTER_COVER_OPEN;
	else if ((paper & 0x60) || (offline & 0x20))
		*state = PRINTER_PAPER_OUT;
	else if ((printer & 0x08) || (offline & 0x40))
		*state = PRINTER_OFFLINE;
	else if (paper & 0x0c)
		*state = PRINTER_PAPER_NEAR_END;
	else
		*state = PRINTER_READY;
	return true;
}

enum printer_state escpos_status_usblp(int lp)
{
	if (lp & LP_POUTPA)
		return PRINTER_PAPER_OUT;
	if (!(lp & LP_PSELECD) || !(lp & LP_PERRORP))
		return PRINTER_OFFLINE;
	return PRINTER_READY;
}
