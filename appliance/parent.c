/* SPDX-License-Identifier: Apache-2.0 */
#include "parent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "kiosk.h"
#include "printjobs.h"
#include "audit.h"
#include "buttons.h"
#include "cases.h"
#include "catalog.h"
#include "control.h"
#include "common/crypto.h"
#include "common/log.h"
#include "leds.h"
#include "outbox.h"
#include "ratings.h"
#include "survey.h"
#include "privs.h"
#include "common/sandbox.h"
#include "scanjobs.h"
#include "common/store.h"
#include "common/timer.h"

#define SHUTDOWN_GRACE_USEC (3 * 1000000ULL)
/* How soon a new audit row is anchored (audit.h). */
#define ANCHOR_USEC (1000000ULL)

static struct core *the_core; /* for the children's callbacks */

static void on_children_change(void)
{
	struct core *c = the_core;

	if (!c->children[ROLE_WEB].ready) {
		c->web_epoch++;
		printjobs_web_gone(c);
	}
	if (!c->children[ROLE_DEV].ready)
		snprintf(c->printer_state, sizeof(c->printer_state), "unknown");
}

/* An event from central: one that does not fit the case's state is
 * logged and dropped (replays land here), a malformed one is the sender's
 * fault. */
static enum status on_case_event(struct core *c, json_t *body)
{
	struct case_error why = {0};
	json_t *central = json_object_get(body, "central");
	enum status st;

	/* As central sent it, with the feed's cursor (the sync process). */
	if (json_is_object(central)) {
		st = outbox_central_event(c, central, json_string_value(json_object_get(body, "cursor")), NULL);
		if (st != ST_OK)
			log_warn("central event not applied: %s", status_name(st));
		return ST_OK; /* central's content, not the sync process's fault */
	}
	st = cases_central_event(c, body, &why);
	json_decref(why.extra);
	if (st == ST_PROTO)
		return ST_PROTO;
	if (st != ST_OK)
		log_warn("case event %s for %s not applied: %s", json_string_value(json_object_get(body, "event")),
			 json_string_value(json_object_get(body, "code")), status_name(st));
	return ST_OK;
}

/* Keeps the newest scans, numbered, for GET /api/v1/scans. */
static enum status on_scan(struct core *c, json_t *body)
{
	const char *text;

	if (json_unpack(body, "{s:s}", "text", &text) != 0)
		return ST_PROTO;
	if (!c->scans && !(c->scans = json_array()))
		return ST_OK;
	json_object_set_new(body, "seq", json_integer((json_int_t)++c->scan_seq));
	json_array_append(c->scans, body);
	while (json_array_size(c->scans) > CORE_MAX_SCANS)
		json_array_remove(c->scans, 0);
	log_info("scan %llu from the %s scanner", (unsigned long long)c->scan_seq,
		 json_string_value(json_object_get(body, "source")));
	return ST_OK;
}

static int on_purge_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	cases_purge_due(c);
	ratings_purge_due(c);
	timer_again(s, usec, (uint64_t)c->cfg.purge_interval_seconds * 1000000);
	return 0;
}

#define LED_POLL_USEC (2 * 1000000ULL)

/* The LEDs follow the cases and the processes: looked at every 2 s. */
/* The audit anchor follows the chain's head (audit.h). */
static int on_anchor_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	api_audit_tick(c, core_now());
	audit_anchor_advance(c->db, c->anchor);
	timer_again(s, usec, ANCHOR_USEC);
	return 0;
}

static int on_led_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	leds_update(ud, false);
	timer_again(s, usec, LED_POLL_USEC);
	return 0;
}

static enum status on_child_msg(struct channel *chan, struct chmsg *m, void *ud)
{
	struct child *ch = ud;
	struct core *c = the_core;
	const char *printer;

	(void)chan;
	if (m->type == MSG_HELLO) {
		const char *role;

		if (json_unpack(m->body, "{s:s}", "role", &role) != 0 || strcmp(role, role_name(ch->role)) != 0)
			return ST_PROTO;
		ch->ready = true;
		log_info("%s is up (pid %d)", role_name(ch->role), (int)ch->pid);
		if (ch->role == ROLE_WEB) {
			core_send_tls(c);
			kiosk_display_push(c); /* a new web starts with the display's state */
		}
		if (ch->role == ROLE_SYNC) {
			outbox_sync_up(c);  /* a new sync starts with the cursor and the batch in flight */
			ratings_sync_up(c); /* and the ratings waiting */
		}
		if (ch->role == ROLE_DEV) {
			leds_update(c, true); /* a new dev starts with the LEDs' state */
			scanjobs_dev_restarted(c);
			if (c->setup_slip_due && printjobs_setup_slip(c) == ST_OK)
				c->setup_slip_due = false;
		}
		on_children_change();
		return ST_OK;
	}
	if (!ch->ready)
		return ST_PROTO; /* hello comes first */
	switch (ch->role) {
	case ROLE_WEB:
		if (m->type == MSG_API_REQUEST)
			return api_handle(c, m->id, m->body, m->fds, m->nfds);
		break;
	case ROLE_SYNC:
		if (m->type == MSG_CASE_EVENT)
			return on_case_event(c, m->body);
		if (m->type == MSG_SYNC_UPLOAD)
			return outbox_upload(c, m->body);
		if (m->type == MSG_SYNC_RESULT)
			return outbox_result(c, m->body);
		if (m->type == MSG_SYNC_CATALOG)
			return outbox_catalog(c, m->body, m->fds, m->nfds);
		if (m->type == MSG_SYNC_ENROLLED)
			return api_sync_enrolled(c, m->id, m->body);
		if (m->type == MSG_SYNC_ROTATED)
			return api_sync_rotated(c, m->id, m->body);
		if (m->type == MSG_SYNC_CONTACT)
			return outbox_contact(c, m->body);
		if (m->type == MSG_SYNC_RATED)
			return ratings_forwarded(c, m->body);
		if (m->type == MSG_SYNC_CAMPAIGNS)
			return survey_campaigns_install(c, m->body, m->fds, m->nfds);
		break;
	case ROLE_DEV:
		if (m->type == MSG_SCAN)
			return on_scan(c, m->body);
		if (m->type == MSG_BUTTON)
			return buttons_press(c, m->body);
		if (m->type == MSG_DOCSCAN_RESULT)
			return scanjobs_result(c, m->body, m->fds, m->nfds);
		if (m->type == MSG_PRINT_RESULT)
			return printjobs_result(c, m->body);
		if (m->type == MSG_DEVICE_STATE) {
			const char *kbd = "none", *ser = "none", *panel = "none";
			json_t *leds = NULL;

			if (json_unpack(m->body, "{s:s, s?s, s?s, s?s, s?o}", "printer", &printer, "scanner_keyboard",
					&kbd, "scanner_serial", &ser, "panel", &panel, "leds", &leds) != 0 ||
			    (leds && !json_is_object(leds)))
				return ST_PROTO;
			snprintf(c->printer_state, sizeof(c->printer_state), "%s", printer);
			snprintf(c->scanner_keyboard, sizeof(c->scanner_keyboard), "%s", kbd);
			snprintf(c->scanner_serial, sizeof(c->scanner_serial), "%s", ser);
			snprintf(c->panel_state, sizeof(c->panel_state), "%s", panel);
			json_decref(c->leds);
			c->leds = json_incref(leds);
			leds_update(c, false);
			return ST_OK;
		}
		break;
	default:
		break;
	}
	log_err("%s may not send %s messages", role_name(ch->role), msg_type_name(m->type));
	return ST_PROTO;
}

static int listen_socket(const struct config *cfg, unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd, one = 1;

	if (inet_pton(AF_INET, cfg->listen_address, &sin.sin_addr) != 1)
		fatalx("[web] listen_address '%s' is not an IPv4 address", cfg->listen_address);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fatal("cannot listen on %s:%u", cfg->listen_address, port);
	if (listen(fd, 128) < 0)
		fatal("listen");
	return fd;
}

/* What is set up once at start (the state folder, the listening socket,
 * table sizes): a reload keeps the running values. */
static void keep_startup_settings(struct config *next, const struct config *cur)
{
	memcpy(next->state_dir, cur->state_dir, sizeof(next->state_dir));
	memcpy(next->listen_address, cur->listen_address, sizeof(next->listen_address));
	next->port = cur->port;
	next->https_port = cur->https_port;
	memcpy(next->tls_names, cur->tls_names, sizeof(next->tls_names));
	next->max_pending = cur->max_pending;
	next->max_sessions = cur->max_sessions;
	next->max_pending_logins = cur->max_pending_logins;
	next->max_staff_jobs = cur->max_staff_jobs;
	next->max_lockout_entries = cur->max_lockout_entries;
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	struct core *c = ud;
	struct config next, kept;
	char err[512];

	(void)s;
	(void)si;
	if (config_load(c->config_path, &next, err, sizeof(err)) != ST_OK) {
		log_err("reload refused, keeping the running configuration: %s", err);
		return 0;
	}
	kept = next;
	keep_startup_settings(&kept, &c->cfg);
	/* Both structs start zeroed by config_load, padding included. */
	if (memcmp(&kept, &next, sizeof(next)) != 0)
		log_warn("reload: state_dir, listen address, ports, TLS names and table sizes take effect at restart");
	next = kept;
	c->cfg = next;
	log_set_level(c->cfg.log_level);
	auth_reconfigure(c->auth, &c->cfg);
	for (int r = 0; r < __ROLE_MAX; r++) {
		json_t *j = json_pack("{s:s}", "reason", "sighup");

		core_send(c, (enum role)r, MSG_RELOAD, 0, j, NULL, 0, NULL, 0);
		json_decref(j);
	}
	log_info("configuration reloaded from %s", c->config_path);
	return 0;
}

static int on_grace_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	struct core *c = ud;

	(void)s;
	(void)usec;
	log_warn("children did not stop in time: killing them");
	for (int r = 0; r < __ROLE_MAX; r++)
		child_kill(&c->children[r]);
	return sd_event_exit(c->ev, 0);
}

static int on_child_gone_at_shutdown(sd_event_source *s, void *ud)
{
	struct core *c = ud;

	(void)s;
	for (int r = 0; r < __ROLE_MAX; r++) {
		if (child_running(&c->children[r]))
			return 0;
	}
	return sd_event_exit(c->ev, 0);
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	struct core *c = ud;
	sd_event_source *post = NULL, *grace = NULL;

	(void)s;
	if (c->env.stopping)
		return 0;
	log_info("stopping on signal %u", si->ssi_signo);
	sd_notify(0, "STOPPING=1");
	c->env.stopping = true;
	for (int r = 0; r < __ROLE_MAX; r++)
		child_terminate(&c->children[r]);
	/* Exit once every child is reaped, or kill them after a grace period. */
	sd_event_add_post(c->ev, &post, on_child_gone_at_shutdown, c);
	sd_event_source_set_floating(post, 1);
	sd_event_source_unref(post);
	sd_event_add_time_relative(c->ev, &grace, CLOCK_MONOTONIC, SHUTDOWN_GRACE_USEC, 0, on_grace_timeout, c);
	sd_event_source_set_floating(grace, 1);
	sd_event_source_unref(grace);
	return 0;
}

static void setup_state(struct core *c)
{
	char path[CONFIG_PATH_MAX + 32], err[512];
	bool created = false;
	enum status st;

	if (mkdir(c->cfg.state_dir, 0700) < 0 && errno != EEXIST)
		fatal("cannot create %s", c->cfg.state_dir);
	snprintf(path, sizeof(path), "%s/outpost.db", c->cfg.state_dir);
	if (store_open(path, &c->db, err, sizeof(err)) != ST_OK)
		fatalx("database: %s", err);
	if (vault_open(c->cfg.state_dir, &c->vault) != ST_OK)
		fatalx("cannot open the box key in %s", c->cfg.state_dir);
	if (audit_anchor_open(c->cfg.state_dir, c->vault, &c->anchor) != ST_OK)
		fatalx("cannot read the audit anchor in %s", c->cfg.state_dir);
	if (cases_upgrade_v2(c) != ST_OK)
		fatalx("cannot move the cases of schema 2");
	if (cases_seal_clear(c) != ST_OK)
		fatalx("cannot seal the pickup codes and document names kept in clear");
	snprintf(path, sizeof(path), "%s/documents", c->cfg.state_dir);
	if (docstore_open(path, &c->docs) != ST_OK)
		fatalx("cannot open the document store %s", path);
	cases_sweep_orphans(c);
	if (catalog_seed(c, c->cfg.catalog) != ST_OK)
		fatalx("cannot load the catalog %s", c->cfg.catalog);
	if (auth_new(c->db, &c->cfg, &c->auth) != ST_OK || api_init(c) != ST_OK)
		fatalx("out of memory");
	snprintf(path, sizeof(path), "%s/initial-admin-password", c->cfg.state_dir);
	st = auth_ensure_admin(c->auth, path, &created);
	if (st != ST_OK)
		fatalx("cannot create the first admin account: %s", status_name(st));
	if (created) {
		log_info("first start: created the account 'admin'; its password is in %s", path);
		audit_anchor_first_start(c->anchor);
	}
	/* Anchors what the last run left (after a crash, its last second of
	 * rows); a chain cut while the box was off is logged here. */
	audit_anchor_advance(c->db, c->anchor);
	st = lantls_open(&c->cfg, &c->tls, &created);
	if (st != ST_OK)
		fatalx("cannot read or make the HTTPS certificate in %s: %s", c->cfg.state_dir, status_name(st));
	if (created)
		log_info("first start: made the HTTPS certificate, SHA-256 fingerprint %s", c->tls.fingerprint);
	else if (c->tls.renamed && !c->tls.issued)
		log_info("[web] tls_names changed: made the HTTPS certificate again, SHA-256 fingerprint %s",
			 c->tls.fingerprint);
	c->setup_slip_due = created || (c->tls.renamed && !c->tls.issued);
}

int core_main(const char *config_path)
{
	static struct core c;
	char err[512];
	sigset_t mask;
	ssize_t n;
	int listen_fd, tls_listen_fd, exe_fd;
	bool privileged;

	the_core = &c;
	c.config_path = config_path;
	if (config_load(config_path, &c.cfg, err, sizeof(err)) != ST_OK)
		fatalx("%s", err);
	log_set_level(c.cfg.log_level);
	snprintf(c.printer_state, sizeof(c.printer_state), "unknown");
	n = readlink("/proc/self/exe", c.exe, sizeof(c.exe) - 1);
	if (n < 0 || (size_t)n >= sizeof(c.exe) - 1)
		fatal("cannot find my own binary");
	c.exe[n] = '\0';

	/* Above the descriptors a child's are moved to (child.h). */
	exe_fd = open(c.exe, O_PATH | O_CLOEXEC);
	if (exe_fd >= 0 && exe_fd <= ROLE_TLS_LISTEN_FD) {
		int high = fcntl(exe_fd, F_DUPFD_CLOEXEC, ROLE_TLS_LISTEN_FD + 1);

		close(exe_fd);
		exe_fd = high;
	}
	if (exe_fd < 0)
		fatal("cannot open my own binary");
	if (privs_load(&privileged) != ST_OK)
		fatalx("cannot find the users the processes run as");
	if (crypto_load() != ST_OK)
		fatalx("cannot load OpenSSL's libcrypto (libssl3)");
	setup_state(&c);
	listen_fd = listen_socket(&c.cfg, c.cfg.port);
	tls_listen_fd = listen_socket(&c.cfg, c.cfg.https_port);
	/* Root ends here: everything below runs as the core's own user. */
	if (privs_own_state(c.cfg.state_dir) != ST_OK)
		fatalx("cannot give the state in %s to the processes' users", c.cfg.state_dir);
	if (privs_drop_core() != ST_OK)
		fatalx("cannot drop root");
	if (sandbox_enter_core() != ST_OK)
		fatalx("cannot enter the sandbox");

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sd_event_default(&c.ev) < 0)
		fatalx("cannot create the event loop");
	sd_event_add_signal(c.ev, NULL, SIGTERM, on_terminate, &c);
	sd_event_add_signal(c.ev, NULL, SIGINT, on_terminate, &c);
	sd_event_add_signal(c.ev, NULL, SIGHUP, on_reload, &c);
	/* Feeds the systemd watchdog when WATCHDOG_USEC is set. */
	sd_event_set_watchdog(c.ev, true);
	sd_event_now(c.ev, CLOCK_MONOTONIC, &c.started_usec);

	if (worker_new(c.ev,
		       (const unsigned[__WORKER_CLASS_MAX]){
			   [WORKER_STAFF] = c.cfg.max_staff_jobs, [WORKER_ANON] = c.cfg.max_pending_logins},
		       &c.worker) != ST_OK)
		fatalx("cannot start the worker thread");
	{
		char db_path[CONFIG_PATH_MAX + 16];

		snprintf(db_path, sizeof(db_path), "%s/outpost.db", c.cfg.state_dir);
		if (store_checkpointer_new(c.db, db_path, c.worker, &c.checkpointer) != ST_OK)
			fatalx("cannot open the checkpoint connection");
	}
	if (control_open(&c) != ST_OK)
		fatalx("cannot open the control socket %s", c.cfg.control_socket);
	/* Retention: the first look a minute after start (or sooner when the
	 * interval is shorter), then every interval. */
	if (sd_event_add_time_relative(c.ev, &c.purge_timer, CLOCK_MONOTONIC,
				       (c.cfg.purge_interval_seconds < 60 ? c.cfg.purge_interval_seconds : 60) *
					   1000000ULL,
				       100000, on_purge_timer, &c) < 0)
		fatalx("cannot arm the purge timer");
	if (outbox_init(&c) != ST_OK)
		fatalx("cannot arm the outbox timer");
	if (sd_event_add_time_relative(c.ev, &c.anchor_timer, CLOCK_MONOTONIC, ANCHOR_USEC, 100000, on_anchor_timer,
				       &c) < 0)
		fatalx("cannot arm the audit anchor timer");
	if (c.cfg.gpio_chip[0] && sd_event_add_time_relative(c.ev, &c.led_timer, CLOCK_MONOTONIC, LED_POLL_USEC, 200000,
							     on_led_timer, &c) < 0)
		fatalx("cannot arm the LED timer");

	c.env = (struct child_env){.ev = c.ev,
				   .exe = c.exe,
				   .exe_fd = exe_fd,
				   .core_pid = getpid(),
				   .config_path = config_path,
				   .listen_fd = listen_fd,
				   .tls_listen_fd = tls_listen_fd,
				   .backoff_max_ms = c.cfg.restart_backoff_max_s * 1000,
				   .on_msg = on_child_msg,
				   .on_change = on_children_change};
	for (int r = 0; r < __ROLE_MAX; r++) {
		c.children[r] = (struct child){.role = (enum role)r, .env = &c.env, .pid = -1};
		child_start(&c.children[r]);
	}
	log_info("outpostd core up: office %s, console on https://%s:%u/ (certificate %s, SHA-256 %s), "
		 "plain http://%s:%u/ for the box's own screen",
		 c.cfg.office_code, c.cfg.listen_address, c.cfg.https_port,
		 c.tls.issued ? "issued by central" : "self-signed", c.tls.fingerprint, c.cfg.listen_address,
		 c.cfg.port);
	sd_notify(0, "READY=1");
	sd_event_loop(c.ev);

	control_close(&c);
	worker_free(&c.worker);
	store_checkpointer_free(&c.checkpointer);
	api_free(&c);
	auth_free(&c.auth);
	c.purge_timer = sd_event_source_disable_unref(c.purge_timer);
	c.led_timer = sd_event_source_disable_unref(c.led_timer);
	c.anchor_timer = sd_event_source_disable_unref(c.anchor_timer);
	outbox_free(&c);
	ratings_free(&c);
	json_decref(c.scans);
	json_decref(c.presses);
	scanjobs_free(&c);
	json_decref(c.leds);
	docstore_free(&c.docs);
	audit_anchor_advance(c.db, c.anchor); /* the last rows, before the database closes */
	audit_anchor_free(&c.anchor);
	vault_free(&c.vault);
	memo_clear(&c.lists);
	store_close(&c.db);
	close(listen_fd);
	close(tls_listen_fd);
	sd_event_unref(c.ev);
	log_info("stopped");
	return 0;
}
