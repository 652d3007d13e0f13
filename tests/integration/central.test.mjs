// SPDX-License-Identifier: Apache-2.0
// outpost-central's protocol end, checked by independent clients: Node's
// crypto signs as a box would, tus-js-client uploads to the tus endpoint
// (files byte-identical), and every bad input is refused with nothing
// stored: a used token, bad and stale signatures, a wrong chunk checksum,
// a manifest naming a document whose hash differs, a reused idempotency
// key with another body, an oversized request.  Events come back signed,
// by request and by long-poll.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { startCentral, BoxIdentity, centralSigned } from '../central.mjs';

let central, box, enrolled;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
// A case code with its ISO 7064 MOD 37,36 check character (appliance/common/casecode.c).
const caseCode = (body) => {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let p = 36;
  for (const ch of body.replace(/-/g, '')) {
    const t = (p + digits.indexOf(ch)) % 36 || 36;
    p = (t * 2) % 37;
  }
  return body + digits[(37 - p) % 36];
};

before(async () => {
  central = await startCentral('max_request_bytes = 65536\n');
  box = new BoxIdentity('SQ01');
});
after(async () => { await central.stop(); central.cleanup(); });

test('enrolment with a one-time token; the token works once', async () => {
  const token = central.token();
  const r = await box.enrol(central, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.office_code, 'SQ01');
  assert.equal(Buffer.from(r.body.central_public_key, 'base64').length, 32);
  assert.match(r.body.webhook_secret, /^whsec_/);
  enrolled = r.body;
  const again = await new BoxIdentity('SQ01').enrol(central, token);
  assert.equal(again.status, 403);
  assert.equal(again.body.error, 'bad_token');
  assert.match(again.body.message, /令牌无效、已使用或已过期/);
});

// Uploads a document with tus-js-client; the creation request is signed.
function tusUpload(data, meta, opts = {}) {
  return new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: `${central.base}/v1/uploads`,
      chunkSize: opts.chunkSize ?? 1024 * 1024,
      retryDelays: [0, 100, 500],
      metadata: { filename: meta.filename, sha256: sha256(data), media_type: 'application/pdf', case: meta.case ?? 'SQ01-261128-0001H' },
      onBeforeRequest(req) {
        if (req.getMethod() === 'POST') {
          const u = new URL(req.getURL());
          for (const [k, v] of Object.entries(box.headers('POST', u.pathname + u.search))) req.setHeader(k, v);
        }
      },
      onError: reject,
      onSuccess: () => resolve(up.url),
    });
    up.start();
  });
}

const docs = [];

test('tus-js-client uploads documents in chunks; central keeps them byte for byte', async () => {
  for (const [name, size] of [['身份证.pdf', 200_000], ['户口簿.pdf', 5 * 1024 * 1024 + 17]]) {
    const data = randomBytes(size);
    const url = await tusUpload(data, { filename: name });
    const id = url.split('/').pop();
    assert.equal(sha256(readFileSync(join(central.state, 'uploads', id))), sha256(data), name);
    docs.push({ name, data, url });
  }
  // HEAD shows a complete upload.
  const head = await fetch(docs[1].url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
  assert.equal(head.headers.get('upload-offset'), String(docs[1].data.length));
});

test('a chunk failing its checksum is dropped, a cut PATCH resumes at HEAD\'s offset', async () => {
  const data = randomBytes(300_000);
  const create = await fetch(`${central.base}/v1/uploads`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0',
    'Upload-Length': String(data.length), ...box.headers('POST', '/v1/uploads'),
    'Upload-Metadata': `filename ${Buffer.from('a.pdf').toString('base64')},sha256 ${Buffer.from(sha256(data)).toString('base64')}` } });
  assert.equal(create.status, 201);
  const url = central.base + create.headers.get('location');
  const patch = (offset, chunk, checksum) => fetch(url, { method: 'PATCH', body: chunk, headers: { 'Tus-Resumable': '1.0.0',
    'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset),
    ...(checksum ? { 'Upload-Checksum': `sha256 ${checksum}` } : {}) } });
  const first = data.subarray(0, 100_000);
  const bad = await patch(0, first, createHash('sha256').update('other').digest('base64'));
  assert.equal(bad.status, 460);
  const offset = async () => Number((await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })).headers.get('upload-offset'));
  assert.equal(await offset(), 0, 'the failed chunk did not count');
  assert.equal((await patch(0, first, createHash('sha256').update(first).digest('base64'))).status, 204);
  assert.equal(await offset(), 100_000);
  // A wrong offset is a conflict; the right one goes on.
  assert.equal((await patch(50_000, data.subarray(50_000))).status, 409);
  assert.equal((await patch(100_000, data.subarray(100_000))).status, 204);
  assert.equal(sha256(readFileSync(join(central.state, 'uploads', url.split('/').pop()))), sha256(data));
  // Without Tus-Resumable: 412.
  assert.equal((await fetch(url, { method: 'HEAD' })).status, 412);
});

const manifest = (cases, extra = {}) => ({ protocol: 1, batch_id: extra.batch_id ?? randomUUID(), office: 'SQ01',
  department: '区公安分局', created_at: new Date().toISOString(), cases, ...extra });
const caseOf = (code, documents) => ({ code, version: 1, item: { code: 'GA-JZZ-01', name: '居住证办理' },
  applicant: { kind: 'person', name: '张三丰', id_type: 'resident', id_number: '11010519491231002X' },
  materials: [{ position: 1, name: '身份证', received: true }],
  documents: documents.map((d) => ({ material: 1, filename: d.name, media_type: 'application/pdf', size: d.data.length, sha256: sha256(d.data), upload: d.url })) });

async function postBatch(m, { key = m.batch_id, sign = true, body } = {}) {
  const text = body ?? JSON.stringify(m);
  return box.fetch(central, 'POST', '/v1/batches', text, { 'Idempotency-Key': key, ...(sign ? { 'Outpost-Manifest-Signature': box.signManifest(Buffer.from(text)) } : {}) });
}

test('a signed batch is taken once; the same key and body answer the same, another body is a conflict', async () => {
  const m = manifest([caseOf('SQ01-261128-0001H', docs)]);
  const r = await postBatch(m);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.body.results.map((x) => x.status), ['taken']);
  const again = await postBatch(m);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, r.body);
  const other = await postBatch({ ...m, department: '另一个部门' }, { key: m.batch_id });
  assert.equal(other.status, 409);
  assert.equal(other.body.error, 'idempotency_conflict');
  // The same case in another batch: taken already, not twice.
  const dup = await postBatch(manifest([caseOf('SQ01-261128-0001H', docs)]));
  assert.equal(dup.status, 201);
  // A central clerk accepts it (the command line stands in for the inbox).
  central.cli('event', 'SQ01', 'SQ01-261128-0001H', '1', 'case.accepted', '{"official_number":"京公居字2026-0001"}');
});

test('bad batches are refused and nothing is stored', async () => {
  const good = caseOf('SQ01-261128-0002F', docs);
  // Unsigned manifest, wrong signature, a document with another hash.
  const unsigned = await postBatch(manifest([good]), { sign: false });
  assert.equal(unsigned.status, 401);
  assert.equal(unsigned.body.error, 'bad_signature');
  const m = manifest([good]);
  const wrongSig = await box.fetch(central, 'POST', '/v1/batches', JSON.stringify(m), { 'Idempotency-Key': m.batch_id,
    'Outpost-Manifest-Signature': box.signManifest(Buffer.from('something else')) });
  assert.equal(wrongSig.status, 401);
  const lying = caseOf('SQ01-261128-0002F', docs);
  lying.documents[0].sha256 = sha256(Buffer.from('not the file'));
  const mismatch = await postBatch(manifest([lying]));
  assert.equal(mismatch.status, 422);
  assert.equal(mismatch.body.error, 'document_hash_mismatch');
  // A request signature that does not hold, or is stale.
  const forged = new BoxIdentity('SQ01');
  const r = await forged.fetch(central, 'GET', '/v1/events?after=0');
  assert.equal(r.status, 401);
  const stale = await fetch(`${central.base}/v1/events?after=0`, { headers: box.headers('GET', '/v1/events?after=0', Buffer.alloc(0), new Date(Date.now() - 3600e3)) });
  assert.equal(stale.status, 401);
  assert.equal((await stale.json()).error, 'stale_request');
  // Oversized.
  const big = await postBatch(manifest([good]), { body: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
  assert.equal(big.status, 413);
  // Another protocol version.
  const v2 = await fetch(`${central.base}/v1/batches`, { method: 'POST', headers: { 'Outpost-Protocol': '2' }, body: '{}' });
  assert.equal(v2.status, 400);
  assert.deepEqual((await v2.json()).supported, [1]);
  // None of it was taken: the case goes in now, as new; fields a later
  // version may add are ignored.
  const withFuture = manifest([{ ...good, priority_lane: 'green' }]);
  withFuture.sent_by = { software: 'outpost 9.9' };
  const ok = await postBatch(withFuture);
  assert.equal(ok.status, 201, ok.text);
  const accept = () => central.cli('event', 'SQ01', 'SQ01-261128-0002F', '1', 'case.accepted', '{"official_number":"N-2"}');
  accept();
  assert.throws(accept, /does not apply/, 'an event the case\'s state does not allow is refused');
});

test('events come back signed by central, by request and by long-poll', async () => {
  const r = await box.fetch(central, 'GET', '/v1/events?after=0');
  assert.equal(r.status, 200);
  // A signed request is contact, written down at most every 10 s.
  const contact = Number(execFileSync('sqlite3', [join(central.state, 'central.db'),
    "SELECT last_contact FROM offices WHERE code = 'SQ01'"], { encoding: 'utf8' }));
  assert.ok(Date.now() / 1000 - contact < 12, `last contact ${contact} is recent`);
  assert.ok(centralSigned(enrolled.central_public_key, r.text, r.headers.get('outpost-signature')), 'central\'s signature');
  assert.deepEqual(r.body.events.map((e) => [e.type, e.case.code]), [['case.accepted', 'SQ01-261128-0001H'], ['case.accepted', 'SQ01-261128-0002F']]);
  assert.equal(r.body.events[0].data.official_number, '京公居字2026-0001');
  const cursor = r.body.cursor;
  // Long-poll: nothing yet; an event arrives while it waits.
  const t0 = Date.now();
  const waiting = box.fetch(central, 'GET', `/v1/events?after=${cursor}&wait=20`);
  setTimeout(() => central.cli('event', 'SQ01', 'SQ01-261128-0001H', '1', 'case.decided', '{"decision":"approved","note":"准予办理"}'), 300);
  const got = await waiting;
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.events.map((e) => e.type), ['case.decided']);
  assert.ok(Date.now() - t0 < 5000, 'answered when the event came, not at the deadline');
  // A poll with nothing new answers empty at its deadline, cursor unchanged.
  const empty = await box.fetch(central, 'GET', `/v1/events?after=${got.body.cursor}&wait=1`);
  assert.deepEqual(empty.body, { events: [], cursor: got.body.cursor });
});

test('an upload left unfinished is terminated when it expires; HEAD then says it is gone', async () => {
  const short = await startCentral('upload_expiry_seconds = 2\n');
  try {
    const office = new BoxIdentity('SQ02');
    assert.equal((await office.enrol(short, short.token('SQ02', '第二站'))).status, 201);
    const data = randomBytes(50_000);
    const create = await fetch(`${short.base}/v1/uploads`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0',
      'Upload-Length': String(data.length), ...office.headers('POST', '/v1/uploads'),
      'Upload-Metadata': `filename ${Buffer.from('a.pdf').toString('base64')},sha256 ${Buffer.from(sha256(data)).toString('base64')}` } });
    assert.equal(create.status, 201);
    const url = short.base + create.headers.get('location');
    const part = await fetch(url, { method: 'PATCH', body: data.subarray(0, 10_000), headers: { 'Tus-Resumable': '1.0.0',
      'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' } });
    assert.equal(part.status, 204);
    const head = async () => (await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })).status;
    assert.equal(await head(), 200, 'alive before it expires');
    // Expired once 2 whole seconds have passed since its creation second, and
    // swept every 2 s (with 0.5 s of slack): gone within 6 s at the latest.
    const t0 = Date.now();
    while ((await head()) !== 404) {
      assert.ok(Date.now() - t0 < 8000, 'terminated within two expiry periods and a sweep');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!existsSync(join(short.state, 'uploads', url.split('/').pop())), 'its bytes are gone');
    assert.match(short.log, /abandoned: terminated/);
  } finally {
    await short.stop();
    short.cleanup();
  }
});

test('an acceptance without a number gets the next of the year; a refused one takes none', async () => {
  const year = new Date().getFullYear();
  // Last year's count, as a central running since then would hold it.
  execFileSync('sqlite3', [join(central.state, 'central.db'),
    `INSERT INTO official_numbers (year, last) VALUES (${year - 1}, 41)`]);
  const codes = [3, 4, 5].map((n) => caseCode(`SQ01-261128-000${n}`));
  assert.equal(codes[0], caseCode('SQ01-261128-0003'));
  const r = await postBatch(manifest(codes.map((c) => caseOf(c, docs))));
  assert.equal(r.status, 201, r.text);
  central.cli('event', 'SQ01', codes[0], '1', 'case.accepted', '{}');
  central.cli('event', 'SQ01', codes[1], '1', 'case.accepted', '{"official_number":"京公居字2026-0777"}');
  assert.throws(() => central.cli('event', 'SQ01', codes[0], '1', 'case.accepted', '{}'), /does not apply/);
  central.cli('event', 'SQ01', codes[2], '1', 'case.accepted', '{"official_number":""}');
  const events = (await box.fetch(central, 'GET', '/v1/events?after=0')).body.events
    .filter((e) => codes.includes(e.case.code));
  assert.deepEqual(events.map((e) => [e.case.code, e.data.official_number]),
    [[codes[0], `${year}-000001`], [codes[1], '京公居字2026-0777'], [codes[2], `${year}-000002`]]);
});

test('stopping with a long-poll waiting: the poll is answered 503 and central exits cleanly', async () => {
  const other = await startCentral();
  try {
    const office = new BoxIdentity('SQ03');
    assert.equal((await office.enrol(other, other.token('SQ03', '第三站'))).status, 201);
    const waiting = office.fetch(other, 'GET', '/v1/events?after=0&wait=20');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await other.stop(), 0, 'exit status 0');
    const r = await waiting;
    assert.equal(r.status, 503);
    assert.equal(r.body.error, 'stopping');
    assert.doesNotMatch(other.log, /Fatal error/);
  } finally {
    await other.stop();
    other.cleanup();
  }
});
