// SPDX-License-Identifier: Apache-2.0
// The box's uploader against an independent tus server: @tus/server with
// @tus/file-store stands where central's tus endpoint would be (a small
// stand-in answers enrolment, the manifest and the event feed around it,
// signing as central does with Node's crypto).  Every document arrives
// byte for byte at the FileStore, and the manifest names each by the URL
// @tus/server gave it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createHash, generateKeyPairSync, sign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { startBox, goodCase, samples } from '../lib.mjs';
import { makeTls } from '../central.mjs';

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const store = mkdtempSync(join(tmpdir(), 'outpost-tus-'));
// Central is HTTPS only (PROTOCOL §1), so the stand-in is too.
const tlsDir = mkdtempSync(join(tmpdir(), 'outpost-tus-tls-'));
const tls = makeTls(tlsDir, 'tus');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const manifests = [];
const seen = []; // [method, Upload-Checksum] of each tus request
let box, srv, base;

function answer(res, status, obj) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Outpost-Protocol': '1',
    'Outpost-Signature': `ed25519=${sign(null, body, privateKey).toString('base64')}` });
  res.end(body);
}

before(async () => {
  // @tus/server names uploads by http:// unless told otherwise, and the box
  // follows https:// Locations only.
  const tus = new Server({ path: '/v1/uploads', datastore: new FileStore({ directory: store }),
    generateUrl: (req, { host, path, id }) => `https://${host}${path}/${id}` });
  srv = https.createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, async (req, res) => {
    if (req.url.startsWith('/v1/uploads')) {
      seen.push([req.method, req.headers['upload-checksum'] ?? null]);
      return tus.handle(req, res);
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString();
    if (req.method === 'POST' && req.url === '/v1/enrol') {
      return answer(res, 201, { office_code: 'SQ01', office_name: '幸福街道便民服务站',
        central_public_key: Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url').toString('base64'),
        webhook_secret: `whsec_${randomBytes(32).toString('base64')}`, tls_pin: '' });
    }
    if (req.method === 'POST' && req.url === '/v1/batches') {
      const m = JSON.parse(body);
      manifests.push(m);
      return answer(res, 201, { batch_id: m.batch_id, results: m.cases.map((c) => ({ code: c.code, version: c.version, status: 'taken' })) });
    }
    if (req.method === 'GET' && req.url.startsWith('/v1/events')) {
      const u = new URL(req.url, 'http://x');
      return setTimeout(() => answer(res, 200, { events: [], cursor: u.searchParams.get('after') ?? '0' }), 1000);
    }
    if (req.method === 'GET' && req.url === '/v1/catalog') { res.writeHead(404); return res.end(); }
    if (req.method === 'POST' && req.url === '/v1/heartbeat') { res.writeHead(204); return res.end(); }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${srv.address().port}`;
  box = await startBox(`[sync]\nbatch_seconds = 1\npoll_seconds = 1\nchunk_kib = 128\nca_file = ${tls.ca}\n`);
  assert.equal((await box.login()).status, 200);
  const r = await box.post('/api/v1/sync/enrol', { url: base, token: 'any' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => {
  await box?.stop();
  box?.cleanup();
  srv?.closeAllConnections();
  await new Promise((r) => srv.close(r));
  rmSync(store, { recursive: true, force: true });
  rmSync(tlsDir, { recursive: true, force: true });
});

test('documents uploaded to @tus/server arrive byte for byte', async () => {
  const docs = [samples.pdf(), Buffer.concat([samples.jpeg(), randomBytes(700_000)]), Buffer.concat([samples.pdf(), randomBytes(300_001)])];
  const r = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: docs[0] },
    { name: 'b.jpg', type: 'image/jpeg', data: docs[1] }, { name: 'c.pdf', type: 'application/pdf', data: docs[2] }]);
  assert.equal(r.status, 201);
  await box.waitUntil(async () => (await box.caseState(r.body.code)) === 'sent', 15000, 'sent');
  const listed = manifests.at(-1).cases[0].documents;
  assert.deepEqual(listed.map((d) => d.sha256), docs.map(sha256));
  for (const d of listed) {
    const id = d.upload.split('/').pop();
    assert.ok(d.upload.startsWith(`${base}/v1/uploads/`), d.upload);
    assert.equal(sha256(readFileSync(join(store, id))), d.sha256, 'the FileStore holds the same bytes');
  }
  // @tus/server offers no checksum extension: the box asked (OPTIONS) and sends none.
  assert.equal(seen[0][0], 'OPTIONS');
  const patches = seen.filter(([m]) => m === 'PATCH');
  assert.ok(patches.length >= 7, `chunked (${patches.length} PATCHes of 128 KiB)`);
  assert.deepEqual(patches.filter(([, sum]) => sum !== null), [], 'no Upload-Checksum');
});
