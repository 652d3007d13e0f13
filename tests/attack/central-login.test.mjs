// SPDX-License-Identifier: Apache-2.0
// The review's attacks 52 and 53 (F8) on central's clerk login: wrong
// passwords in a row lock the name (429 "locked", the right password too,
// until the lock runs out); a name no clerk has costs the same argon2 work
// as a real one, so timing does not tell which names exist; and 12 login
// loops at once leave a box's signed requests as fast as before, the
// hashes being computed off central's event loop.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCentral, BoxIdentity } from '../central.mjs';
import { top } from '../lib.mjs';

const centrals = [];
after(async () => { for (const c of centrals) { await c.stop(); c.cleanup(); } });

async function central(extra) {
  const c = await startCentral(extra);
  centrals.push(c);
  return c;
}

function login(c, username, password) {
  return fetch(`${c.base}/central/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }), signal: AbortSignal.timeout(10_000) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('failed logins lock the name: 429 locked, even for the right password', async () => {
  const c = await central('lockout_failures = 3\nlockout_seconds = 60\nlogins_per_address_per_minute = 1000\n');
  const password = c.cli('clerk', 'police', '李警官', '区公安分局');
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push((await login(c, 'police', `wrong-${i}`)).status);
  assert.deepEqual(answers, [401, 401, 429]);
  const r = await login(c, 'police', password);
  assert.equal(r.status, 429);
  assert.equal(r.body.error, 'locked');
  assert.match(r.body.message, /锁定/);
  // Another name is not locked by it.
  const other = c.cli('clerk', 'tax', '王税务', '区税务局');
  assert.equal((await login(c, 'tax', other)).status, 200);
});

test('too many attempts from one address are refused before any hash', async () => {
  const c = await central('logins_per_address_per_minute = 5\n');
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await login(c, `name${i}`, 'x')).status);
  assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.deepEqual(statuses.slice(5), [429, 429, 429]);
  assert.equal((await login(c, 'name9', 'x')).body.error, 'login_rate');
});

test('a name no clerk has takes as long as a real one', { timeout: 60_000 }, async (t) => {
  const c = await central('lockout_failures = 1000\nlogins_per_address_per_minute = 100000\n');
  c.cli('clerk', 'police', '李警官', '区公安分局');
  const time = async (name) => {
    const t0 = process.hrtime.bigint();
    assert.equal((await login(c, name, 'not-the-password')).status, 401);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const known = [], unknown = [];
  for (let i = 0; i < 9; i++) {
    known.push(await time('police'));
    unknown.push(await time(`nobody-${i}`));
  }
  const ratio = median(unknown) / median(known);
  t.diagnostic(`unknown ${median(unknown).toFixed(1)} ms, known ${median(known).toFixed(1)} ms`);
  assert.ok(ratio > 0.6 && ratio < 1.6, `unknown ${median(unknown).toFixed(1)} ms, known ${median(known).toFixed(1)} ms`);
});

test('12 login loops leave a box\'s signed requests about as fast as when idle', { timeout: 90_000 }, async (t) => {
  const c = await central(`catalog = ${join(top, 'appliance/catalog-demo.json')}\nlockout_failures = 1000\nlogins_per_address_per_minute = 100000\n`);
  c.cli('clerk', 'police', '李警官', '区公安分局');
  const box = new BoxIdentity('SQ01');
  assert.equal((await box.enrol(c, c.token())).status, 201);
  const catalog = async () => {
    const t0 = process.hrtime.bigint();
    const r = await box.fetch(c, 'GET', '/v1/catalog');
    assert.equal(r.status, 200, r.text);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const sample = async () => { const xs = []; for (let i = 0; i < 15; i++) xs.push(await catalog()); return median(xs); };
  const idle = await sample();
  let stop = false, logins = 0;
  const loops = Array.from({ length: 12 }, async () => {
    while (!stop) {
      const r = await login(c, 'police', 'wrong');
      assert.ok([401, 503].includes(r.status), `login: ${r.status}`);
      logins++;
    }
  });
  try {
    while (logins < 24) await new Promise((r) => setTimeout(r, 20));
    const loaded = await sample();
    t.diagnostic(`signed GET /v1/catalog: ${idle.toFixed(1)} ms idle, ${loaded.toFixed(1)} ms under 12 login loops`);
    assert.ok(loaded < idle + 100, `signed GET /v1/catalog: ${idle.toFixed(1)} ms idle, ${loaded.toFixed(1)} ms under 12 login loops`);
  } finally {
    stop = true;
    await Promise.all(loops);
  }
});
