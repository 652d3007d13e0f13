// SPDX-License-Identifier: Apache-2.0
// The serial and network printer transports against a simulated ESC/POS
// printer (tests/printer_sim: a pseudo terminal, or TCP) that answers DLE
// EOT status questions: receipts and tickets print, a printer out of paper
// or with its cover open refuses the job with that state, and a printer
// unplugged and plugged back works again without a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, samples, goodCase, buildDir } from '../lib.mjs';
import { escposText } from '../escpos.mjs';

function startSim(args) {
  const proc = spawn(join(buildDir, 'tests/printer_sim'), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => proc.stdout.once('data', (d) => resolve({ proc, where: d.toString().trim() })));
}

async function exercise(backend) {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-printer-'));
  const out = join(dir, 'printed.bin');
  const state = join(dir, 'state');
  writeFileSync(state, 'ready');
  let sim = await startSim(backend === 'serial' ? ['serial', out, state] : ['tcp', '0', out, state]);
  const path = backend === 'serial' ? sim.where : `127.0.0.1:${sim.where}`;
  const box = await startBox(`\n[printer]\nbackend = ${backend}\npath = ${path}\ntimeout_seconds = 2\nbaud = 19200\n`);
  const kiosk = (b) => fetch(`${box.base}/api/v1/kiosk/tickets`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  try {
    assert.equal((await box.login()).status, 200);
    const doc = [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }];
    const made = await box.createCase(goodCase, doc);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.receipt.printed, true, JSON.stringify(made.body.receipt));
    // The printer took the bytes; the simulator writes them down a moment later.
    await box.waitUntil(() => readFileSync(out).includes(Buffer.from('\x1dV')), 5000, 'the simulator to have the job');
    const text = await escposText(readFileSync(out));
    assert.match(text, new RegExp(made.body.code));
    assert.match(text, /居住证办理/);
    assert.equal((await kiosk({ category: 'P' })).status, 201);

    // Out of paper: the job is refused, the state is named, no ticket counted.
    writeFileSync(state, 'paper_out');
    const before = readFileSync(out).length;
    const dry = await box.createCase(goodCase, doc);
    assert.equal(dry.status, 201, 'the case is saved; only its receipt failed');
    assert.equal(dry.body.receipt.printed, false);
    assert.equal(dry.body.receipt.printer, 'paper_out');
    const t = await kiosk({ category: 'P' });
    assert.equal(t.status, 503);
    assert.equal(t.body.printer, 'paper_out');
    writeFileSync(state, 'cover_open');
    assert.equal((await kiosk({ category: 'P' })).body.printer, 'cover_open');
    assert.equal(readFileSync(out).length, before, 'nothing printed meanwhile');
    writeFileSync(state, 'near_end');
    const low = await kiosk({ category: 'P' });
    assert.equal(low.status, 201, 'paper near its end still prints');
    assert.equal(low.body.label, 'A002', 'the refused ones were not counted');
    await box.waitUntil(() => box.status().printer === 'paper_near_end', 8000, 'the status poll to see near end');

    // Unplugged, then back: no restart of the box.
    sim.proc.kill('SIGKILL');
    await box.waitUntil(() => box.status().printer === 'disconnected', 12000, 'the box to see the printer gone');
    assert.equal((await kiosk({ category: 'P' })).status, 503);
    writeFileSync(state, 'ready');
    sim = await startSim(backend === 'serial' ? ['serial', out, state] : ['tcp', path.split(':')[1], out, state]);
    if (backend === 'serial') {
      // A new pseudo terminal has a new name: this part is for the network
      // printer, whose address stays.
      return;
    }
    await box.waitUntil(async () => (await kiosk({ category: 'P' })).status === 201, 12000, 'printing to resume');
  } finally {
    sim.proc.kill('SIGKILL');
    await box.stop();
    box.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a serial printer (pseudo terminal): prints, reports paper out and cover open, refuses', () => exercise('serial'));
test('a network printer (TCP): the same, and it is found again after being unplugged', () => exercise('tcp'));
