/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 好差评 rules both ends share: the levels, which of them take reasons and
 * which open a follow-up, the kinds of service and the ways a rating is
 * given, the standard reasons, and the phone rating token.
 *
 * A phone token names one service of one office's case and the last day it
 * may be used, with an HMAC that only the office and central can make: the
 * key is HMAC-SHA256(webhook secret, "outpost rating token v1"), the
 * secret both hold since enrolment, so central checks a token the box
 * printed without asking the box.  Text:
 *   <office> "." <i|p> "." <case code> "." <YYYYMMDD> "." <base64url of 16 MAC bytes>
 * with the MAC over office "\n" kind "\n" case code "\n" YYYYMMDD.
 */
#ifndef OUTPOST_RATING_H
#define OUTPOST_RATING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RATING_REASONS_UP_TO 3 /* 基本满意 and below name reasons */
#define RATING_BAD_UP_TO     2 /* 不满意 and 非常不满意: a 差评, followed up */
#define RATING_TOKEN_MAX     128
#define RATING_MAC_LEN	     16

struct rating_token {
	char office[16];
	char kind[8]; /* "intake" or "pickup" */
	char ref[40]; /* the case code */
	char last_day[9];
	uint8_t mac[RATING_MAC_LEN];
};

bool rating_kind_ok(const char *kind);	     /* ticket, intake, pickup */
bool rating_channel_ok(const char *channel); /* tablet, button, phone */
/* A call-back number: 7 to 20 digits, '-' between them. */
bool rating_phone_ok(const char *phone);
/* Characters of UTF-8 text (jansson has checked it). */
size_t rating_text_chars(const char *s);
/* "kind:ref", the key a service is rated once by. */
void rating_service(const char *kind, const char *ref, char *out, size_t cap);
/* [{"code", "text"}]: the reasons when central's catalog names none. */
json_t *rating_default_reasons(void);
/* The texts of reason codes by list ([{"code", "text"}]); an unknown code
 * stands for itself.  A new array. */
json_t *rating_reason_texts(json_t *list, json_t *codes);

void rating_token_key(const void *secret, size_t len, uint8_t key[32]);
/* A token for case ref's service kind, good through the local day of last. */
bool rating_token_make(const uint8_t key[32], const char *office, const char *kind, const char *ref, time_t last,
		       char out[RATING_TOKEN_MAX]);
bool rating_token_parse(const char *text, struct rating_token *t);
bool rating_token_check(const struct rating_token *t, const uint8_t key[32]);
bool rating_token_expired(const struct rating_token *t, time_t now);

#endif
