/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one INI configuration file (libinih).  config_load() parses into a
 * caller-owned struct; on any error it returns ST_CONFIG with "line N: why"
 * in err and the struct's contents are unspecified, so a reload parses into a
 * fresh struct and swaps only on success.  Every key is documented in
 * appliance/outpost.conf.example.
 */
#ifndef OUTPOST_CONFIG_H
#define OUTPOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "log.h"
#include "status.h"

#define CONFIG_PATH_MAX 256
#define CONFIG_TEXT_MAX 128

/* One "what=line" of [gpio] buttons or leds: an action such as call:1 or
 * an LED such as paper, and the line's name or offset on the chip. */
#define CONFIG_GPIO_MAX_BUTTONS 24
#define CONFIG_GPIO_MAX_LEDS	8
#define CONFIG_MAX_BATCH_TIMES	8
struct config_gpio_line {
	char what[12];
	char line[32];
};

struct config {
	/* [office] */
	char office_code[16];
	char office_name[CONFIG_TEXT_MAX];
	char office_phone[32];

	/* [core] */
	char state_dir[CONFIG_PATH_MAX];
	char control_socket[CONFIG_PATH_MAX];
	char catalog[CONFIG_PATH_MAX];
	enum log_level log_level;
	unsigned restart_backoff_max_s;
	uint64_t min_free_disk_bytes;
	unsigned orphan_grace_s;

	/* [web] */
	char listen_address[64];
	unsigned port;		 /* plain HTTP: redirects, and the box's own screen */
	unsigned https_port;	 /* the console, over TLS */
	char tls_names[256];	 /* the box's LAN names and addresses, for its certificate */
	char screen_address[64]; /* plain-HTTP clients from here are the box's own screen */
	unsigned max_connections;
	unsigned max_connections_per_address;
	unsigned header_timeout_s;
	unsigned connection_memory_bytes;
	unsigned max_pending;
	uint64_t max_document_bytes;
	unsigned max_documents;
	uint64_t max_upload_bytes;
	uint64_t max_uploads_in_flight_bytes;
	uint64_t max_session_upload_bytes;
	unsigned request_timeout_s;

	/* [auth] */
	unsigned lockout_failures;
	unsigned lockout_seconds;
	unsigned session_idle_seconds;
	unsigned max_sessions;
	unsigned max_pending_logins;
	unsigned max_lockout_entries;
	unsigned logins_per_address_per_minute;
	unsigned max_staff_jobs;

	/* [cases] */
	unsigned pickup_max_failures;
	unsigned pickup_lock_seconds;
	unsigned retention_days;
	unsigned purge_interval_seconds;

	/* [queue] */
	unsigned reset_hour;
	unsigned number_max;
	bool print_tickets;
	bool display_staff_names; /* the public call display names the clerk at each window */
	unsigned max_no_shows;
	unsigned kiosk_tickets_per_minute;
	unsigned kiosk_tickets_per_address_per_minute;
	unsigned kiosk_tickets_per_category_per_minute;
	unsigned weight_elderly;
	unsigned weight_disabled;
	unsigned weight_pregnant;
	unsigned weight_military;

	/* [voice] */
	char voice_output[16];
	char voice_dir[CONFIG_PATH_MAX];

	/* [scanner] */
	char scanner_keyboard[CONFIG_PATH_MAX];
	char scanner_serial[CONFIG_PATH_MAX];
	unsigned scanner_baud;
	char scanner_prefix[32];
	char scanner_suffix[32];
	bool scanner_aim;
	unsigned scanner_gap_ms;

	/* [gpio] */
	char gpio_chip[CONFIG_PATH_MAX];
	char gpio_buttons[512];
	char gpio_leds[256];
	bool gpio_active_low;
	unsigned gpio_debounce_ms;
	unsigned gpio_rate_window;
	/* the phone rating page as citizens' phones reach it, up to the token
	 * (".../r/"); empty: central's address + "/r/" */
	char rating_phone_url[CONFIG_TEXT_MAX];
	/* buttons and leds, parsed and checked */
	struct config_gpio_line gpio_button[CONFIG_GPIO_MAX_BUTTONS], gpio_led[CONFIG_GPIO_MAX_LEDS];
	unsigned ngpio_buttons, ngpio_leds;

	/* [sync] */
	char sync_ca_file[CONFIG_PATH_MAX];
	char sync_webhook_url[CONFIG_PATH_MAX];
	char sync_client_cert[CONFIG_PATH_MAX]; /* PEM; empty: no client certificate */
	char sync_client_key[CONFIG_PATH_MAX];
	unsigned sync_batch_seconds;			   /* 0: not on an interval */
	char sync_batch_at[128];			   /* "12:00 17:30", parsed into: */
	unsigned sync_batch_times[CONFIG_MAX_BATCH_TIMES]; /* seconds after local midnight, ascending */
	unsigned nsync_batch_times;
	unsigned sync_batch_cases;
	unsigned sync_chunk_kib;
	unsigned sync_poll_seconds;
	unsigned sync_retry_max_seconds;
	unsigned sync_heartbeat_seconds;

	/* [docscan] */
	char docscan_device[64];
	char docscan_source[16];
	unsigned docscan_resolution;
	char docscan_mode[8];
	unsigned docscan_jpeg_quality;
	unsigned docscan_max_pages;

	/* [printer] */
	char printer_backend[16];
	char printer_path[CONFIG_PATH_MAX];
	unsigned printer_timeout_s;
	unsigned printer_baud;
	char printer_flow[8];
	char printer_profile[8];
	unsigned printer_dots;
};

/* Parses "HH:MM[:SS]" times of day, apart by spaces or commas, into
 * seconds after midnight, ascending; false with why on any fault. */
bool config_day_times(const char *list, unsigned *out, unsigned max, unsigned *n, char *why, size_t whylen);

/* The first of the times of day strictly after now (local time), or the
 * last at or before it: the moment as Unix seconds; -1 without times. */
time_t config_day_time_next(time_t now, const unsigned *times, unsigned n);
time_t config_day_time_last(time_t now, const unsigned *times, unsigned n);

/* Fills cfg with the documented defaults. */
void config_defaults(struct config *cfg);

/*
 * Parses the file at path over the defaults.  Relative paths in the file are
 * taken relative to the file's directory.  On success derived values (the
 * control socket under state_dir) are filled in.
 */
enum status config_load(const char *path, struct config *cfg, char *err, size_t errlen);

#endif
