/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outpostctl: the admin's command line.  It talks to the core over the
 * control socket, never to the database.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/config.h"

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: outpostctl [-c config] [-j] status | audit verify | setup-slip\n"
			"  -c FILE  configuration file (default /etc/outpost/outpost.conf)\n"
			"  -j       print the raw JSON answer\n");
	exit(2);
}

/* Sends one command line and reads the one-line answer (at most 64 KiB). */
static json_t *ask(const char *socket_path, const char *command)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	static char answer[65536];
	size_t len = 0;
	json_error_t jerr;
	json_t *j;
	int fd;

	if (strlen(socket_path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "outpostctl: socket path too long\n");
		exit(1);
	}
	memcpy(sun.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "outpostctl: cannot reach outpostd at %s: %s\n", socket_path, strerror(errno));
		exit(1);
	}
	if (dprintf(fd, "%s\n", command) < 0) {
		fprintf(stderr, "outpostctl: %s\n", strerror(errno));
		exit(1);
	}
	for (;;) {
		ssize_t n = read(fd, answer + len, sizeof(answer) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(answer) - 1)
			break;
	}
	close(fd);
	answer[len] = '\0';
	j = json_loads(answer, 0, &jerr);
	if (!j) {
		fprintf(stderr, "outpostctl: unreadable answer from outpostd: %s\n", jerr.text);
		exit(1);
	}
	return j;
}

static void print_status(json_t *j)
{
	static const char *const roles[] = {"core", "web", "dev", "sync"};
	json_t *r = json_object_get(j, "roles"), *tls = json_object_get(j, "tls");

	printf("office:    %s\nstatus:    %s\n", json_string_value(json_object_get(j, "office")),
	       json_string_value(json_object_get(j, "status")));
	printf("%-6s %-9s %8s %10s %9s\n", "ROLE", "STATE", "PID", "UPTIME(s)", "RESTARTS");
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		json_t *x = json_object_get(r, roles[i]);

		printf("%-6s %-9s %8lld %10lld %9lld\n", roles[i], json_string_value(json_object_get(x, "state")),
		       (long long)json_integer_value(json_object_get(x, "pid")),
		       (long long)json_integer_value(json_object_get(x, "uptime_s")),
		       (long long)json_integer_value(json_object_get(x, "restarts")));
	}
	printf("database:  %lld bytes (schema %lld)\n",
	       (long long)json_integer_value(json_object_get(json_object_get(j, "database"), "bytes")),
	       (long long)json_integer_value(json_object_get(json_object_get(j, "database"), "schema")));
	printf("printer:   %s\nsessions:  %lld\n", json_string_value(json_object_get(j, "printer")),
	       (long long)json_integer_value(json_object_get(j, "sessions")));
	/* What staff type into a browser, and what it must show for the
	 * certificate the first time. */
	if (json_is_object(tls))
		printf("console:   https://%s:%lld/ (certificate %s)\nSHA-256:   %s\n",
		       json_string_value(json_object_get(tls, "listen_address")),
		       (long long)json_integer_value(json_object_get(tls, "https_port")),
		       strcmp(json_string_value(json_object_get(tls, "issuer")) ?: "", "central") == 0
			   ? "issued by central"
			   : "self-signed",
		       json_string_value(json_object_get(tls, "fingerprint")));
}

int main(int argc, char **argv)
{
	const char *config_path = "/etc/outpost/outpost.conf";
	struct config cfg;
	char err[512];
	const char *command;
	bool raw = false;
	json_t *j;
	int ch;

	while ((ch = getopt(argc, argv, "c:jh")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'j':
			raw = true;
			break;
		default:
			usage();
		}
	}
	if (optind == argc - 1 && strcmp(argv[optind], "status") == 0)
		command = "status";
	else if (optind == argc - 1 && strcmp(argv[optind], "setup-slip") == 0)
		command = "setup-slip";
	else if (optind == argc - 2 && strcmp(argv[optind], "audit") == 0 && strcmp(argv[optind + 1], "verify") == 0)
		command = "audit verify";
	else
		usage();
	if (config_load(config_path, &cfg, err, sizeof(err)) != ST_OK) {
		fprintf(stderr, "outpostctl: %s\n", err);
		return 1;
	}
	j = ask(cfg.control_socket, command);
	if (json_object_get(j, "error")) {
		fprintf(stderr, "outpostctl: %s\n", json_string_value(json_object_get(j, "error")));
		return 1;
	}
	if (raw) {
		char *text = json_dumps(j, JSON_INDENT(2));

		puts(text ? text : "{}");
		free(text);
	} else if (strcmp(command, "status") == 0) {
		print_status(j);
	} else if (strcmp(command, "setup-slip") == 0) {
		if (!json_is_true(json_object_get(j, "ok"))) {
			fprintf(stderr, "outpostctl: 打印机不可用 / %s\n",
				json_string_value(json_object_get(j, "error")));
			return 1;
		}
		printf("设置单已送往打印机\nsetup slip sent to the printer\n");
	} else if (json_is_true(json_object_get(j, "ok"))) {
		printf("审计：完好，%lld 行，链条完整，锚定于第 %lld 行\n"
		       "audit: OK, %lld rows, chain intact, anchored at row %lld\n",
		       (long long)json_integer_value(json_object_get(j, "rows")),
		       (long long)json_integer_value(json_object_get(j, "anchor")),
		       (long long)json_integer_value(json_object_get(j, "rows")),
		       (long long)json_integer_value(json_object_get(j, "anchor")));
	} else {
		printf("审计：第 %lld 行起损坏：%s\naudit: BROKEN at row %lld: %s\n",
		       (long long)json_integer_value(json_object_get(j, "bad_row")),
		       json_string_value(json_object_get(j, "why_zh")),
		       (long long)json_integer_value(json_object_get(j, "bad_row")),
		       json_string_value(json_object_get(j, "why")));
	}
	/* A broken chain is a failure for scripts, too. */
	ch = json_is_false(json_object_get(j, "ok")) ? 1 : 0;
	json_decref(j);
	return ch;
}
