/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: sheet payloads and the split of a scanned stack
 * (appliance/common/sheets.c).  The input is lines; each line is one page's code
 * ("" for a content page). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/common/sheets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAGES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4096];
	static struct sheets_split s;
	const char *codes[MAX_PAGES][1];
	struct sheets_page pages[MAX_PAGES];
	unsigned n = 0;
	char *p = text, code[CASECODE_MAX], msg[512];
	int m;
	unsigned count;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	while (p && n < MAX_PAGES) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (sheets_parse(p, code, &m, &count) && (strlen(code) == 0 || strlen(code) >= CASECODE_MAX))
			__builtin_trap();
		codes[n][0] = p;
		pages[n] = (struct sheets_page){.codes = codes[n], .ncodes = *p ? 1 : 0};
		n++;
		p = nl ? nl + 1 : NULL;
	}
	if (sheets_split(pages, n, size % 2 ? "SQ01-261128-0007K" : NULL, (int)(size % 5), &s) == SHEETS_OK) {
		unsigned total = 0;

		for (unsigned i = 0; i < s.ndocs; i++) {
			if (s.doc[i].npages == 0 || s.doc[i].first + s.doc[i].npages > n)
				__builtin_trap();
			total += s.doc[i].npages;
		}
		if (total > n)
			__builtin_trap();
	}
	sheets_describe(&s, size % 3 == 0, msg, sizeof(msg));
	return 0;
}
