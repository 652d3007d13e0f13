// SPDX-License-Identifier: Apache-2.0
// F12 of the 2026-12-03 review: the box enrolled with a plain-http://
// central and then sent ID numbers and documents over it in clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startBox } from '../lib.mjs';

let box;
let listener;
let connections = 0;
before(async () => {
  listener = createServer((s) => { connections++; s.destroy(); });
  await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  box = await startBox();
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); listener.close(); });

test('enrolment with a plain-HTTP central is refused in words, and nothing is sent to it', async () => {
  const { port } = listener.address();
  for (const url of [`http://127.0.0.1:${port}`, `HTTP://127.0.0.1:${port}/`]) {
    const r = await box.post('/api/v1/sync/enrol', { url, token: 'tok-123' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error, 'not_https');
    assert.match(r.body.message, /中心地址必须以 https:\/\/ 开头/);
  }
  const other = await box.post('/api/v1/sync/enrol', { url: `ftp://127.0.0.1:${port}`, token: 'tok-123' });
  assert.equal(other.status, 400);
  assert.equal(connections, 0, 'the box never connected to it');
  assert.equal((await box.json('/api/v1/sync')).body.enrolled, false);
});
