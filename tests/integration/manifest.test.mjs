// SPDX-License-Identifier: Apache-2.0
// A manifest central cannot store (review F17): a document without a file
// name made central answer 503 "try again", so the box retried forever.
// Central answers 400 bad_manifest naming the case and the field; the box
// keeps that case as a permanent error, shown in Chinese and English, never
// sent again by itself, and the other cases of the batch go on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, goodCase, samples, sleep, sha256 } from '../lib.mjs';
import { startCentral, makeTls, BoxIdentity } from '../central.mjs';
import { Front } from '../front.mjs';

let central, front, box, dir;
const rows = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', join(central.state, 'central.db'), sql], { encoding: 'utf8' }) || '[]');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-central-manifest-'));
  const tls = makeTls(dir);
  central = await startCentral('', { tls, dir });
  front = await new Front({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca),
    host: '127.0.0.1', port: central.port }).start();
});
after(async () => {
  await box?.stop();
  box?.cleanup();
  await front?.close();
  await central?.stop();
  central?.cleanup();
});

test('central answers a document without a file name 400 bad_manifest, naming the case', async () => {
  // Plain HTTP, for Node's fetch: the answer is what matters here.
  const plain = await startCentral();
  try {
    await refusesNamelessDocument(plain);
  } finally {
    await plain.stop();
    plain.cleanup();
  }
});

async function refusesNamelessDocument(central) {
  const rows = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', join(central.state, 'central.db'), sql], { encoding: 'utf8' }) || '[]');
  const office = new BoxIdentity('SQ07');
  assert.equal((await office.enrol(central, central.token('SQ07', '第七服务站'))).status, 201);
  const data = samples.pdf();
  const sha = sha256(data);
  const created = await fetch(`${central.base}/v1/uploads`, { method: 'POST', headers: { ...office.headers('POST', '/v1/uploads'),
    'Tus-Resumable': '1.0.0', 'Upload-Length': String(data.length),
    'Upload-Metadata': `filename ${Buffer.from('d.pdf').toString('base64')},sha256 ${Buffer.from(sha).toString('base64')}` } });
  assert.equal(created.status, 201);
  const upload = new URL(created.headers.get('location'), central.base).href;
  const patched = await fetch(upload, { method: 'PATCH', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0',
    'Content-Type': 'application/offset+octet-stream' }, body: data });
  assert.equal(patched.status, 204);
  const m = { protocol: 1, batch_id: randomUUID(), office: 'SQ07', department: '区公安分局', cases: [{ code: 'SQ07-261203-0001X', version: 1,
    item: { code: 'GA-JZZ-01', name: '居住证办理' }, applicant: { name: '王五' },
    documents: [{ material: 1, filename: null, media_type: 'application/pdf', size: data.length, sha256: sha, upload }] }] };
  const text = JSON.stringify(m);
  const r = await office.fetch(central, 'POST', '/v1/batches', text, { 'Idempotency-Key': m.batch_id, 'Outpost-Manifest-Signature': office.signManifest(Buffer.from(text)) });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error, 'bad_manifest');
  assert.equal(r.body.case, 'SQ07-261203-0001X');
  assert.equal(r.body.field, 'filename');
  assert.match(r.body.message, /材料文件信息有误（filename）/);
  assert.match(r.body.message_en, /filename is missing or malformed/);
  assert.equal(rows("SELECT count(*) AS n FROM cases WHERE office = 'SQ07'")[0].n, 0, 'nothing of it stored');
}

test('central refuses a manifest time that is not RFC 3339, naming it; the box writes its times as RFC 3339', async () => {
  const plain = await startCentral();
  try {
    const office = new BoxIdentity('SQ08');
    assert.equal((await office.enrol(plain, plain.token('SQ08', '第八服务站'))).status, 201);
    const cases = [{ code: 'SQ08-261203-0001X', version: 1, received_at: '2026-12-03T09:30:00+0800',
      item: { code: 'GA-JZZ-01', name: '居住证办理' }, applicant: { name: '王五' }, documents: [] }];
    for (const [m, field] of [
      [{ created_at: '2026-12-03T10:00:00+0800', cases }, 'created_at'],
      [{ created_at: '2026-12-03T10:00:00+08:00', cases }, 'cases[0].received_at']]) {
      const body = JSON.stringify({ protocol: 1, batch_id: randomUUID(), office: 'SQ08', department: '区公安分局', ...m });
      const id = JSON.parse(body).batch_id;
      const r = await office.fetch(plain, 'POST', '/v1/batches', body, { 'Idempotency-Key': id,
        'Outpost-Manifest-Signature': office.signManifest(Buffer.from(body)) });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, 'bad_manifest');
      assert.equal(r.body.field, field);
      assert.match(r.body.message, /时间格式不正确/);
      assert.match(r.body.message_en, /not an RFC 3339 time/);
    }
  } finally {
    await plain.stop();
    plain.cleanup();
  }
});

test('the box keeps the named case as a permanent error and sends the others', { timeout: 60_000 }, async () => {
  box = await startBox(`[sync]\nbatch_seconds = 3600\nheartbeat_seconds = 3600\npoll_seconds = 2\nca_file = ${join(dir, 'ca.pem')}\n`);
  assert.equal((await box.login()).status, 200);
  assert.equal((await box.post('/api/v1/sync/enrol', { url: front.base, token: central.token() })).status, 200);
  const pdf = [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }];
  const bad = (await box.createCase(goodCase, pdf)).body.code;
  const good = (await box.createCase({ ...goodCase, applicant_name: '李四' }, pdf)).body.code;
  // What central answers a manifest whose first case it cannot store.
  front.fail('POST', '/v1/batches', 400, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'bad_manifest',
    message: `案件 ${bad} 的材料文件信息有误（filename），中心无法受理`, message_en: `case ${bad}: a document's filename is missing or malformed`,
    case: bad, field: 'filename' }) });
  assert.equal((await box.post('/api/v1/sync/now')).status, 202);
  await box.waitUntil(async () => (await box.json('/api/v1/sync')).body.batches[0]?.state === 'partial', 30_000, 'the batch delivered without the case');
  assert.equal(await box.caseState(good), 'sent');
  // The box's times as PROTOCOL 1 writes them: +08:00, not strftime's +0800.
  const stored = JSON.parse(rows(`SELECT data FROM cases WHERE code = '${good}'`)[0].data);
  assert.match(stored.received_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.equal(await box.caseState(bad), 'queued', 'the refused case waits at the box');
  const view = (await box.json(`/api/v1/cases/${bad}`)).body;
  assert.match(view.central_note, /永久错误/);
  assert.match(view.central_note, /refused it for good/);
  assert.match(view.central_note, /filename/);
  assert.equal(view.forwarding.result, 'refused');
  assert.deepEqual(rows("SELECT code FROM cases WHERE office = 'SQ01'").map((r) => r.code), [good]);
  // Not retried: no more manifests, no new batch.
  const posts = () => front.seen.filter(([m, p]) => m === 'POST' && p === '/v1/batches').length;
  assert.equal(posts(), 2, 'the batch, then the batch without the case');
  await sleep(3000);
  assert.equal(posts(), 2);
  assert.equal((await box.json('/api/v1/sync')).body.batches.length, 1);
});
