// SPDX-License-Identifier: Apache-2.0
// The review's attack 54 (F9): anonymous 8 MiB bodies, 16 at once, to a
// path that does not exist, to the clerks' login, to the clerks' API
// without a session and to a box path without a signature.  Central judges
// each from its headers and answers without keeping the body: a clean
// 413 or 401 (the body read and dropped, so the client sees the answer),
// and its peak resident memory (VmHWM) barely moves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCentral } from '../central.mjs';

let central;
const MiB = 1024 * 1024;
const peakKiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${central.proc.pid}/status`, 'utf8'))[1]);

before(async () => { central = await startCentral(); });
after(async () => { await central.stop(); central.cleanup(); });

async function flood(path, expect, headers = {}) {
  const body = Buffer.alloc(8 * MiB, 0x41);
  const before = peakKiB();
  const t0 = Date.now();
  const answers = await Promise.all(Array.from({ length: 16 }, () => fetch(central.base + path, { method: 'POST', body,
    headers: { 'Content-Type': 'application/json', ...headers }, signal: AbortSignal.timeout(20_000) })
    .then(async (r) => [r.status, (await r.json()).error])));
  const ms = Date.now() - t0;
  const grown = (peakKiB() - before) / 1024;
  for (const [status] of answers) assert.equal(status, expect, `${path}: ${JSON.stringify(answers)}`);
  assert.ok(grown < 24, `${path}: central's peak memory grew ${grown.toFixed(1)} MiB for 16 bodies of 8 MiB`);
  assert.ok(ms < 15_000, `${path}: ${ms} ms`);
  return answers;
}

test('16 anonymous 8 MiB bodies to an unknown path: 413 each, nothing kept', async () => {
  const a = await flood('/no/such/path', 413);
  assert.equal(a[0][1], 'too_large');
});

test('16 anonymous 8 MiB bodies to the clerks\' login: 413 each, no password check', async () => {
  await flood('/central/api/login', 413);
  assert.doesNotMatch(central.log, /central login refused/);
});

test('8 MiB bodies to the clerks\' API without a session, and to a box path without a signature: 401 each', async () => {
  const a = await flood('/central/api/cases/SQ01/SQ01-261203-0001X/1/accept', 401);
  assert.equal(a[0][1], 'login_required');
  const b = await flood('/v1/batches', 401);
  assert.equal(b[0][1], 'bad_signature');
});

test('a small anonymous login body is still read and answered', async () => {
  const r = await fetch(`${central.base}/central/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'nobody', password: 'x' }) });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error, 'login_failed');
});
