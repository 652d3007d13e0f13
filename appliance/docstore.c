#include "docstore.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"

struct docstore {
	int dirfd;
	unsigned tmp_counter;
};

enum status docstore_open(const char *dir, struct docstore **out)
{
	struct docstore *ds;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_err("mkdir %s: %s", dir, strerror(errno));
		return ST_IO;
	}
	ds = calloc(1, sizeof(*ds));
	if (!ds)
		return ST_NOMEM;
	ds->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->dirfd < 0) {
		log_err("open %s: %s", dir, strerror(errno));
		free(ds);
		return ST_IO;
	}
	/* The 256 fan-out folders exist from the start, so storing a document
	 * never has to create one and sync the parent on the intake path. */
	for (unsigned i = 0; i <= 256; i++) {
		char sub[4] = "tmp";

		if (i < 256)
			snprintf(sub, sizeof(sub), "%02x", i);
		if (mkdirat(ds->dirfd, sub, 0700) < 0 && errno != EEXIST) {
			log_err("mkdir %s/%s: %s", dir, sub, strerror(errno));
			docstore_free(&ds);
			return ST_IO;
		}
	}
	if (fsync(ds->dirfd) < 0) {
		log_err("fsync %s: %s", dir, strerror(errno));
		docstore_free(&ds);
		return ST_IO;
	}
	*out = ds;
	return ST_OK;
}

void docstore_free(struct docstore **dsp)
{
	if (!*dsp)
		return;
	close((*dsp)->dirfd);
	free(*dsp);
	*dsp = NULL;
}

const char *doc_type_media(enum doc_type t)
{
	switch (t) {
	case DOC_PDF:
		return "application/pdf";
	case DOC_JPEG:
		return "image/jpeg";
	case DOC_PNG:
		return "image/png";
	default:
		return "application/octet-stream";
	}
}

enum doc_type doc_type_declared(const char *media_type, const char *filename)
{
	const char *dot;

	if (media_type) {
		for (enum doc_type t = DOC_PDF; t <= DOC_PNG; t++) {
			if (strcasecmp(media_type, doc_type_media(t)) == 0)
				return t;
		}
		if (strcasecmp(media_type, "image/jpg") == 0)
			return DOC_JPEG;
	}
	dot = filename ? strrchr(filename, '.') : NULL;
	if (!dot)
		return DOC_UNKNOWN;
	if (strcasecmp(dot, ".pdf") == 0)
		return DOC_PDF;
	if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
		return DOC_JPEG;
	if (strcasecmp(dot, ".png") == 0)
		return DOC_PNG;
	return DOC_UNKNOWN;
}

enum doc_type doc_type_sniff(const uint8_t *h, size_t n)
{
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};

	if (n >= 8 && memcmp(h, "%PDF-", 5) == 0 && h[5] >= '1' && h[5] <= '2' && h[6] == '.')
		return DOC_PDF;
	if (n >= 4 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff && h[3] >= 0xc0)
		return DOC_JPEG;
	if (n >= sizeof(png) && memcmp(h, png, sizeof(png)) == 0)
		return DOC_PNG;
	return DOC_UNKNOWN;
}

enum doc_type doc_type_of_fd(int fd)
{
	uint8_t head[16];
	ssize_t n = pread(fd, head, sizeof(head), 0);

	return n > 0 ? doc_type_sniff(head, (size_t)n) : DOC_UNKNOWN;
}

static void to_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool sha_hex_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == 64;
}

static enum status io_status(void)
{
	return (errno == ENOSPC || errno == EDQUOT) ? ST_DISK_FULL : ST_IO;
}

/* SHA-256 of a mapped upload, run on its own thread while the file is
 * flushed: the two take about as long, so together they take half. */
struct hash_job {
	const uint8_t *data;
	size_t len;
	uint8_t digest[32];
	bool ok;
};

static void *hash_run(void *arg)
{
	struct hash_job *h = arg;
	unsigned len = 0;

	h->ok = EVP_Digest(h->data, h->len, h->digest, &len, EVP_sha256(), NULL) && len == sizeof(h->digest);
	return NULL;
}

bool docstore_fd_sealed(int fd)
{
	int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & need) == need;
}

enum status docstore_put_fd(struct docstore *ds, int fd, uint64_t max, char sha_hex[DOCSTORE_SHA_HEX], uint64_t *size)
{
	struct hash_job hash = {0};
	char tmp[64], sub[3], final[3 + DOCSTORE_SHA_HEX];
	struct stat sb;
	void *map = MAP_FAILED;
	int out = -1, subfd = -1;
	enum status st = ST_IO;
	bool renamed = false, hashing = false;
	pthread_t hasher;

	/* Sealed, the upload cannot shrink under the mapping (no SIGBUS) nor
	 * change between the checks and the copy. */
	if (!docstore_fd_sealed(fd) || fstat(fd, &sb) < 0 || sb.st_size <= 0)
		return ST_PROTO;
	if ((uint64_t)sb.st_size > max)
		return ST_TOO_LARGE;
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return ST_NOMEM;
	snprintf(tmp, sizeof(tmp), "tmp/%ld.%u", (long)getpid(), ds->tmp_counter++);
	out = openat(ds->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		st = io_status();
		goto out;
	}
	hash.data = map;
	hash.len = (size_t)sb.st_size;
	hashing = pthread_create(&hasher, NULL, hash_run, &hash) == 0;
	if (!hashing)
		hash_run(&hash);
	if (!fdio_write_all(out, map, (size_t)sb.st_size) || fsync(out) < 0) {
		st = io_status();
		goto out;
	}
	if (hashing) {
		pthread_join(hasher, NULL);
		hashing = false;
	}
	if (!hash.ok)
		goto out;
	to_hex(hash.digest, sizeof(hash.digest), sha_hex);
	memcpy(sub, sha_hex, 2);
	sub[2] = '\0';
	snprintf(final, sizeof(final), "%s/%s", sub, sha_hex);
	/* Same content already stored: the rename replaces it with equal bytes. */
	if (renameat(ds->dirfd, tmp, ds->dirfd, final) < 0) {
		st = io_status();
		goto out;
	}
	renamed = true;
	subfd = openat(ds->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (subfd < 0 || fsync(subfd) < 0)
		goto out;
	*size = (uint64_t)sb.st_size;
	st = ST_OK;
out:
	if (hashing)
		pthread_join(hasher, NULL);
	if (st != ST_OK)
		log_err("storing a document failed: %s", status_name(st));
	if (out >= 0)
		close(out);
	if (subfd >= 0)
		close(subfd);
	if (!renamed)
		unlinkat(ds->dirfd, tmp, 0);
	munmap(map, (size_t)sb.st_size);
	return st;
}

int docstore_open_doc(struct docstore *ds, const char *sha_hex)
{
	char path[3 + DOCSTORE_SHA_HEX];

	if (!sha_hex_ok(sha_hex)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%.2s/%s", sha_hex, sha_hex);
	return openat(ds->dirfd, path, O_RDONLY | O_CLOEXEC);
}
