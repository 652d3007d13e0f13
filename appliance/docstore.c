/* SPDX-License-Identifier: Apache-2.0 */
#include "docstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/entropy.h"
#include "common/fdio.h"
#include "common/log.h"
#include "vault.h"

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

static enum status io_status(void)
{
	return (errno == ENOSPC || errno == EDQUOT) ? ST_DISK_FULL : ST_IO;
}

/* SHA-256 of a mapped upload, run on its own thread while the file is
 * encrypted and flushed: the two take about as long. */
struct hash_job {
	const uint8_t *data;
	size_t len;
	uint8_t digest[32];
	bool ok;
};

static void *hash_run(void *arg)
{
	struct hash_job *h = arg;

	crypto_sha256(h->data, h->len, h->digest);
	h->ok = true;
	return NULL;
}

bool docstore_fd_sealed(int fd)
{
	int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & need) == need;
}

static const char file_magic[4] = {'O', 'P', 'D', '1'};
#define CHUNK (256u * 1024)

/* Writes magic | nonce | AES-256-GCM(data) | tag to out, a chunk at a time
 * (CHUNK is a multiple of the block size, as GCM wants of all but the last). */
static enum status encrypt_to(int out, const uint8_t *data, size_t len, const uint8_t key[VAULT_KEY_LEN],
			      const char *aad)
{
	uint8_t nonce[VAULT_NONCE_LEN], tag[VAULT_TAG_LEN];
	struct crypto_gcm *g = NULL;
	uint8_t *buf = malloc(CHUNK);
	enum status st = ST_IO;

	if (!buf)
		goto out;
	entropy_fill(nonce, sizeof(nonce));
	if (!(g = crypto_gcm_start(true, key, nonce, sizeof(nonce), aad, strlen(aad)))) {
		st = ST_NOMEM;
		goto out;
	}
	if (!fdio_write_all(out, file_magic, sizeof(file_magic)) || !fdio_write_all(out, nonce, sizeof(nonce))) {
		st = io_status();
		goto out;
	}
	for (size_t off = 0; off < len; off += CHUNK) {
		size_t take = len - off < CHUNK ? len - off : CHUNK;

		if (!crypto_gcm_update(g, data + off, take, buf)) {
			st = ST_NOMEM;
			goto out;
		}
		if (!fdio_write_all(out, buf, take)) {
			st = io_status();
			goto out;
		}
	}
	if (!crypto_gcm_finish(g, tag)) {
		g = NULL;
		st = ST_NOMEM;
		goto out;
	}
	g = NULL;
	if (!fdio_write_all(out, tag, sizeof(tag))) {
		st = io_status();
		goto out;
	}
	st = ST_OK;
out:
	crypto_gcm_abort(g);
	free(buf);
	return st;
}

enum status docstore_put_sealed(struct docstore *ds, int fd, uint64_t max, const uint8_t key[VAULT_KEY_LEN],
				char name[DOCSTORE_NAME_HEX], char sha_hex[DOCSTORE_SHA_HEX], uint64_t *size)
{
	struct hash_job hash = {0};
	char tmp[64], sub[3], final[3 + DOCSTORE_NAME_HEX], aad[16 + DOCSTORE_NAME_HEX];
	uint8_t rnd[16];
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
	/* A random name: nothing on disk tells which content a file holds. */
	entropy_fill(rnd, sizeof(rnd));
	to_hex(rnd, sizeof(rnd), name);
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
	docstore_aad(name, aad, sizeof(aad));
	if ((st = encrypt_to(out, map, (size_t)sb.st_size, key, aad)) != ST_OK)
		goto out;
	st = ST_IO;
	if (fsync(out) < 0) {
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
	memcpy(sub, name, 2);
	sub[2] = '\0';
	snprintf(final, sizeof(final), "%s/%s", sub, name);
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

void docstore_aad(const char *name, char *aad, size_t cap)
{
	snprintf(aad, cap, "document:%s", name);
}

static bool name_ok(const char *s)
{
	if (strlen(s) != DOCSTORE_NAME_HEX - 1)
		return false;
	for (; *s; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}
	return true;
}

enum status docstore_read(struct docstore *ds, const char *name, const uint8_t key[VAULT_KEY_LEN], uint64_t size,
			  int *memfd)
{
	char path[3 + DOCSTORE_NAME_HEX], aad[16 + DOCSTORE_NAME_HEX];
	uint8_t head[sizeof(file_magic) + VAULT_NONCE_LEN], tag[VAULT_TAG_LEN];
	struct crypto_gcm *g = NULL;
	bool intact;
	uint8_t *in = NULL, *plain = NULL;
	struct stat sb;
	int fd = -1, mfd = -1;
	enum status st = ST_IO;

	*memfd = -1;
	if (!name_ok(name))
		return ST_NOT_FOUND;
	snprintf(path, sizeof(path), "%.2s/%s", name, name);
	fd = openat(ds->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ST_NOT_FOUND : ST_IO;
	if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size != sizeof(head) + size + VAULT_TAG_LEN || size > INT32_MAX)
		goto out;
	in = malloc(CHUNK);
	plain = malloc(CHUNK);
	mfd = memfd_create("outpost-document", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	docstore_aad(name, aad, sizeof(aad));
	if (!in || !plain || mfd < 0 || pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, file_magic, sizeof(file_magic)) != 0 ||
	    pread(fd, tag, sizeof(tag), (off_t)(sizeof(head) + size)) != (ssize_t)sizeof(tag))
		goto out;
	if (!(g = crypto_gcm_start(false, key, head + sizeof(file_magic), VAULT_NONCE_LEN, aad, strlen(aad)))) {
		st = ST_NOMEM;
		goto out;
	}
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t take = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		if (!fdio_pread_all(fd, in, take, (off_t)(sizeof(head) + off)))
			goto out;
		if (!crypto_gcm_update(g, in, take, plain) || !fdio_write_all(mfd, plain, take))
			goto out;
	}
	/* Nothing leaves before the tag proves the whole file unaltered. */
	intact = crypto_gcm_finish(g, tag);
	g = NULL;
	if (!intact) {
		log_err("document %s does not decrypt: altered, or its case key is gone", name);
		st = ST_PROTO;
		goto out;
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto out;
	*memfd = mfd;
	mfd = -1;
	st = ST_OK;
out:
	if (plain)
		vault_wipe(plain, CHUNK);
	free(plain);
	free(in);
	crypto_gcm_abort(g);
	if (mfd >= 0)
		close(mfd);
	close(fd);
	return st;
}

enum status docstore_remove(struct docstore *ds, const char *name)
{
	char path[3 + DOCSTORE_NAME_HEX], sub[3];
	int subfd;

	if (!name_ok(name))
		return ST_NOT_FOUND;
	snprintf(path, sizeof(path), "%.2s/%s", name, name);
	if (unlinkat(ds->dirfd, path, 0) < 0 && errno != ENOENT)
		return ST_IO;
	memcpy(sub, name, 2);
	sub[2] = '\0';
	subfd = openat(ds->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (subfd < 0 || fsync(subfd) < 0) {
		if (subfd >= 0)
			close(subfd);
		return ST_IO;
	}
	close(subfd);
	return ST_OK;
}

/* Sweeps one folder of the store (sub is "tmp" or a fan-out folder); see
 * docstore_sweep().  n counts the files removed. */
static enum status sweep_folder(struct docstore *ds, const char *sub, time_t before,
				bool (*referenced)(void *ud, const char *name), void *ud, unsigned *n)
{
	int fd = openat(ds->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool tmp = strcmp(sub, "tmp") == 0;
	unsigned removed = 0;
	enum status st = ST_OK;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? ST_OK : ST_IO;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return ST_IO;
	}
	while ((e = readdir(d))) {
		struct stat sb;

		if (fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_mtime > before)
			continue;
		if (!tmp && (!name_ok(e->d_name) || strncmp(e->d_name, sub, 2) != 0 || referenced(ud, e->d_name)))
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0) {
			log_err("cannot remove documents/%s/%s: %s", sub, e->d_name, strerror(errno));
			st = ST_IO;
			continue;
		}
		removed++;
	}
	if (removed && fsync(fd) < 0)
		st = ST_IO;
	closedir(d);
	*n += removed;
	return st;
}

enum status docstore_sweep(struct docstore *ds, time_t now, unsigned grace,
			   bool (*referenced)(void *ud, const char *name), void *ud, unsigned *orphans,
			   unsigned *leftovers)
{
	enum status st = ST_OK;

	*orphans = *leftovers = 0;
	for (unsigned i = 0; i <= 256; i++) {
		char sub[4] = "tmp";

		if (i < 256)
			snprintf(sub, sizeof(sub), "%02x", i);
		if (sweep_folder(ds, sub, now - (time_t)grace, referenced, ud, i < 256 ? orphans : leftovers) != ST_OK)
			st = ST_IO;
	}
	return st;
}
