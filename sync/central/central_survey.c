/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 政务公开测评 at central, first part: the indicator tree the evaluation
 * scores against, and questionnaires as versioned JSON documents whose
 * every question is tied to one of its indicators.  A document is checked
 * whole on upload and refused with the path of the first thing wrong
 * ("sections[1].questions[0].options") and why, in Chinese and English.
 *
 *   {"id": "gkcp", "version": 1, "title": "…", "title_en"?: "…",
 *    "sections": [{"title": "…", "questions": [
 *      {"id": "q1", "type": "scale5" | "single" | "multiple" | "text",
 *       "text": "…", "indicator": "gk.city", "required"?: true,
 *       "options"?: ["…", …]  (single and multiple: 2 to 12),
 *       "max_chars"?: 1..500  (text)}]}]}
 *
 * The tree is the seed's four categories and their sub-items; a
 * department adds channels under 公开渠道建设 (qd.*).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance/common/log.h"
#include "appliance/common/rating.h"
#include "appliance/common/sign.h"
#include "cdb.h"
#include "central.h"
#include "central_ratings.h"
#include "central_survey.h"

#define SECTIONS_MAX  20
#define QUESTIONS_MAX 100 /* in all */
#define OPTIONS_MAX   12
#define TEXT_MAX      500
#define ID_MAX	      40

/* The seed's tree: code, parent ("" at the top), name, name in English. */
static const struct indicator {
	const char *code, *parent, *name, *name_en;
} tree[] = {
    {"gk", "", "政务公开", "Openness of government affairs"},
    {"gk.city", "gk", "城市建设", "City construction"},
    {"gk.road", "gk", "道路规划", "Road planning"},
    {"gk.health", "gk", "医疗保健措施", "Health care measures"},
    {"gk.affairs", "gk", "事务处理", "Handling of affairs"},
    {"xx", "", "信息公开", "Openness of information"},
    {"xx.timely", "xx", "政策公开及时性", "Timeliness of published policies"},
    {"xx.complete", "xx", "政策公开全面性", "Completeness of published policies"},
    {"xx.accurate", "xx", "政策公开准确性", "Accuracy of published policies"},
    {"qd", "", "公开渠道建设", "Channels of openness"},
    {"qd.wechat", "qd", "微信公众号公开", "WeChat official account"},
    {"qd.weibo", "qd", "微博公开", "Weibo"},
    {"fw", "", "政务服务", "Government services"},
    {"fw.skill", "fw", "办事人员专业性", "Staff's professionalism"},
    {"fw.attitude", "fw", "办事人员服务态度", "Staff's attitude"},
    {"fw.outreach", "fw", "宣讲进社区街道", "Outreach in communities and streets"},
};

enum status survey_init(struct central *c)
{
	enum status st = cdb_begin(c->db);

	for (size_t i = 0; st == ST_OK && i < sizeof(tree) / sizeof(tree[0]); i++) {
		struct cdb_stmt *q = cdb_prepare(c->db, "INSERT INTO indicators (code, parent, name, name_en, position) "
							"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (code) DO NOTHING");

		st = q ? ST_OK : ST_IO;
		if (q) {
			cdb_text(q, 1, tree[i].code);
			cdb_text(q, 2, *tree[i].parent ? tree[i].parent : NULL);
			cdb_text(q, 3, tree[i].name);
			cdb_text(q, 4, tree[i].name_en);
			cdb_int(q, 5, (int64_t)i);
			st = cdb_exec(q);
		}
		cdb_finish(q);
	}
	if (st == ST_OK)
		st = cdb_commit(c->db);
	if (st != ST_OK)
		cdb_rollback(c->db);
	return st;
}

/* Whether code names a leaf of the tree (an indicator a question can score). */
static bool leaf_indicator(struct central *c, const char *code)
{
	struct cdb_stmt *q = cdb_prepare(c->db, "SELECT parent IS NOT NULL, (SELECT count(*) FROM indicators k WHERE "
						"k.parent = i.code) FROM indicators i WHERE i.code = ?1");
	bool leaf = false;

	if (q) {
		cdb_text(q, 1, code);
		leaf = cdb_row(q) && cdb_col_int(q, 0) && cdb_col_int(q, 1) == 0;
	}
	cdb_finish(q);
	return leaf;
}

/* What is wrong with a document: where (a JSON path) and why. */
struct fault {
	char path[128];
	const char *zh, *en;
};

static bool fail(struct fault *f, const char *zh, const char *en, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool fail(struct fault *f, const char *zh, const char *en, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->path, sizeof(f->path), fmt, ap);
	va_end(ap);
	f->zh = zh;
	f->en = en;
	return false;
}

/* A text of 1..max characters. */
static bool text_ok(json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) > 0 && rating_text_chars(json_string_value(v)) <= max;
}

/* An identifier: lowercase letters, digits, '-', '_' and '.', 1..ID_MAX. */
static bool id_ok(json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static bool question_ok(struct central *c, json_t *q, size_t si, size_t qi, json_t *seen, struct fault *f)
{
	static const char *const types[] = {"scale5", "single", "multiple", "text"};
	const char *type = json_string_value(json_object_get(q, "type"));
	json_t *options = json_object_get(q, "options"), *v;
	bool choice, known = false;
	size_t k;

	if (!json_is_object(q))
		return fail(f, "题目必须是对象", "a question must be an object", "sections[%zu].questions[%zu]", si, qi);
	if (!id_ok(json_object_get(q, "id")))
		return fail(f, "题目编号缺失或格式不对（小写字母、数字、-_.，至多 40 个）",
			    "a question's id is missing or malformed", "sections[%zu].questions[%zu].id", si, qi);
	if (json_object_get(seen, json_string_value(json_object_get(q, "id"))))
		return fail(f, "题目编号重复", "the question id is used twice", "sections[%zu].questions[%zu].id", si, qi);
	json_object_set_new(seen, json_string_value(json_object_get(q, "id")), json_true());
	for (k = 0; type && k < sizeof(types) / sizeof(types[0]); k++)
		known |= strcmp(type, types[k]) == 0;
	if (!known)
		return fail(f, "题型只能是 scale5、single、multiple 或 text", "type must be scale5, single, multiple or text",
			    "sections[%zu].questions[%zu].type", si, qi);
	if (!text_ok(json_object_get(q, "text"), TEXT_MAX))
		return fail(f, "题目内容缺失或过长（至多 500 字）", "the question's text is missing or too long",
			    "sections[%zu].questions[%zu].text", si, qi);
	if (!json_is_string(json_object_get(q, "indicator")) ||
	    !leaf_indicator(c, json_string_value(json_object_get(q, "indicator"))))
		return fail(f, "题目必须对应指标体系中的一个末级指标", "indicator must name a leaf of the indicator tree",
			    "sections[%zu].questions[%zu].indicator", si, qi);
	if (json_object_get(q, "required") && !json_is_boolean(json_object_get(q, "required")))
		return fail(f, "required 只能是 true 或 false", "required must be true or false",
			    "sections[%zu].questions[%zu].required", si, qi);
	choice = strcmp(type, "single") == 0 || strcmp(type, "multiple") == 0;
	if (choice != (options != NULL))
		return fail(f, choice ? "选择题需要选项" : "只有选择题有选项",
			    choice ? "a choice question needs options" : "only choice questions have options",
			    "sections[%zu].questions[%zu].options", si, qi);
	if (choice && (!json_is_array(options) || json_array_size(options) < 2 || json_array_size(options) > OPTIONS_MAX))
		return fail(f, "选项须为 2 至 12 个", "options must be 2 to 12", "sections[%zu].questions[%zu].options", si,
			    qi);
	json_array_foreach(options, k, v)
	{
		if (!text_ok(v, 100))
			return fail(f, "选项须为 1 至 100 字的文字", "an option must be a text of 1 to 100 characters",
				    "sections[%zu].questions[%zu].options[%zu]", si, qi, k);
		for (size_t j = 0; j < k; j++)
			if (strcmp(json_string_value(json_array_get(options, j)), json_string_value(v)) == 0)
				return fail(f, "选项重复", "the option is given twice",
					    "sections[%zu].questions[%zu].options[%zu]", si, qi, k);
	}
	v = json_object_get(q, "max_chars");
	if (v && (strcmp(type, "text") != 0 || !json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > TEXT_MAX))
		return fail(f, "max_chars 只用于简答题，取 1 至 500", "max_chars is for text questions, 1 to 500",
			    "sections[%zu].questions[%zu].max_chars", si, qi);
	return true;
}

bool survey_questionnaire_ok(struct central *c, json_t *doc, char *path, size_t cap, const char **zh, const char **en)
{
	json_t *sections = json_object_get(doc, "sections"), *s, *seen = json_object();
	struct fault f = {.path = ""};
	size_t si, total = 0;
	bool ok = true;

	if (!json_is_object(doc))
		ok = fail(&f, "问卷必须是 JSON 对象", "the questionnaire must be a JSON object", "%s", "");
	else if (!id_ok(json_object_get(doc, "id")))
		ok = fail(&f, "问卷编号缺失或格式不对（小写字母、数字、-_.，至多 40 个）", "the id is missing or malformed",
			  "%s", "id");
	else if (!json_is_integer(json_object_get(doc, "version")) || json_integer_value(json_object_get(doc, "version")) < 1)
		ok = fail(&f, "版本号须为正整数", "version must be a positive integer", "%s", "version");
	else if (!text_ok(json_object_get(doc, "title"), 100))
		ok = fail(&f, "问卷标题缺失或过长（至多 100 字）", "the title is missing or too long", "%s", "title");
	else if (!json_is_array(sections) || json_array_size(sections) == 0 || json_array_size(sections) > SECTIONS_MAX)
		ok = fail(&f, "问卷须有 1 至 20 个部分", "sections must be 1 to 20", "%s", "sections");
	json_array_foreach(sections, si, s)
	{
		json_t *questions = json_object_get(s, "questions"), *q;
		size_t qi;

		if (!ok)
			break;
		if (!json_is_object(s) || !text_ok(json_object_get(s, "title"), 100)) {
			ok = fail(&f, "每个部分须有标题（至多 100 字）", "each section needs a title", "sections[%zu].title", si);
			break;
		}
		if (!json_is_array(questions) || json_array_size(questions) == 0) {
			ok = fail(&f, "每个部分至少一道题", "each section needs a question", "sections[%zu].questions", si);
			break;
		}
		json_array_foreach(questions, qi, q)
		{
			if (++total > QUESTIONS_MAX) {
				ok = fail(&f, "题目总数超过 100", "more than 100 questions", "sections[%zu].questions[%zu]", si,
					  qi);
				break;
			}
			if (!(ok = question_ok(c, q, si, qi, seen, &f)))
				break;
		}
	}
	json_decref(seen);
	snprintf(path, cap, "%s", f.path);
	*zh = f.zh;
	*en = f.en;
	return ok;
}

/* POST /central/api/questionnaires (a supervisor): a new version of one. */
enum MHD_Result survey_upload(struct creq *r, const struct central_clerk *k, json_t *doc)
{
	const char *zh, *en, *id;
	char path[128], *text;
	struct cdb_stmt *q;
	int64_t last;
	json_int_t version;
	enum status st = ST_IO;

	if (!k->supervisor)
		return central_error(r, 403, "forbidden", "只有审核人员可以发布问卷", "only a supervisor publishes questionnaires");
	if (!doc || !survey_questionnaire_ok(r->c, doc, path, sizeof(path), &zh, &en)) {
		if (!doc) {
			snprintf(path, sizeof(path), "%s", "");
			zh = "缺少问卷内容";
			en = "no questionnaire";
		}
		log_info("questionnaire refused at %s: %s", *path ? path : "(top)", en);
		return central_json(r, 400,
				    json_pack("{s:s, s:s, s:s, s:s}", "error", "bad_questionnaire", "path", path, "message",
					      zh, "message_en", en));
	}
	id = json_string_value(json_object_get(doc, "id"));
	version = json_integer_value(json_object_get(doc, "version"));
	q = cdb_prepare(r->c->db, "SELECT coalesce(max(version), 0) FROM questionnaires WHERE id = ?1");
	last = -1;
	if (q) {
		cdb_text(q, 1, id);
		if (cdb_row(q))
			last = cdb_col_int(q, 0);
	}
	cdb_finish(q);
	if (last < 0)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	if (version <= last)
		return central_json(r, 409,
				    json_pack("{s:s, s:s, s:s, s:I}", "error", "stale_version", "message",
					      "已有同样或更新的版本，请提高版本号", "message_en",
					      "a version as new or newer exists: raise the version", "latest", (json_int_t)last));
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	q = text ? cdb_prepare(r->c->db, "INSERT INTO questionnaires (id, version, title, document, created_by, created_at) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
		 : NULL;
	if (q) {
		cdb_text(q, 1, id);
		cdb_int(q, 2, (int64_t)version);
		cdb_text(q, 3, json_string_value(json_object_get(doc, "title")));
		cdb_text(q, 4, text);
		cdb_text(q, 5, k->username);
		cdb_int(q, 6, (int64_t)ratings_now());
		st = cdb_exec(q);
	}
	cdb_finish(q);
	free(text);
	if (st != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	log_info("questionnaire %s v%lld published by %s", id, (long long)version, k->username);
	return central_json(r, 201, json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)version));
}

/* GET /central/api/questionnaires: the latest version of each, and the tree. */
enum MHD_Result survey_list(struct creq *r)
{
	struct cdb_stmt *q = cdb_prepare(r->c->db, "SELECT q.id, q.version, q.title, q.created_by, q.created_at FROM "
						   "questionnaires q WHERE q.version = (SELECT max(version) FROM "
						   "questionnaires x WHERE x.id = q.id) ORDER BY q.id");
	json_t *list = json_array(), *indicators = json_array();

	while (q && cdb_row(q))
		json_array_append_new(list, json_pack("{s:s, s:I, s:s, s:s, s:I}", "id", cdb_col_text(q, 0), "version",
						      (json_int_t)cdb_col_int(q, 1), "title", cdb_col_text(q, 2),
						      "by", cdb_col_text(q, 3), "at", (json_int_t)cdb_col_int(q, 4)));
	cdb_finish(q);
	q = cdb_prepare(r->c->db, "SELECT code, parent, name, name_en FROM indicators ORDER BY position, code");
	while (q && cdb_row(q))
		json_array_append_new(indicators, json_pack("{s:s, s:s?, s:s, s:s}", "code", cdb_col_text(q, 0), "parent",
							    cdb_col_null(q, 1) ? NULL : cdb_col_text(q, 1), "name",
							    cdb_col_text(q, 2), "name_en", cdb_col_text(q, 3)));
	cdb_finish(q);
	return central_json(r, 200, json_pack("{s:o, s:o}", "questionnaires", list, "indicators", indicators));
}

/* --- campaigns -------------------------------------------------------------------------- */

/*
 * A campaign runs one questionnaire version for a period, on some units
 * (office codes; none: every office), for respondent groups with an
 * optional quota each, on some channels, once or again each month or
 * quarter:
 *   {"id", "title", "questionnaire", "version"?, "start": "YYYY-MM-DD",
 *    "end": "YYYY-MM-DD", "units"?: [...], "groups": [{"code", "name",
 *    "quota"?}], "channels": ["kiosk" | "staff" | "phone"], "repeat"?:
 *    "none" | "month" | "quarter"}
 * Without "version" it takes the questionnaire's latest, pinned then.
 */
static bool day_ok(json_t *v)
{
	const char *s = json_string_value(v);
	struct tm tm = {0};
	char *end;

	if (!s || strlen(s) != 10)
		return false;
	end = strptime(s, "%Y-%m-%d", &tm);
	return end && !*end && tm.tm_year >= 100;
}

static bool campaign_ok(struct central *c, json_t *doc, int64_t *version, struct fault *f)
{
	static const char *const channels[] = {"kiosk", "staff", "phone"}, *const repeats[] = {"none", "month", "quarter"};
	json_t *groups = json_object_get(doc, "groups"), *units = json_object_get(doc, "units"),
	       *chans = json_object_get(doc, "channels"), *v;
	const char *repeat = json_string_value(json_object_get(doc, "repeat"));
	struct cdb_stmt *q;
	size_t i;
	bool found = false;

	if (!json_is_object(doc))
		return fail(f, "测评活动必须是 JSON 对象", "a campaign must be a JSON object", "%s", "");
	if (!id_ok(json_object_get(doc, "id")))
		return fail(f, "活动编号缺失或格式不对", "the id is missing or malformed", "%s", "id");
	if (!text_ok(json_object_get(doc, "title"), 100))
		return fail(f, "活动标题缺失或过长（至多 100 字）", "the title is missing or too long", "%s", "title");
	if (!id_ok(json_object_get(doc, "questionnaire")))
		return fail(f, "须指明问卷编号", "name the questionnaire", "%s", "questionnaire");
	v = json_object_get(doc, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1))
		return fail(f, "问卷版本须为正整数", "version must be a positive integer", "%s", "version");
	q = cdb_prepare(c->db, v ? "SELECT version FROM questionnaires WHERE id = ?1 AND version = ?2"
				 : "SELECT max(version) FROM questionnaires WHERE id = ?1 HAVING count(*) > 0");
	if (q) {
		cdb_text(q, 1, json_string_value(json_object_get(doc, "questionnaire")));
		if (v)
			cdb_int(q, 2, (int64_t)json_integer_value(v));
		if (cdb_row(q)) {
			*version = cdb_col_int(q, 0);
			found = true;
		}
	}
	cdb_finish(q);
	if (!found)
		return fail(f, "中心没有这份问卷（或这个版本）", "central has no such questionnaire (or version)", "%s",
			    v ? "version" : "questionnaire");
	if (!day_ok(json_object_get(doc, "start")))
		return fail(f, "开始日期须为 YYYY-MM-DD", "start must be YYYY-MM-DD", "%s", "start");
	if (!day_ok(json_object_get(doc, "end")) ||
	    strcmp(json_string_value(json_object_get(doc, "end")), json_string_value(json_object_get(doc, "start"))) < 0)
		return fail(f, "结束日期须为 YYYY-MM-DD，且不早于开始日期", "end must be YYYY-MM-DD, not before start", "%s",
			    "end");
	if (units && (!json_is_array(units) || json_array_size(units) > 10000))
		return fail(f, "units 须为服务站代码的列表", "units must be a list of office codes", "%s", "units");
	json_array_foreach(units, i, v)
	{
		const char *code = json_string_value(v);
		bool known = false;

		q = code ? cdb_prepare(c->db, "SELECT 1 FROM offices WHERE code = ?1") : NULL;
		if (q) {
			cdb_text(q, 1, code);
			known = cdb_row(q);
		}
		cdb_finish(q);
		if (!known)
			return fail(f, "中心没有这个服务站", "central has no such office", "units[%zu]", i);
	}
	if (!json_is_array(groups) || json_array_size(groups) == 0 || json_array_size(groups) > 20)
		return fail(f, "须有 1 至 20 个受访群体", "groups must be 1 to 20", "%s", "groups");
	json_array_foreach(groups, i, v)
	{
		json_t *quota = json_object_get(v, "quota");

		if (!json_is_object(v) || !id_ok(json_object_get(v, "code")))
			return fail(f, "群体代码缺失或格式不对", "a group's code is missing or malformed", "groups[%zu].code", i);
		if (!text_ok(json_object_get(v, "name"), 20))
			return fail(f, "群体名称缺失或过长（至多 20 字）", "a group's name is missing or too long",
				    "groups[%zu].name", i);
		if (quota && (!json_is_integer(quota) || json_integer_value(quota) < 1 || json_integer_value(quota) > 1000000))
			return fail(f, "配额须为 1 至 1000000 的整数", "quota must be 1 to 1000000", "groups[%zu].quota", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(groups, j), "code")),
				   json_string_value(json_object_get(v, "code"))) == 0)
				return fail(f, "群体代码重复", "the group code is used twice", "groups[%zu].code", i);
	}
	if (!json_is_array(chans) || json_array_size(chans) == 0 || json_array_size(chans) > 3)
		return fail(f, "须指明渠道：kiosk、staff、phone", "channels must name kiosk, staff or phone", "%s",
			    "channels");
	json_array_foreach(chans, i, v)
	{
		bool known = false;

		for (size_t k = 0; json_is_string(v) && k < 3; k++)
			known |= strcmp(json_string_value(v), channels[k]) == 0;
		if (!known)
			return fail(f, "渠道只能是 kiosk、staff 或 phone", "a channel is kiosk, staff or phone", "channels[%zu]",
				    i);
	}
	if (repeat) {
		bool known = false;

		for (size_t k = 0; k < 3; k++)
			known |= strcmp(repeat, repeats[k]) == 0;
		if (!known)
			return fail(f, "repeat 只能是 none、month 或 quarter", "repeat is none, month or quarter", "%s",
				    "repeat");
	}
	return true;
}

/* POST /central/api/campaigns (a supervisor). */
enum MHD_Result survey_campaign_new(struct creq *r, const struct central_clerk *k, json_t *doc)
{
	struct fault f = {.path = ""};
	int64_t version = 0;
	struct cdb_stmt *q;
	enum status st = ST_IO;
	char *text;

	if (!k->supervisor)
		return central_error(r, 403, "forbidden", "只有审核人员可以发起测评", "only a supervisor starts campaigns");
	if (!doc || !campaign_ok(r->c, doc, &version, &f))
		return central_json(r, 400,
				    json_pack("{s:s, s:s, s:s, s:s}", "error", "bad_campaign", "path", f.path, "message",
					      f.zh ? f.zh : "缺少活动内容", "message_en", f.en ? f.en : "no campaign"));
	json_object_set_new(doc, "version", json_integer(version)); /* pinned */
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	q = text ? cdb_prepare(r->c->db, "INSERT INTO campaigns (id, questionnaire, version, document, start_day, "
					 "end_day, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
					 "ON CONFLICT (id) DO NOTHING")
		 : NULL;
	if (q) {
		cdb_text(q, 1, json_string_value(json_object_get(doc, "id")));
		cdb_text(q, 2, json_string_value(json_object_get(doc, "questionnaire")));
		cdb_int(q, 3, version);
		cdb_text(q, 4, text);
		cdb_text(q, 5, json_string_value(json_object_get(doc, "start")));
		cdb_text(q, 6, json_string_value(json_object_get(doc, "end")));
		cdb_text(q, 7, k->username);
		cdb_int(q, 8, (int64_t)ratings_now());
		st = cdb_exec(q);
	}
	cdb_finish(q);
	free(text);
	if (st != ST_OK)
		return central_error(r, 503, "unavailable", "中心暂时无法处理", "try again shortly");
	if (cdb_changes(r->c->db) != 1)
		return central_error(r, 409, "campaign_exists", "已有同一编号的测评活动", "a campaign of that id exists");
	log_info("campaign %s (%s v%lld) started by %s", json_string_value(json_object_get(doc, "id")),
		 json_string_value(json_object_get(doc, "questionnaire")), (long long)version, k->username);
	return central_json(r, 201, json_pack("{s:O, s:I}", "id", json_object_get(doc, "id"), "version",
					      (json_int_t)version));
}

/* GET /central/api/campaigns */
enum MHD_Result survey_campaigns(struct creq *r)
{
	struct cdb_stmt *q = cdb_prepare(r->c->db, "SELECT document FROM campaigns ORDER BY start_day DESC, id LIMIT 500");
	json_t *list = json_array();

	while (q && cdb_row(q))
		json_array_append_new(list, json_loads(cdb_col_text(q, 0), 0, NULL) ?: json_object());
	cdb_finish(q);
	return central_json(r, 200, json_pack("{s:o}", "campaigns", list));
}

/* GET /v1/campaigns (signed), If-None-Match: the office's campaigns not
 * ended yet, each with its questionnaire's document, and their ETag; 304
 * when the box has them.  The box takes them as it takes the catalog. */
enum MHD_Result survey_for_office(struct creq *r)
{
	const char *inm = central_header(r, "If-None-Match");
	enum MHD_Result answered;
	struct cdb_stmt *q;
	json_t *list = json_array(), *answer;
	char today[16], hex[65], etag[24], *text;
	time_t now = ratings_now();
	struct tm tm;

	if (!central_signed(r, NULL, 0, &answered))
		return answered;
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	q = cdb_prepare(r->c->db, "SELECT c.document, q.document FROM campaigns c JOIN questionnaires q ON q.id = "
				  "c.questionnaire AND q.version = c.version WHERE c.end_day >= ?1 "
				  "ORDER BY c.start_day, c.id LIMIT 200");
	if (q)
		cdb_text(q, 1, today);
	while (q && cdb_row(q)) {
		json_t *c = json_loads(cdb_col_text(q, 0), 0, NULL), *units = json_object_get(c, "units"), *u;
		bool mine = json_array_size(units) == 0;
		size_t i;

		json_array_foreach(units, i, u) mine |= strcmp(json_string_value(u) ?: "", r->office) == 0;
		if (c && mine) {
			json_object_set_new(c, "questionnaire_document", json_loads(cdb_col_text(q, 1), 0, NULL));
			json_array_append(list, c);
		}
		json_decref(c);
	}
	cdb_finish(q);
	text = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
	sign_sha256_hex(text ? text : "", text ? strlen(text) : 0, hex);
	free(text);
	snprintf(etag, sizeof(etag), "\"%.16s\"", hex);
	if (inm && strcmp(inm, etag) == 0) {
		json_decref(list);
		return central_json(r, 304, NULL);
	}
	answer = json_pack("{s:s, s:o}", "etag", etag, "campaigns", list);
	return central_json(r, 200, answer);
}
