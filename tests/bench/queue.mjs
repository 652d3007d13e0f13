// SPDX-License-Identifier: Apache-2.0
// Take-a-number benchmarks: ticket issue latency including the printer
// write, and 1,000 call-display clients on Server-Sent Events: the web
// process's added memory and the time from a call to the last client
// receiving it.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startBox } from '../lib.mjs';

const CLIENTS = Number(process.argv[2] ?? 1000);
// argv[3]: [web] connection_memory_bytes (default: the shipped default).
const pool = process.argv[3] ? `connection_memory_bytes = ${process.argv[3]}\n` : '';
const box = await startBox(`max_connections = ${CLIENTS + 400}\nmax_connections_per_address = ${CLIENTS + 400}\nmax_pending = 256\n${pool}[queue]\nkiosk_tickets_per_minute = 100000\nkiosk_tickets_per_address_per_minute = 100000\nkiosk_tickets_per_category_per_minute = 100000\nnumber_max = 9999\n`);

const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];

try {
  await box.login();
  await box.post('/api/v1/windows', { number: 1, name: '1号窗口', categories: ['P'] }, 'PUT');
  await box.post('/api/v1/windows/1/signin');

  // Ticket issue, one at a time, printer write included.
  const lat = [];
  for (let i = 0; i < 500; i++) {
    const t0 = performance.now();
    const r = await fetch(`${box.base}/api/v1/kiosk/tickets`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ category: 'P-GOV' }) });
    await r.json();
    if (r.status !== 201) throw new Error(`ticket ${i}: ${r.status}`);
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  console.log('take-a-number');
  console.log(`  ticket issue (500, printed)  p50 ${pct(lat, 0.5).toFixed(2)} ms  p99 ${pct(lat, 0.99).toFixed(2)} ms (target p99 < 20 ms)`);

  // 1,000 display clients.
  const web = box.pids().web;
  const before = rssKiB(web);
  const clients = [];
  await new Promise((resolve, reject) => {
    let ready = 0;
    for (let i = 0; i < CLIENTS; i++) {
      const c = { buf: '', seen: new Map() };
      const req = http.get(`${box.base}/api/v1/display/events`, { agent: false }, (res) => {
        res.setEncoding('utf8');
        let first = true;
        res.on('data', (chunk) => {
          c.buf += chunk;
          let at;
          while ((at = c.buf.indexOf('\n\n')) >= 0) {
            const frame = c.buf.slice(0, at);
            c.buf = c.buf.slice(at + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (!data) continue;
            const s = JSON.parse(data.slice(6));
            const call = s.recent[0];
            if (call) c.seen.set(`${call.label}/${call.recalls}`, performance.now());
            if (first) { first = false; if (++ready === CLIENTS) resolve(); }
          }
        });
      });
      req.on('error', reject);
      c.req = req;
      clients.push(c);
    }
  });
  const held = rssKiB(web);
  console.log(`  ${CLIENTS} display clients on SSE${pool ? ` (connection_memory_bytes ${process.argv[3]})` : ''}: web process RSS ${(before / 1024).toFixed(1)} -> ${(held / 1024).toFixed(1)} MiB, added ${((held - before) / 1024).toFixed(1)} MiB (target < 8 MiB)`);

  // Calls: from the clerk's request to the last client holding the state.
  const lastClient = [];
  const all = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = await box.post('/api/v1/windows/1/call');
    const key = `${r.body.ticket.label}/0`;
    const deadline = Date.now() + 5000;
    while (clients.some((c) => !c.seen.has(key)) && Date.now() < deadline) await new Promise((x) => setTimeout(x, 2));
    const times = clients.map((c) => (c.seen.get(key) ?? Infinity) - t0);
    all.push(...times);
    lastClient.push(Math.max(...times));
    await box.post('/api/v1/windows/1/start');
    await box.post('/api/v1/windows/1/finish');
  }
  lastClient.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  console.log(`  call -> last of ${CLIENTS} clients (30 calls)  p50 ${pct(lastClient, 0.5).toFixed(1)} ms  p99 ${pct(lastClient, 0.99).toFixed(1)} ms (target p99 < 250 ms); every delivery p99 ${pct(all, 0.99).toFixed(1)} ms`);
  for (const c of clients) c.req.destroy();
} finally {
  await box.stop();
  box.cleanup();
}
