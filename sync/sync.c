/*
 * The sync role: the only process that will talk to central (DESIGN 4).
 * Until enrolment and the protocol land it holds no key and opens no
 * connection; it runs sandboxed so the core's supervision, health and
 * restarts cover it from the start.
 */
#include "appliance/log.h"
#include "appliance/roleproc.h"
#include "appliance/sandbox.h"

int sync_main(const char *config_path);

static enum status on_msg(struct channel *ch, struct chmsg *m, void *ud)
{
	(void)ch, (void)ud;
	log_err("sync does not take %s messages", msg_type_name(m->type));
	return ST_PROTO;
}

int sync_main(const char *config_path)
{
	static struct roleproc rp;

	roleproc_init(&rp, ROLE_SYNC, config_path, on_msg);
	if (sandbox_enter(ROLE_SYNC, config_path) != ST_OK)
		fatalx("cannot enter the sandbox");
	log_info("sync ready (not enrolled with a central yet)");
	return roleproc_run(&rp);
}
