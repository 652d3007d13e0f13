/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The document store beside the database: <dir>/<first two hex
 * digits>/<random name in hex>, encrypted.  A document is written to a
 * temporary file, fsync'd, renamed into place and its folder fsync'd before
 * the database row naming it commits, so a committed row never names a
 * missing file.
 */
#ifndef OUTPOST_DOCSTORE_H
#define OUTPOST_DOCSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/status.h"
#include "vault.h"

#define DOCSTORE_SHA_HEX 65

enum doc_type {
	DOC_UNKNOWN = 0,
	DOC_PDF,
	DOC_JPEG,
	DOC_PNG,
};

struct docstore;

enum status docstore_open(const char *dir, struct docstore **out);
void docstore_free(struct docstore **ds);

const char *doc_type_media(enum doc_type t);
/* The type a client declared: a known media type, else the file name's
 * extension.  DOC_UNKNOWN when neither says PDF, JPEG or PNG. */
enum doc_type doc_type_declared(const char *media_type, const char *filename);
/* The type the first bytes show (pure: head holds n bytes of the file). */
enum doc_type doc_type_sniff(const uint8_t *head, size_t n);
/* Sniffs the content of the open file fd (read with pread, offset kept). */
enum doc_type doc_type_of_fd(int fd);

/* True when fd is sealed against writing, shrinking and growing, as the web
 * process seals every upload before handing it over. */
bool docstore_fd_sealed(int fd);

#define DOCSTORE_NAME_HEX 33 /* a stored file's name: 32 hex digits and NUL */

/*
 * Stores the sealed upload fd (at most max bytes) encrypted under key
 * (AES-256-GCM, the case's data key) in a file with a new random name, and
 * gives that name, the SHA-256 of the plaintext in hex and its size.  The
 * file is durable (fsync, rename, folder fsync) on return.  ST_PROTO when fd
 * is not sealed or empty.  fd stays the caller's.
 */
enum status docstore_put_sealed(struct docstore *ds, int fd, uint64_t max, const uint8_t key[VAULT_KEY_LEN],
				char name[DOCSTORE_NAME_HEX], char sha_hex[DOCSTORE_SHA_HEX], uint64_t *size);
/*
 * Decrypts stored file name (size plaintext bytes) into a new sealed memfd,
 * given only when the whole file authenticated; the caller closes it.
 * ST_PROTO when it does not decrypt, ST_NOT_FOUND when it is gone.
 */
enum status docstore_read(struct docstore *ds, const char *name, const uint8_t key[VAULT_KEY_LEN], uint64_t size,
			  int *memfd);
/* Deletes a stored file for good (purge). */
enum status docstore_remove(struct docstore *ds, const char *name);
/*
 * Removes what a crash can leave, once its modification time is grace
 * seconds or more before now: every file in tmp/ (an upload being
 * encrypted), and every stored file that referenced(ud, name) says no row
 * names (written, but its row's transaction rolled back, or a purge that
 * stopped between its commit and the unlink).  referenced() answers true
 * when it cannot tell.  Files of other names, and younger ones (a clock
 * set back makes a file look younger, never older), stay.  Gives the
 * counts of removed orphans and tmp/ leftovers.  Call at start, before
 * any intake: the core is the only writer of the store.
 */
enum status docstore_sweep(struct docstore *ds, time_t now, unsigned grace,
			   bool (*referenced)(void *ud, const char *name), void *ud, unsigned *orphans,
			   unsigned *leftovers);
/* The additional data a file's encryption is bound to. */
void docstore_aad(const char *name, char *aad, size_t cap);

#endif
