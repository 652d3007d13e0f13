/* SPDX-License-Identifier: Apache-2.0 */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

static void slot_free(struct memo_slot *s)
{
	free(s->key);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

const char *memo_get(struct memo *m, const char *key, uint64_t version, size_t *len)
{
	for (struct memo_slot *s = m->slot; s < m->slot + MEMO_SLOTS; s++) {
		if (!s->key || strcmp(s->key, key) != 0)
			continue;
		if (s->version != version) {
			slot_free(s); /* stale for good: versions only move on */
			break;
		}
		s->used = ++m->clock;
		m->hits++;
		*len = s->len;
		return s->text;
	}
	m->misses++;
	return NULL;
}

void memo_put(struct memo *m, const char *key, uint64_t version, const char *text, size_t len)
{
	struct memo_slot *victim = m->slot;
	char *k, *t;

	if (strlen(key) > MEMO_KEY_MAX || len > MEMO_TEXT_MAX)
		return;
	for (struct memo_slot *s = m->slot; s < m->slot + MEMO_SLOTS; s++) {
		if (s->key && strcmp(s->key, key) == 0) {
			victim = s;
			break;
		}
		if (s->used < victim->used)
			victim = s; /* an empty slot has used 0 */
	}
	k = strdup(key);
	t = malloc(len + 1);
	if (!k || !t) {
		free(k);
		free(t);
		return;
	}
	memcpy(t, text, len);
	t[len] = '\0';
	slot_free(victim);
	*victim = (struct memo_slot){.key = k, .text = t, .len = len, .version = version, .used = ++m->clock};
}

void memo_clear(struct memo *m)
{
	for (struct memo_slot *s = m->slot; s < m->slot + MEMO_SLOTS; s++)
		slot_free(s);
}
