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
/*
 * Copies the whole content of the sealed upload fd into the store, at most
 * max bytes, and gives its SHA-256 in hex and its size.  ST_PROTO when fd is
 * not sealed or empty.  fd stays the caller's.
 */
enum status docstore_put_fd(struct docstore *ds, int fd, uint64_t max, char sha_hex[DOCSTORE_SHA_HEX], uint64_t *size);
/* Opens a stored document read-only; -1 with errno when missing. */
int docstore_open_doc(struct docstore *ds, const char *sha_hex);

#endif
