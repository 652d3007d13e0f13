/* SPDX-License-Identifier: Apache-2.0 */
#include "lantls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/tlslib.h"

#define SELF_DAYS 3650

/* A whole small file into buf; false when it is missing or too large. */
static bool read_text(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[CONFIG_PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0 || (size_t)n == cap - 1)
		return false;
	buf[n] = '\0';
	return true;
}

/* Written beside, synced and renamed into place: a crash leaves the old file
 * or the new one.  Mode 0600, for the core alone. */
static enum status write_text(const char *dir, const char *name, const char *text)
{
	char path[CONFIG_PATH_MAX + 32], tmp[CONFIG_PATH_MAX + 40];
	int fd, dfd;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return ST_IO;
	ok = fdio_write_all(fd, text, strlen(text)) && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return ST_IO;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return ST_OK;
}

/* The names the certificate must carry: the box itself (the kiosk's
 * 127.0.0.1 and localhost), its listening address when it is one, and the
 * names and addresses the office gave in [web] tls_names. */
static void cert_names(const struct config *cfg, char out[TLSCERT_NAME_MAX])
{
	bool own = strcmp(cfg->listen_address, "0.0.0.0") != 0 && strcmp(cfg->listen_address, "127.0.0.1") != 0;

	snprintf(out, TLSCERT_NAME_MAX, "localhost,127.0.0.1%s%s%s%s", own ? "," : "", own ? cfg->listen_address : "",
		 cfg->tls_names[0] ? "," : "", cfg->tls_names);
}

/* The names of a list as the certificate holds them: separated by commas,
 * the spaces gone, IPv6 addresses in their short form (the order is kept:
 * the certificate keeps it too). */
static void names_normal(const char *list, char out[TLSCERT_NAME_MAX])
{
	char copy[TLSCERT_NAME_MAX], text[INET6_ADDRSTRLEN], *save = NULL;
	unsigned char ip[16];
	size_t used = 0;

	out[0] = '\0';
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *n = strtok_r(copy, ", ", &save); n; n = strtok_r(NULL, ", ", &save)) {
		int w;

		if (inet_pton(AF_INET6, n, ip) == 1 && inet_ntop(AF_INET6, ip, text, sizeof(text)))
			n = text;
		w = snprintf(out + used, TLSCERT_NAME_MAX - used, "%s%s", used ? "," : "", n);

		if (w < 0 || (size_t)w >= TLSCERT_NAME_MAX - used)
			break;
		used += (size_t)w;
	}
}

/* True when the self-signed certificate carries the names the
 * configuration asks for now. */
static bool self_names_current(const struct config *cfg, const struct lantls *t)
{
	char want[TLSCERT_NAME_MAX], wanted[TLSCERT_NAME_MAX], have[TLSCERT_NAME_MAX];

	cert_names(cfg, want);
	names_normal(want, wanted);
	return tlscert_request_names(t->self, have) == ST_OK && strcmp(have, wanted) == 0;
}

/* The self-signed certificate for t->key, with a new key first when
 * new_key is set. */
static enum status make_self(const struct config *cfg, struct lantls *t, bool new_key)
{
	char cn[64], names[TLSCERT_NAME_MAX];
	struct tlscert_subject s = {
	    .common_name = cn, .organization = cfg->office_name, .names = names, .days = SELF_DAYS};
	enum status st = ST_OK;

	snprintf(cn, sizeof(cn), "Outpost %s", cfg->office_code);
	cert_names(cfg, names);
	if (new_key)
		st = tlscert_new_key(t->key, sizeof(t->key));
	if (st == ST_OK)
		st = tlscert_sign(&s, t->key, NULL, NULL, NULL, t->self, sizeof(t->self));
	/* The certificate first: a key without it is made again next start. */
	if (st == ST_OK)
		st = write_text(cfg->state_dir, "tls-self.crt", t->self);
	if (st == ST_OK && new_key)
		st = write_text(cfg->state_dir, "tls.key", t->key);
	return st;
}

enum status lantls_open(const struct config *cfg, struct lantls *t, bool *created)
{
	char cert[TLSCERT_PEM_MAX], ca[TLSCERT_PEM_MAX];
	enum status st = tlslib_load();

	*created = false;
	memset(t, 0, sizeof(*t));
	if (st != ST_OK)
		return st;
	if (!read_text(cfg->state_dir, "tls.key", t->key, sizeof(t->key)) ||
	    !read_text(cfg->state_dir, "tls-self.crt", t->self, sizeof(t->self)) ||
	    !tlscert_fits_key(t->self, t->key)) {
		st = make_self(cfg, t, true);
		if (st != ST_OK)
			return st;
		*created = true;
	}
	if (read_text(cfg->state_dir, "tls.crt", cert, sizeof(cert)) &&
	    read_text(cfg->state_dir, "tls-ca.crt", ca, sizeof(ca)) && tlscert_fits_key(cert, t->key)) {
		snprintf(t->chain, sizeof(t->chain), "%s%s", cert, ca);
		t->issued = true;
	}
	/* [web] tls_names changed: the self-signed certificate is made again
	 * for the same key.  Before enrolment it is the one served; after, it
	 * is the request of the next enrolment, which alone brings the new
	 * names into the certificate central issues. */
	if (!*created && !self_names_current(cfg, t)) {
		st = make_self(cfg, t, false);
		if (st != ST_OK)
			return st;
		t->renamed = true;
		if (t->issued)
			log_warn("[web] tls_names changed: the certificate central issued keeps the old names until "
				 "the box is enrolled again");
	}
	if (!t->issued)
		snprintf(t->chain, sizeof(t->chain), "%s", t->self);
	if (tlscert_fingerprint(t->chain, t->fingerprint) != ST_OK ||
	    tlscert_fingerprint(t->self, t->self_fingerprint) != ST_OK)
		return ST_BAD_FIELD;
	return ST_OK;
}

enum status lantls_install(const struct config *cfg, struct lantls *t, const char *cert_pem, const char *ca_pem)
{
	char fp[TLSCERT_FP_LEN];
	enum status st;

	if (!tlscert_fits_key(cert_pem, t->key) || tlscert_fingerprint(ca_pem, fp) != ST_OK ||
	    strlen(cert_pem) + strlen(ca_pem) >= sizeof(t->chain))
		return ST_BAD_FIELD;
	/* The CA first: tls.crt without it is not served (lantls_open). */
	st = write_text(cfg->state_dir, "tls-ca.crt", ca_pem);
	if (st == ST_OK)
		st = write_text(cfg->state_dir, "tls.crt", cert_pem);
	if (st != ST_OK)
		return st;
	snprintf(t->chain, sizeof(t->chain), "%s%s", cert_pem, ca_pem);
	tlscert_fingerprint(t->chain, t->fingerprint);
	t->issued = true;
	log_info("HTTPS now with the certificate central issued, SHA-256 %s", t->fingerprint);
	return ST_OK;
}

json_t *lantls_message(const struct lantls *t)
{
	return json_pack("{s:s, s:s}", "chain", t->chain, "key", t->key);
}

json_t *lantls_json(const struct lantls *t)
{
	return json_pack("{s:s, s:s, s:s}", "fingerprint", t->fingerprint, "issuer", t->issued ? "central" : "self",
			 "self_fingerprint", t->self_fingerprint);
}
