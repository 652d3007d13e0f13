// SPDX-License-Identifier: Apache-2.0
// The review's attack 57 (F15): a signed box request captured on the way
// (a terminating proxy, a log) and sent again within central's 300 s
// window.  Central takes each signature once: the copy is refused 409
// "replayed", a status the box does not retry, and makes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startCentral, BoxIdentity } from '../central.mjs';

let central, box;
const rows = (sql) => {
  const t = execFileSync('sqlite3', ['-json', join(central.state, 'central.db'), sql], { encoding: 'utf8' }).trim();
  return t ? JSON.parse(t) : [];
};

before(async () => {
  central = await startCentral();
  box = new BoxIdentity('SQ01');
  assert.equal((await box.enrol(central, central.token())).status, 201);
});
after(async () => { await central.stop(); central.cleanup(); });

// The same request twice: the very same headers and body.
async function twice(method, path, body, extra = {}) {
  const buf = Buffer.from(body ?? '');
  const headers = { ...box.headers(method, path, buf), ...extra, ...(buf.length ? { 'Content-Type': 'application/json' } : {}) };
  const send = () => fetch(central.base + path, { method, headers, body: buf.length ? buf : undefined });
  const first = await send();
  await first.arrayBuffer();
  const second = await send();
  return [first, second.status, await second.json().catch(() => null)];
}

test('a replayed upload creation is refused and makes no second upload', async () => {
  const sha = Buffer.from('0'.repeat(64)).toString('base64');
  const [first, status, body] = await twice('POST', '/v1/uploads', undefined, { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10',
    'Upload-Metadata': `filename ${Buffer.from('d.pdf').toString('base64')},sha256 ${sha}` });
  assert.equal(first.status, 201);
  assert.equal(status, 409);
  assert.equal(body.error, 'replayed');
  assert.match(body.message, /重放/);
  assert.match(body.message_en, /replay/);
  assert.equal(rows('SELECT count(*) AS n FROM uploads')[0].n, 1, 'one upload slot');
});

test('a replayed heartbeat and a replayed feed request are refused', async () => {
  const [hb, hbAgain] = await twice('POST', '/v1/heartbeat', JSON.stringify({ software: 'test', backlog: { cases: 0, bytes: 0 } }));
  assert.equal(hb.status, 204);
  assert.equal(hbAgain, 409);
  const [ev, evAgain] = await twice('GET', '/v1/events?after=0');
  assert.equal(ev.status, 200);
  assert.equal(evAgain, 409);
  // A request signed anew is taken: only the copy is refused.
  assert.equal((await box.fetch(central, 'GET', '/v1/events?after=0')).status, 200);
  assert.match(central.log, /a replay of a signed request, refused/);
});
