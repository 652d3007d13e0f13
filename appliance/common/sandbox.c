/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <libgen.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* --- seccomp allow-lists ------------------------------------------------------------------ */

/* What every process makes: memory, descriptors it was given, its loop
 * (sd-event: epoll, timerfd, signalfd), messages with descriptors, clocks,
 * threads' futexes, and leaving. */
static const int base[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(close),
    SCMP_SYS(close_range),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(lseek),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mprotect),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getppid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(futex),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(signalfd4),
    SCMP_SYS(eventfd2),
    SCMP_SYS(pipe2),
    SCMP_SYS(dup),
    SCMP_SYS(dup3),
    SCMP_SYS(fcntl),
    SCMP_SYS(ioctl),
    SCMP_SYS(openat),
    SCMP_SYS(getrandom),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(getsockopt),
    SCMP_SYS(setsockopt),
    SCMP_SYS(shutdown),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(prctl),
    SCMP_SYS(uname),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(prlimit64),
    SCMP_SYS(getrlimit),
    SCMP_SYS(tgkill),
    SCMP_SYS(getdents64),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(memfd_create),
    SCMP_SYS(ftruncate),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(umask),
    SCMP_SYS(sysinfo),
    SCMP_SYS(arch_prctl),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(set_tid_address),
    SCMP_SYS(get_robust_list),
    SCMP_SYS(sched_setaffinity),
};

/* web: serves the sockets the core handed it; opens no socket of its own. */
static const int web_only[] = {SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(epoll_pwait2), SCMP_SYS(select),
			       SCMP_SYS(pselect6)};

/* dev: devices (the printer's socket or device, USB, GPIO, ALSA), the
 * simulated panel's FIFO and the voice's WAV files in its own folder. */
static const int dev_only[] = {
    SCMP_SYS(socket),
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(mkdirat),
    SCMP_SYS(mkdir),
    SCMP_SYS(unlinkat),
    SCMP_SYS(unlink),
    SCMP_SYS(renameat),
    SCMP_SYS(renameat2),
    SCMP_SYS(rename),
    SCMP_SYS(mknodat),
    SCMP_SYS(mknod),
    /* fontconfig (the raster painter): chmod on the cache folder it tries
     * to make, fadvise on the caches it reads */
    SCMP_SYS(chmod),
    SCMP_SYS(fadvise64),
    SCMP_SYS(fchmod),
    SCMP_SYS(fchmodat),
    SCMP_SYS(inotify_init1),
    SCMP_SYS(inotify_add_watch),
    SCMP_SYS(inotify_rm_watch),
    SCMP_SYS(select),
    SCMP_SYS(pselect6),
    SCMP_SYS(sched_getparam),
    SCMP_SYS(sched_getscheduler),
    SCMP_SYS(sched_setscheduler),
    SCMP_SYS(getcwd),
    SCMP_SYS(fstatfs),
    SCMP_SYS(statfs),
    SCMP_SYS(flock),
    SCMP_SYS(fallocate),
    SCMP_SYS(epoll_pwait2),
};

/* sync: HTTPS to central (sockets, the resolver's), its identity files. */
static const int sync_only[] = {
    SCMP_SYS(socket),	 SCMP_SYS(connect), SCMP_SYS(bind),	SCMP_SYS(sendmmsg),	SCMP_SYS(recvmmsg),
    SCMP_SYS(mkdirat),	 SCMP_SYS(mkdir),   SCMP_SYS(unlinkat), SCMP_SYS(unlink),	SCMP_SYS(renameat),
    SCMP_SYS(renameat2), SCMP_SYS(rename),  SCMP_SYS(select),	SCMP_SYS(pselect6),	SCMP_SYS(socketpair),
    SCMP_SYS(fstatfs),	 SCMP_SYS(statfs),  SCMP_SYS(getcwd),	SCMP_SYS(epoll_pwait2), SCMP_SYS(flock),
};

/* The core: its database and documents, the control socket, its children
 * (fork, their users, exec), signals to them. */
static const int core_only[] = {
    SCMP_SYS(accept4),
    SCMP_SYS(socket),
    SCMP_SYS(bind),
    SCMP_SYS(listen),
    SCMP_SYS(socketpair),
    SCMP_SYS(mkdirat),
    SCMP_SYS(mkdir),
    SCMP_SYS(unlinkat),
    SCMP_SYS(unlink),
    SCMP_SYS(renameat),
    SCMP_SYS(renameat2),
    SCMP_SYS(rename),
    SCMP_SYS(linkat),
    SCMP_SYS(fchmod),
    SCMP_SYS(fchown),
    SCMP_SYS(fstatfs),
    SCMP_SYS(statfs),
    SCMP_SYS(fallocate),
    SCMP_SYS(flock),
    SCMP_SYS(getcwd),
    SCMP_SYS(wait4),
    SCMP_SYS(waitid),
    SCMP_SYS(kill),
    SCMP_SYS(execveat),
    SCMP_SYS(capset),
    SCMP_SYS(capget),
    SCMP_SYS(setgroups),
    SCMP_SYS(setresuid),
    SCMP_SYS(setresgid),
    SCMP_SYS(dup2),
    SCMP_SYS(pidfd_open),
    SCMP_SYS(pidfd_send_signal),
    SCMP_SYS(epoll_pwait2),
    SCMP_SYS(select),
    SCMP_SYS(pselect6),
    SCMP_SYS(fchmodat),
    SCMP_SYS(utimensat),
    SCMP_SYS(sync_file_range),
    SCMP_SYS(fadvise64),
    /* what a child does to sandbox itself, under this filter */
    SCMP_SYS(seccomp),
    SCMP_SYS(landlock_create_ruleset),
    SCMP_SYS(landlock_add_rule),
    SCMP_SYS(landlock_restrict_self),
};

#ifdef UNDER_ASAN
/* LeakSanitizer stops the process's threads to look for leaks at exit. */
static const int sanitizer[] = {SCMP_SYS(ptrace),   SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(open),
				SCMP_SYS(getdents), SCMP_SYS(kill),  SCMP_SYS(getcwd), SCMP_SYS(sched_getparam)};
#endif

struct list {
	const int *calls;
	size_t n;
};
#define LIST(a)                                                                                                        \
	{                                                                                                              \
		(a), sizeof(a) / sizeof((a)[0])                                                                        \
	}

#ifdef OUTPOST_SECCOMP_DISCOVER
/* A build to find what a process needs (make B=build/disc
 * CFLAGS=-DOUTPOST_SECCOMP_DISCOVER): a call off the list is only logged by
 * the kernel (dmesg, "type=1326", with the process's uid and the call). */
#define DEFAULT_ACTION SCMP_ACT_LOG
#else
#define DEFAULT_ACTION SCMP_ACT_KILL_PROCESS
#endif

static enum status seccomp_allow(const struct list *lists, size_t nlists, bool forks)
{
	scmp_filter_ctx ctx = seccomp_init(DEFAULT_ACTION);
	static bool seen[1024];
	int rc;

	if (!ctx)
		return ST_NOMEM;
#ifdef UNDER_ASAN
	forks = true; /* LeakSanitizer's tracer is a clone without CLONE_THREAD */
#endif
	memset(seen, 0, sizeof(seen));
	/* Threads started before the filter get it too, and a role killed for
	 * a call it may not make is logged by the kernel. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	for (size_t l = 0; rc == 0 && l < nlists; l++) {
		for (size_t i = 0; rc == 0 && i < lists[l].n; i++) {
			int nr = lists[l].calls[i];

			if (nr < 0 || (size_t)nr >= sizeof(seen) || seen[nr])
				continue; /* not on this architecture, or listed twice */
			seen[nr] = true;
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		}
	}
	/* Threads (a worker, libcurl's resolver); a new process only for the
	 * core.  clone3 fails with ENOSYS, so glibc falls back to clone, whose
	 * flags a filter can read. */
	if (rc == 0)
		rc = forks ? seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0)
			   : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
					      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		log_err("seccomp: %s", strerror(-rc));
		return ST_IO;
	}
	return ST_OK;
}

/* --- Landlock ----------------------------------------------------------------------------- */

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC (FS_READ | LANDLOCK_ACCESS_FS_EXECUTE)
#define FS_RW                                                                                                          \
	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |    \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_FIFO |                    \
	 LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
/* Only what a file (not a folder) can be granted. */
#define FS_FILE_ONLY                                                                                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |                   \
	 LANDLOCK_ACCESS_FS_TRUNCATE)

struct landlock {
	int fd;
	uint64_t handled;
	const char *role;
};

static bool landlock_start(struct landlock *ll, const char *role)
{
	struct landlock_ruleset_attr attr = {0};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	ll->role = role;
	ll->fd = -1;
	if (abi < 1) {
		log_warn("Landlock is not available here (%s): %s keeps its file access", strerror(errno), role);
		return false;
	}
	ll->handled = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
		      LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		      LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		      LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		      LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		ll->handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		ll->handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	attr.handled_access_fs = ll->handled;
	ll->fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ll->fd < 0) {
		log_warn("Landlock ruleset: %s: %s keeps its file access", strerror(errno), role);
		return false;
	}
	return true;
}

/* A path that does not exist is skipped: /lib64 is not on every system. */
static void landlock_allow(struct landlock *ll, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr rule = {0};
	struct stat sb;

	if (ll->fd < 0 || !path || !path[0])
		return;
	rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (rule.parent_fd < 0) {
		if (errno != ENOENT)
			log_warn("Landlock: %s stays out of reach of %s: %s", path, ll->role, strerror(errno));
		return;
	}
	if (fstat(rule.parent_fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
		access &= FS_FILE_ONLY;
	rule.allowed_access = access & ll->handled;
	if (syscall(SYS_landlock_add_rule, ll->fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
		log_warn("Landlock: %s stays out of reach of %s: %s", path, ll->role, strerror(errno));
	close(rule.parent_fd);
}

static void landlock_finish(struct landlock *ll)
{
	if (ll->fd < 0)
		return;
#ifdef UNDER_ASAN
	landlock_allow(ll, "/proc", FS_READ); /* LeakSanitizer reads /proc/self at exit */
#endif
	if (syscall(SYS_landlock_restrict_self, ll->fd, 0) < 0)
		log_warn("Landlock restrict (%s): %s", ll->role, strerror(errno));
	close(ll->fd);
}

/* What a program linking libraries at run time reads: the libraries, the
 * system's configuration (time zone, certificates, resolver, locale). */
static void landlock_system(struct landlock *ll)
{
	static const char *const ro[] = {"/usr", "/lib", "/lib64", "/etc", "/run/systemd/resolve"};

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		landlock_allow(ll, ro[i], FS_EXEC);
}

static void landlock_dev(const struct config *cfg, const char *config_path)
{
	struct landlock ll;
	char path[CONFIG_PATH_MAX + 16];
	const char *sane = getenv("SANE_CONFIG_DIR");

	if (!landlock_start(&ll, "dev"))
		return;
	landlock_system(&ll);
	landlock_allow(&ll, config_path, FS_READ);
	/* Device nodes, and what libusb, libgpiod and ALSA read about them. */
	landlock_allow(&ll, "/dev", FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE);
	landlock_allow(&ll, "/sys", FS_READ);
	landlock_allow(&ll, "/run/udev", FS_READ);
	landlock_allow(&ll, "/proc/asound", FS_READ);
	/* The raster painter's fonts: fontconfig's cache saves a scan of them. */
	landlock_allow(&ll, "/var/cache/fontconfig", FS_READ);
	snprintf(path, sizeof(path), "%s/dev", cfg->state_dir);
	landlock_allow(&ll, path, FS_RW);
	/* A SANE configuration of its own (the virtual test backends read
	 * their pages from beside it). */
	if (sane)
		landlock_allow(&ll, sane, FS_READ);
	if (strcmp(cfg->printer_backend, "tcp") != 0) {
		/* The file printer may be anywhere: its folder, for "<path>.paper-out". */
		snprintf(path, sizeof(path), "%s", cfg->printer_path);
		landlock_allow(&ll, strcmp(cfg->printer_backend, "file") == 0 ? dirname(path) : path, FS_RW);
	}
	landlock_allow(&ll, cfg->voice_dir, FS_RW);
	landlock_finish(&ll);
}

static void landlock_sync(const struct config *cfg, const char *config_path)
{
	struct landlock ll;
	char path[CONFIG_PATH_MAX + 16];

	if (!landlock_start(&ll, "sync"))
		return;
	landlock_system(&ll);
	landlock_allow(&ll, config_path, FS_READ);
	landlock_allow(&ll, "/dev/urandom", FS_READ);
	landlock_allow(&ll, "/dev/null", FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE);
	snprintf(path, sizeof(path), "%s/sync", cfg->state_dir);
	landlock_allow(&ll, path, FS_RW);
	landlock_allow(&ll, cfg->sync_ca_file, FS_READ);
	landlock_allow(&ll, cfg->sync_client_cert, FS_READ);
	landlock_allow(&ll, cfg->sync_client_key, FS_READ);
	landlock_finish(&ll);
}

static void landlock_web(const char *config_path)
{
	struct landlock ll;

	if (!landlock_start(&ll, "web"))
		return;
	landlock_allow(&ll, config_path, FS_READ);
	landlock_finish(&ll);
}

#ifdef OUTPOST_TEST_HOOKS
/* The test build: OUTPOST_TEST_PROBE names files (':' between them) each
 * role tries to open once it is sandboxed, logging what happened. */
static void probe(enum role role)
{
	const char *list = getenv("OUTPOST_TEST_PROBE");
	char paths[4096], *save = NULL;

	if (!list || strlen(list) >= sizeof(paths))
		return;
	memcpy(paths, list, strlen(list) + 1);
	for (char *p = strtok_r(paths, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		int fd = open(p, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			log_warn("probe: %s opened %s", role_name(role), p);
			close(fd);
		} else {
			log_info("probe: %s cannot open %s: %s", role_name(role), p, strerror(errno));
		}
	}
}
#endif

static enum status no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return ST_IO;
	}
	return ST_OK;
}

enum status sandbox_enter(enum role role, const struct config *cfg, const char *config_path)
{
	struct list lists[3] = {LIST(base)};
	size_t n = 1;
	enum status st;

	if ((st = no_new_privs()) != ST_OK)
		return st;
	switch (role) {
	case ROLE_WEB:
		landlock_web(config_path);
		lists[n++] = (struct list)LIST(web_only);
		break;
	case ROLE_DEV:
		landlock_dev(cfg, config_path);
		lists[n++] = (struct list)LIST(dev_only);
		break;
	default:
		landlock_sync(cfg, config_path);
		lists[n++] = (struct list)LIST(sync_only);
		break;
	}
#ifdef UNDER_ASAN
	lists[n++] = (struct list)LIST(sanitizer);
#endif
	st = seccomp_allow(lists, n, false);
#ifdef OUTPOST_TEST_HOOKS
	if (st == ST_OK)
		probe(role);
#endif
	return st;
}

enum status sandbox_enter_core(void)
{
	/* Every child's filter stacks on this one: the core's list holds theirs. */
	const struct list lists[] = {
	    LIST(base),	     LIST(web_only), LIST(dev_only), LIST(sync_only), LIST(core_only),
#ifdef UNDER_ASAN
	    LIST(sanitizer),
#endif
	};
	enum status st = no_new_privs();

	return st == ST_OK ? seccomp_allow(lists, sizeof(lists) / sizeof(lists[0]), true) : st;
}
