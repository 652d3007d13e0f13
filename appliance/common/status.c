/* SPDX-License-Identifier: Apache-2.0 */
#include "status.h"

#include <stdio.h>
#include <string.h>

struct status_info {
	const char *name;
	int http;
	const char *text[__LANG_MAX];
};

/* Indexed by enum status; the static assert below keeps the two in step. */
static const struct status_info infos[] = {
    [ST_OK] = {"ok", 200, {"成功", "OK"}},
    [ST_NOMEM] = {"no_memory", 503, {"系统内存不足，请稍后重试", "out of memory, try again later"}},
    [ST_IO] = {"io_error", 500, {"存储出错，数据未保存", "storage error, nothing was saved"}},
    [ST_BAD_JSON] = {"bad_json", 400, {"请求格式错误（JSON 无效）", "malformed JSON in the request"}},
    [ST_MISSING_FIELD] = {"missing_field", 400, {"缺少必填项", "a required field is missing"}},
    [ST_BAD_FIELD] = {"bad_field", 400, {"填写内容不符合要求", "a field has an invalid value"}},
    [ST_BAD_ID_NUMBER] = {"bad_id_number",
			  400,
			  {"居民身份证号码无效（应为 18 位，校验位须正确）",
			   "invalid resident ID number (18 characters with a valid check digit)"}},
    [ST_BAD_PHONE] = {"bad_phone", 400, {"联系电话格式不正确", "invalid phone number"}},
    [ST_UNKNOWN_ITEM] = {"unknown_item", 400, {"所选事项不存在", "unknown service item"}},
    [ST_NO_DOCUMENT] = {"no_document", 400, {"请至少上传一份材料", "upload at least one document"}},
    [ST_TOO_MANY_DOCUMENTS] = {"too_many_documents", 413, {"上传的材料份数超过上限", "too many documents"}},
    [ST_TOO_LARGE] = {"too_large", 413, {"上传内容超过大小上限", "the upload is larger than allowed"}},
    [ST_BAD_DOCUMENT_TYPE] = {"bad_document_type",
			      415,
			      {"文件内容与其类型不符，仅接受 PDF、JPEG、PNG",
			       "the file's content does not match its type; only PDF, JPEG and PNG are accepted"}},
    [ST_NOT_LOGGED_IN] = {"not_logged_in", 401, {"请先登录", "please log in"}},
    [ST_BAD_LOGIN] = {"bad_login", 401, {"用户名或密码错误", "wrong user name or password"}},
    [ST_LOCKED] = {"locked",
		   429,
		   {"登录失败次数过多，账户已暂时锁定，请稍后再试",
		    "too many failed logins; the account is locked for a while"}},
    [ST_CSRF] = {"csrf",
		 403,
		 {"安全校验失败（缺少或错误的 CSRF 令牌），请刷新页面后重试",
		  "security check failed (missing or wrong CSRF token); reload the page"}},
    [ST_FORBIDDEN] = {"forbidden", 403, {"无权执行此操作", "not allowed"}},
    [ST_NOT_FOUND] = {"not_found", 404, {"未找到", "not found"}},
    [ST_METHOD] = {"method_not_allowed", 405, {"不支持该请求方法", "method not allowed"}},
    [ST_BUSY] = {"busy", 503, {"系统繁忙，请稍后重试", "busy, try again shortly"}},
    [ST_UNAVAILABLE] = {"unavailable", 503, {"服务暂不可用，请稍后重试", "service unavailable, try again shortly"}},
    [ST_CONFIG] = {"config", 500, {"配置错误", "configuration error"}},
    [ST_PROTO] = {"protocol", 500, {"内部通信错误", "internal protocol error"}},
    [ST_PRINTER] = {"printer", 503, {"打印机无法打印", "the printer cannot print"}},
    [ST_DISK_FULL] = {"disk_full", 507, {"存储空间不足，暂停收件", "disk space is low; intake is paused"}},
    [ST_BAD_REQUEST] = {"bad_request", 400, {"请求无效", "bad request"}},
    [ST_TIMEOUT] = {"timeout", 504, {"处理超时，请稍后重试", "timed out, try again"}},
    [ST_SEQ_EXHAUSTED] = {"sequence_exhausted",
			  503,
			  {"今日编号已用完，请联系管理员", "today's case numbers are used up; call the admin"}},
    [ST_MATERIALS_MISSING] = {"materials_missing",
			      400,
			      {"必需材料未收齐，不能受理；如确需先行受理，请选择“容缺受理”并填写说明",
			       "required materials are missing; record an incomplete intake (容缺) with a note to "
			       "accept anyway"}},
    [ST_BAD_STATE] = {"bad_state", 409, {"案件当前状态不允许此操作", "the case's state does not allow this"}},
    [ST_NOT_READY] = {"not_ready", 409, {"办理结果尚未可领取", "the result is not ready for pickup yet"}},
    [ST_ALREADY_COLLECTED] = {"already_collected", 409, {"该案件结果已被领取", "the result was already collected"}},
    [ST_PICKUP_MISMATCH] = {"pickup_mismatch",
			    403,
			    {"取件码或证件号码后四位不正确", "wrong pickup code or ID number ending"}},
    [ST_PICKUP_LOCKED] = {"pickup_locked",
			  429,
			  {"验证失败次数过多，该案件领取已暂时锁定，请稍后再试或联系管理员",
			   "too many failed checks; pickup of this case is locked for a while"}},
    [ST_BAD_CREDIT_CODE] = {"bad_credit_code",
			    400,
			    {"统一社会信用代码不正确（校验位不符）",
			     "invalid unified social credit code (check character)"}},
    [ST_WRONG_APPLICANT] = {"wrong_applicant",
			    400,
			    {"该事项不受理此类申请人（个人/单位）", "this item does not take this kind of applicant"}},
    [ST_PURGED] = {"purged", 410, {"该案件的个人信息已按保存期限销毁", "this case's personal data was purged"}},
    [ST_BAD_CATALOG] = {"bad_catalog", 400, {"事项目录内容不符合要求", "the catalog document is invalid"}},
    [ST_UNKNOWN_CATEGORY] = {"unknown_category",
			     400,
			     {"没有这个取号类别，或本窗口不办理该类别", "no such queue category, or not served here"}},
    [ST_WINDOW_BUSY] = {"window_busy",
			409,
			{"本窗口还有未办结的号，请先办结、过号或转移",
			 "finish, skip or transfer this window's ticket first"}},
    [ST_QUEUE_EMPTY] = {"queue_empty", 409, {"本窗口办理的类别暂无人等候", "no one is waiting for this window"}},
    [ST_NO_TICKET] = {"no_ticket", 409, {"本窗口当前没有叫到的号", "this window has no called ticket"}},
    [ST_NOT_RATEABLE] = {"not_rateable",
			 409,
			 {"这项服务尚未办结，暂时不能评价", "this service is not finished yet: it cannot be rated"}},
    [ST_PRINT_HELD] =
	{"print_held",
	 202,
	 {"打印机暂时不能打印（缺纸、开盖或离线），已排队，恢复后自动打印",
	  "the printer cannot print just now (paper, cover or offline); queued, it prints when it is back"}},
    [ST_NOT_ENROLLED] = {"not_enrolled",
			 409,
			 {"本服务站尚未在中心登记，请先登记", "this box is not enrolled with central yet"}},
    [ST_BAD_SIGNATURE] = {"bad_signature", 401, {"签名无效", "the signature does not hold"}},
    [ST_STALE_REQUEST] = {"stale_request", 401, {"请求时间与本机时钟相差过大", "the request's time is too far off"}},
    [ST_ENROL_FAILED] = {"enrol_failed", 502, {"中心拒绝了登记", "central refused the enrolment"}},
    [ST_FORWARDING] =
	{"forwarding",
	 409,
	 {"案件所在批次正在报送中心，现在不能撤回；请待中心答复后再办理",
	  "the case's batch is being forwarded to central; it cannot be withdrawn until central answers"}},
    [ST_SCANNER_BUSY] = {"scanner_busy",
			 409,
			 {"扫描仪正在进行另一项扫描，请等其结束",
			  "the scanner is busy with another scan; wait for it to end"}},
    [ST_TOO_MANY_TICKETS] = {"too_many_tickets",
			     429,
			     {"取号人数较多，请稍候再试", "many tickets just now; try again in a moment"}},
    [ST_BAD_TEXT] = {"bad_text",
		     400,
		     {"请求中有无法识别的文字（须为 UTF-8 编码）", "the request holds text that is not valid UTF-8"}},
    [ST_BAD_CONTENT_TYPE] = {"bad_content_type",
			     415,
			     {"请求内容的类型须为 application/json", "the request body must be application/json"}},
    [ST_CROSS_ORIGIN] = {"cross_origin",
			 403,
			 {"拒绝来自其他网页的请求", "requests from pages of another site are refused"}},
    [ST_LOGIN_RATE] = {"login_rate",
		       429,
		       {"本机登录尝试过于频繁，请一分钟后再试",
			"too many login attempts from this computer; try again in a minute"}},
    [ST_UPLOADS_BUSY] = {"uploads_busy",
			 503,
			 {"正在上传的材料过多，请稍后重试", "too many uploads in progress; try again shortly"}},
    [ST_NOT_HTTPS] = {"not_https",
		      400,
		      {"中心地址必须以 https:// 开头（不接受明文 HTTP）",
		       "central's address must start with https:// (plain HTTP is refused)"}},
    [ST_RATING_CODE] = {"rating_code",
			404,
			{"评价码不正确或已过期，请核对号票或回执上的评价码",
			 "the rating code is wrong or expired: check the one on your ticket or receipt"}},
    [ST_ALREADY_RATED] = {"already_rated", 409, {"这项服务已经评价过，感谢您的参与", "this service was rated already"}},
    [ST_TOO_MANY_RATINGS] = {"too_many_ratings",
			     429,
			     {"评价提交过于频繁，请稍后再试", "too many ratings from here: try again in a minute"}},
};

_Static_assert(sizeof(infos) / sizeof(infos[0]) == __ST_MAX, "status table out of step with enum status");

static const struct status_info *info(enum status st)
{
	if ((unsigned)st >= __ST_MAX)
		st = ST_PROTO;
	return &infos[st];
}

const char *status_name(enum status st)
{
	return info(st)->name;
}

const char *status_message(enum status st, enum lang lang)
{
	if ((unsigned)lang >= __LANG_MAX)
		lang = LANG_ZH;
	return info(st)->text[lang];
}

int status_http(enum status st)
{
	return info(st)->http;
}

static const char *const field_labels[][__LANG_MAX + 1] = {
    {"applicant_name", "申请人姓名", "applicant name"},
    {"id_number", "身份证号码", "ID number"},
    {"phone", "联系电话", "phone"},
    {"item", "办理事项", "service item"},
    {"documents", "材料文件", "documents"},
    {"username", "用户名", "user name"},
    {"password", "密码", "password"},
    {"case", "案件信息", "case"},
    {"applicant", "申请人", "applicant"},
    {"applicant_kind", "申请人类型", "applicant kind"},
    {"id_type", "证件类型", "ID type"},
    {"agent", "代办人", "agent"},
    {"agent_name", "代办人姓名", "agent name"},
    {"agent_id_number", "代办人证件号码", "agent ID number"},
    {"materials", "材料清单", "materials checklist"},
    {"incomplete_note", "容缺受理说明", "incomplete-intake note"},
    {"ticket", "排队号", "ticket"},
    {"reason", "原因", "reason"},
    {"pickup_code", "取件码", "pickup code"},
    {"collector", "领取人", "collector"},
    {"collector_id_number", "领取人证件号码", "collector ID number"},
    {"display_name", "姓名", "display name"},
    {"category", "取号类别", "queue category"},
    {"priority", "优先类别", "priority"},
    {"window", "窗口", "window"},
    {"level", "评价等级", "rating"},
    {"number", "窗口号", "window number"},
    {"categories", "办理类别", "categories served"},
    {"name", "名称", "name"},
    {"role", "角色", "role"},
};

json_t *status_json(enum status st, enum lang lang, const char *field)
{
	char message[512];
	const char *label = field;

	if ((unsigned)lang >= __LANG_MAX)
		lang = LANG_ZH;
	for (size_t i = 0; field && i < sizeof(field_labels) / sizeof(field_labels[0]); i++) {
		if (strcmp(field_labels[i][0], field) == 0)
			label = field_labels[i][1 + lang];
	}
	if (label)
		snprintf(message, sizeof(message), "%s%s%s", status_message(st, lang), lang == LANG_ZH ? "：" : ": ",
			 label);
	else
		snprintf(message, sizeof(message), "%s", status_message(st, lang));
	return json_pack("{s:s, s:s, s:s*}", "error", status_name(st), "message", message, "field", field);
}
