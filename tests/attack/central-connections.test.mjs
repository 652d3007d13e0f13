// SPDX-License-Identifier: Apache-2.0
// The review's attacks 29 and 55 (F2) on outpost-central: 300 idle TCP
// connections from one address, held and released.  Central keeps one
// address to [central] max_connections_per_address, so another client is
// answered while they are held; a connection that sends no request is
// closed after header_timeout_seconds; and once they are gone central
// answers within a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startCentral } from '../central.mjs';
import { sleep } from '../lib.mjs';

let central;

before(async () => {
  central = await startCentral('max_connections = 256\nmax_connections_per_address = 32\nheader_timeout_seconds = 2\n');
});
after(async () => { await central.stop(); central.cleanup(); });

// A page from 127.0.0.1, within ms.
async function answered(ms) {
  const t0 = Date.now();
  const r = await fetch(`${central.base}/central/`, { signal: AbortSignal.timeout(ms) }).catch((e) => ({ status: String(e) }));
  if (r.text) await r.text();
  return [r.status, Date.now() - t0];
}

// n plain TCP connections from another loopback address, sending nothing.
async function idle(n) {
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: central.port, localAddress: '127.0.0.2' });
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    setTimeout(() => resolve(s), 5000);
  })));
  return socks;
}

test('300 idle connections from one address: others are answered meanwhile, and within a second after', { timeout: 60_000 }, async () => {
  const socks = await idle(300);
  try {
    for (let i = 0; i < 3; i++) {
      const [status, ms] = await answered(1000);
      assert.equal(status, 200, `while held: ${status} after ${ms} ms`);
      await sleep(300);
    }
  } finally {
    for (const s of socks) s.destroy();
  }
  const [status, ms] = await answered(1000);
  assert.equal(status, 200, `after: ${status} after ${ms} ms`);
});

test('a connection that sends no request is closed after the header timeout', { timeout: 30_000 }, async () => {
  const [s] = await idle(1);
  const t0 = Date.now();
  const closed = await new Promise((resolve) => {
    s.once('close', () => resolve(Date.now() - t0));
    setTimeout(() => resolve(null), 8000);
  });
  s.destroy();
  assert.ok(closed !== null, 'still open after 8 s');
  assert.ok(closed >= 1500 && closed < 5000, `closed after ${closed} ms`);
});
