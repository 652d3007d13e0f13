/* SPDX-License-Identifier: Apache-2.0 */
#include "webtls.h"

#include <stdlib.h>
#include <string.h>

#include "appliance/common/log.h"

#define WEBTLS_CHAIN_MAX 4
/* Certificates replaced while the process runs: a session keeps pointing
 * at the one it was handed, so none is freed before the process ends.  A
 * box changes its certificate at enrolment only; past this many changes
 * the oldest is freed (a session of that age is long closed). */
#define WEBTLS_RETIRED_MAX 16

struct webtls_cert {
	gnutls_pcert_st pcert[WEBTLS_CHAIN_MAX];
	unsigned npcert;
	gnutls_privkey_t key;
};

static struct webtls_cert *current;
static struct webtls_cert *retired[WEBTLS_RETIRED_MAX];
static unsigned nretired;

static void cert_free(struct webtls_cert **pc)
{
	struct webtls_cert *c = *pc;

	if (!c)
		return;
	for (unsigned i = 0; i < c->npcert; i++)
		gnutls_pcert_deinit(&c->pcert[i]);
	if (c->key)
		gnutls_privkey_deinit(c->key);
	free(c);
	*pc = NULL;
}

enum status webtls_use(const char *chain, const char *key)
{
	struct webtls_cert *c = calloc(1, sizeof(*c));
	gnutls_datum_t cd = {.data = (unsigned char *)chain, .size = (unsigned)strlen(chain)};
	gnutls_datum_t kd = {.data = (unsigned char *)key, .size = (unsigned)strlen(key)};

	if (!c)
		return ST_NOMEM;
	c->npcert = WEBTLS_CHAIN_MAX;
	if (gnutls_pcert_list_import_x509_raw(c->pcert, &c->npcert, &cd, GNUTLS_X509_FMT_PEM, 0) < 0) {
		c->npcert = 0;
		cert_free(&c);
		return ST_BAD_FIELD;
	}
	if (gnutls_privkey_init(&c->key) < 0 ||
	    gnutls_privkey_import_x509_raw(c->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
		cert_free(&c);
		return ST_BAD_FIELD;
	}
	if (current) {
		if (nretired == WEBTLS_RETIRED_MAX) {
			cert_free(&retired[0]);
			memmove(retired, retired + 1, sizeof(retired[0]) * (WEBTLS_RETIRED_MAX - 1));
			nretired--;
		}
		retired[nretired++] = current;
	}
	current = c;
	return ST_OK;
}

bool webtls_ready(void)
{
	return current != NULL;
}

int webtls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
		    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
		    unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	(void)session, (void)req_ca_rdn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
	if (!current)
		return -1;
	*pcert = current->pcert;
	*pcert_length = current->npcert;
	*privkey = current->key;
	return 0;
}
