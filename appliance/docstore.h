/*
 * The content-addressed document store beside the database:
 * <dir>/<first two hex digits>/<sha256 hex>.  A document is written to a
 * temporary file, fsync'd, renamed into place and its folder fsync'd before
 * the database row naming it commits, so a committed row never names a
 * missing file.
 */
#ifndef OUTPOST_DOCSTORE_H
#define OUTPOST_DOCSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
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
/* The additional data a file's encryption is bound to. */
void docstore_aad(const char *name, char *aad, size_t cap);

#endif
