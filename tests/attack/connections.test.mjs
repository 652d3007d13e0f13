// SPDX-License-Identifier: Apache-2.0
// F2 of the 2026-12-03 review: idle connections filled the web's table and,
// once they closed, the web often never accepted again.  Here the table is
// filled and released, 1,000 idle connections are held from one address
// while another is served, and connections that send no request are cut;
// on both of the web's ports (HTTPS for the console, plain HTTP for the
// box's own screen and the redirect).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox, idleConnections, requestFrom, sleep } from '../lib.mjs';

const boxes = [];
after(async () => { for (const b of boxes) { await b.stop(); b.cleanup(); } });

async function box(extra) {
  const b = await startBox(extra);
  boxes.push(b);
  return b;
}

// Each port with what a client on the box's own screen asks of it.
const ports = (b) => [
  { name: 'https', port: b.httpsPort, ask: () => requestFrom('127.0.0.1', b, '/api/v1/health', { timeoutMs: 1000 }) },
  { name: 'plain', port: b.port, ask: () => requestFrom('127.0.0.1', b, '/api/v1/display', { plain: true, timeoutMs: 1000 }) },
];

// The answer's status, or the reason there was none.
const status = (ask) => ask().then((r) => r.status, (e) => e.message);

// Asks until answered 200 or ms have passed; the last status.
async function servedWithin(ask, ms) {
  const end = performance.now() + ms;
  let s = await status(ask);
  while (s !== 200 && performance.now() < end) s = await status(ask);
  return s;
}

const release = (socks) => { for (const s of socks) s.destroy(); };

test('a full connection table, released, is served again within a second, five times over', async () => {
  // No per-address limit and a long header timeout: only the loop can fail.
  const b = await box('max_connections = 64\nmax_connections_per_address = 1000\nheader_timeout_seconds = 60\n');
  for (const p of ports(b)) {
    for (let round = 1; round <= 5; round++) {
      const socks = await idleConnections(p.port, 100);
      await sleep(200); // the web has accepted what it will
      release(socks);
      assert.equal(await servedWithin(p.ask, 1000), 200, `${p.name}, round ${round}: served within a second of the release`);
    }
  }
});

test('1,000 idle connections from one address: another address is served while they are held, and after', async () => {
  const b = await box('');
  const webSockets = () => b.openFiles(b.pids().web).filter((p) => p.startsWith('socket:')).length;
  for (const p of ports(b)) {
    const own = webSockets(); // listening sockets, the channel to the core, the log
    const socks = await idleConnections(p.port, 1000, '127.0.0.2');
    try {
      await sleep(200);
      assert.equal(await status(p.ask), 200, `${p.name}: served while they are held`);
      if (p.name === 'https') assert.equal((await b.login()).status, 200, 'a login while they are held');
      // The web keeps only that address's share of them (32 by default),
      // besides this test's own keep-alive connections.
      const held = webSockets() - own;
      assert.ok(held <= 32 + 2, `${p.name}: the web holds ${held} connections`);
    } finally {
      release(socks);
    }
    assert.equal(await servedWithin(p.ask, 1000), 200, `${p.name}: served within a second of the release`);
  }
});

test('a connection that sends no request, or its headers a byte at a time, is closed after the header timeout', async () => {
  const b = await box('header_timeout_seconds = 1\n');
  const [silent, slow] = await idleConnections(b.port, 2, '127.0.0.1');
  const [silentTls, slowTls] = await idleConnections(b.httpsPort, 2, '127.0.0.1', b.trusted());
  const opened = performance.now();
  const drip = [slow, slowTls].map((s) => {
    s.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ');
    return setInterval(() => { if (!s.destroyed) s.write('a'); }, 100);
  });
  const all = { silent, slow, silentTls, slowTls };
  try {
    await b.waitUntil(async () => Object.values(all).every((s) => s.closedAt !== undefined), 4000,
      'the box to close every such connection');
  } finally {
    for (const d of drip) clearInterval(d);
  }
  for (const [what, s] of Object.entries(all)) {
    const t = (s.closedAt - opened) / 1000;
    assert.ok(t >= 0.9 && t < 3, `${what} closed after ${t.toFixed(2)} s`);
  }
  // A client that sends its request in time is answered as always.
  for (const p of ports(b)) assert.equal(await status(p.ask), 200, p.name);
});
