/*
 * Test tool: sends a malformed datagram to the core as if it came from a
 * child.  It takes a duplicate of the child's channel (descriptor 3) with
 * pidfd_getfd(2), so the product needs no test hook.
 * Usage: inject PID
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char garbage[] = "\xde\xad\xbe\xef not a message";
	int pidfd, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: inject PID\n");
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
	if (send(fd, garbage, sizeof(garbage) - 1, 0) < 0) {
		perror("send");
		return 1;
	}
	return 0;
}
