/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "appliance/common/lifecycle.h"

/* The diagram of docs/design.md 4.1 written out edge by edge, by name, so a slip in
 * the table (or in the names) shows here. */
static const char *const edges[][3] = {
    {"draft", "submit", "received"},	 {"draft", "discard", "discarded"},	{"received", "withdraw", "withdrawn"},
    {"queued", "withdraw", "withdrawn"}, {"returned", "withdraw", "withdrawn"}, {"received", "queue", "queued"},
    {"queued", "send", "sent"},		 {"sent", "accept", "accepted"},	{"sent", "return", "returned"},
    {"accepted", "return", "returned"},	 {"sent", "reject", "rejected"},	{"accepted", "decide", "decided"},
    {"decided", "ready", "ready"},	 {"rejected", "ready", "ready"},	{"returned", "supplement", "received"},
    {"ready", "collect", "collected"},	 {"collected", "close", "closed"},	{"closed", "purge", "purged"},
    {"discarded", "purge", "purged"},	 {"withdrawn", "purge", "purged"},
};

static const char *expected(enum case_state from, enum case_event ev)
{
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		if (strcmp(edges[i][0], lifecycle_state_name(from)) == 0 &&
		    strcmp(edges[i][1], lifecycle_event_name(ev)) == 0)
			return edges[i][2];
	}
	return NULL;
}

/* Every (state, event) pair: allowed exactly where the diagram has an edge. */
static void test_every_pair(void **state)
{
	unsigned allowed = 0;

	(void)state;
	for (int s = 0; s < __CS_MAX; s++) {
		for (int e = 0; e < __LC_MAX; e++) {
			enum case_state to = CS_PURGED;
			const char *want = expected((enum case_state)s, (enum case_event)e);
			bool ok = lifecycle_next((enum case_state)s, (enum case_event)e, &to);

			assert_int_equal(ok, want != NULL);
			if (ok) {
				assert_string_equal(lifecycle_state_name(to), want);
				allowed++;
			}
		}
	}
	assert_int_equal(allowed, sizeof(edges) / sizeof(edges[0]));
}

static void test_names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < __CS_MAX; s++) {
		assert_int_equal(lifecycle_state_parse(lifecycle_state_name((enum case_state)s)), s);
		assert_non_null(lifecycle_state_label((enum case_state)s, false));
	}
	for (int e = 0; e < __LC_MAX; e++)
		assert_int_equal(lifecycle_event_parse(lifecycle_event_name((enum case_event)e)), e);
	assert_int_equal(lifecycle_state_parse("approved"), -1);
	assert_int_equal(lifecycle_event_parse(NULL), -1);
	assert_string_equal(lifecycle_state_name((enum case_state)99), "unknown");
}

/* Nothing leaves purged, and a collected case cannot go back. */
static void test_terminal(void **state)
{
	enum case_state to;

	(void)state;
	for (int e = 0; e < __LC_MAX; e++)
		assert_false(lifecycle_next(CS_PURGED, (enum case_event)e, &to));
	assert_false(lifecycle_next(CS_COLLECTED, LC_COLLECT, &to));
	assert_false(lifecycle_next(CS_SENT, LC_WITHDRAW, &to));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_pair),
	    cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
