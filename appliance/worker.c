#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct worker {
	int to_thread[2];
	int from_thread[2];
	pthread_t thread;
	sd_event_source *io;
	unsigned in_flight;
	unsigned max_jobs;
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

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct worker_job *job;

	for (;;) {
		ssize_t n = read(w->to_thread[0], &job, sizeof(job));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(job) || !job)
			return NULL;
		job->run(job);
		if (!put(w->from_thread[1], job))
			fatal("worker: cannot hand a job back");
	}
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct worker *w = ud;
	struct worker_job *job;

	(void)s, (void)revents;
	while (read(fd, &job, sizeof(job)) == sizeof(job)) {
		w->in_flight--;
		job->done(job);
	}
	return 0;
}

enum status worker_new(sd_event *ev, unsigned max_jobs, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return ST_NOMEM;
	w->max_jobs = max_jobs;
	if (pipe2(w->to_thread, O_CLOEXEC) < 0 || pipe2(w->from_thread, O_CLOEXEC | O_NONBLOCK) < 0 ||
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
	put(w->to_thread[1], NULL);
	pthread_join(w->thread, NULL);
	sd_event_source_disable_unref(w->io);
	close(w->to_thread[0]);
	close(w->to_thread[1]);
	close(w->from_thread[0]);
	close(w->from_thread[1]);
	free(w);
	*wp = NULL;
}

enum status worker_submit(struct worker *w, struct worker_job *job)
{
	if (w->in_flight >= w->max_jobs)
		return ST_BUSY;
	if (!put(w->to_thread[1], job))
		return ST_IO;
	w->in_flight++;
	return ST_OK;
}
