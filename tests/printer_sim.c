/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: a simulated ESC/POS printer on a serial line (a pseudo
 * terminal) or on TCP, for the tests of the serial and tcp printer
 * transports.  Job bytes are appended to OUT; DLE EOT 1/2/4 questions are
 * answered in real time from the word in STATE (ready, near_end,
 * paper_out, cover_open, offline, mute), read again at every question.
 * Prints the pty's path or the TCP port on its first line.
 *   printer_sim serial OUT STATE
 *   printer_sim tcp PORT OUT STATE      (PORT 0: any free port)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static const char *out_path, *state_path;

static int reply_to(int n)
{
	char word[32] = "ready";
	FILE *f = fopen(state_path, "r");

	if (f) {
		if (fscanf(f, "%31s", word) != 1)
			strcpy(word, "ready");
		fclose(f);
	}
	if (strcmp(word, "mute") == 0)
		return -1;
	switch (n) {
	case 1: /* printer: bit 3 offline */
		return strcmp(word, "ready") == 0 || strcmp(word, "near_end") == 0 ? 0x12 : 0x1a;
	case 2: /* offline cause: bit 2 cover, bit 5 paper end, bit 6 error */
		return strcmp(word, "cover_open") == 0 ? 0x16
		       : strcmp(word, "paper_out") == 0 ? 0x32
		       : strcmp(word, "offline") == 0	 ? 0x52
							 : 0x12;
	case 4: /* paper sensor: bits 2-3 near end, bits 5-6 out */
		return strcmp(word, "near_end") == 0 ? 0x1e : strcmp(word, "paper_out") == 0 ? 0x72 : 0x12;
	default:
		return 0x12;
	}
}

/* Serves one stream until it closes: DLE EOT n answered, the rest kept. */
static void serve(int fd)
{
	unsigned char buf[4096], pending[2];
	size_t npending = 0;
	FILE *out = fopen(out_path, "ab");

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			unsigned char b = buf[i];

			if (npending == 0 && b == 0x10) {
				pending[npending++] = b;
			} else if (npending == 1 && b == 0x04) {
				pending[npending++] = b;
			} else if (npending == 2) {
				int r = reply_to(b);

				npending = 0;
				if (r >= 0) {
					unsigned char c = (unsigned char)r;

					if (write(fd, &c, 1) != 1)
						break;
				}
			} else {
				if (npending)
					fwrite(pending, 1, npending, out);
				npending = 0;
				if (b == 0x10)
					pending[npending++] = b;
				else
					fputc(b, out);
			}
		}
		fflush(out);
	}
	fclose(out);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "serial") == 0) {
		int m = posix_openpt(O_RDWR | O_NOCTTY);
		struct termios t;

		out_path = argv[2];
		state_path = argv[3];
		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
			return 1;
		tcgetattr(m, &t);
		cfmakeraw(&t);
		tcsetattr(m, TCSANOW, &t);
		/* As udev leaves a serial port: the group dialout may use it (the
		 * box's dev role runs as a user in that group). */
		{
			struct group *g = getgrnam("dialout");

			if (g && (chown(ptsname(m), (uid_t)-1, g->gr_gid) < 0 || chmod(ptsname(m), 0660) < 0))
				return 1;
		}
		printf("%s\n", ptsname(m));
		for (;;) {
			serve(m); /* the other end closed: wait for it to open again */
			usleep(20000);
		}
	}
	if (argc == 5 && strcmp(argv[1], "tcp") == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
		socklen_t len = sizeof(a);
		int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		out_path = argv[3];
		state_path = argv[4];
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0 ||
		    getsockname(l, (struct sockaddr *)&a, &len) < 0)
			return 1;
		printf("%u\n", ntohs(a.sin_port));
		for (;;) {
			int c = accept(l, NULL, NULL);

			if (c >= 0) {
				serve(c);
				close(c);
			}
		}
	}
	fprintf(stderr, "usage: printer_sim serial OUT STATE | tcp PORT OUT STATE\n");
	return 2;
}
