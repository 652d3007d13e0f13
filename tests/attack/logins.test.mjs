// SPDX-License-Identifier: Apache-2.0
// F5 of the 2026-12-03 review: anonymous logins under random names
// starved the shared password worker, so the admin's logins, reports and
// password changes got 503.  Now attempts are limited per address before
// anything is hashed, and signed-in staff keep a share of the worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox, requestFrom } from '../lib.mjs';

let box;
before(async () => {
  box = await startBox('[auth]\nmax_pending_logins = 4\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

const guess = (from, i) => requestFrom(from, box, '/api/v1/login', { method: 'POST',
  headers: { Origin: box.secureBase }, body: { username: `nobody-${from}-${i}`, password: 'guess' } });

// Loops of guesses from each address until stop() is called; their answers.
function flood(addresses, loopsEach) {
  let running = true;
  const seen = [];
  const last = [];
  const loops = addresses.flatMap((from) => Array.from({ length: loopsEach }, async () => {
    const me = last.push(0) - 1;
    for (let i = 0; running; i++) {
      last[me] = (await guess(from, `${me}-${i}`)).status;
      seen.push(last[me]);
    }
  }));
  return { seen, last, stop: async () => { running = false; await Promise.all(loops); } };
}

const month = new Date().toISOString().slice(0, 7);
const pdfReport = () => box.fetch(`/api/v1/reports/agency?month=${month}&format=pdf`).then((r) => r.status);

test('one address guessing: 429 before any hash, and the admin logs in and works throughout', async () => {
  const f = flood(['127.0.0.2'], 8);
  const mine = [];
  try {
    // Its first minute's worth goes to the hash; once every loop has been
    // refused, none has a guess being hashed.
    await box.waitUntil(async () => f.last.every((s) => s === 429), 5000, 'the guesses to be refused');
    // Five logins: the admin's own address has its limit too.
    for (let i = 0; i < 5; i++) {
      const admin = await requestFrom('127.0.0.1', box, '/api/v1/login', { method: 'POST', headers: { Origin: box.secureBase },
        body: { username: 'admin', password: box.adminPassword() } });
      mine.push(admin.status);
      mine.push(await pdfReport());
    }
  } finally {
    await f.stop();
  }
  assert.deepEqual([...new Set(mine)], [200], `the admin's logins and reports: ${mine.join(' ')}`);
  assert.ok(f.seen.filter((s) => s === 401).length <= 12, 'about a minute\'s worth of guesses were checked');
  assert.ok(f.seen.filter((s) => s === 429).length > 0, 'the rest were refused');
  const refused = await guess('127.0.0.2', 'last');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error, 'login_rate');
  assert.match(refused.body.message, /登录尝试过于频繁/);
});

test('guesses from many addresses: signed-in staff still get reports and password changes', async () => {
  const addresses = Array.from({ length: 30 }, (_, i) => `127.0.1.${i + 1}`);
  const f = flood(addresses, 2);
  const mine = [];
  try {
    for (let i = 0; i < 6; i++) {
      mine.push(await pdfReport());
      mine.push((await box.post(`/api/v1/staff`, { username: `clerk${i}`, display_name: `办事员${i}`, role: 'clerk',
        password: `window-${i}-password` })).status);
    }
  } finally {
    await f.stop();
  }
  assert.ok(f.seen.includes(503), 'the guesses did fill the login share of the worker');
  assert.deepEqual(mine.filter((s) => s === 503), [], `staff work: ${mine.join(' ')}`);
  assert.deepEqual([...new Set(mine)].sort(), [200, 201]);
});
