// SPDX-License-Identifier: Apache-2.0
// GPIO edge to the first printer byte of a ticket, through the panel
// simulator (a press is a line written to the state folder's FIFO) and
// the tcp printer transport to a printer stand-in on loopback that
// answers DLE EOT as a ready printer does.  Baseline in the same run: the
// kiosk page's HTTP request to the first printer byte, same printer.
import net from 'node:net';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, sleep } from '../lib.mjs';

const ROUNDS = Number(process.argv[2] ?? 300);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];

// The printer: status questions (DLE EOT n) answered at once; the first
// ESC of a job ends the round that is waiting for it.
let waiting = null;
const printer = net.createServer((sock) => {
  sock.setNoDelay(true);
  sock.on('data', (d) => {
    for (let i = 0; i < d.length; i++) {
      if (d[i] === 0x10 && d[i + 1] === 0x04) {
        sock.write(Buffer.from([0x12]));
        i += 2;
      } else if (d[i] === 0x1b && waiting) {
        const w = waiting;
        waiting = null;
        w(performance.now());
      }
    }
  });
});
await new Promise((r) => printer.listen(0, '127.0.0.1', r));

const box = await startBox(`[queue]
kiosk_tickets_per_minute = 100000
kiosk_tickets_per_address_per_minute = 100000
kiosk_tickets_per_category_per_minute = 100000
number_max = 9999
[printer]
backend = tcp
path = 127.0.0.1:${printer.address().port}
[gpio]
chip = sim
buttons = ticket:A=TICKET-A
debounce_ms = 5
`);

const firstByte = () => new Promise((resolve) => { waiting = resolve; });

async function round(trigger) {
  const byte = firstByte();
  const t0 = performance.now();
  trigger();
  const t1 = await Promise.race([byte, sleep(5000).then(() => { throw new Error('no printer byte in 5 s'); })]);
  return t1 - t0;
}

try {
  const fifo = join(box.state, 'dev', 'gpio-sim');
  const button = [], http = [];
  for (let i = 0; i < ROUNDS; i++) {
    button.push(await round(() => appendFileSync(fifo, 'TICKET-A\n')).catch((e) => { throw new Error(`round ${i}, button: ${e.message}\n${box.log.slice(-1500)}`); }));
    await sleep(20); /* the ticket's bookkeeping, and past the debounce */
    let answer;
    http.push(await round(() => {
      answer = fetch(`${box.base}/api/v1/kiosk/tickets`, { method: 'POST',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ category: 'P' }) })
        .then((r) => r.arrayBuffer());
    }));
    await answer;
    await sleep(20);
  }
  button.sort((a, b) => a - b);
  http.sort((a, b) => a - b);
  console.log(`GPIO panel, ${ROUNDS} ticket presses (panel simulator, tcp printer on loopback)`);
  console.log(`  button to first printer byte  p50 ${pct(button, 0.5).toFixed(2)} ms  p99 ${pct(button, 0.99).toFixed(2)} ms (target p99 < 30 ms)`);
  console.log(`  kiosk HTTP to first byte      p50 ${pct(http, 0.5).toFixed(2)} ms  p99 ${pct(http, 0.99).toFixed(2)} ms (baseline)`);
  console.log(`  ratio p99                     ${(pct(button, 0.99) / pct(http, 0.99)).toFixed(2)} of the kiosk page's`);
} finally {
  await box.stop();
  box.cleanup();
  printer.close();
}
