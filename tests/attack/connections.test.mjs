// F2 of the 2026-12-03 review: idle connections filled the web's table and,
// once they closed, the web often never accepted again.  Here the table is
// filled and released, 1,000 idle connections are held from one address
// while another is served, and connections that send no request are cut.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox, idleConnections, sleep } from '../lib.mjs';

const boxes = [];
after(async () => { for (const b of boxes) { await b.stop(); b.cleanup(); } });

async function box(extra) {
  const b = await startBox(extra);
  boxes.push(b);
  return b;
}

// Health, answered within ms, or the reason it was not.
async function health(b, ms) {
  try {
    return (await fetch(`${b.base}/api/v1/health`, { signal: AbortSignal.timeout(ms) })).status;
  } catch (e) {
    return e.name;
  }
}

const release = (socks) => { for (const s of socks) s.destroy(); };

test('a full connection table, released, is served again within a second, five times over', async () => {
  // No per-address limit and a long header timeout: only the loop can fail.
  const b = await box('max_connections = 64\nmax_connections_per_address = 1000\nheader_timeout_seconds = 60\n');
  for (let round = 1; round <= 5; round++) {
    const socks = await idleConnections(b.port, 100);
    await sleep(200); // the web has accepted what it will
    release(socks);
    const start = performance.now();
    let status = await health(b, 1000);
    while (status !== 200 && performance.now() - start < 1000) status = await health(b, 1000 - (performance.now() - start));
    assert.equal(status, 200, `round ${round}: health within a second of the release`);
  }
});

test('1,000 idle connections from one address: another address is served while they are held, and after', async () => {
  const b = await box('');
  const webSockets = () => b.openFiles(b.pids().web).filter((p) => p.startsWith('socket:')).length;
  const own = webSockets(); // listening, the channel to the core, the log
  const socks = await idleConnections(b.port, 1000, '127.0.0.2');
  try {
    await sleep(200);
    const start = performance.now();
    assert.equal(await health(b, 2000), 200, 'health while they are held');
    assert.equal((await b.login()).status, 200, 'a login while they are held');
    assert.ok(performance.now() - start < 2000);
    // The web keeps only that address's share of them (32 by default),
    // besides its own and this test's two keep-alive connections.
    const sockets = webSockets() - own;
    assert.ok(sockets <= 32 + 2, `the web holds ${sockets} connections`);
  } finally {
    release(socks);
  }
  const start = performance.now();
  let status = await health(b, 1000);
  while (status !== 200 && performance.now() - start < 1000) status = await health(b, 1000 - (performance.now() - start));
  assert.equal(status, 200, 'health within a second of the release');
});

test('a connection that sends no request, or its headers a byte at a time, is closed after the header timeout', async () => {
  const b = await box('header_timeout_seconds = 1\n');
  const [silent, slow] = await idleConnections(b.port, 2, '127.0.0.1');
  const opened = performance.now();
  const line = Buffer.from('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ');
  const drip = setInterval(() => { if (!slow.destroyed) slow.write('a'); }, 100);
  slow.write(line);
  try {
    await b.waitUntil(async () => silent.closedAt !== undefined && slow.closedAt !== undefined, 4000,
      'the box to close both connections');
  } finally {
    clearInterval(drip);
  }
  for (const [what, s] of [['silent', silent], ['slow', slow]]) {
    const after = (s.closedAt - opened) / 1000;
    assert.ok(after >= 0.9 && after < 3, `${what} closed after ${after.toFixed(2)} s`);
  }
  // A client that sends its request in time is answered as always.
  assert.equal(await health(b, 2000), 200);
});
