/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the INI configuration (appliance/common/config.c via inih). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "appliance/common/config.h"
#include "appliance/common/fdio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[512];
	struct config cfg;

	if (fd < 0)
		fd = memfd_create("fuzz-config", 0);
	if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	(void)config_load(path, &cfg, err, sizeof(err));
	return 0;
}
