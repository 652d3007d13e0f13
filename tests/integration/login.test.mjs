// SPDX-License-Identifier: Apache-2.0
// Password checks run off the core's event loop and are bounded: while
// logins hash, the box keeps answering; past the bound logins get 503.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox } from '../lib.mjs';

let box;
// Every client here is this one test process on 127.0.0.1; the per-address
// login limit (tested in tests/attack) is lifted so it models many clients.
before(async () => { box = await startBox('[auth]\nmax_pending_logins = 2\nlogins_per_address_per_minute = 1000\n'); });
after(async () => { await box.stop(); box.cleanup(); });

const attempt = (name) => box.json('/api/v1/login', {
  method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: '' },
  body: JSON.stringify({ username: name, password: 'not-the-password' }),
}).then((r) => ({ ...r, at: performance.now() }));

test('the core answers other requests while passwords are being checked', async () => {
  const logins = [attempt('nobody-1'), attempt('nobody-2')];
  const health = await box.json('/api/v1/health');
  const healthAt = performance.now();
  const done = await Promise.all(logins);
  assert.equal(health.status, 200);
  for (const r of done) assert.equal(r.status, 401);
  // Each check takes tens of milliseconds; a loop blocked by them would
  // answer health only after both.
  assert.ok(healthAt < Math.max(...done.map((r) => r.at)), 'health answered before the password checks ended');
});

test('more logins than max_pending_logins: the rest get 503 with a clear message', async () => {
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(`flood-${i}`)));
  const busy = results.filter((r) => r.status === 503);
  assert.ok(busy.length > 0, 'some were refused');
  assert.ok(results.filter((r) => r.status === 401).length >= 2, 'the bounded ones were checked');
  assert.match(busy[0].body.message, /系统繁忙/);
  // And the real password still works afterwards.
  assert.equal((await box.login()).status, 200);
});

test('failures under made-up names do not push out the count of a name under attack', async () => {
  // A second box whose failure table has room for four names.
  const small = await startBox('[auth]\nlockout_failures = 3\nmax_lockout_entries = 4\nlogins_per_address_per_minute = 1000\n');
  try {
    const fail = (name) => small.json('/api/v1/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: name, password: 'wrong' }),
    });
    assert.equal((await fail('admin')).status, 401);
    assert.equal((await fail('admin')).status, 401);
    for (let i = 0; i < 8; i++) assert.equal((await fail(`decoy-${i}`)).status, 401);
    const third = await fail('admin');
    assert.equal(third.status, 429, 'the two earlier failures were still counted');
    assert.match(third.body.message, /账户已暂时锁定/);
  } finally {
    await small.stop();
    small.cleanup();
  }
});
