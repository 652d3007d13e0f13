/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fills a state folder with N generated cases for the lookup benchmark,
 * the way outpostd stores them: the same schema (store_open migrates), the
 * same box key, per-case keys, sealed ID numbers and phones and keyed
 * hashes (vault.c), so outpostd started on the folder finds them.  The
 * cases spread over the last 365 days, never today, so intake still works.  Writes
 * SAMPLES lines "code id_number phone" of cases picked at random.
 * Usage: bench_gen STATE_DIR N SAMPLES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "appliance/auth.h"
#include "appliance/common/casecode.h"
#include "appliance/common/config.h"
#include "appliance/common/idnum.h"
#include "appliance/common/store.h"
#include "appliance/vault.h"

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
				       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "欧阳"};
static const char *const given[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊",   "军",
				    "洋", "勇", "艳", "杰",   "娟", "涛", "明", "超", "秀兰", "霞"};
static const char *const states[] = {"received", "queued",    "sent",	"accepted", "decided",
				     "ready",	 "collected", "closed", "returned", "withdrawn"};

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void make_id(char out[19])
{
	snprintf(out, 19, "110105%04u%02u%02u%03u", 1950 + next() % 55, 1 + next() % 12, 1 + next() % 28,
		 next() % 1000);
	out[17] = idnum_check_char(out);
	out[18] = '\0';
}

static void seal_bind(sqlite3_stmt *q, int col, const uint8_t key[VAULT_KEY_LEN], const char *aad, const char *text)
{
	uint8_t sealed[64];
	size_t n = strlen(text);

	vault_seal(key, aad, text, n, sealed);
	sqlite3_bind_blob(q, col, sealed, (int)(n + VAULT_SEAL_EXTRA), SQLITE_TRANSIENT);
}

static void hash_bind(sqlite3_stmt *q, int col, const struct vault *v, const char *purpose, const char *value)
{
	uint8_t h[VAULT_HASH_LEN];

	vault_index(v, purpose, value, h);
	sqlite3_bind_blob(q, col, h, sizeof(h), SQLITE_TRANSIENT);
}

int main(int argc, char **argv)
{
	char path[4096], err[256], code[CASECODE_MAX], id[19], phone[12], name[32], promised[16];
	uint8_t key[VAULT_KEY_LEN], wrapped[VAULT_WRAPPED_LEN];
	struct config cfg;
	struct vault *v = NULL;
	struct auth *a = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins, *mat;
	FILE *samples;
	long n;
	int64_t case_id;
	bool created;
	time_t now = time(NULL);
	unsigned per_day;

	if (argc != 4 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_gen STATE_DIR N SAMPLES\n");
		return 2;
	}
	per_day = (unsigned)(n / 365 + 1);
	mkdir(argv[1], 0700);
	snprintf(path, sizeof(path), "%s/outpost.db", argv[1]);
	config_defaults(&cfg);
	if (store_open(path, &db, err, sizeof(err)) != ST_OK || vault_open(argv[1], &v) != ST_OK ||
	    auth_new(db, &cfg, &a) != ST_OK) {
		fprintf(stderr, "bench_gen: %s\n", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/initial-admin-password", argv[1]);
	if (auth_ensure_admin(a, path, &created) != ST_OK || !(samples = fopen(argv[3], "w")))
		return 1;
	sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	ins = store_prepare(db, "INSERT INTO cases (code, state, item_code, item_name, department, applicant_kind, "
				"applicant_name, id_type, id_sealed, id_hash, phone_sealed, phone_hash, pickup_code, "
				"case_key, created_at, created_by, received_at, ready_at, updated_at, promised_by, "
				"receipt_state) VALUES (?1, ?2, 'GA-JZZ-01', '居住证办理', '区公安分局', 'person', ?3, "
				"'resident', ?4, ?5, ?6, ?7, '123456', ?8, ?9, 1, ?9, ?10, ?9, ?11, 'printed')");
	mat = store_prepare(db,
			    "INSERT INTO case_materials (case_id, position, name, form, copies, optional, "
			    "received, received_form, pages) VALUES (?1, ?2, ?3, 'original', 1, 0, 1, 'original', 1)");
	if (!ins || !mat)
		return 1;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (long i = 0; i < n; i++) {
		long day = i / per_day;
		time_t at = now - (time_t)(365 - day % 365) * 86400;
		struct tm tm;
		const char *state = states[next() % 10];

		localtime_r(&at, &tm);
		casecode_format(code, sizeof(code), "SQ01", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				(unsigned)(i % per_day) + 1);
		make_id(id);
		snprintf(phone, sizeof(phone), "13%09u", next() % 1000000000u);
		snprintf(name, sizeof(name), "%s%s", surnames[next() % 20], given[next() % 20]);
		tm.tm_mday += 7;
		mktime(&tm);
		strftime(promised, sizeof(promised), "%Y-%m-%d", &tm);
		vault_new_case_key(v, code, key, wrapped);
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, name, -1, SQLITE_STATIC);
		seal_bind(ins, 4, key, "id_number", id);
		hash_bind(ins, 5, v, "id", id);
		seal_bind(ins, 6, key, "phone", phone);
		hash_bind(ins, 7, v, "phone", phone);
		sqlite3_bind_blob(ins, 8, wrapped, sizeof(wrapped), SQLITE_STATIC);
		sqlite3_bind_int64(ins, 9, (int64_t)at);
		if (strcmp(state, "ready") == 0)
			sqlite3_bind_int64(ins, 10, (int64_t)at + 3 * 86400);
		else
			sqlite3_bind_null(ins, 10);
		sqlite3_bind_text(ins, 11, promised, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "bench_gen: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		case_id = sqlite3_last_insert_rowid(db);
		for (int m = 1; m <= 3; m++) {
			sqlite3_reset(mat);
			sqlite3_bind_int64(mat, 1, case_id);
			sqlite3_bind_int(mat, 2, m);
			sqlite3_bind_text(mat, 3,
					  m == 1   ? "申请人居民身份证"
					  : m == 2 ? "近期一寸免冠照片"
						   : "居住登记凭证",
					  -1, SQLITE_STATIC);
			sqlite3_step(mat);
		}
		if (next() % (uint32_t)(n / 1000 + 1) == 0)
			fprintf(samples, "%s %s %s\n", code, id, phone);
		if (i % 20000 == 19999)
			sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE", NULL, NULL, NULL);
	fclose(samples);
	store_finish(ins);
	store_finish(mat);
	auth_free(&a);
	vault_free(&v);
	store_close(&db);
	vault_wipe(key, sizeof(key));
	return 0;
}
