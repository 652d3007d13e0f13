/* SPDX-License-Identifier: Apache-2.0 */
#include "scanjobs.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/sheets.h"
#include "common/log.h"

#define KEPT 8

enum job_state { SJ_SCANNING, SJ_OPEN, SJ_FINISHING, SJ_DONE, SJ_FAILED };

static const char *const state_names[] = {"scanning", "open", "finishing", "done", "failed"};

struct scanjob {
	uint32_t id;
	enum job_state state;
	char username[AUTH_NAME_MAX];
	char target[CASECODE_MAX];
	int material;
	bool test;
	unsigned pages;
	double seconds;
	char status[24], detail[160];
	char split_zh[256], split_en[256];
	json_t *docs; /* [{case, material, pages}] as they came */
	int fds[SHEETS_MAX_DOCS];
	unsigned nfds;
	json_t *codes;
};

struct scanjobs {
	struct scanjob job[KEPT];
	unsigned next; /* the slot the next job takes */
	uint32_t last_id;
};

/* What a status means to the clerk; %s is the detail. */
static const struct {
	const char *status, *zh, *en;
} messages[] = {
    {"ok", "扫描完成", "scan complete"},
    {"jammed", "扫描仪卡纸：请取出卡住的纸张，整理后重新扫描整叠材料",
     "paper jam: clear the scanner and scan the whole stack again"},
    {"cover_open", "扫描仪盖板打开：请合上盖板后重新扫描", "the scanner's cover is open: close it and scan again"},
    {"no_docs", "进纸器中没有纸张：请放入材料后重新扫描", "no paper in the feeder: load the stack and scan again"},
    {"busy", "扫描仪正忙：请稍后再试", "the scanner is busy: try again shortly"},
    {"io_error", "扫描仪通信故障：请检查连接后重试",
     "the scanner did not answer properly: check its cable and try again"},
    {"no_device", "未找到扫描仪：请检查电源和连接线", "no scanner found: check its power and cable"},
    {"bad_option", "扫描仪不接受该设置：%s", "the scanner does not take this setting: %s"},
    {"unsupported", "扫描仪送来的图像格式不受支持", "the scanner sent an image format Outpost does not take"},
    {"too_many_pages", "一次扫描页数过多：请分批扫描", "too many pages in one scan: scan in parts"},
    {"no_memory", "内存不足：请分批扫描", "out of memory: scan in parts"},
    {"cancelled", "已取消扫描，未保存任何页面", "scan cancelled; nothing was kept"},
    {"no_job", "该扫描已结束", "this scan is over"},
    {"restarted", "设备进程已重启，本次扫描未完成：请重新扫描", "the device process restarted: scan again"},
    {"not_filed", "扫描完成，但未能存入案件：%s", "scanned, but not filed: %s"},
};

static struct scanjobs *jobs(struct core *c)
{
	if (!c->scanjobs && (c->scanjobs = calloc(1, sizeof(*c->scanjobs)))) {
		for (unsigned i = 0; i < KEPT; i++)
			for (unsigned k = 0; k < SHEETS_MAX_DOCS; k++)
				c->scanjobs->job[i].fds[k] = -1;
	}
	return c->scanjobs;
}

static void clear(struct scanjob *j)
{
	for (unsigned k = 0; k < j->nfds; k++)
		if (j->fds[k] >= 0)
			close(j->fds[k]);
	json_decref(j->docs);
	json_decref(j->codes);
	memset(j, 0, sizeof(*j));
	for (unsigned k = 0; k < SHEETS_MAX_DOCS; k++)
		j->fds[k] = -1;
}

static struct scanjob *find(struct core *c, uint32_t id)
{
	struct scanjobs *sj = jobs(c);

	for (unsigned i = 0; sj && id && i < KEPT; i++)
		if (sj->job[i].id == id)
			return &sj->job[i];
	return NULL;
}

static struct scanjob *active(struct core *c)
{
	struct scanjobs *sj = jobs(c);

	for (unsigned i = 0; sj && i < KEPT; i++)
		if (sj->job[i].id && sj->job[i].state < SJ_DONE)
			return &sj->job[i];
	return NULL;
}

static void end(struct scanjob *j, enum job_state st, const char *status, const char *detail)
{
	j->state = st;
	snprintf(j->status, sizeof(j->status), "%s", status);
	snprintf(j->detail, sizeof(j->detail), "%s", detail ? detail : "");
	for (unsigned k = 0; k < j->nfds; k++) {
		if (j->fds[k] >= 0)
			close(j->fds[k]);
		j->fds[k] = -1;
	}
	j->nfds = 0;
}

static enum status send_cmd(struct core *c, struct scanjob *j, const char *op, json_t *extra)
{
	json_t *m = json_pack("{s:I, s:s}", "job", (json_int_t)j->id, "op", op);
	enum status st;

	if (!m)
		return ST_NOMEM;
	if (extra)
		json_object_update(m, extra);
	st = core_send(c, ROLE_DEV, MSG_DOCSCAN, j->id, m, NULL, 0, NULL, 0);
	json_decref(m);
	return st;
}

enum status scanjobs_start(struct core *c, const struct session *s, bool admin, json_t *body, json_t **out,
			   struct case_error *why)
{
	struct scanjobs *sj = jobs(c);
	const char *target = json_string_value(json_object_get(body, "case"));
	json_t *cmd, *v;
	struct scanjob *j;
	enum status st;
	static const char *const keys[] = {"source", "resolution", "mode", "options", "device",
					   "more",   "test",	   "case", "material"};
	const char *key;

	why->field = NULL;
	why->extra = NULL;
	if (!sj)
		return ST_NOMEM;
	if ((j = active(c))) {
		why->extra = json_pack("{s:I, s:s}", "job", (json_int_t)j->id, "state", state_names[j->state]);
		return ST_SCANNER_BUSY;
	}
	if (!json_is_object(body))
		return ST_BAD_REQUEST;
	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known |= strcmp(key, keys[i]) == 0;
		if (!known) {
			why->field = key;
			return ST_BAD_FIELD;
		}
	}
	/* Backend options (a test backend's file name, say) and the choice of
	 * device are the admin's. */
	if ((json_object_get(body, "options") || json_object_get(body, "device")) && !admin) {
		why->field = json_object_get(body, "options") ? "options" : "device";
		return ST_FORBIDDEN;
	}
	if (json_object_get(body, "case") && (!target || !json_is_integer(json_object_get(body, "material")))) {
		why->field = !target ? "case" : "material";
		return ST_BAD_FIELD;
	}
	cmd = json_deep_copy(body);
	if (!cmd)
		return ST_NOMEM;
	j = &sj->job[sj->next];
	clear(j);
	j->id = ++sj->last_id ? sj->last_id : ++sj->last_id;
	j->state = SJ_SCANNING;
	snprintf(j->username, sizeof(j->username), "%s", s->username);
	snprintf(j->target, sizeof(j->target), "%s", target ? target : "");
	j->material = (int)json_integer_value(json_object_get(body, "material"));
	j->test = json_is_true(json_object_get(body, "test"));
	j->docs = json_array();
	st = send_cmd(c, j, "start", cmd);
	json_decref(cmd);
	if (st != ST_OK) {
		clear(j);
		return ST_UNAVAILABLE;
	}
	sj->next = (sj->next + 1) % KEPT;
	log_info("document scan %u started by %s%s%s", j->id, s->username, target ? " for " : "", target ? target : "");
	*out = json_pack("{s:I, s:s}", "job", (json_int_t)j->id, "state", state_names[j->state]);
	return ST_OK;
}

enum status scanjobs_command(struct core *c, uint32_t id, const char *op, bool admin, json_t *body, json_t **out,
			     struct case_error *why)
{
	struct scanjob *j = find(c, id);
	json_t *extra = NULL;
	enum status st;

	why->field = NULL;
	why->extra = NULL;
	if (!j)
		return ST_NOT_FOUND;
	if (strcmp(op, "more") != 0 && strcmp(op, "finish") != 0 && strcmp(op, "cancel") != 0)
		return ST_NOT_FOUND;
	/* More pages and finishing need an open session; cancel works while
	 * it is open too. */
	if (j->state != SJ_OPEN) {
		why->extra = json_pack("{s:s}", "state", state_names[j->state]);
		return j->state == SJ_SCANNING || j->state == SJ_FINISHING ? ST_SCANNER_BUSY : ST_BAD_STATE;
	}
	if (strcmp(op, "more") == 0 && json_object_get(body, "options")) {
		if (!admin) {
			why->field = "options";
			return ST_FORBIDDEN;
		}
		extra = json_pack("{s:O}", "options", json_object_get(body, "options"));
	}
	st = send_cmd(c, j, op, extra);
	json_decref(extra);
	if (st != ST_OK)
		return ST_UNAVAILABLE;
	j->state = strcmp(op, "more") == 0 ? SJ_SCANNING : SJ_FINISHING;
	*out = json_pack("{s:I, s:s}", "job", (json_int_t)j->id, "state", state_names[j->state]);
	return ST_OK;
}

static void message(const struct scanjob *j, enum lang lang, char *out, size_t cap)
{
	const char *detail = j->detail;

	if (strcmp(j->status, "split") == 0) {
		snprintf(out, cap, "%s", lang == LANG_EN ? j->split_en : j->split_zh);
		return;
	}
	if (strcmp(j->status, "ok") == 0 && j->state == SJ_DONE && !j->test) {
		snprintf(out, cap,
			 lang == LANG_EN ? "%u pages scanned and filed as %zu documents"
					 : "已扫描 %u 页，分为 %zu 份材料存入案件",
			 j->pages, json_array_size(j->docs));
		return;
	}
	if (strcmp(j->status, "ok") == 0 && j->state == SJ_OPEN) {
		snprintf(out, cap,
			 lang == LANG_EN ? "%u pages scanned; put the next page on the glass or finish"
					 : "已扫描 %u 页：可放入下一页继续扫描，或结束扫描",
			 j->pages);
		return;
	}
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		if (strcmp(messages[i].status, j->status) == 0) {
			/* The only format argument is the detail. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(out, cap, lang == LANG_EN ? messages[i].en : messages[i].zh, detail);
#pragma GCC diagnostic pop
			return;
		}
	}
	snprintf(out, cap, "%s", j->status);
}

enum status scanjobs_get(struct core *c, uint32_t id, enum lang lang, json_t **out)
{
	struct scanjob *j = find(c, id);
	char msg[320] = "";

	if (!j)
		return ST_NOT_FOUND;
	if (j->state != SJ_SCANNING || j->status[0])
		message(j, lang, msg, sizeof(msg));
	*out = json_pack("{s:I, s:s, s:s, s:s, s:i, s:f, s:O, s:s, s:b}", "job", (json_int_t)j->id, "state",
			 state_names[j->state], "status", j->status, "message", msg, "pages", (int)j->pages, "seconds",
			 j->seconds, "documents", j->docs ? j->docs : json_array(), "case", j->target, "test", j->test);
	if (*out && j->codes)
		json_object_set(*out, "codes", j->codes);
	return *out ? ST_OK : ST_NOMEM;
}

/* The stack is in and split: every PDF into its case, or none. */
static void file_documents(struct core *c, struct scanjob *j)
{
	struct case_error why = {0};
	enum status st = cases_attach_scans(c, j->username, j->docs, j->fds, j->nfds, &why);

	if (st == ST_OK) {
		log_info("document scan %u: %u documents filed", j->id, j->nfds);
		end(j, SJ_DONE, "ok", NULL);
	} else {
		char detail[160];
		const char *code = json_string_value(json_object_get(why.extra, "case"));

		snprintf(detail, sizeof(detail), "%s%s%s", code ? code : "", code ? " " : "",
			 status_message(st, LANG_ZH));
		log_warn("document scan %u: not filed: %s", j->id, status_name(st));
		end(j, SJ_FAILED, "not_filed", detail);
		json_array_clear(j->docs);
	}
	json_decref(why.extra);
}

enum status scanjobs_result(struct core *c, json_t *body, int *fds, unsigned nfds)
{
	json_int_t id, pages = 0;
	const char *event, *status = "ok", *detail = "";
	double seconds = 0;
	json_t *codes = NULL, *split = NULL;
	struct scanjob *j;

	if (json_unpack(body, "{s:I, s:s, s?s, s?s, s?I, s?F, s?o, s?o}", "job", &id, "event", &event, "status",
			&status, "detail", &detail, "pages", &pages, "seconds", &seconds, "codes", &codes, "split",
			&split) != 0 ||
	    id <= 0 || id > UINT32_MAX)
		return ST_PROTO;
	j = find(c, (uint32_t)id);
	if (!j || j->state >= SJ_DONE) {
		log_warn("document scan result for job %lld, which is not running", (long long)id);
		return ST_OK;
	}
	if (strcmp(event, "document") == 0) {
		json_int_t material, dpages;
		const char *code;

		if (nfds != 1 ||
		    json_unpack(body, "{s:s, s:I, s:I}", "case", &code, "material", &material, "pages", &dpages) != 0)
			return ST_PROTO;
		if (j->nfds < SHEETS_MAX_DOCS) {
			j->fds[j->nfds++] = fds[0];
			fds[0] = -1;
			json_array_append_new(
			    j->docs, json_pack("{s:s, s:I, s:I}", "case", code, "material", material, "pages", dpages));
		}
		return ST_OK;
	}
	if (nfds != 0)
		return ST_PROTO;
	j->pages = (unsigned)pages;
	j->seconds = seconds;
	json_decref(j->codes);
	j->codes = json_incref(codes);
	if (split) {
		snprintf(j->split_zh, sizeof(j->split_zh), "%s", json_string_value(json_object_get(split, "zh")));
		snprintf(j->split_en, sizeof(j->split_en), "%s", json_string_value(json_object_get(split, "en")));
	}
	if (strcmp(event, "scanned") == 0) {
		j->state = SJ_OPEN;
		snprintf(j->status, sizeof(j->status), "ok");
	} else if (strcmp(status, "ok") != 0) {
		end(j, SJ_FAILED, status, detail);
	} else if (j->test) {
		end(j, SJ_DONE, "ok", NULL);
	} else {
		file_documents(c, j);
	}
	return ST_OK;
}

void scanjobs_dev_restarted(struct core *c)
{
	struct scanjob *j = active(c);

	if (j) {
		log_warn("document scan %u lost: the dev process restarted", j->id);
		end(j, SJ_FAILED, "restarted", NULL);
	}
}

void scanjobs_free(struct core *c)
{
	if (!c->scanjobs)
		return;
	for (unsigned i = 0; i < KEPT; i++)
		clear(&c->scanjobs->job[i]);
	free(c->scanjobs);
	c->scanjobs = NULL;
}
