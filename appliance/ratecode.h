/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a printed slip carries for 好差评 (ratings.h): the 评价码 of its
 * service and the phone page's URL.  The 评价码 is 8 characters of the
 * box's keyed hash of the service ("ticket:2026-12-04-A012",
 * "intake:<case code>", "pickup:<case code>"), so a reprint shows the same
 * code and nobody without the box's key can make one; it is registered
 * under a second keyed hash, by which the tablet's entry finds its
 * service.  The phone URL carries rating.h's token, under the key the box
 * and central derive from the webhook secret.
 */
#ifndef OUTPOST_RATECODE_H
#define OUTPOST_RATECODE_H

#include <stdint.h>

#include "core.h"
#include "vault.h"

#define RATECODE_LEN 9 /* 8 characters and a NUL */
/* 32 letters and digits without 0, O, 1 and I, which read alike. */
#define RATECODE_ALPHABET "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

/* The code of a service, and its registration for the lookup: kind
 * ticket (ticket_id) or intake, pickup (case_id).  make does both. */
void ratecode_derive(struct core *c, const char *service, char code[RATECODE_LEN]);
enum status ratecode_register(struct core *c, const char *kind, int64_t ticket_id, int64_t case_id, const char *code);
enum status ratecode_make(struct core *c, const char *kind, int64_t ticket_id, int64_t case_id, const char *service,
			  char code[RATECODE_LEN]);
/* The keyed hash a code is registered under. */
void ratecode_lookup(struct core *c, const char *code, char out[2 * VAULT_HASH_LEN + 1]);
/* The phone page's URL for a case's intake or pickup; "" when the box is
 * not enrolled. */
void ratecode_phone_url(struct core *c, const char *kind, const char *case_code, char *out, size_t cap);

#endif
