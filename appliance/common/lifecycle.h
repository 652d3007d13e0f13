/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The case lifecycle (docs/design.md 4.1) as a pure state machine: states, events
 * and the one table that says which event moves which state where.  No I/O;
 * cases.c applies a transition together with its audit row.
 *
 *  draft ──► received ──► queued ──► sent ──► accepted ──► decided ──► ready ──► collected ──► closed
 *    │          │  ▲                  │          │              (approved/denied)        (purged after
 *    ▼          │  └──── supplement ◄─┴── returned (more materials needed)                retention)
 *  discarded    ▼                     └──► rejected (not accepted by central) ──► ready (to return papers)
 *           withdrawn
 *
 * Functions behind each event: LC_SUBMIT cases_submit(), LC_DISCARD
 * cases_discard(), LC_WITHDRAW cases_withdraw(), LC_SUPPLEMENT
 * cases_supplement(), LC_COLLECT cases_pickup(), LC_CLOSE cases_close(),
 * LC_PURGE cases_purge(); LC_QUEUE, LC_SEND and the central events
 * (LC_ACCEPT, LC_RETURN, LC_REJECT, LC_DECIDE, LC_READY) come from the sync
 * process through cases_central_event().
 */
#ifndef OUTPOST_LIFECYCLE_H
#define OUTPOST_LIFECYCLE_H

#include <stdbool.h>

enum case_state {
	CS_DRAFT = 0,
	CS_RECEIVED,
	CS_QUEUED,
	CS_SENT,
	CS_ACCEPTED,
	CS_RETURNED,
	CS_REJECTED,
	CS_DECIDED,
	CS_READY,
	CS_COLLECTED,
	CS_CLOSED,
	CS_DISCARDED,
	CS_WITHDRAWN,
	CS_PURGED,
	__CS_MAX
};

enum case_event {
	LC_SUBMIT = 0, /* draft -> received: the clerk completes the intake */
	LC_DISCARD,    /* draft -> discarded */
	LC_WITHDRAW,   /* the applicant takes the application back */
	LC_QUEUE,      /* received -> queued: put in a batch for central */
	LC_SEND,       /* queued -> sent: central confirmed the batch */
	LC_ACCEPT,     /* sent -> accepted: central gave its official number */
	LC_RETURN,     /* central wants more materials */
	LC_REJECT,     /* sent -> rejected: central did not take the case */
	LC_DECIDE,     /* accepted -> decided: approved or denied */
	LC_READY,      /* the result (or the returned papers) can be collected */
	LC_SUPPLEMENT, /* returned -> received: new materials, a new version */
	LC_COLLECT,    /* ready -> collected: handed over at the counter */
	LC_CLOSE,      /* collected -> closed */
	LC_PURGE,      /* closed, discarded or withdrawn -> purged after retention */
	__LC_MAX
};

/* The state after event in state from; false when the event is not allowed
 * there (the state stays as it is). */
bool lifecycle_next(enum case_state from, enum case_event ev, enum case_state *to);

/* Names as stored and sent ("received"), and back; -1 when unknown. */
const char *lifecycle_state_name(enum case_state s);
int lifecycle_state_parse(const char *name);
const char *lifecycle_event_name(enum case_event e);
int lifecycle_event_parse(const char *name);
/* The state's label in Chinese and English, for people. */
const char *lifecycle_state_label(enum case_state s, bool english);

#endif
