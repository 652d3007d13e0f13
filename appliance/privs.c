/* SPDX-License-Identifier: Apache-2.0 */
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"

#define CORE_USER  "outpost"
#define MAX_GROUPS 32

struct ids {
	const char *name;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS]; /* supplementary groups: the devices' for dev */
	int ngroups;
};

/* The core's, then one per role in enum role's order. */
static struct ids core_ids = {.name = CORE_USER};
static struct ids role_ids[__ROLE_MAX] = {
    [ROLE_WEB] = {.name = "outpost-web"},
    [ROLE_DEV] = {.name = "outpost-dev"},
    [ROLE_SYNC] = {.name = "outpost-sync"},
};
static bool active;

/* What the core keeps permitted, never effective but for the moment of use. */
#define CAP_BIT(c) (1ULL << (c))
static const uint64_t core_keeps = CAP_BIT(CAP_SETUID) | CAP_BIT(CAP_SETGID) | CAP_BIT(CAP_KILL);

static int caps_set(uint64_t effective, uint64_t permitted)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
	    {.effective = (uint32_t)effective, .permitted = (uint32_t)permitted},
	    {.effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32)},
	};

	return (int)syscall(SYS_capset, &h, d);
}

static enum status lookup(struct ids *id)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(id->name);
	if (!pw) {
		log_err("there is no user %s: the installer makes it (.ci/deps; useradd --system %s)", id->name,
			id->name);
		return ST_CONFIG;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_err("user %s is root or in group root: refusing to run a role as it", id->name);
		return ST_CONFIG;
	}
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	id->ngroups = MAX_GROUPS;
	if (getgrouplist(id->name, id->gid, id->groups, &id->ngroups) < 0) {
		log_err("user %s is in more than %d groups", id->name, MAX_GROUPS);
		return ST_CONFIG;
	}
	for (int i = 0; i < id->ngroups; i++) {
		if (id->groups[i] == 0) {
			log_err("user %s is in group root: refusing to run a role as it", id->name);
			return ST_CONFIG;
		}
	}
	return ST_OK;
}

enum status privs_load(bool *is_active)
{
	enum status st;

	*is_active = active = geteuid() == 0;
	if (!active) {
		log_info("started as uid %u, not root: every process runs as that user", (unsigned)geteuid());
		return ST_OK;
	}
	if ((st = lookup(&core_ids)) != ST_OK)
		return st;
	for (int r = 0; r < __ROLE_MAX; r++) {
		if ((st = lookup(&role_ids[r])) != ST_OK)
			return st;
		if (role_ids[r].uid == core_ids.uid) {
			log_err("user %s is the core's user", role_ids[r].name);
			return ST_CONFIG;
		}
	}
	return ST_OK;
}

/* --- the state directory ------------------------------------------------------------------ */

static char state_root[4096];
static size_t state_root_len;
static unsigned changed;

static const struct ids *owner_of(const char *path)
{
	static const struct {
		const char *dir;
		enum role role;
	} subdirs[] = {{"/dev", ROLE_DEV}, {"/sync", ROLE_SYNC}};
	const char *rest = path + state_root_len;

	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		size_t n = strlen(subdirs[i].dir);

		if (strncmp(rest, subdirs[i].dir, n) == 0 && (rest[n] == '\0' || rest[n] == '/'))
			return &role_ids[subdirs[i].role];
	}
	return &core_ids;
}

static int own_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const struct ids *id = owner_of(path);

	(void)type, (void)ftw;
	if (sb->st_uid == id->uid && sb->st_gid == id->gid)
		return 0;
	if (lchown(path, id->uid, id->gid) < 0) {
		log_err("cannot give %s to %s: %s", path, id->name, strerror(errno));
		return 1;
	}
	changed++;
	return 0;
}

static enum status make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		log_err("cannot create %s: %s", path, strerror(errno));
		return ST_IO;
	}
	if (chmod(path, mode) < 0) {
		log_err("chmod %s: %s", path, strerror(errno));
		return ST_IO;
	}
	return ST_OK;
}

enum status privs_own_state(const char *state_dir)
{
	char path[sizeof(state_root) + 8];
	int n = snprintf(state_root, sizeof(state_root), "%s", state_dir);

	if (n < 0 || (size_t)n >= sizeof(state_root))
		return ST_CONFIG;
	state_root_len = (size_t)n;
	/* Others may pass through the core's directory to their own below it,
	 * but not list it; every file in it is the core's alone (umask 077). */
	if (make_dir(state_dir, active ? 0711 : 0700) != ST_OK)
		return ST_IO;
	snprintf(path, sizeof(path), "%s/dev", state_dir);
	if (make_dir(path, 0700) != ST_OK)
		return ST_IO;
	snprintf(path, sizeof(path), "%s/sync", state_dir);
	if (make_dir(path, 0700) != ST_OK)
		return ST_IO;
	if (!active)
		return ST_OK;
	changed = 0;
	if (nftw(state_dir, own_one, 16, FTW_PHYS) != 0)
		return ST_IO;
	if (changed)
		log_info("gave %u files in %s to their processes' users", changed, state_dir);
	return ST_OK;
}

/* --- dropping root ------------------------------------------------------------------------ */

enum status privs_drop_core(void)
{
	if (!active)
		return ST_OK;
	/* Nothing started later can ever get back what the core does not keep. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (!(core_keeps & CAP_BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			log_err("cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
			return ST_IO;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(core_ids.gid, core_ids.gid, core_ids.gid) < 0 ||
	    setresuid(core_ids.uid, core_ids.uid, core_ids.uid) < 0 || caps_set(0, core_keeps) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		log_err("cannot become %s: %s", core_ids.name, strerror(errno));
		return ST_IO;
	}
	log_info("running as %s (uid %u), no effective capability", core_ids.name, (unsigned)core_ids.uid);
	return ST_OK;
}

bool privs_become(enum role role)
{
	const struct ids *id = &role_ids[role];

	if (!active)
		return true;
	return caps_set(CAP_BIT(CAP_SETUID) | CAP_BIT(CAP_SETGID), core_keeps) == 0 &&
	       setgroups((size_t)id->ngroups, id->groups) == 0 && setresgid(id->gid, id->gid, id->gid) == 0 &&
	       setresuid(id->uid, id->uid, id->uid) == 0 && caps_set(0, 0) == 0;
}

int privs_kill(pid_t pid, int sig)
{
	int rc, saved;

	if (!active)
		return kill(pid, sig);
	if (caps_set(CAP_BIT(CAP_KILL), core_keeps) < 0)
		return -1;
	rc = kill(pid, sig);
	saved = errno;
	caps_set(0, core_keeps);
	errno = saved;
	return rc;
}
