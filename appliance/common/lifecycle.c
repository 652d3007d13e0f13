/* SPDX-License-Identifier: Apache-2.0 */
#include "lifecycle.h"

#include <string.h>

static const struct {
	const char *name;
	const char *zh, *en;
} states[__CS_MAX] = {
    [CS_DRAFT] = {"draft", "草稿", "draft"},
    [CS_RECEIVED] = {"received", "已收件", "received"},
    [CS_QUEUED] = {"queued", "待报送", "queued for central"},
    [CS_SENT] = {"sent", "已报送", "sent to central"},
    [CS_ACCEPTED] = {"accepted", "已受理", "accepted by central"},
    [CS_RETURNED] = {"returned", "退回补正", "returned for materials"},
    [CS_REJECTED] = {"rejected", "不予受理", "rejected by central"},
    [CS_DECIDED] = {"decided", "已办结", "decided"},
    [CS_READY] = {"ready", "待领取", "ready for pickup"},
    [CS_COLLECTED] = {"collected", "已领取", "collected"},
    [CS_CLOSED] = {"closed", "已归档", "closed"},
    [CS_DISCARDED] = {"discarded", "已作废", "discarded"},
    [CS_WITHDRAWN] = {"withdrawn", "已撤回", "withdrawn"},
    [CS_PURGED] = {"purged", "已销毁个人信息", "personal data purged"},
};

static const char *const events[__LC_MAX] = {
    [LC_SUBMIT] = "submit", [LC_DISCARD] = "discard", [LC_WITHDRAW] = "withdraw",     [LC_QUEUE] = "queue",
    [LC_SEND] = "send",	    [LC_ACCEPT] = "accept",   [LC_RETURN] = "return",	      [LC_REJECT] = "reject",
    [LC_DECIDE] = "decide", [LC_READY] = "ready",     [LC_SUPPLEMENT] = "supplement", [LC_COLLECT] = "collect",
    [LC_CLOSE] = "close",   [LC_PURGE] = "purge",
};

/* The transition table: every allowed (from, event) pair and its target.
 * Anything not listed is refused. */
static const struct {
	enum case_state from;
	enum case_event ev;
	enum case_state to;
} transitions[] = {
    {CS_DRAFT, LC_SUBMIT, CS_RECEIVED},
    {CS_DRAFT, LC_DISCARD, CS_DISCARDED},
    {CS_RECEIVED, LC_WITHDRAW, CS_WITHDRAWN},
    {CS_QUEUED, LC_WITHDRAW, CS_WITHDRAWN},
    {CS_RETURNED, LC_WITHDRAW, CS_WITHDRAWN},
    {CS_RECEIVED, LC_QUEUE, CS_QUEUED},
    {CS_QUEUED, LC_SEND, CS_SENT},
    {CS_SENT, LC_ACCEPT, CS_ACCEPTED},
    {CS_SENT, LC_RETURN, CS_RETURNED},
    {CS_ACCEPTED, LC_RETURN, CS_RETURNED},
    {CS_SENT, LC_REJECT, CS_REJECTED},
    {CS_ACCEPTED, LC_DECIDE, CS_DECIDED},
    {CS_DECIDED, LC_READY, CS_READY},
    {CS_REJECTED, LC_READY, CS_READY},
    {CS_RETURNED, LC_SUPPLEMENT, CS_RECEIVED},
    {CS_READY, LC_COLLECT, CS_COLLECTED},
    {CS_COLLECTED, LC_CLOSE, CS_CLOSED},
    {CS_CLOSED, LC_PURGE, CS_PURGED},
    {CS_DISCARDED, LC_PURGE, CS_PURGED},
    {CS_WITHDRAWN, LC_PURGE, CS_PURGED},
};

bool lifecycle_next(enum case_state from, enum case_event ev, enum case_state *to)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		if (transitions[i].from == from && transitions[i].ev == ev) {
			*to = transitions[i].to;
			return true;
		}
	}
	return false;
}

const char *lifecycle_state_name(enum case_state s)
{
	return (unsigned)s < __CS_MAX ? states[s].name : "unknown";
}

const char *lifecycle_state_label(enum case_state s, bool english)
{
	if ((unsigned)s >= __CS_MAX)
		return "?";
	return english ? states[s].en : states[s].zh;
}

int lifecycle_state_parse(const char *name)
{
	for (int i = 0; name && i < __CS_MAX; i++) {
		if (strcmp(states[i].name, name) == 0)
			return i;
	}
	return -1;
}

const char *lifecycle_event_name(enum case_event e)
{
	return (unsigned)e < __LC_MAX ? events[e] : "unknown";
}

int lifecycle_event_parse(const char *name)
{
	for (int i = 0; name && i < __LC_MAX; i++) {
		if (strcmp(events[i], name) == 0)
			return i;
	}
	return -1;
}
