#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/*
 * System calls no role needs after start-up: running programs, debugging
 * other processes, changing mounts, loading kernel code.  The web role may
 * not open sockets of its own either: it serves the listening socket the core
 * handed it and reaches nothing else.
 */
static const int denied_all[] = {
    SCMP_SYS(execve),
    SCMP_SYS(execveat),
    SCMP_SYS(ptrace),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(mount),
    SCMP_SYS(umount2),
    SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),
    SCMP_SYS(kexec_load),
    SCMP_SYS(init_module),
    SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),
    SCMP_SYS(bpf),
    SCMP_SYS(keyctl),
    SCMP_SYS(add_key),
    SCMP_SYS(request_key),
    SCMP_SYS(personality),
    SCMP_SYS(userfaultfd),
    SCMP_SYS(perf_event_open),
    SCMP_SYS(setns),
    SCMP_SYS(unshare),
    SCMP_SYS(swapon),
    SCMP_SYS(reboot),
};

static const int denied_web[] = {
    SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(fork), SCMP_SYS(vfork),
};

static enum status seccomp_deny(enum role role)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0;

	if (!ctx)
		return ST_NOMEM;
	for (size_t i = 0; rc == 0 && i < sizeof(denied_all) / sizeof(denied_all[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), denied_all[i], 0);
	if (role == ROLE_WEB) {
		for (size_t i = 0; rc == 0 && i < sizeof(denied_web) / sizeof(denied_web[0]); i++)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), denied_web[i], 0);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		log_err("seccomp: %s", strerror(-rc));
		return ST_IO;
	}
	return ST_OK;
}

/* Landlock: the web role reads its configuration file and nothing else. */
static void landlock_no_files(const char *config_path)
{
	struct landlock_path_beneath_attr config = {.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE};
	struct landlock_ruleset_attr attr = {
	    .handled_access_fs =
		LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
		LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		LANDLOCK_ACCESS_FS_MAKE_SYM,
	};
	long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0) {
		log_warn("Landlock is not available here (%s): the web role keeps file access", strerror(errno));
		return;
	}
	config.parent_fd = open(config_path, O_PATH | O_CLOEXEC);
	if (config.parent_fd < 0 || syscall(SYS_landlock_add_rule, (int)fd, LANDLOCK_RULE_PATH_BENEATH, &config, 0) < 0)
		log_warn("Landlock: %s stays unreadable after start-up: %s", config_path, strerror(errno));
	if (config.parent_fd >= 0)
		close(config.parent_fd);
	if (syscall(SYS_landlock_restrict_self, (int)fd, 0) < 0)
		log_warn("Landlock restrict: %s", strerror(errno));
	close((int)fd);
}

enum status sandbox_enter(enum role role, const char *config_path)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return ST_IO;
	}
	if (role == ROLE_WEB)
		landlock_no_files(config_path);
	return seccomp_deny(role);
}
