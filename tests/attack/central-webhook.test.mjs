// SPDX-License-Identifier: Apache-2.0
// The review's attack 64 (F11): an office (or whoever holds its enrolment
// token) gives a webhook_url on central's own loopback, and central would
// POST every event there.  Only https:// to public addresses is taken,
// other networks only when [central] webhook_allow names them; and the
// address is checked again when central connects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { startCentral, BoxIdentity } from '../central.mjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../lib.mjs';

let listener, port;
const hits = [];

before(async () => {
  listener = createServer((req, res) => { hits.push(`${req.method} ${req.url}`); res.writeHead(204).end(); });
  await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  port = listener.address().port;
});
after(() => new Promise((r) => listener.close(r)));

async function enrolWith(central, office, url) {
  const box = new BoxIdentity(office);
  const r = await fetch(`${central.base}/v1/enrol`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: central.token(office, office), public_key: box.publicRaw.toString('base64'), webhook_url: url }) });
  return { box, status: r.status, body: await r.json() };
}

// A case of the office's at central, and a clerk's decision: an event to push.
async function eventFor(central, box) {
  const m = { protocol: 1, batch_id: randomUUID(), office: box.office, department: '区公安分局', cases: [{ code: `${box.office}-261203-0001X`,
    version: 1, item: { code: 'GA-JZZ-01', name: '居住证办理' }, applicant: { name: '王五' }, documents: [] }] };
  const text = JSON.stringify(m);
  const b = await box.fetch(central, 'POST', '/v1/batches', text, { 'Idempotency-Key': m.batch_id, 'Outpost-Manifest-Signature': box.signManifest(Buffer.from(text)) });
  assert.equal(b.status, 201, b.text);
  central.cli('event', box.office, m.cases[0].code, '1', 'case.accepted', '{"official_number":"N-1"}');
}

test('a webhook_url on loopback is refused at enrolment, http or https, by address or by name', async () => {
  const central = await startCentral();
  try {
    for (const [i, url] of [`http://127.0.0.1:${port}/internal/admin?action=reboot`, `https://127.0.0.1:${port}/hook`,
      `https://localhost:${port}/hook`, `https://[::1]:${port}/hook`, `http://93.184.215.14/hook`, 'ftp://example.org/x'].entries()) {
      const r = await enrolWith(central, `SQ${10 + i}`, url);
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, 'bad_webhook_url');
      assert.match(r.body.message, /推送地址不可用/);
      assert.ok(r.body.message_en.length > 10, r.body.message_en);
    }
    assert.equal(hits.length, 0);
  } finally {
    await central.stop();
    central.cleanup();
  }
});

test('taken when webhook_allow names its network; once the allowance is gone, central no longer connects', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  let central = await startCentral('webhook_allow = 10.0.0.0/8, 127.0.0.1/32\n', { dir });
  const { box, status, body } = await enrolWith(central, 'SQ20', `https://127.0.0.1:${port}/hook`);
  assert.equal(status, 201, JSON.stringify(body));
  await central.stop();
  // The same state without the allowance: the stored URL is checked again
  // on connecting, as a name that resolves elsewhere later would be.
  central = await startCentral('', { dir, port: central.port });
  try {
    await eventFor(central, box);
    const until = Date.now() + 20_000;
    while (!/push to 127\.0\.0\.1 refused/.test(central.log) && Date.now() < until) await sleep(100);
    assert.match(central.log, /push to 127\.0\.0\.1 refused/);
    assert.equal(hits.length, 0, hits.join(', '));
  } finally {
    await central.stop();
    central.cleanup();
  }
});
