// SPDX-License-Identifier: Apache-2.0
// Sync under faults, between network namespaces the test makes: central
// runs in its own namespace behind a veth link shaped to 20 Mbit/s with 5%
// random loss both ways (tbf, nftables), 300 ms added by a relay, a link
// that is cut for 3 s every 20 s, central answering 500, 503 with
// Retry-After and a captive portal's 200; the sync process and
// outpost-central are both SIGKILLed in mid-upload.  After all of it:
// every case at central exactly once, every document's SHA-256 equal, no
// completed chunk sent twice, the box's outbox empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, goodCase, samples, sleep } from '../lib.mjs';
import { startCentral, makeTls } from '../central.mjs';
import { Netns } from '../netns.mjs';
import { Front } from '../front.mjs';

let net, central, front, box, tls, dir, cutter;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const rows = (sql) => {
  const t = execFileSync('sqlite3', ['-json', join(central.state, 'central.db'), sql], { encoding: 'utf8' }).trim();
  return t ? JSON.parse(t) : [];
};

async function centralUp(port) {
  central = await startCentral('', { tls, dir, port, netns: net.name, address: net.address });
}

before(async () => {
  net = new Netns();
  dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  tls = makeTls(dir, 'central', ['127.0.0.1', net.address]);
  await centralUp();
  front = await new Front({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca),
    host: net.address, port: central.port, delayMs: 300 }).start();
  box = await startBox(`[sync]\nbatch_seconds = 1\npoll_seconds = 5\nchunk_kib = 256\nretry_max_seconds = 4\nca_file = ${tls.ca}\n`);
  assert.equal((await box.login()).status, 200);
  const r = await box.post('/api/v1/sync/enrol', { url: front.base, token: central.token() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => {
  clearInterval(cutter);
  await box?.stop();
  box?.cleanup();
  await front?.close();
  await central?.stop();
  net?.close();
});

test('every case arrives exactly once through loss, delay, cuts, errors and kills', { timeout: 240_000 }, async () => {
  net.rate('20mbit');
  net.loss(5);
  // A cut link for 3 s every 20 s.
  cutter = setInterval(() => { net.cut(); setTimeout(() => net.mend(), 3000); }, 20_000);
  // Central's bad moments, for the first batches.
  front.badMoments('POST', '/v1/batches');

  const sent = [];
  for (let i = 0; i < 5; i++) {
    const docs = [Buffer.concat([samples.pdf(), randomBytes(600_000 + i * 1000)]), Buffer.concat([samples.pdf(), randomBytes(1_200_000)])];
    const r = await box.createCase(goodCase, docs.map((data, k) => ({ name: `材料${k}.pdf`, type: 'application/pdf', data })));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    sent.push({ code: r.body.code, docs });
  }
  // Kill the sync process once an upload is under way, then central.
  await box.waitUntil(async () => rows("SELECT 1 FROM uploads WHERE state = 'open' AND received > 0").length > 0, 60000, 'an upload under way');
  process.kill(box.pids().sync, 'SIGKILL');
  await box.waitUntil(async () => rows("SELECT 1 FROM uploads WHERE state = 'open' AND received > 0").length > 0, 60000, 'another upload under way');
  const port = central.port;
  central.proc.kill('SIGKILL');
  await new Promise((r) => central.proc.once('exit', r));
  await sleep(1000);
  await centralUp(port);

  try {
    for (const { code } of sent) await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 180_000, `${code} to arrive`);
  } catch (e) {
    console.error(box.log.split('\n').filter((l) => /sync|batch|upload/.test(l)).slice(-40).join('\n'));
    console.error(JSON.stringify(front.seen.slice(-30)));
    console.error(central.log.split('\n').slice(-20).join('\n'));
    throw e;
  }
  clearInterval(cutter);
  net.mend();
  for (const { code, docs } of sent) {
    assert.equal(rows(`SELECT count(*) AS n FROM cases WHERE code = '${code}'`)[0].n, 1, `${code} once`);
    const stored = rows(`SELECT d.sha256, d.upload, u.stale_patches FROM case_documents d JOIN uploads u ON u.id = d.upload WHERE d.code = '${code}' ORDER BY d.position`);
    assert.deepEqual(stored.map((d) => d.sha256), docs.map(sha256));
    for (const d of stored) {
      assert.equal(sha256(readFileSync(join(central.state, 'uploads', d.upload))), d.sha256, 'the bytes at central');
      assert.equal(d.stale_patches, 0, 'no completed chunk sent twice');
    }
  }
  const s = (await box.json('/api/v1/sync')).body;
  assert.equal(s.queued, 0);
  assert.equal(s.received, 0);
  // The bad answers were seen, and taken for what they are.
  const statuses = front.seen.filter(([m, p]) => m === 'POST' && p === '/v1/batches').map(([, , st]) => st);
  assert.deepEqual(statuses.slice(0, 3), [500, 503, 200]);
  // Central offers sha256 checksums: every chunk carried one.
  const patches = front.seen.filter(([m]) => m === 'PATCH');
  assert.ok(patches.length > 0);
  assert.deepEqual(patches.filter(([, , , sum]) => !/^sha256 [A-Za-z0-9+/]+=*$/.test(sum ?? '')), []);
  assert.match(box.log, /not central's answer/);
});

test('an upload central refuses in the manifest is terminated and sent again', { timeout: 120_000 }, async () => {
  let refused;
  front.fail('POST', '/v1/batches', 422, { headers: { 'Content-Type': 'application/json' }, body: (b) => {
    refused = JSON.parse(b.toString()).cases[0].documents[0].upload;
    return JSON.stringify({ error: 'document_hash_mismatch', message: '材料文件与清单不符', upload: refused });
  } });
  const data = Buffer.concat([samples.pdf(), randomBytes(100_000)]);
  const r = await box.createCase(goodCase, [{ name: '重传.pdf', type: 'application/pdf', data }]);
  await box.waitUntil(async () => (await box.caseState(r.body.code)) === 'sent', 60_000, 'sent after the refusal');
  const path = new URL(refused).pathname;
  // The DELETE goes beside the new upload, so it may end after the case is sent.
  await box.waitUntil(async () => front.seen.some(([m, p, st]) => m === 'DELETE' && p === path && st === 204), 10_000,
    'the refused upload terminated');
  assert.equal(rows(`SELECT state FROM uploads WHERE id = '${path.split('/').pop()}'`)[0].state, 'terminated');
  const stored = rows(`SELECT d.sha256, d.upload FROM case_documents d WHERE d.code = '${r.body.code}'`);
  assert.equal(stored.length, 1);
  assert.notEqual(stored[0].upload, path.split('/').pop(), 'a new upload');
  assert.equal(sha256(readFileSync(join(central.state, 'uploads', stored[0].upload))), sha256(data));
});

test('a permanent refusal stops the batch and is shown, not hammered; retry now sends it', { timeout: 120_000 }, async () => {
  front.fail('POST', '/v1/batches', 400, { headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: 'bad_manifest', message: '批次清单格式不正确', message_en: 'the manifest is malformed' }) });
  const r = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  await box.waitUntil(async () => (await box.json('/api/v1/sync')).body.batches[0]?.state === 'failed', 60_000, 'the batch to stop');
  const b = (await box.json('/api/v1/sync')).body.batches[0];
  assert.equal(b.last_http, 400);
  assert.equal(b.last_message, '批次清单格式不正确');
  const tries = front.seen.filter(([m, p]) => m === 'POST' && p === '/v1/batches').length;
  await sleep(4000);
  assert.equal(front.seen.filter(([m, p]) => m === 'POST' && p === '/v1/batches').length, tries, 'no more attempts');
  assert.equal(await box.caseState(r.body.code), 'queued');
  // Its manifest is made: the case cannot be withdrawn until central answers.
  const w = await box.post(`/api/v1/cases/${r.body.code}/withdraw`, { reason: '申请人不办了' });
  assert.equal(w.status, 409);
  assert.equal(w.body.error, 'forwarding');
  assert.match(w.body.message, /正在报送中心/);
  assert.equal((await box.post('/api/v1/sync/now')).status, 202);
  await box.waitUntil(async () => (await box.caseState(r.body.code)) === 'sent', 60_000, 'sent after retry now');
});

test('a chunk central finds corrupt (460 Checksum Mismatch) is sent again', { timeout: 120_000 }, async () => {
  front.fail('PATCH', '/v1/uploads/', 460, { body: 'checksum mismatch' });
  const data = Buffer.concat([samples.pdf(), randomBytes(200_000)]);
  const r = await box.createCase(goodCase, [{ name: '校验.pdf', type: 'application/pdf', data }]);
  await box.waitUntil(async () => (await box.caseState(r.body.code)) === 'sent', 60_000, 'sent after the mismatch');
  assert.ok(front.seen.some(([m, , st]) => m === 'PATCH' && st === 460), 'the mismatch was answered');
  const [d] = rows(`SELECT d.sha256, d.upload FROM case_documents d WHERE d.code = '${r.body.code}'`);
  assert.equal(sha256(readFileSync(join(central.state, 'uploads', d.upload))), sha256(data));
});
