/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cases at the office end: intake, the lifecycle of lifecycle.h, pickup,
 * finding cases, and purging personal data after retention.
 *
 * Every transition is one function below and commits together with its
 * audit row.  Personal numbers (ID numbers, phones) are stored sealed under
 * the case's own data key (vault.h) and found through keyed hashes; the
 * case's documents are encrypted under the same key.
 *
 * Ownership: functions that give JSON (json_t **out) or text (char **out)
 * give a new reference / a malloc'd string the caller releases.  fields,
 * docs and fds stay the caller's.
 */
#ifndef OUTPOST_CASES_H
#define OUTPOST_CASES_H

#include <jansson.h>

#include "auth.h"
#include "core.h"
#include "common/receipt.h"
#include "common/lifecycle.h"

/* What went wrong beyond the status: the field it concerns, and extra
 * members for the error body ({"missing": [...]}, {"state": "sent"}),
 * which the caller takes over (may be NULL). */
struct case_error {
	const char *field;
	json_t *extra;
};

/*
 * Intake.  fields: {"item", "applicant": {"kind": "person"|"org", "name",
 * "id_type", "id_number", "phone"}, "agent"?: {"name", "id_type",
 * "id_number"}, "ticket"?, "materials": [{"position", "received", "form"?,
 * "pages"?}], "incomplete_note"?, "draft"?: bool, "documents"?:
 * [{"material"}]}.  The flat form {"applicant_name", "id_number", "phone"}
 * is a person with a resident ID.  docs are the uploads ([{"filename",
 * "type"}], one sealed fd each).  A draft skips the materials check and
 * prints nothing.  On success *out is the case detail.
 */
enum status cases_create(struct core *c, const struct session *s, json_t *fields, json_t *docs, const int *fds,
			 unsigned nfds, json_t **out, struct case_error *why);

/* LC_SUBMIT: a draft becomes received; body may carry "materials" and
 * "incomplete_note" as at intake. */
enum status cases_submit(struct core *c, const struct session *s, const char *code, json_t *body,
			 struct case_error *why);
/* LC_DISCARD (drafts) and LC_WITHDRAW (body {"reason"}). */
enum status cases_discard(struct core *c, const struct session *s, const char *code, struct case_error *why);
enum status cases_withdraw(struct core *c, const struct session *s, const char *code, json_t *body,
			   struct case_error *why);
/* LC_SUPPLEMENT: a returned case takes new materials and documents and goes
 * back to received as the same case with the next version. */
enum status cases_supplement(struct core *c, const struct session *s, const char *code, json_t *body, json_t *docs,
			     const int *fds, unsigned nfds, struct case_error *why);
/*
 * LC_COLLECT.  body: {"pickup_code"} or {"id_last4"}, and "collector":
 * {"kind": "applicant"} or {"kind": "agent", "name", "id_type",
 * "id_number"}.  Failed checks count against the case and lock its pickup
 * for a while after [cases] pickup_max_failures.
 */
enum status cases_pickup(struct core *c, const struct session *s, const char *code, json_t *body,
			 struct case_error *why);
/* LC_CLOSE: a collected case is archived. */
enum status cases_close(struct core *c, const struct session *s, const char *code, struct case_error *why);

/*
 * An event from central through the sync process: {"code", "event":
 * "queue"|"send"|"accept"|"return"|"reject"|"decide"|"ready",
 * "official_number"?, "note"?, "decision"?: "approved"|"denied"}.
 * ST_BAD_STATE when it does not apply to the case's state (nothing
 * changes); ST_PROTO when the message is malformed.
 */
enum status cases_central_event(struct core *c, json_t *body, struct case_error *why);
/* Whether central's event id was recorded; records one (in the caller's
 * transaction, or in its own with own) and moves the feed's cursor. */
bool cases_central_seen(struct core *c, const char *id);
enum status cases_central_record(struct core *c, const char *id, const char *event, const char *code, bool applied,
				 const char *problem, const char *cursor, bool own);

/* Purges every case past its retention; returns how many. */
unsigned cases_purge_due(struct core *c);

/*
 * Lists cases as the JSON text {"cases": [...]}, newest first.  query holds
 * strings: "q" (case code, ID number, credit code, phone or the start of a
 * name), "state", "department", "from"/"to" (YYYY-MM-DD), "view"
 * ("ready" or "overdue"), "before" (id), "limit".  Lists show masked names
 * and no personal numbers; searches by person are audited.
 */
enum status cases_list(struct core *c, const struct session *s, json_t *query, char **out);
/* One case in full; personal numbers masked unless reveal.  Audited. */
enum status cases_get(struct core *c, const struct session *s, const char *code, bool reveal, json_t **out);
/* Document n (1-based), decrypted into a sealed memfd the caller closes. */
enum status cases_document(struct core *c, const struct session *s, const char *code, unsigned n, int *fd,
			   json_t **meta);
/* What to print for a case (intake receipt, cover sheet or handover slip),
 * as JSON for the dev process. */
enum status cases_slip(struct core *c, const char *code, enum receipt_kind kind, json_t **out, int64_t *case_id);
enum status cases_set_receipt_state(struct core *c, int64_t case_id, const char *state);
/* Records a printed slip other than the receipt in the audit. */
void cases_audit_print(struct core *c, const struct session *s, const char *code, enum receipt_kind kind);

/* Moves the cases of schema 2 (plain ID numbers, plain files) into the
 * sealed form of schema 3 and drops the old tables; once, at start. */
enum status cases_upgrade_v2(struct core *c);

/*
 * Seals under each case's key what schema 9 and older kept in clear: the
 * pickup codes, the document file names and SHA-256s (of a purged case
 * they are dropped), and empties the clear columns, in one transaction;
 * then truncates the WAL.  At start, after the migrations.
 */
enum status cases_seal_clear(struct core *c);

/*
 * At start, before any intake: removes the document files no case row
 * names and the leftovers in documents/tmp that a crash left, once they
 * are [core] orphan_grace_seconds old; logs how many (docstore_sweep()).
 */
void cases_sweep_orphans(struct core *c);

/*
 * Attaches scanned PDFs (fds, sealed) to their cases' materials: docs is
 * [{"case", "material", "pages"}] in the same order.  One transaction: all
 * are stored or none.  A case must still take documents (draft, received,
 * queued, or returned for a supplement); why->extra names the case.
 */
enum status cases_attach_scans(struct core *c, const char *username, json_t *docs, const int *fds, unsigned n,
			       struct case_error *why);

/*
 * A case as a batch manifest names it (sync/PROTOCOL.md section 5), with
 * its personal data decrypted, and its documents' plaintext as memfds:
 * each document goes into fds (at most max_fds, counted in *nfds) and its
 * description into docs, and the manifest's document carries its "index"
 * in docs.
 */
enum status cases_manifest(struct core *c, const char *code, json_t **out, json_t *docs, int *fds, unsigned max_fds,
			   unsigned *nfds);

#endif
