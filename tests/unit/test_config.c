/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "appliance/common/config.h"

static char dir[] = "/tmp/outpost-config-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	unlink(path);
	return rmdir(dir);
}

static enum status load_text(const char *text, struct config *cfg, char *err, size_t errlen)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return config_load(path, cfg, err, errlen);
}

static void test_good(void **state)
{
	struct config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load_text("[office]\ncode = SQ01\nname = 幸福街道便民服务站\n"
				   "[core]\nstate_dir = state\nlog_level = debug\n"
				   "[web]\nport = 9090\nmax_document_bytes = 2048\n",
				   &cfg, err, sizeof(err)),
			 ST_OK);
	assert_string_equal(cfg.office_code, "SQ01");
	assert_string_equal(cfg.office_name, "幸福街道便民服务站");
	assert_int_equal(cfg.port, 9090);
	assert_int_equal(cfg.max_document_bytes, 2048);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	/* Relative paths are taken from the file's folder, derived paths follow. */
	assert_non_null(strstr(cfg.state_dir, dir));
	assert_non_null(strstr(cfg.control_socket, "state/control.sock"));
	assert_non_null(strstr(cfg.printer_path, "state/dev/printer.out"));
	/* The panel's lines, split and checked. */
	assert_int_equal(load_text("[gpio]\nchip = /dev/gpiochip0\nbuttons = call:1=17, recall:1 = CALLER-1-RECALL ,"
				   "ticket:A=5,rate:5=6\nleds = paper=LED-PAPER,buzzer=12\n",
				   &cfg, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(cfg.ngpio_buttons, 4);
	assert_string_equal(cfg.gpio_button[1].what, "recall:1");
	assert_string_equal(cfg.gpio_button[1].line, "CALLER-1-RECALL");
	assert_string_equal(cfg.gpio_button[3].what, "rate:5");
	assert_int_equal(cfg.ngpio_leds, 2);
	assert_string_equal(cfg.gpio_led[0].line, "LED-PAPER");
	assert_string_equal(cfg.gpio_led[1].what, "buzzer");
	/* Untouched keys keep their defaults. */
	assert_int_equal(cfg.lockout_failures, 5);
}

struct bad_conf {
	const char *text;
	const char *expect; /* substring of the error, with the line number */
};

static const struct bad_conf bad[] = {
    {"[office]\ncode = SQ01\n[web]\nprot = 80\n", ":4: unknown key 'prot' in section [web]"},
    {"[web]\nport = 0\n", ":2: [web] port must be a whole number from 1 to 65535"},
    {"[web]\nport = 80x\n", ":2: [web] port must be a whole number"},
    {"[web]\nport = -1\n", ":2: [web] port must be a whole number"},
    {"[office]\ncode = sq-1\n", ":2: [office] code 'sq-1' must be 2 to 8 characters"},
    {"[core]\n\nlog_level = loud\n", ":3: [core] log_level 'loud'"},
    {"[nosuch]\nkey = 1\n", ":2: unknown key 'key' in section [nosuch]"},
    {"[web\nport = 1\n", ":1: "},
    {"[printer]\nbackend = parallel\n", "backend 'parallel' is not known (file, usb, serial, tcp)"},
    {"[printer]\nbackend = usb\n", "path must be the device"},
    {"[printer]\nbackend = tcp\npath = printer.local\n", "host:port"},
    {"[printer]\nflow = dtrdsr\n", "use none, rtscts or xonxoff"},
    {"[web]\nmax_document_bytes = 4096\nmax_upload_bytes = 2048\n", "must not exceed"},
    {"[gpio]\nbuttons = call:1=17, call:100=18\n", "'call:100' is not known"},
    {"[gpio]\nbuttons = ticket:a=5\n", "'ticket:a' is not known"},
    {"[gpio]\nbuttons = rate:6=5\n", "'rate:6' is not known"},
    {"[gpio]\nbuttons = call:1=17,recall:1=17\n", "given twice"},
    {"[gpio]\nbuttons = call:1\n", "'call:1' is not what=line"},
    {"[gpio]\nleds = paper=\n", "'paper=' is not what=line"},
    {"[gpio]\nleds = siren=4\n", "[gpio] leds: 'siren' is not known"},
    {"[sync]\nbatch_at = 24:00\n", "[sync] batch_at: '24:00' is not a time of day"},
    {"[sync]\nbatch_at = 12:5\n", "'12:5' is not a time of day"},
    {"[sync]\nbatch_at = 12:00:00:00\n", "'12:00:00:00' is not a time"},
    {"[sync]\nbatch_at = noon\n", "'noon' is not a time"},
    {"[sync]\nbatch_at = 12:00 12:00\n", "given twice"},
    {"[sync]\nbatch_at = 1:00 2:00 3:00 4:00 5:00 6:00 7:00 8:00 9:00\n", "more than 8 times"},
    {"[sync]\nclient_cert = a.pem\n", "client_cert and client_key go together"},
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config cfg;
		char err[256] = "";

		if (load_text(bad[i].text, &cfg, err, sizeof(err)) != ST_CONFIG)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(err, bad[i].expect))
			fail_msg("error '%s' lacks '%s'", err, bad[i].expect);
	}
}

static void test_batch_times(void **state)
{
	struct config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(
	    load_text("[sync]\nbatch_seconds = 0\nbatch_at = 17:30, 9:05 12:00:30\n", &cfg, err, sizeof(err)), ST_OK);
	assert_int_equal(cfg.sync_batch_seconds, 0);
	assert_int_equal(cfg.nsync_batch_times, 3);
	assert_int_equal(cfg.sync_batch_times[0], 9 * 3600 + 5 * 60);
	assert_int_equal(cfg.sync_batch_times[1], 12 * 3600 + 30);
	assert_int_equal(cfg.sync_batch_times[2], 17 * 3600 + 30 * 60);
}

/* Local times of day as moments: the next after now, the last at or before. */
static void test_day_time_moments(void **state)
{
	const unsigned times[] = {9 * 3600, 17 * 3600 + 30 * 60};
	struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 28, .tm_hour = 12, .tm_isdst = -1};
	time_t noon, at;

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	noon = mktime(&tm);
	assert_int_equal(config_day_time_next(noon, times, 2), noon + 5 * 3600 + 30 * 60);
	assert_int_equal(config_day_time_last(noon, times, 2), noon - 3 * 3600);
	at = noon + 5 * 3600 + 30 * 60; /* 17:30 exactly: the last is now, the next tomorrow at 9 */
	assert_int_equal(config_day_time_last(at, times, 2), at);
	assert_int_equal(config_day_time_next(at, times, 2), noon + 21 * 3600);
	at = noon - 12 * 3600 + 60; /* 00:01: the last was yesterday at 17:30 */
	assert_int_equal(config_day_time_last(at, times, 2), noon - 12 * 3600 - 6 * 3600 - 30 * 60);
	assert_int_equal(config_day_time_next(at, times, 0), -1);
	assert_int_equal(config_day_time_last(at, times, 0), -1);
}

static void test_missing_file(void **state)
{
	struct config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(config_load("/nonexistent/outpost.conf", &cfg, err, sizeof(err)), ST_CONFIG);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),	 cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_batch_times),	 cmocka_unit_test(test_day_time_moments),
	    cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
