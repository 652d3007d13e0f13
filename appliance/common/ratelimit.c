/* SPDX-License-Identifier: Apache-2.0 */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One event costs a minute's worth of seconds: a bucket of per_minute
 * events holds per_minute * 60 units and gains per_minute units a second. */
#define EVENT_COST 60

struct bucket {
	char key[RATELIMIT_KEY_MAX];
	uint64_t units;
	uint64_t at_s; /* when units was last brought up to date */
	bool used;
};

struct ratelimit {
	unsigned n;
	struct bucket b[];
};

enum status ratelimit_new(unsigned max_keys, struct ratelimit **out)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl) + (size_t)max_keys * sizeof(struct bucket));

	if (!rl || max_keys == 0) {
		free(rl);
		return ST_NOMEM;
	}
	rl->n = max_keys;
	*out = rl;
	return ST_OK;
}

void ratelimit_free(struct ratelimit **rl)
{
	free(*rl);
	*rl = NULL;
}

static uint64_t depth(unsigned per_minute)
{
	return (uint64_t)per_minute * EVENT_COST;
}

static void refill(struct bucket *b, unsigned per_minute, uint64_t now_s)
{
	if (now_s > b->at_s) {
		uint64_t gained = (now_s - b->at_s) * per_minute;

		b->units = gained >= depth(per_minute) - b->units ? depth(per_minute) : b->units + gained;
	}
	b->at_s = now_s;
}

/* The key's bucket, or a full new one in an unused place or in the place
 * of the fullest bucket. */
static struct bucket *find(struct ratelimit *rl, const char *key, unsigned per_minute, uint64_t now_s)
{
	char k[RATELIMIT_KEY_MAX];
	struct bucket *unused = NULL, *fullest = NULL, *b;

	snprintf(k, sizeof(k), "%s", key);
	for (unsigned i = 0; i < rl->n; i++) {
		b = &rl->b[i];
		if (!b->used) {
			unused = unused ? unused : b;
			continue;
		}
		if (strcmp(b->key, k) == 0)
			return b;
		refill(b, per_minute, now_s);
		if (!fullest || b->units > fullest->units)
			fullest = b;
	}
	b = unused ? unused : fullest;
	memcpy(b->key, k, sizeof(k));
	b->units = depth(per_minute);
	b->at_s = now_s;
	b->used = true;
	return b;
}

bool ratelimit_take(struct ratelimit *rl, const char *key, unsigned per_minute, uint64_t now_s)
{
	struct bucket *b = find(rl, key, per_minute, now_s);

	refill(b, per_minute, now_s);
	if (b->units < EVENT_COST)
		return false;
	b->units -= EVENT_COST;
	return true;
}
