/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: speaks to the core as if it were one of its children.  It
 * takes a duplicate of the child's channel (descriptor 3) with
 * pidfd_getfd(2), so the product needs no test hook.
 *
 *   inject PID              a malformed datagram (the child must be restarted)
 *   inject PID case-event JSON
 *                           a well-formed MSG_CASE_EVENT, as the sync process
 *                           sends central's events (PID must be sync's)
 *   inject PID scan JSON    a MSG_SCAN, as the dev process sends a barcode
 *                           read (PID must be dev's)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "appliance/common/msg.h"

int main(int argc, char **argv)
{
	static const char garbage[] = "\xde\xad\xbe\xef not a message";
	int pidfd, fd;

	if (argc != 2 && !(argc == 4 && (strcmp(argv[2], "case-event") == 0 || strcmp(argv[2], "scan") == 0))) {
		fprintf(stderr, "usage: inject PID [case-event|scan JSON]\n");
		return 2;
	}
	pidfd = (int)syscall(SYS_pidfd_open, atoi(argv[1]), 0);
	if (pidfd < 0) {
		perror("pidfd_open");
		return 1;
	}
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, 3, 0);
	if (fd < 0) {
		perror("pidfd_getfd");
		return 1;
	}
	if (argc == 4) {
		if (msg_send(fd, strcmp(argv[2], "scan") == 0 ? MSG_SCAN : MSG_CASE_EVENT, 0, argv[3], strlen(argv[3]),
			     NULL, 0) != ST_OK) {
			fprintf(stderr, "inject: message not sent\n");
			return 1;
		}
		return 0;
	}
	if (send(fd, garbage, sizeof(garbage) - 1, 0) < 0) {
		perror("send");
		return 1;
	}
	return 0;
}
