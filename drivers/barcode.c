/* SPDX-License-Identifier: Apache-2.0 */
#include "barcode.h"

#include <linux/input-event-codes.h>
#include <string.h>

/* US layout: the character of each key, without and with shift. */
static const struct {
	unsigned short code;
	char plain, shifted;
} keymap[] = {
    {KEY_1, '1', '!'},		{KEY_2, '2', '@'},	   {KEY_3, '3', '#'},		{KEY_4, '4', '$'},
    {KEY_5, '5', '%'},		{KEY_6, '6', '^'},	   {KEY_7, '7', '&'},		{KEY_8, '8', '*'},
    {KEY_9, '9', '('},		{KEY_0, '0', ')'},	   {KEY_MINUS, '-', '_'},	{KEY_EQUAL, '=', '+'},
    {KEY_Q, 'q', 'Q'},		{KEY_W, 'w', 'W'},	   {KEY_E, 'e', 'E'},		{KEY_R, 'r', 'R'},
    {KEY_T, 't', 'T'},		{KEY_Y, 'y', 'Y'},	   {KEY_U, 'u', 'U'},		{KEY_I, 'i', 'I'},
    {KEY_O, 'o', 'O'},		{KEY_P, 'p', 'P'},	   {KEY_LEFTBRACE, '[', '{'},	{KEY_RIGHTBRACE, ']', '}'},
    {KEY_A, 'a', 'A'},		{KEY_S, 's', 'S'},	   {KEY_D, 'd', 'D'},		{KEY_F, 'f', 'F'},
    {KEY_G, 'g', 'G'},		{KEY_H, 'h', 'H'},	   {KEY_J, 'j', 'J'},		{KEY_K, 'k', 'K'},
    {KEY_L, 'l', 'L'},		{KEY_SEMICOLON, ';', ':'}, {KEY_APOSTROPHE, '\'', '"'}, {KEY_GRAVE, '`', '~'},
    {KEY_BACKSLASH, '\\', '|'}, {KEY_Z, 'z', 'Z'},	   {KEY_X, 'x', 'X'},		{KEY_C, 'c', 'C'},
    {KEY_V, 'v', 'V'},		{KEY_B, 'b', 'B'},	   {KEY_N, 'n', 'N'},		{KEY_M, 'm', 'M'},
    {KEY_COMMA, ',', '<'},	{KEY_DOT, '.', '>'},	   {KEY_SLASH, '/', '?'},	{KEY_SPACE, ' ', ' '},
    {KEY_KP0, '0', '0'},	{KEY_KP1, '1', '1'},	   {KEY_KP2, '2', '2'},		{KEY_KP3, '3', '3'},
    {KEY_KP4, '4', '4'},	{KEY_KP5, '5', '5'},	   {KEY_KP6, '6', '6'},		{KEY_KP7, '7', '7'},
    {KEY_KP8, '8', '8'},	{KEY_KP9, '9', '9'},	   {KEY_KPMINUS, '-', '-'},	{KEY_KPPLUS, '+', '+'},
    {KEY_KPDOT, '.', '.'},	{KEY_KPSLASH, '/', '/'},   {KEY_KPASTERISK, '*', '*'},
};

void barcode_keys_init(struct barcode_keys *k, uint64_t gap_us)
{
	memset(k, 0, sizeof(*k));
	k->gap_us = gap_us;
}

bool barcode_keys_feed(struct barcode_keys *k, unsigned code, int value, uint64_t t_us, const char **line, size_t *len)
{
	if (code == KEY_LEFTSHIFT || code == KEY_RIGHTSHIFT) {
		k->shift = value != 0;
		return false;
	}
	if (value != 1)
		return false; /* releases and auto-repeats carry no characters */
	if (k->len && t_us - k->last_us > k->gap_us) {
		k->len = 0; /* too slow for a scanner: start afresh */
		k->overflow = false;
	}
	k->last_us = t_us;
	if (code == KEY_ENTER || code == KEY_KPENTER || code == KEY_TAB) {
		bool done = k->len > 0 && !k->overflow;

		k->buf[k->len] = '\0';
		*line = k->buf;
		*len = k->len;
		k->len = 0;
		k->overflow = false;
		return done;
	}
	for (size_t i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++) {
		if (keymap[i].code != code)
			continue;
		if (k->len < BARCODE_MAX)
			k->buf[k->len++] = k->shift ? keymap[i].shifted : keymap[i].plain;
		else
			k->overflow = true;
		return false;
	}
	return false; /* a key no scanner sends: ignored */
}

/* True when s (n bytes) is well-formed UTF-8 without control characters. */
static bool text_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t more;
		uint32_t cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3, cp = c & 0x07;
		else
			return false;
		if (i + more >= n)
			return false; /* cut off */
		for (size_t j = 1; j <= more; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		/* No overlong forms, no surrogates, nothing past U+10FFFF. */
		if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

bool barcode_parse(const char *line, size_t len, const char *prefix, const char *suffix, bool aim,
		   struct barcode_scan *out)
{
	size_t p = prefix ? strlen(prefix) : 0, s = suffix ? strlen(suffix) : 0;

	memset(out->symbology, 0, sizeof(out->symbology));
	if (p && len >= p && memcmp(line, prefix, p) == 0) {
		line += p;
		len -= p;
	}
	if (s && len >= s && memcmp(line + len - s, suffix, s) == 0)
		len -= s;
	if (aim && len >= 3 && line[0] == ']') {
		memcpy(out->symbology, line + 1, 2);
		line += 3;
		len -= 3;
	}
	if (len == 0 || len > BARCODE_MAX || !text_ok((const unsigned char *)line, len))
		return false;
	memcpy(out->text, line, len);
	out->text[len] = '\0';
	out->len = len;
	return true;
}
