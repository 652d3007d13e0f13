/* SPDX-License-Identifier: Apache-2.0 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "privs.h"

/* A child that ran this long is healthy again: its next restart is quick. */
#define CHILD_STABLE_USEC    (10 * 1000000ULL)
#define CHILD_BACKOFF_MIN_MS 200

static uint64_t now_usec(sd_event *ev)
{
	uint64_t t = 0;

	sd_event_now(ev, CLOCK_MONOTONIC, &t);
	return t;
}

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct child *c = ud;

	(void)s;
	(void)usec;
	c->restart_timer = sd_event_source_unref(c->restart_timer);
	child_start(c);
	return 0;
}

static void schedule_restart(struct child *c)
{
	uint64_t delay_ms = CHILD_BACKOFF_MIN_MS;

	if (c->env->stopping)
		return;
	for (unsigned i = 0; i < c->quick_failures && delay_ms < c->env->backoff_max_ms; i++)
		delay_ms *= 2;
	if (delay_ms > c->env->backoff_max_ms)
		delay_ms = c->env->backoff_max_ms;
	c->quick_failures++;
	log_info("restarting %s in %llu ms", role_name(c->role), (unsigned long long)delay_ms);
	if (sd_event_add_time_relative(c->env->ev, &c->restart_timer, CLOCK_MONOTONIC, delay_ms * 1000, 1000,
				       on_restart_timer, c) < 0)
		fatalx("cannot schedule a restart of %s", role_name(c->role));
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *ud)
{
	struct child *c = ud;

	(void)s;
	/* Asked to stop, a child that exits 0 or dies of the SIGTERM it was
	 * sent did what it was told; anything else is worth a warning. */
	if (c->env->stopping && ((si->si_code == CLD_EXITED && si->si_status == 0) ||
				 (si->si_code != CLD_EXITED && si->si_status == SIGTERM)))
		log_info("%s (pid %d) stopped", role_name(c->role), (int)si->si_pid);
	else if (si->si_code == CLD_EXITED)
		log_warn("%s (pid %d) exited with status %d", role_name(c->role), (int)si->si_pid, si->si_status);
	else
		log_warn("%s (pid %d) killed by signal %d", role_name(c->role), (int)si->si_pid, si->si_status);
	c->exit_src = sd_event_source_unref(c->exit_src);
	if (!c->env->stopping)
		c->restarts++;
	channel_free(&c->ch);
	c->pid = -1;
	c->ready = false;
	if (now_usec(c->env->ev) - c->started_usec >= CHILD_STABLE_USEC)
		c->quick_failures = 0;
	c->env->on_change();
	schedule_restart(c);
	return 0;
}

static void on_channel_close(struct channel *ch, enum status why, void *ud)
{
	struct child *c = ud;

	(void)ch;
	if (why == ST_PROTO)
		log_err("%s sent a malformed message: killing it", role_name(c->role));
	/* A child closes its channel on the way out when asked to stop; outside
	 * a shutdown a child without a channel is of no use and is replaced. */
	if (why == ST_UNAVAILABLE && c->env->stopping)
		channel_free(&c->ch);
	else
		child_kill(c);
}

static _Noreturn void exec_child(struct child *c, int sock)
{
	char *argv[] = {(char *)"outpostd",	     (char *)"--role",
			(char *)role_name(c->role),  (char *)"-c",
			(char *)c->env->config_path, NULL};
	sigset_t none;

	/* Its own user first (which clears the death signal), then die with the
	 * core, and start with a clean signal mask. */
	if (!privs_become(c->role)) {
		dprintf(STDERR_FILENO, "outpostd: cannot become the %s user: %s\n", role_name(c->role),
			strerror(errno));
		_exit(127);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->env->core_pid)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(sock, ROLE_CHANNEL_FD) < 0)
		_exit(127);
	if (c->role == ROLE_WEB &&
	    (dup2(c->env->listen_fd, ROLE_LISTEN_FD) < 0 || dup2(c->env->tls_listen_fd, ROLE_TLS_LISTEN_FD) < 0))
		_exit(127);
	/* Everything else the core holds (database, keys) is close-on-exec.
	 * The binary is run from the descriptor the core opened as root, so
	 * the role's user needs no way through the folders above it. */
	syscall(SYS_execveat, c->env->exe_fd, "", argv, environ, AT_EMPTY_PATH);
	dprintf(STDERR_FILENO, "outpostd: cannot run the %s role: %s\n", role_name(c->role), strerror(errno));
	_exit(127);
}

void child_start(struct child *c)
{
	int sv[2] = {-1, -1};
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err("socketpair for %s: %s", role_name(c->role), strerror(errno));
		schedule_restart(c);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork for %s: %s", role_name(c->role), strerror(errno));
		close(sv[0]);
		close(sv[1]);
		schedule_restart(c);
		return;
	}
	if (pid == 0) {
		close(sv[0]);
		exec_child(c, sv[1]);
	}
	close(sv[1]);
	c->pid = pid;
	c->ready = false;
	c->started_usec = now_usec(c->env->ev);
	if (sd_event_add_child(c->env->ev, &c->exit_src, pid, WEXITED, on_child_exit, c) < 0)
		fatalx("cannot watch %s (pid %d)", role_name(c->role), (int)pid);
	c->ch = channel_new(c->env->ev, sv[0], role_name(c->role), c->env->on_msg, on_channel_close, c);
	if (!c->ch)
		fatalx("cannot watch the channel of %s", role_name(c->role));
	log_info("started %s (pid %d)", role_name(c->role), (int)pid);
}

void child_kill(struct child *c)
{
	if (c->pid > 0)
		privs_kill(c->pid, SIGKILL);
	channel_free(&c->ch);
	c->ready = false;
}

void child_terminate(struct child *c)
{
	c->restart_timer = sd_event_source_disable_unref(c->restart_timer);
	if (c->pid > 0)
		privs_kill(c->pid, SIGTERM);
}

bool child_running(const struct child *c)
{
	return c->pid > 0;
}
