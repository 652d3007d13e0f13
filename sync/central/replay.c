/* SPDX-License-Identifier: Apache-2.0 */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY UINT32_MAX

struct entry {
	uint8_t key[REPLAY_KEY_LEN];
	uint64_t expires_s;
};

/* ring[head .. head+count) in arrival order; index: open addressing with
 * linear probing over ring positions, cap a power of two at least twice
 * the ring's size, deletions by backward shift (no tombstones). */
struct replay {
	unsigned max, head, count;
	uint32_t mask;
	uint32_t *index;
	struct entry ring[];
};

static uint32_t slot_of(const struct replay *t, const uint8_t key[REPLAY_KEY_LEN])
{
	uint32_t h;

	memcpy(&h, key, sizeof(h)); /* a signature's bytes are as good as a hash */
	return h & t->mask;
}

enum status replay_new(unsigned max_entries, struct replay **out)
{
	struct replay *t = NULL;
	uint32_t cap = 16;

	if (max_entries == 0 || max_entries > (1u << 28))
		return ST_NOMEM;
	while (cap < 2 * max_entries)
		cap *= 2;
	t = calloc(1, sizeof(*t) + (size_t)max_entries * sizeof(struct entry));
	if (!t || !(t->index = malloc((size_t)cap * sizeof(uint32_t)))) {
		free(t);
		return ST_NOMEM;
	}
	memset(t->index, 0xff, (size_t)cap * sizeof(uint32_t));
	t->max = max_entries;
	t->mask = cap - 1;
	*out = t;
	return ST_OK;
}

void replay_free(struct replay **t)
{
	if (!*t)
		return;
	free((*t)->index);
	free(*t);
	*t = NULL;
}

/* Removes ring position pos from the index, shifting back the entries
 * after it in its probe run. */
static void unindex(struct replay *t, uint32_t pos)
{
	uint32_t i = slot_of(t, t->ring[pos].key), j;

	while (t->index[i] != pos)
		i = (i + 1) & t->mask;
	for (j = (i + 1) & t->mask; t->index[j] != EMPTY; j = (j + 1) & t->mask) {
		uint32_t home = slot_of(t, t->ring[t->index[j]].key);

		/* j's entry may move to i when its home is not in (i, j]. */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->index[i] = t->index[j];
			i = j;
		}
	}
	t->index[i] = EMPTY;
}

enum replay_answer replay_check(struct replay *t, const uint8_t key[REPLAY_KEY_LEN], uint64_t now_s, uint64_t expires_s)
{
	uint32_t i, pos;

	while (t->count && t->ring[t->head].expires_s <= now_s) {
		unindex(t, t->head);
		t->head = (t->head + 1) % t->max;
		t->count--;
	}
	for (i = slot_of(t, key); t->index[i] != EMPTY; i = (i + 1) & t->mask)
		if (memcmp(t->ring[t->index[i]].key, key, REPLAY_KEY_LEN) == 0)
			return REPLAY_SEEN;
	if (t->count == t->max)
		return REPLAY_FULL;
	pos = (t->head + t->count) % t->max;
	memcpy(t->ring[pos].key, key, REPLAY_KEY_LEN);
	t->ring[pos].expires_s = expires_s;
	t->index[i] = pos;
	t->count++;
	return REPLAY_NEW;
}

unsigned replay_count(const struct replay *t)
{
	return t->count;
}
