/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outpostd: the Outpost appliance daemon.  One binary; started plainly it is
 * the core, which re-executes this binary with "--role NAME" for each child.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/role.h"
#include "parent.h"

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: outpostd [-n] [-c config]\n"
			"  -c FILE  configuration file (default /etc/outpost/outpost.conf)\n"
			"  -n       check the configuration and exit\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"role", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *config_path = "/etc/outpost/outpost.conf";
	const char *role_arg = NULL;
	bool check_only = false;
	enum role role;
	static char ident[32]; /* log_init keeps it */
	int ch;

	/* Everything Outpost creates (database, documents, keys, sockets) is
	 * for its own user only. */
	umask(077);
	/*
	 * Fixed malloc thresholds.  glibc raises its mmap threshold to the size
	 * of any large block freed, so after the first argon2 hash (19 MiB) such
	 * blocks came from the heap and stayed resident in the core.  Fixed
	 * values keep large blocks in mmap and return freed heap to the kernel.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);

	while ((ch = getopt_long(argc, argv, "c:nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'r':
			role_arg = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (check_only) {
		struct config cfg;
		char err[512];

		if (config_load(config_path, &cfg, err, sizeof(err)) != ST_OK) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("configuration OK\n");
		return 0;
	}
	if (!role_arg) {
		log_init("outpostd", LOG_LVL_INFO);
		return core_main(config_path);
	}
	if (!role_parse(role_arg, &role))
		usage();
	snprintf(ident, sizeof(ident), "outpostd[%s]", role_name(role));
	log_init(ident, LOG_LVL_INFO);
	switch (role) {
	case ROLE_WEB:
		return web_main(config_path);
	case ROLE_DEV:
		return dev_main(config_path);
	default:
		return sync_main(config_path);
	}
}
