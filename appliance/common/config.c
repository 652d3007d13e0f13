/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_state {
	struct config *cfg;
	const char *base_dir;
	char why[200];
};

enum key_kind {
	KEY_TEXT,
	KEY_PATH,
	KEY_UINT,
	KEY_U64,
	KEY_LOGLEVEL,
	KEY_OFFICE_CODE,
	KEY_BOOL,
};

struct key_def {
	const char *section;
	const char *name;
	enum key_kind kind;
	size_t offset;
	size_t size;	   /* for text: buffer size */
	uint64_t min, max; /* for numbers */
};

#define TEXT(sec, key, field)                                                                                          \
	{                                                                                                              \
		sec, key, KEY_TEXT, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0          \
	}
#define PATH(sec, key, field)                                                                                          \
	{                                                                                                              \
		sec, key, KEY_PATH, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0          \
	}
#define UINT(sec, key, field, lo, hi)                                                                                  \
	{                                                                                                              \
		sec, key, KEY_UINT, offsetof(struct config, field), 0, lo, hi                                          \
	}
#define BOOL(sec, key, field)                                                                                          \
	{                                                                                                              \
		sec, key, KEY_BOOL, offsetof(struct config, field), 0, 0, 0                                            \
	}
#define U64(sec, key, field, lo, hi)                                                                                   \
	{                                                                                                              \
		sec, key, KEY_U64, offsetof(struct config, field), 0, lo, hi                                           \
	}

static const struct key_def keys[] = {
    {"office", "code", KEY_OFFICE_CODE, offsetof(struct config, office_code), sizeof(((struct config *)0)->office_code),
     0, 0},
    TEXT("office", "name", office_name),
    TEXT("office", "phone", office_phone),
    PATH("core", "state_dir", state_dir),
    PATH("core", "control_socket", control_socket),
    PATH("core", "catalog", catalog),
    {"core", "log_level", KEY_LOGLEVEL, offsetof(struct config, log_level), 0, 0, 0},
    UINT("core", "restart_backoff_max_seconds", restart_backoff_max_s, 1, 3600),
    U64("core", "min_free_disk_bytes", min_free_disk_bytes, 0, UINT64_C(1) << 50),
    UINT("core", "orphan_grace_seconds", orphan_grace_s, 0, 86400 * 30),
    TEXT("web", "listen_address", listen_address),
    UINT("web", "port", port, 1, 65535),
    UINT("web", "http_port", port, 1, 65535),
    UINT("web", "https_port", https_port, 1, 65535),
    TEXT("web", "tls_names", tls_names),
    TEXT("web", "screen_address", screen_address),
    UINT("web", "max_connections", max_connections, 1, 10000),
    UINT("web", "max_connections_per_address", max_connections_per_address, 1, 10000),
    UINT("web", "header_timeout_seconds", header_timeout_s, 1, 300),
    UINT("web", "connection_memory_bytes", connection_memory_bytes, 4096, 1048576),
    UINT("web", "max_pending", max_pending, 1, 10000),
    U64("web", "max_document_bytes", max_document_bytes, 1024, UINT64_C(1) << 32),
    UINT("web", "max_documents", max_documents, 1, 100),
    U64("web", "max_upload_bytes", max_upload_bytes, 1024, UINT64_C(1) << 34),
    U64("web", "max_uploads_in_flight_bytes", max_uploads_in_flight_bytes, 1024, UINT64_C(1) << 36),
    U64("web", "max_session_upload_bytes", max_session_upload_bytes, 1024, UINT64_C(1) << 36),
    UINT("web", "request_timeout_seconds", request_timeout_s, 1, 3600),
    UINT("auth", "lockout_failures", lockout_failures, 1, 1000),
    UINT("auth", "lockout_seconds", lockout_seconds, 1, 86400),
    UINT("auth", "session_idle_seconds", session_idle_seconds, 60, 86400 * 7),
    UINT("auth", "max_sessions", max_sessions, 1, 100000),
    UINT("auth", "max_pending_logins", max_pending_logins, 1, 64),
    UINT("auth", "max_lockout_entries", max_lockout_entries, 4, 100000),
    UINT("auth", "logins_per_address_per_minute", logins_per_address_per_minute, 1, 100000),
    UINT("auth", "max_staff_jobs", max_staff_jobs, 1, 64),
    UINT("cases", "pickup_max_failures", pickup_max_failures, 1, 100),
    UINT("cases", "pickup_lock_seconds", pickup_lock_seconds, 1, 86400 * 7),
    UINT("cases", "retention_days", retention_days, 0, 36500),
    UINT("cases", "purge_interval_seconds", purge_interval_seconds, 1, 86400),
    UINT("queue", "reset_hour", reset_hour, 0, 23),
    UINT("queue", "number_max", number_max, 9, 9999),
    BOOL("queue", "print_tickets", print_tickets),
    BOOL("queue", "display_staff_names", display_staff_names),
    UINT("queue", "max_no_shows", max_no_shows, 0, 10),
    UINT("queue", "kiosk_tickets_per_minute", kiosk_tickets_per_minute, 1, 100000),
    UINT("queue", "kiosk_tickets_per_address_per_minute", kiosk_tickets_per_address_per_minute, 1, 100000),
    UINT("queue", "kiosk_tickets_per_category_per_minute", kiosk_tickets_per_category_per_minute, 1, 100000),
    UINT("queue", "weight_elderly", weight_elderly, 0, 100),
    UINT("queue", "weight_disabled", weight_disabled, 0, 100),
    UINT("queue", "weight_pregnant", weight_pregnant, 0, 100),
    UINT("queue", "weight_military", weight_military, 0, 100),
    TEXT("voice", "output", voice_output),
    PATH("voice", "dir", voice_dir),
    TEXT("scanner", "keyboard", scanner_keyboard),
    TEXT("scanner", "serial", scanner_serial),
    UINT("scanner", "baud", scanner_baud, 1200, 921600),
    TEXT("scanner", "prefix", scanner_prefix),
    TEXT("scanner", "suffix", scanner_suffix),
    BOOL("scanner", "aim", scanner_aim),
    UINT("scanner", "gap_ms", scanner_gap_ms, 5, 2000),
    TEXT("gpio", "chip", gpio_chip),
    TEXT("gpio", "buttons", gpio_buttons),
    TEXT("gpio", "leds", gpio_leds),
    BOOL("gpio", "active_low", gpio_active_low),
    UINT("gpio", "debounce_ms", gpio_debounce_ms, 1, 1000),
    UINT("gpio", "rate_window", gpio_rate_window, 1, 99),
    TEXT("rating", "phone_url", rating_phone_url),
    PATH("sync", "ca_file", sync_ca_file),
    TEXT("sync", "webhook_url", sync_webhook_url),
    PATH("sync", "client_cert", sync_client_cert),
    PATH("sync", "client_key", sync_client_key),
    UINT("sync", "batch_seconds", sync_batch_seconds, 0, 86400),
    TEXT("sync", "batch_at", sync_batch_at),
    UINT("sync", "batch_cases", sync_batch_cases, 1, 50),
    UINT("sync", "chunk_kib", sync_chunk_kib, 16, 65536),
    UINT("sync", "poll_seconds", sync_poll_seconds, 1, 60),
    UINT("sync", "retry_max_seconds", sync_retry_max_seconds, 1, 86400),
    UINT("sync", "heartbeat_seconds", sync_heartbeat_seconds, 1, 86400),
    TEXT("docscan", "device", docscan_device),
    TEXT("docscan", "source", docscan_source),
    UINT("docscan", "resolution", docscan_resolution, 50, 1200),
    TEXT("docscan", "mode", docscan_mode),
    UINT("docscan", "jpeg_quality", docscan_jpeg_quality, 30, 95),
    UINT("docscan", "max_pages", docscan_max_pages, 1, 2000),
    TEXT("printer", "backend", printer_backend),
    TEXT("printer", "path", printer_path), /* a path, or host:port: resolved below */
    UINT("printer", "timeout_seconds", printer_timeout_s, 1, 600),
    UINT("printer", "baud", printer_baud, 1200, 921600),
    TEXT("printer", "flow", printer_flow),
    TEXT("printer", "profile", printer_profile),
    UINT("printer", "dots", printer_dots, 128, 2048),
};

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->office_code, sizeof(cfg->office_code), "DEMO");
	snprintf(cfg->office_name, sizeof(cfg->office_name), "便民服务站");
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/outpost");
	cfg->log_level = LOG_LVL_INFO;
	cfg->restart_backoff_max_s = 30;
	cfg->min_free_disk_bytes = UINT64_C(256) << 20;
	cfg->orphan_grace_s = 3600;
	snprintf(cfg->listen_address, sizeof(cfg->listen_address), "127.0.0.1");
	cfg->port = 8080;
	cfg->https_port = 8443;
	snprintf(cfg->screen_address, sizeof(cfg->screen_address), "127.0.0.1");
	cfg->max_connections = 256;
	cfg->max_connections_per_address = 32;
	cfg->header_timeout_s = 10;
	cfg->connection_memory_bytes = 6144;
	cfg->max_pending = 128;
	cfg->max_document_bytes = UINT64_C(20) << 20;
	cfg->max_documents = 20;
	cfg->max_upload_bytes = UINT64_C(64) << 20;
	cfg->max_uploads_in_flight_bytes = UINT64_C(256) << 20;
	cfg->max_session_upload_bytes = UINT64_C(64) << 20;
	cfg->request_timeout_s = 30;
	cfg->lockout_failures = 5;
	cfg->lockout_seconds = 300;
	cfg->session_idle_seconds = 1800;
	cfg->max_sessions = 256;
	cfg->max_pending_logins = 4;
	cfg->max_lockout_entries = 1024;
	cfg->logins_per_address_per_minute = 10;
	cfg->max_staff_jobs = 4;
	cfg->pickup_max_failures = 5;
	cfg->pickup_lock_seconds = 900;
	cfg->retention_days = 180;
	cfg->purge_interval_seconds = 3600;
	cfg->reset_hour = 6;
	cfg->number_max = 999;
	cfg->print_tickets = true;
	cfg->max_no_shows = 2;
	cfg->kiosk_tickets_per_minute = 120;
	cfg->kiosk_tickets_per_address_per_minute = 12;
	cfg->kiosk_tickets_per_category_per_minute = 30;
	cfg->weight_elderly = 10;
	cfg->weight_disabled = 10;
	cfg->weight_pregnant = 10;
	cfg->weight_military = 5;
	snprintf(cfg->voice_output, sizeof(cfg->voice_output), "wav");
	cfg->sync_batch_seconds = 60;
	cfg->sync_batch_cases = 20;
	cfg->sync_chunk_kib = 1024;
	cfg->sync_poll_seconds = 25;
	cfg->sync_retry_max_seconds = 900;
	cfg->sync_heartbeat_seconds = 300;
	snprintf(cfg->docscan_source, sizeof(cfg->docscan_source), "adf");
	cfg->docscan_resolution = 300;
	snprintf(cfg->docscan_mode, sizeof(cfg->docscan_mode), "gray");
	cfg->docscan_jpeg_quality = 80;
	cfg->docscan_max_pages = 300;
	cfg->gpio_active_low = true;
	cfg->gpio_debounce_ms = 30;
	cfg->gpio_rate_window = 1;
	cfg->scanner_baud = 9600;
	cfg->scanner_aim = true;
	cfg->scanner_gap_ms = 60;
	snprintf(cfg->printer_backend, sizeof(cfg->printer_backend), "file");
	cfg->printer_timeout_s = 10;
	cfg->printer_baud = 9600;
	snprintf(cfg->printer_flow, sizeof(cfg->printer_flow), "none");
	snprintf(cfg->printer_profile, sizeof(cfg->printer_profile), "native");
	cfg->printer_dots = 576;
}

static int fail(struct parse_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records why the current line is refused; returning 0 makes inih stop. */
static int fail(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->why, sizeof(ps->why), fmt, ap);
	va_end(ap);
	return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return false;
	*out = v;
	return true;
}

static bool office_code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 8)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	}
	return true;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	char *field;
	uint64_t v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key_def *k = &keys[i];

		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		field = (char *)ps->cfg + k->offset;
		switch (k->kind) {
		case KEY_OFFICE_CODE:
			if (!office_code_ok(value))
				return fail(ps, "[office] code '%s' must be 2 to 8 characters A-Z or 0-9", value);
			/* fallthrough */
		case KEY_TEXT:
			if (strlen(value) >= k->size)
				return fail(ps, "[%s] %s is too long", section, name);
			memcpy(field, value, strlen(value) + 1);
			return 1;
		case KEY_PATH: {
			int n;

			if (value[0] == '/' || ps->base_dir[0] == '\0')
				n = snprintf(field, k->size, "%s", value);
			else
				n = snprintf(field, k->size, "%s/%s", ps->base_dir, value);
			if (n < 0 || (size_t)n >= k->size)
				return fail(ps, "[%s] %s is too long", section, name);
			return 1;
		}
		case KEY_BOOL:
			if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
				return fail(ps, "[%s] %s must be true or false", section, name);
			*(bool *)(void *)field = strcmp(value, "true") == 0;
			return 1;
		case KEY_LOGLEVEL:
			if (!log_level_parse(value, (enum log_level *)(void *)field))
				return fail(ps, "[core] log_level '%s': use error, warning, info or debug", value);
			return 1;
		case KEY_UINT:
		case KEY_U64:
			if (!parse_u64(value, &v) || v < k->min || v > k->max)
				return fail(ps, "[%s] %s must be a whole number from %" PRIu64 " to %" PRIu64, section,
					    name, k->min, k->max);
			if (k->kind == KEY_UINT)
				*(unsigned *)(void *)field = (unsigned)v;
			else
				*(uint64_t *)(void *)field = v;
			return 1;
		}
	}
	return fail(ps, "unknown key '%s' in section [%s]", name, section);
}

/* A button's action: call:N, recall:N, noshow:N (window 1-99), ticket:X
 * (a category's letter), rate:1 .. rate:5. */
static bool button_action_ok(const char *a)
{
	const char *arg = strchr(a, ':');
	char *end;
	long n;

	if (!arg)
		return false;
	arg++;
	if (strncmp(a, "ticket:", 7) == 0)
		return arg[0] >= 'A' && arg[0] <= 'Z' && arg[1] == '\0';
	n = strtol(arg, &end, 10);
	if (!*arg || *end)
		return false;
	if (strncmp(a, "rate:", 5) == 0)
		return n >= 1 && n <= 5;
	return (strncmp(a, "call:", 5) == 0 || strncmp(a, "recall:", 7) == 0 || strncmp(a, "noshow:", 7) == 0) &&
	       n >= 1 && n <= 99;
}

static bool led_name_ok(const char *a)
{
	static const char *const names[] = {"online", "backlog", "paper", "ready", "buzzer"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(a, names[i]) == 0)
			return true;
	return false;
}

/* Copies [p, end) without surrounding spaces; false when empty or too long. */
static bool trimmed(const char *p, const char *end, char *out, size_t cap)
{
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (end == p || (size_t)(end - p) >= cap)
		return false;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return true;
}

/* Splits "what=line, what=line" into out; false with why on any fault. */
static bool gpio_lines(const char *list, struct config_gpio_line *out, unsigned max, unsigned *n,
		       bool (*what_ok)(const char *), char *why, size_t whylen)
{
	const char *p = list + strspn(list, " ,");

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		struct config_gpio_line *l = &out[*n];

		if (*n == max) {
			snprintf(why, whylen, "more than %u entries", max);
			return false;
		}
		if (!eq || !trimmed(p, eq, l->what, sizeof(l->what)) ||
		    !trimmed(eq + 1, p + len, l->line, sizeof(l->line))) {
			snprintf(why, whylen, "'%.*s' is not what=line", (int)len, p);
			return false;
		}
		if (!what_ok(l->what)) {
			snprintf(why, whylen, "'%s' is not known", l->what);
			return false;
		}
		for (unsigned i = 0; i < *n; i++) {
			if (strcmp(out[i].line, l->line) == 0 || strcmp(out[i].what, l->what) == 0) {
				snprintf(why, whylen, "'%s' or line %s is given twice", l->what, l->line);
				return false;
			}
		}
		(*n)++;
		p += len;
		p += strspn(p, " ,");
	}
	return true;
}

/* "H:MM", "HH:MM" or "HH:MM:SS", digits only, into seconds after midnight. */
static bool day_time_of(const char *s, unsigned *out)
{
	unsigned part[3] = {0}, nparts = 0;
	const char *p = s;

	for (;;) {
		unsigned digits = 0, v = 0;

		for (; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
			v = v * 10 + (unsigned)(*p - '0');
		if (digits == 0 || (nparts > 0 && digits != 2) || nparts == 3)
			return false;
		part[nparts++] = v;
		if (*p == '\0')
			break;
		if (*p++ != ':')
			return false;
	}
	if (nparts < 2 || part[0] > 23 || part[1] > 59 || part[2] > 59)
		return false;
	*out = part[0] * 3600 + part[1] * 60 + part[2];
	return true;
}

bool config_day_times(const char *list, unsigned *out, unsigned max, unsigned *n, char *why, size_t whylen)
{
	const char *p = list + strspn(list, " ,");

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, " ,");
		unsigned t;
		char one[16];

		if (len >= sizeof(one) || !trimmed(p, p + len, one, sizeof(one)) || !day_time_of(one, &t)) {
			snprintf(why, whylen, "'%.*s' is not a time of day HH:MM", (int)len, p);
			return false;
		}
		if (*n == max) {
			snprintf(why, whylen, "more than %u times", max);
			return false;
		}
		unsigned i = (*n)++;

		for (; i > 0 && out[i - 1] > t; i--) /* kept ascending */
			out[i] = out[i - 1];
		if (i > 0 && out[i - 1] == t) {
			snprintf(why, whylen, "'%s' is given twice", one);
			return false;
		}
		out[i] = t;
		p += len;
		p += strspn(p, " ,");
	}
	return true;
}

/* The moment of a time of day, days after now's day (local time). */
static time_t day_time(time_t now, int days, unsigned t)
{
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_mday += days;
	tm.tm_hour = (int)(t / 3600);
	tm.tm_min = (int)(t / 60 % 60);
	tm.tm_sec = (int)(t % 60);
	tm.tm_isdst = -1;
	return mktime(&tm);
}

time_t config_day_time_next(time_t now, const unsigned *times, unsigned n)
{
	for (int days = 0; n && days <= 1; days++)
		for (unsigned i = 0; i < n; i++) {
			time_t at = day_time(now, days, times[i]);

			if (at > now)
				return at;
		}
	return -1;
}

time_t config_day_time_last(time_t now, const unsigned *times, unsigned n)
{
	for (int days = 0; n && days >= -1; days--)
		for (unsigned i = n; i-- > 0;) {
			time_t at = day_time(now, days, times[i]);

			if (at <= now)
				return at;
		}
	return -1;
}

enum status config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	char why[96];
	struct parse_state ps = {.cfg = cfg};
	char dir[CONFIG_PATH_MAX];
	const char *slash;
	FILE *f;
	int line;

	config_defaults(cfg);
	slash = strrchr(path, '/');
	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
	} else {
		dir[0] = '\0';
	}
	ps.base_dir = dir;

	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ST_CONFIG;
	}
	line = ini_parse_file(f, on_key, &ps);
	fclose(f);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line, ps.why[0] ? ps.why : "syntax error");
		return ST_CONFIG;
	}
	if (strcmp(cfg->printer_backend, "file") != 0 && strcmp(cfg->printer_backend, "serial") != 0 &&
	    strcmp(cfg->printer_backend, "tcp") != 0 && strcmp(cfg->printer_backend, "usb") != 0) {
		snprintf(err, errlen, "%s: [printer] backend '%s' is not known (file, usb, serial, tcp)", path,
			 cfg->printer_backend);
		return ST_CONFIG;
	}
	if (strcmp(cfg->printer_flow, "none") != 0 && strcmp(cfg->printer_flow, "rtscts") != 0 &&
	    strcmp(cfg->printer_flow, "xonxoff") != 0) {
		snprintf(err, errlen, "%s: [printer] flow '%s': use none, rtscts or xonxoff", path, cfg->printer_flow);
		return ST_CONFIG;
	}
	if (strspn(cfg->tls_names, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:, ") !=
	    strlen(cfg->tls_names)) {
		snprintf(err, errlen, "%s: [web] tls_names: only host names and IP addresses, separated by commas",
			 path);
		return ST_CONFIG;
	}
	if (strcmp(cfg->printer_profile, "native") != 0 && strcmp(cfg->printer_profile, "raster") != 0) {
		snprintf(err, errlen, "%s: [printer] profile '%s': use native or raster", path, cfg->printer_profile);
		return ST_CONFIG;
	}
	if (strcmp(cfg->printer_backend, "tcp") == 0 && !strchr(cfg->printer_path, ':')) {
		snprintf(err, errlen, "%s: [printer] path must be host:port for the tcp backend", path);
		return ST_CONFIG;
	}
	if ((strcmp(cfg->printer_backend, "serial") == 0 || strcmp(cfg->printer_backend, "usb") == 0) &&
	    cfg->printer_path[0] != '/') {
		snprintf(err, errlen, "%s: [printer] path must be the device, e.g. /dev/usb/lp0 or /dev/ttyUSB0", path);
		return ST_CONFIG;
	}
	/* The file printer's path is a file: relative to this file's folder. */
	if (strcmp(cfg->printer_backend, "file") == 0 && cfg->printer_path[0] && cfg->printer_path[0] != '/' &&
	    dir[0]) {
		char rel[CONFIG_PATH_MAX];
		int n;

		memcpy(rel, cfg->printer_path, sizeof(rel));
		n = snprintf(cfg->printer_path, sizeof(cfg->printer_path), "%s/%s", dir, rel);
		if (n < 0 || (size_t)n >= sizeof(cfg->printer_path))
			goto too_long;
	}
	if (cfg->printer_path[0] == '\0') {
		int n = snprintf(cfg->printer_path, sizeof(cfg->printer_path), "%s/dev/printer.out", cfg->state_dir);
		if (n < 0 || (size_t)n >= sizeof(cfg->printer_path))
			goto too_long;
	}
	if (cfg->control_socket[0] == '\0') {
		int n = snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s/control.sock", cfg->state_dir);
		if (n < 0 || (size_t)n >= sizeof(cfg->control_socket))
			goto too_long;
	}
	if (strcmp(cfg->docscan_source, "adf") != 0 && strcmp(cfg->docscan_source, "flatbed") != 0) {
		snprintf(err, errlen, "%s: [docscan] source '%s': use adf or flatbed", path, cfg->docscan_source);
		return ST_CONFIG;
	}
	if (strcmp(cfg->docscan_mode, "gray") != 0 && strcmp(cfg->docscan_mode, "color") != 0) {
		snprintf(err, errlen, "%s: [docscan] mode '%s': use gray or color", path, cfg->docscan_mode);
		return ST_CONFIG;
	}
	if (!gpio_lines(cfg->gpio_buttons, cfg->gpio_button, CONFIG_GPIO_MAX_BUTTONS, &cfg->ngpio_buttons,
			button_action_ok, why, sizeof(why))) {
		snprintf(err, errlen, "%s: [gpio] buttons: %s (call:N, recall:N, noshow:N, ticket:A, rate:1-5)", path,
			 why);
		return ST_CONFIG;
	}
	if (!gpio_lines(cfg->gpio_leds, cfg->gpio_led, CONFIG_GPIO_MAX_LEDS, &cfg->ngpio_leds, led_name_ok, why,
			sizeof(why))) {
		snprintf(err, errlen, "%s: [gpio] leds: %s (online, backlog, paper, ready, buzzer)", path, why);
		return ST_CONFIG;
	}
	if (!config_day_times(cfg->sync_batch_at, cfg->sync_batch_times, CONFIG_MAX_BATCH_TIMES,
			      &cfg->nsync_batch_times, why, sizeof(why))) {
		snprintf(err, errlen, "%s: [sync] batch_at: %s", path, why);
		return ST_CONFIG;
	}
	if (!cfg->sync_client_cert[0] != !cfg->sync_client_key[0]) {
		snprintf(err, errlen, "%s: [sync] client_cert and client_key go together", path);
		return ST_CONFIG;
	}
	if (cfg->max_document_bytes > cfg->max_upload_bytes) {
		snprintf(err, errlen, "%s: [web] max_document_bytes must not exceed max_upload_bytes", path);
		return ST_CONFIG;
	}
	if (cfg->port == cfg->https_port) {
		snprintf(err, errlen, "%s: [web] port (plain HTTP) and https_port must differ", path);
		return ST_CONFIG;
	}
	return ST_OK;
too_long:
	snprintf(err, errlen, "%s: [core] state_dir is too long", path);
	return ST_CONFIG;
}
