/* SPDX-License-Identifier: Apache-2.0 */
#include "lockout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct record {
	char name[LOCKOUT_NAME_MAX]; /* "" is a free place */
	unsigned failures;
	uint64_t last_failure_s;
	uint64_t locked_until_s;
};

struct lockout_table {
	unsigned n;
	struct record r[];
};

enum status lockout_new(unsigned max_names, struct lockout_table **out)
{
	struct lockout_table *t = calloc(1, sizeof(*t) + (size_t)max_names * sizeof(struct record));

	if (!t || max_names == 0) {
		free(t);
		return ST_NOMEM;
	}
	t->n = max_names;
	*out = t;
	return ST_OK;
}

void lockout_free(struct lockout_table **t)
{
	free(*t);
	*t = NULL;
}

/* How much a failure record is worth keeping: a running lock most, then
 * more failures, then a more recent one. */
static bool keep_before(const struct record *x, const struct record *y, uint64_t now_s)
{
	bool xl = x->locked_until_s > now_s, yl = y->locked_until_s > now_s;
	unsigned xf = x->locked_until_s && !xl ? 0 : x->failures;
	unsigned yf = y->locked_until_s && !yl ? 0 : y->failures;

	if (xl != yl)
		return xl;
	if (xl)
		return x->locked_until_s > y->locked_until_s;
	if (xf != yf)
		return xf > yf;
	return x->last_failure_s > y->last_failure_s;
}

/* The record of a name, or with victim, the place a new one would take. */
static struct record *find(const struct lockout_table *t, const char *name, struct record **victim, uint64_t now_s)
{
	char k[LOCKOUT_NAME_MAX];
	struct record *v = NULL;

	snprintf(k, sizeof(k), "%s", name);
	for (unsigned i = 0; i < t->n; i++) {
		struct record *l = (struct record *)&t->r[i];

		if (l->name[0] && strcmp(l->name, k) == 0)
			return l;
		if (!v || (v->name[0] && (!l->name[0] || keep_before(v, l, now_s))))
			v = l;
	}
	if (victim)
		*victim = v;
	return NULL;
}

uint64_t lockout_remaining(const struct lockout_table *t, const char *name, uint64_t now_s)
{
	const struct record *l = find(t, name, NULL, now_s);

	return l && l->locked_until_s > now_s ? l->locked_until_s - now_s : 0;
}

bool lockout_fail(struct lockout_table *t, const char *name, unsigned max_failures, unsigned lock_seconds,
		  uint64_t now_s)
{
	struct record *victim = NULL, *l = find(t, name, &victim, now_s);

	if (!l) {
		l = victim;
		memset(l, 0, sizeof(*l));
		snprintf(l->name, sizeof(l->name), "%s", name);
	}
	if (l->locked_until_s > now_s)
		return true;
	if (l->locked_until_s)
		l->failures = 0, l->locked_until_s = 0;
	l->failures++;
	l->last_failure_s = now_s;
	if (l->failures < max_failures)
		return false;
	l->locked_until_s = now_s + lock_seconds;
	return true;
}

void lockout_clear(struct lockout_table *t, const char *name)
{
	struct record *l = find(t, name, NULL, 0);

	if (l)
		memset(l, 0, sizeof(*l));
}
