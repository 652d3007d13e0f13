// SPDX-License-Identifier: Apache-2.0
// The case lifecycle of docs/design.md 4.1 through the real API: every transition,
// the illegal ones refused with a clear message and the state unchanged,
// pickup with its checks, supplements, withdrawal, drafts and the purge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase, sleep } from '../lib.mjs';
import { escposText } from '../escpos.mjs';

let box;
const pdf = { name: 'scan.pdf', type: 'application/pdf', data: samples.pdf() };

before(async () => {
  box = await startBox('\n[cases]\npickup_max_failures = 3\npickup_lock_seconds = 600\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

async function intake(fields = goodCase, docs = [pdf]) {
  const r = await box.createCase(fields, docs);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.code;
}

const toReady = (code) => box.toReady(code);

async function refusedAction(code, action, body, status, error, stateBefore) {
  const r = await box.post(`/api/v1/cases/${code}/${action}`, body);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error, error);
  assert.ok(r.body.message.length > 0);
  assert.equal(await box.caseState(code), stateBefore, 'state unchanged');
  return r;
}

test('received → queued → sent → accepted → decided → ready → collected → closed', async () => {
  const code = await intake();
  assert.equal(await box.caseState(code), 'received');
  // Asked before and after: the core keeps rendered lists, never stale ones.
  const early = await box.json('/api/v1/cases?view=ready');
  assert.ok(!early.body.cases.some((c) => c.code === code));
  assert.deepEqual((await box.json('/api/v1/cases?view=ready')).body, early.body, 'the same answer again');
  await toReady(code);
  const detail = (await box.json(`/api/v1/cases/${code}`)).body;
  assert.equal(detail.official_number, '京公2026-0001');
  assert.equal(detail.decision, 'approved');
  const ready = await box.json('/api/v1/cases?view=ready');
  assert.ok(ready.body.cases.some((c) => c.code === code), 'on the ready-for-pickup list');

  const printed = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  const r = await box.post(`/api/v1/cases/${code}/pickup`, { pickup_code: extractPickup(code),
    collector: { kind: 'applicant' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'collected');
  assert.equal(r.body.slip.printed, true);
  assert.ok(readFileSync(join(box.state, 'dev', 'printer.out')).length > printed, 'handover slip printed');
  const close = await box.post(`/api/v1/cases/${code}/close`);
  assert.equal(close.status, 200);
  assert.equal(close.body.state, 'closed');
  // The history holds one row per transition.
  const actions = (await box.json(`/api/v1/cases/${code}`)).body.history.map((h) => h.action);
  assert.deepEqual(actions.filter((a) => a !== 'print.handover'), ['case.intake', 'case.queue', 'case.send',
    'case.accept', 'case.decide', 'case.ready', 'case.collect', 'case.close']);
});

const extractPickup = (code) => box.pickupCode(code);

test('illegal transitions are refused, naming the state, and change nothing', async () => {
  const code = await intake();
  await refusedAction(code, 'pickup', { pickup_code: '000000', collector: { kind: 'applicant' } }, 409, 'not_ready',
    'received');
  await refusedAction(code, 'close', {}, 409, 'bad_state', 'received');
  await refusedAction(code, 'discard', {}, 409, 'bad_state', 'received');
  const sup = await refusedAction(code, 'supplement', { case: {} }, 409, 'bad_state', 'received');
  assert.equal(sup.body.state, 'received');
  // Central's events out of order are dropped, not applied.
  box.centralEvent(code, 'accept', { official_number: 'X-1' });
  box.centralEvent(code, 'ready');
  await sleep(300);
  assert.equal(await box.caseState(code), 'received');
  assert.ok(box.pids().sync > 0, 'an inapplicable event does not cost sync its life');
  box.centralEvent(code, 'queue');
  await box.untilState(code, 'queued');
  box.centralEvent(code, 'send');
  await box.untilState(code, 'sent');
  await refusedAction(code, 'withdraw', { reason: '申请人不办了' }, 409, 'bad_state', 'sent');
  const en = await box.json(`/api/v1/cases/${code}/close`, { method: 'POST',
    headers: { 'X-CSRF-Token': box.csrf, 'Accept-Language': 'en', 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(en.status, 409);
  assert.match(en.body.message, /state does not allow/);
});

test('returned for materials: a supplement sends the same case again as version 2', async () => {
  const code = await intake();
  for (const ev of ['queue', 'send']) { box.centralEvent(code, ev); }
  await box.untilState(code, 'sent');
  box.centralEvent(code, 'return', { note: '缺少房屋租赁合同原件' });
  await box.untilState(code, 'returned');
  assert.equal((await box.json(`/api/v1/cases/${code}`)).body.central_note, '缺少房屋租赁合同原件');
  const form = new FormData();
  form.append('case', JSON.stringify({ materials: [{ position: 4, received: true, pages: 2 }],
    documents: [{ material: 4 }] }));
  form.append('document', new Blob([samples.png()], { type: 'image/png' }), '委托书.png');
  const r = await box.json(`/api/v1/cases/${code}/supplement`, { method: 'POST', body: form,
    headers: { 'X-CSRF-Token': box.csrf } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'received');
  assert.equal(r.body.version, 2);
  assert.equal(r.body.document_list.length, 2);
  assert.equal(r.body.document_list[1].version, 2);
  assert.equal(r.body.document_list[1].material, 4);
  assert.equal(r.body.receipt.printed, true, 'a new receipt for the new version');
  assert.match(r.body.receipt_text, /补正材料：第 2 次提交/);
});

test('rejected by central: ready to return the papers', async () => {
  const code = await intake();
  box.centralEvent(code, 'queue');
  box.centralEvent(code, 'send');
  await box.untilState(code, 'sent');
  box.centralEvent(code, 'reject', { note: '不属于本部门受理范围' });
  await box.untilState(code, 'rejected');
  box.centralEvent(code, 'ready');
  await box.untilState(code, 'ready');
});

test('withdrawal needs a reason; drafts are submitted or discarded', async () => {
  const code = await intake();
  await refusedAction(code, 'withdraw', {}, 400, 'missing_field', 'received');
  const w = await box.post(`/api/v1/cases/${code}/withdraw`, { reason: '申请人主动撤回' });
  assert.equal(w.status, 200);
  assert.equal(w.body.state, 'withdrawn');

  const draft = await box.createCase({ ...goodCase, materials: [], draft: true }, []);
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  assert.equal(draft.body.state, 'draft');
  assert.equal(draft.body.receipt_state, 'none', 'a draft prints nothing');
  await refusedAction(draft.body.code, 'submit', {}, 400, 'materials_missing', 'draft');
  const ok = await box.post(`/api/v1/cases/${draft.body.code}/submit`,
    { materials: [1, 2, 3].map((position) => ({ position, received: true })) });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state, 'received');
  assert.equal(ok.body.receipt.printed, true);

  const other = await box.createCase({ ...goodCase, draft: true }, []);
  const d = await box.post(`/api/v1/cases/${other.body.code}/discard`);
  assert.equal(d.body.state, 'discarded');
  await refusedAction(other.body.code, 'submit', {}, 409, 'bad_state', 'discarded');
});

test('pickup: wrong codes counted and locked, an agent recorded, no second pickup', async () => {
  const code = await intake();
  await toReady(code);
  const right = extractPickup(code);
  const wrong = right === '000000' ? '111111' : '000000';
  const bad = await refusedAction(code, 'pickup', { pickup_code: wrong, collector: { kind: 'applicant' } }, 403,
    'pickup_mismatch', 'ready');
  assert.match(bad.body.message, /取件码或证件号码后四位不正确/);
  await refusedAction(code, 'pickup', { id_last4: '9999', collector: { kind: 'applicant' } }, 403, 'pickup_mismatch',
    'ready');
  // The agent's own ID is checked like the applicant's.
  await refusedAction(code, 'pickup', { id_last4: '002x', collector: { kind: 'agent', name: '李四',
    id_number: '110105194912310021' } }, 400, 'bad_id_number', 'ready');
  const ok = await box.post(`/api/v1/cases/${code}/pickup`, { id_last4: '002x',
    collector: { kind: 'agent', name: '李四', id_type: 'resident', id_number: '11010519491231002X' } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state, 'collected');
  await refusedAction(code, 'pickup', { pickup_code: right, collector: { kind: 'applicant' } }, 409,
    'already_collected', 'collected');

  // Three failures in a row lock the case, even for the right code.
  const locked = await intake();
  await toReady(locked);
  for (let i = 0; i < 3; i++) {
    await refusedAction(locked, 'pickup', { pickup_code: '12345x', collector: { kind: 'applicant' } }, 403,
      'pickup_mismatch', 'ready');
  }
  await refusedAction(locked, 'pickup', { pickup_code: extractPickup(locked), collector: { kind: 'applicant' } }, 429,
    'pickup_locked', 'ready');
  const hist = (await box.json(`/api/v1/cases/${locked}`)).body.history.map((h) => h.action);
  assert.ok(hist.includes('pickup.locked'));
});

test('finding cases: by name, state, department and dates; the overdue view; the cover sheet', async () => {
  const a = await intake({ ...goodCase, applicant_name: '司马相如' });
  const b = await intake({ ...goodCase, item: 'RS-YL-01', applicant_name: '司马光',
    materials: [1, 2].map((position) => ({ position, received: true, pages: 2 })) });
  const byName = await box.json(`/api/v1/cases?q=${encodeURIComponent('司马')}`);
  assert.deepEqual(byName.body.cases.map((c) => c.code).sort(), [a, b].sort());
  assert.deepEqual(byName.body.cases.map((c) => c.applicant_name).sort(), ['司*光', '司*如'], 'masked in lists');
  const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  const dept = await box.json(`/api/v1/cases?department=${encodeURIComponent('区人力资源和社会保障局')}&from=${today}&to=${today}`);
  assert.deepEqual(dept.body.cases.map((c) => c.code), [b]);
  const none = await box.json(`/api/v1/cases?from=2001-01-01&to=2001-12-31`);
  assert.deepEqual(none.body.cases, []);
  assert.equal((await box.json('/api/v1/cases?state=nonsense')).status, 400);
  assert.equal((await box.json('/api/v1/cases?view=ready&limit=0')).status, 400);

  // Overdue: a promise in the past, as time passing would leave it.  Written
  // by another connection, as an operator's shell would: the list the core
  // kept from before is not answered again.
  assert.ok(!(await box.json('/api/v1/cases?view=overdue')).body.cases.some((c) => c.code === a));
  execFileSync('sqlite3', [join(box.state, 'outpost.db'),
    `UPDATE cases SET promised_by = '2001-01-01' WHERE code = '${a}'`]);
  const overdue = await box.json('/api/v1/cases?view=overdue');
  assert.deepEqual(overdue.body.cases.map((c) => c.code), [a]);

  const printed = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  const cover = await box.post(`/api/v1/cases/${b}/cover`);
  assert.equal(cover.status, 200);
  assert.equal(cover.body.slip.printed, true);
  const text = await escposText(readFileSync(join(box.state, 'dev', 'printer.out')).subarray(printed));
  assert.match(text, /材料扫描封面页/);
  assert.match(text, /材料页数：4 页/, 'the pages the scanner must see');
});
