/*
 * One worker thread for the core's blocking work (password hashing now;
 * PDF assembly and the like later), so the event loop keeps answering.
 * Jobs are handed over and back as pointers through two pipes: the thread
 * owns a job between run() starting and the pointer coming back, the core
 * owns it otherwise, so no lock is needed.  run() may touch only the job;
 * done() runs in the loop.  At most max_jobs are in flight; past that
 * worker_submit() answers ST_BUSY.
 */
#ifndef OUTPOST_WORKER_H
#define OUTPOST_WORKER_H

#include <systemd/sd-event.h>

#include "status.h"

struct worker_job {
	void (*run)(struct worker_job *job);  /* in the worker thread */
	void (*done)(struct worker_job *job); /* back in the event loop */
};

struct worker;

/* Call with the signals the loop handles already blocked: the thread
 * inherits the mask. */
enum status worker_new(sd_event *ev, unsigned max_jobs, struct worker **out);
/* Stops the thread after the jobs handed to it; their done() is not called. */
void worker_free(struct worker **w);
enum status worker_submit(struct worker *w, struct worker_job *job);

#endif
