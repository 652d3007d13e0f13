/* SPDX-License-Identifier: Apache-2.0 */
#include "rating.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"

bool rating_kind_ok(const char *kind)
{
	return strcmp(kind, "ticket") == 0 || strcmp(kind, "intake") == 0 || strcmp(kind, "pickup") == 0;
}

bool rating_channel_ok(const char *channel)
{
	return strcmp(channel, "tablet") == 0 || strcmp(channel, "button") == 0 || strcmp(channel, "phone") == 0;
}

bool rating_phone_ok(const char *phone)
{
	size_t digits = 0, n = strlen(phone);

	if (n == 0 || n > 20 || phone[0] == '-' || phone[n - 1] == '-')
		return false;
	for (const char *p = phone; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != '-' || p[1] == '-')
			return false;
	}
	return digits >= 7;
}

size_t rating_text_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

void rating_service(const char *kind, const char *ref, char *out, size_t cap)
{
	snprintf(out, cap, "%s:%s", kind, ref);
}

json_t *rating_default_reasons(void)
{
	return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "code", "wait",
			 "text", "等候时间长", "code", "attitude", "text", "态度不好", "code", "skill", "text",
			 "业务不熟", "code", "materials", "text", "材料要求不清楚", "code", "facilities", "text",
			 "环境设施", "code", "other", "text", "其他");
}

json_t *rating_reason_texts(json_t *list, json_t *codes)
{
	json_t *out = json_array(), *code, *r;
	size_t i, k;

	json_array_foreach(codes, i, code)
	{
		const char *text = json_string_value(code);

		json_array_foreach(list, k, r)
		{
			if (json_is_string(code) &&
			    strcmp(json_string_value(json_object_get(r, "code")) ?: "", json_string_value(code)) == 0)
				text = json_string_value(json_object_get(r, "text"));
		}
		json_array_append_new(out, json_string(text ? text : ""));
	}
	return out;
}

void rating_token_key(const void *secret, size_t len, uint8_t key[32])
{
	static const char label[] = "outpost rating token v1";

	crypto_hmac_sha256(secret, len, label, sizeof(label) - 1, key);
}

static void token_mac(const uint8_t key[32], const char *office, const char *kind, const char *ref,
		      const char *last_day, uint8_t mac[RATING_MAC_LEN])
{
	char msg[200];
	uint8_t full[CRYPTO_SHA256_LEN];
	int n = snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%s", office, kind, ref, last_day);

	crypto_hmac_sha256(key, 32, msg, (size_t)n, full);
	memcpy(mac, full, RATING_MAC_LEN);
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

bool rating_token_make(const uint8_t key[32], const char *office, const char *kind, const char *ref, time_t last,
		       char out[RATING_TOKEN_MAX])
{
	uint8_t mac[RATING_MAC_LEN];
	char day[16], b64[4 * ((RATING_MAC_LEN + 2) / 3) + 1];
	struct tm tm;

	if ((strcmp(kind, "intake") != 0 && strcmp(kind, "pickup") != 0) || !text_ok(office, 16) || !text_ok(ref, 40))
		return false;
	localtime_r(&last, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	token_mac(key, office, kind, ref, day, mac);
	crypto_b64(mac, sizeof(mac), b64);
	for (char *p = b64; *p; p++) /* base64url, unpadded */
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	b64[strcspn(b64, "=")] = '\0';
	return snprintf(out, RATING_TOKEN_MAX, "%s.%c.%s.%s.%s", office, kind[0], ref, day, b64) < RATING_TOKEN_MAX;
}

bool rating_token_parse(const char *text, struct rating_token *t)
{
	char office[16], k[2], ref[40], day[9], mac[32], b64[36];
	int n = 0;
	long len;

	memset(t, 0, sizeof(*t));
	if (strlen(text) >= RATING_TOKEN_MAX ||
	    sscanf(text, "%15[A-Z0-9].%1[ip].%39[A-Z0-9-].%8[0-9].%31[A-Za-z0-9_-]%n", office, k, ref, day, mac, &n) !=
		5 ||
	    text[n] != '\0' || strlen(day) != 8 || strlen(mac) != 22)
		return false;
	snprintf(b64, sizeof(b64), "%s==", mac);
	for (char *p = b64; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	len = crypto_unb64(b64, t->mac, sizeof(t->mac));
	if (len != RATING_MAC_LEN)
		return false;
	snprintf(t->office, sizeof(t->office), "%s", office);
	snprintf(t->kind, sizeof(t->kind), "%s", k[0] == 'i' ? "intake" : "pickup");
	snprintf(t->ref, sizeof(t->ref), "%s", ref);
	memcpy(t->last_day, day, sizeof(t->last_day));
	return true;
}

bool rating_token_check(const struct rating_token *t, const uint8_t key[32])
{
	uint8_t mac[RATING_MAC_LEN];

	token_mac(key, t->office, t->kind, t->ref, t->last_day, mac);
	return crypto_equal(mac, t->mac, sizeof(mac));
}

bool rating_token_expired(const struct rating_token *t, time_t now)
{
	char today[16];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y%m%d", &tm);
	return strcmp(today, t->last_day) > 0;
}
