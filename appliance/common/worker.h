/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One worker thread for the core's blocking work (password hashing now;
 * PDF assembly and the like later), so the event loop keeps answering.
 * Jobs are handed over and back as pointers through two pipes: the thread
 * owns a job between run() starting and the pointer coming back, the core
 * owns it otherwise, so no lock is needed.  run() may touch only the job;
 * done() runs in the loop.
 *
 * Jobs come in two classes with limits of their own: anonymous ones
 * (logins, whose password check anyone on the network can ask for) and the
 * box's own and its signed-in staff's (password changes, reports,
 * checkpoints).  Past its class's limit worker_submit() answers ST_BUSY, so
 * a flood of logins never takes the staff's places, and the thread takes a
 * waiting staff job before any waiting login.
 */
#ifndef OUTPOST_WORKER_H
#define OUTPOST_WORKER_H

#include <systemd/sd-event.h>

#include "status.h"

enum worker_class { WORKER_STAFF = 0, WORKER_ANON, __WORKER_CLASS_MAX };

struct worker_job {
	void (*run)(struct worker_job *job);  /* in the worker thread */
	void (*done)(struct worker_job *job); /* back in the event loop */
	enum worker_class cls;		      /* set by worker_submit() */
};

struct worker;

/* max_jobs[class]: jobs of that class waiting or running at once.  Call
 * with the signals the loop handles already blocked: the thread inherits
 * the mask. */
enum status worker_new(sd_event *ev, const unsigned max_jobs[__WORKER_CLASS_MAX], struct worker **out);
/* Stops the thread after the jobs handed to it; their done() is not called. */
void worker_free(struct worker **w);
enum status worker_submit(struct worker *w, enum worker_class cls, struct worker_job *job);

#endif
