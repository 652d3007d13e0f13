/* SPDX-License-Identifier: Apache-2.0 */
/* How outpost-central answers: JSON bodies signed with its key, errors in
 * Chinese and English, refusals, and answers that come later (a long-poll,
 * a hash off the loop). */
#include "central.h"

#include <stdlib.h>
#include <string.h>

#include "appliance/common/log.h"

static void add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Outpost-Protocol", "1");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

enum MHD_Result central_json(struct creq *r, unsigned code, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	json_decref(body);
	resp = MHD_create_response_from_buffer(text ? strlen(text) : 0, text ? text : (char *)"",
					       text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	add_common_headers(resp);
	if (strncmp(r->url, "/v1/uploads", 11) == 0)
		MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
	if (r->set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (text) {
		MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
		/* Central's own answers are signed, so a box can keep them. */
		if (r->c) {
			uint8_t sig[SIGN_SIG_LEN];
			char hdr[8 + SIGN_B64_MAX(SIGN_SIG_LEN)];

			if (sign_ed25519(r->c->key, text, strlen(text), sig) == ST_OK) {
				sign_header(sig, hdr);
				MHD_add_response_header(resp, "Outpost-Signature", hdr);
			}
		}
	}
	ret = MHD_queue_response(r->conn, code, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}

enum MHD_Result central_error(struct creq *r, unsigned code, const char *error, const char *zh, const char *en)
{
	log_info("%s %s: %u %s", r->method, r->url, code, error);
	return central_json(r, code, json_pack("{s:s, s:s, s:s}", "error", error, "message", zh, "message_en", en));
}

const char *central_header(struct creq *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

enum MHD_Result central_refuse(struct creq *r, const struct central_refusal *why)
{
	return central_error(r, why->code, why->error, why->zh, why->en);
}

void central_suspend(struct creq *r)
{
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

void central_answer_later(struct creq *r, unsigned code, json_t *answer)
{
	r->code = (int)code;
	json_decref(r->answer);
	r->answer = answer;
	MHD_resume_connection(r->conn);
	mhd_loop_kick(&r->c->loop);
}
