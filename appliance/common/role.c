/* SPDX-License-Identifier: Apache-2.0 */
#include "role.h"

#include <string.h>

static const char *const role_names[__ROLE_MAX] = {"web", "dev", "sync"};

const char *role_name(enum role role)
{
	return (unsigned)role < __ROLE_MAX ? role_names[role] : "unknown";
}

bool role_parse(const char *name, enum role *out)
{
	for (int i = 0; i < __ROLE_MAX; i++) {
		if (strcmp(name, role_names[i]) == 0) {
			*out = (enum role)i;
			return true;
		}
	}
	return false;
}
