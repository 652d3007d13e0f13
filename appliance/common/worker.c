/* SPDX-License-Identifier: Apache-2.0 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct worker {
	int to_thread[__WORKER_CLASS_MAX][2]; /* one pipe a class: the thread reads the staff's first */
	int from_thread[2];
	pthread_t thread;
	sd_event_source *io;
	unsigned in_flight[__WORKER_CLASS_MAX];
	unsigned max_jobs[__WORKER_CLASS_MAX];
};

/* A pointer is far below PIPE_BUF, so each write is whole. */
static bool put(int fd, struct worker_job *job)
{
	ssize_t n;

	do {
		n = write(fd, &job, sizeof(job));
	} while (n < 0 && errno == EINTR);
	return n == sizeof(job);
}

/* The next job, the staff's before the anonymous; NULL to stop.  The pipes
 * to the thread are non-blocking for its reads. */
static struct worker_job *next_job(struct worker *w)
{
	struct pollfd p[__WORKER_CLASS_MAX];
	struct worker_job *job;

	for (;;) {
		for (int c = 0; c < __WORKER_CLASS_MAX; c++) {
			ssize_t n = read(w->to_thread[c][0], &job, sizeof(job));

			if (n == sizeof(job))
				return job;
			if (n >= 0 || (errno != EAGAIN && errno != EINTR))
				return NULL; /* the core is gone */
		}
		for (int c = 0; c < __WORKER_CLASS_MAX; c++)
			p[c] = (struct pollfd){.fd = w->to_thread[c][0], .events = POLLIN};
		if (poll(p, __WORKER_CLASS_MAX, -1) < 0 && errno != EINTR)
			return NULL;
	}
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct worker_job *job;

	while ((job = next_job(w))) {
		job->run(job);
		if (!put(w->from_thread[1], job))
			fatal("worker: cannot hand a job back");
	}
	return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct worker *w = ud;
	struct worker_job *job;

	(void)s, (void)revents;
	while (read(fd, &job, sizeof(job)) == sizeof(job)) {
		w->in_flight[job->cls]--;
		job->done(job);
	}
	return 0;
}

enum status worker_new(sd_event *ev, const unsigned max_jobs[__WORKER_CLASS_MAX], struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return ST_NOMEM;
	for (int c = 0; c < __WORKER_CLASS_MAX; c++) {
		w->max_jobs[c] = max_jobs[c];
		w->to_thread[c][0] = w->to_thread[c][1] = -1;
	}
	if (pipe2(w->to_thread[WORKER_STAFF], O_CLOEXEC) < 0 || pipe2(w->to_thread[WORKER_ANON], O_CLOEXEC) < 0 ||
	    fcntl(w->to_thread[WORKER_STAFF][0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(w->to_thread[WORKER_ANON][0], F_SETFL, O_NONBLOCK) < 0 ||
	    pipe2(w->from_thread, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    sd_event_add_io(ev, &w->io, w->from_thread[0], EPOLLIN, on_done, w) < 0 ||
	    pthread_create(&w->thread, NULL, thread_main, w) != 0) {
		log_err("worker: %s", strerror(errno));
		sd_event_source_disable_unref(w->io);
		free(w);
		return ST_NOMEM;
	}
	*out = w;
	return ST_OK;
}

void worker_free(struct worker **wp)
{
	struct worker *w = *wp;

	if (!w)
		return;
	put(w->to_thread[WORKER_STAFF][1], NULL);
	pthread_join(w->thread, NULL);
	sd_event_source_disable_unref(w->io);
	for (int c = 0; c < __WORKER_CLASS_MAX; c++) {
		close(w->to_thread[c][0]);
		close(w->to_thread[c][1]);
	}
	close(w->from_thread[0]);
	close(w->from_thread[1]);
	free(w);
	*wp = NULL;
}

enum status worker_submit(struct worker *w, enum worker_class cls, struct worker_job *job)
{
	if (w->in_flight[cls] >= w->max_jobs[cls])
		return ST_BUSY;
	job->cls = cls;
	if (!put(w->to_thread[cls][1], job))
		return ST_IO;
	w->in_flight[cls]++;
	return ST_OK;
}
