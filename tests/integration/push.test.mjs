// SPDX-License-Identifier: Apache-2.0
// outpost-central pushes events to the offices that gave a webhook URL:
// the box receives them as Standard Webhooks (checked by the box's own
// handler, the same one the webhook tests drive with the standardwebhooks
// package) and applies them once, whichever of push and pull comes first;
// a push nobody answers is tried again later, not dropped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startBox, goodCase, samples, freePort } from '../lib.mjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startCentral, BoxIdentity, makeTls } from '../central.mjs';

let central, box;
const rows = (sql, c = central) => {
  const t = execFileSync('sqlite3', ['-json', join(c.state, 'central.db'), sql], { encoding: 'utf8' }).trim();
  return t ? JSON.parse(t) : [];
};

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  const tls = makeTls(dir);
  // The box's receiver is on loopback: central pushes there only when told.
  central = await startCentral('webhook_allow = 127.0.0.1/32\n', { tls, dir });
  const port = await freePort();
  // Pushed over HTTPS: the box serves the certificate central's office CA
  // issued it at enrolment, which central trusts.
  box = await startBox(`[sync]\nbatch_seconds = 1\npoll_seconds = 20\nca_file = ${tls.ca}\nwebhook_url = https://127.0.0.1:${port}/api/v1/central/webhook\n`, { httpsPort: port });
  assert.equal((await box.login()).status, 200);
  assert.equal((await box.post('/api/v1/sync/enrol', { url: central.base, token: central.token() })).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); await central.stop(); central.cleanup(); });

test('central pushes a clerk\'s decision to the box, signed; the box applies it once', async () => {
  const r = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  const code = r.body.code;
  await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 15000, 'sent');
  central.cli('event', 'SQ01', code, '1', 'case.accepted', '{"official_number":"京公居字2026-0555"}');
  await box.waitUntil(async () => rows(`SELECT pushed_at FROM events WHERE code = '${code}' AND pushed_at IS NOT NULL`).length === 1,
    20000, 'the push to be answered');
  // The box's log arrives through a pipe the synchronous sqlite3 calls above
  // may not have let Node read yet.
  await box.waitUntil(async () => /pushed event evt_[0-9a-f]+ received/.test(box.log), 5000, 'the box to log the push');
  assert.equal(await box.caseState(code), 'accepted');
  const history = (await box.json(`/api/v1/cases/${code}`)).body.history.filter((h) => h.action === 'case.accept');
  assert.equal(history.length, 1, 'applied once, by push or by pull');
});

test('a push nobody answers is tried again with backoff', async () => {
  // A central of its own, plain HTTP: no box takes part, only a test client.
  const central = await startCentral('webhook_allow = 127.0.0.1/32\n');
  try {
  const lost = new BoxIdentity('SQ09');
  const token = central.token('SQ09', '无人值守站');
  const dead = await freePort();
  const r = await fetch(`${central.base}/v1/enrol`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, public_key: lost.publicRaw.toString('base64'), webhook_url: `https://127.0.0.1:${dead}/hook` }) });
  assert.equal(r.status, 201);
  const m = { protocol: 1, batch_id: randomUUID(), office: 'SQ09', department: '区公安分局', cases: [{ code: 'SQ09-261128-0001X',
    version: 1, item: { code: 'GA-JZZ-01', name: '居住证办理' }, applicant: { name: '王五' }, documents: [] }] };
  const text = JSON.stringify(m);
  const b = await lost.fetch(central, 'POST', '/v1/batches', text, { 'Idempotency-Key': m.batch_id, 'Outpost-Manifest-Signature': lost.signManifest(Buffer.from(text)) });
  assert.equal(b.status, 201, b.text);
  central.cli('event', 'SQ09', 'SQ09-261128-0001X', '1', 'case.accepted', '{"official_number":"N-9"}');
  await new Promise((res) => setTimeout(res, 4500));
  const [e] = rows("SELECT pushed_at, push_attempts, next_push FROM events WHERE office = 'SQ09'", central);
  assert.equal(e.pushed_at, null);
  assert.ok(e.push_attempts >= 2, `attempts: ${e.push_attempts}`);
  assert.ok(e.next_push > Date.now() / 1000, 'the next try is later');
  } finally {
    await central.stop();
    central.cleanup();
  }
});
