// SPDX-License-Identifier: Apache-2.0
// The GPIO panel through the panel simulator ([gpio] chip = sim): a write
// of a button's line name to the state folder's FIFO is a press, as an
// edge on the real chip is (the real chip path is tested in the qemu
// guest, tests/qemu).  Buttons act in the core as the console would:
// ticket, call/recall/no-show as the staff signed in at the window,
// ratings; LEDs follow the printer and the processes; the device page
// shows presses and switches LEDs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, sleep } from '../lib.mjs';

let box;

const press = (...lines) => appendFileSync(join(box.state, 'dev', 'gpio-sim'), lines.map((l) => `${l}\n`).join(''));
const devices = async () => (await box.json('/api/v1/devices')).body;
const waiting = async (prefix) => (await box.json('/api/v1/display')).body.waiting.find((w) => w.prefix === prefix).count;
const lastPress = async () => (await devices()).panel.presses.at(-1);

before(async () => {
  box = await startBox(`[queue]
kiosk_tickets_per_minute = 1000
kiosk_tickets_per_category_per_minute = 1000
[gpio]
chip = sim
buttons = ticket:A=TICKET-A, call:1=CALL-1, recall:1=RECALL-1, noshow:1=NOSHOW-1, rate:5=RATE-5, rate:1 = RATE-1
leds = online=LED-ONLINE, backlog=LED-BACKLOG, paper=LED-PAPER, ready=LED-READY, buzzer=BUZZER
debounce_ms = 200
rate_window = 1
`);
  assert.equal((await box.login()).status, 200);
  const w = await box.post('/api/v1/windows', { number: 1, name: '1号窗口', categories: ['P'] }, 'PUT');
  assert.equal(w.status, 200, JSON.stringify(w.body));
});
after(async () => { await box.stop(); box.cleanup(); });

test('a ticket button prints a ticket; a bounce within debounce_ms is one press', async () => {
  const before = await waiting('A');
  const printedBefore = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  press('TICKET-A', 'TICKET-A');
  await box.waitUntil(async () => (await waiting('A')) === before + 1, 5000, 'the ticket to be issued');
  await sleep(500);
  assert.equal(await waiting('A'), before + 1, 'the bounce did not issue a second ticket');
  const printed = readFileSync(join(box.state, 'dev', 'printer.out')).subarray(printedBefore).toString('latin1');
  assert.match(printed, /A001/);
  await sleep(250);
  press('TICKET-A');
  await box.waitUntil(async () => (await waiting('A')) === before + 2, 5000, 'a later press to count');
});

test('caller buttons act as the staff signed in at the window, and nobody signed in is refused', async () => {
  press('CALL-1');
  await box.waitUntil(async () => (await lastPress())?.action === 'call:1', 5000, 'the press to be seen');
  assert.equal((await lastPress()).result, 'not_found', 'nobody at window 1');
  assert.equal((await box.json('/api/v1/windows')).body.windows[0].current, null);

  assert.equal((await box.post('/api/v1/windows/1/signin', {})).status, 200);
  await sleep(250);
  press('CALL-1');
  await box.waitUntil(async () => (await box.json('/api/v1/windows')).body.windows[0].current?.label === 'A001',
    5000, 'A001 to be called at window 1');
  const w = (await box.json('/api/v1/windows')).body.windows[0];
  assert.equal(w.current.state, 'called');
  await sleep(250);
  press('RECALL-1');
  await box.waitUntil(async () => (await box.json('/api/v1/windows')).body.windows[0].current?.recalls === 1,
    5000, 'the recall');
  await sleep(250);
  press('NOSHOW-1');
  await box.waitUntil(async () => (await box.json('/api/v1/windows')).body.windows[0].current === null, 5000,
    'the no-show');
});

test('rating buttons rate the ticket last finished at the rating window, once', async () => {
  await sleep(250);
  press('CALL-1');
  await box.waitUntil(async () => (await box.json('/api/v1/windows')).body.windows[0].current !== null, 5000, 'a call');
  const label = (await box.json('/api/v1/windows')).body.windows[0].current.label;
  assert.equal((await box.post('/api/v1/windows/1/start', {})).status, 200);
  assert.equal((await box.post('/api/v1/windows/1/finish', {})).status, 200);
  press('RATE-5');
  await box.waitUntil(async () => (await lastPress())?.action === 'rate:5', 5000, 'the rating press');
  assert.equal((await lastPress()).result, 'ok');
  // Again: the ticket is rated already.
  press('RATE-1');
  await box.waitUntil(async () => (await lastPress())?.action === 'rate:1', 5000, 'the second rating press');
  assert.equal((await lastPress()).result, 'already_rated');
  const row = execFileSync('sqlite3', [join(box.state, 'outpost.db'),
    `SELECT r.level, r.channel, r.window FROM ratings r JOIN tickets t ON t.id = r.ticket_id WHERE t.label = '${label}'`],
  { encoding: 'utf8' }).trim();
  assert.equal(row, '5|button|1', 'the button rating counted, once');
});

test('LEDs follow the box: online, paper out and back; the device page switches one', async () => {
  await box.waitUntil(async () => (await devices()).panel.leds.online === true, 8000, 'the online LED');
  let d = await devices();
  assert.equal(d.panel.state, 'simulated');
  assert.equal(d.panel.leds.online, true);
  assert.equal(d.panel.leds.paper, false);
  const flag = join(box.state, 'dev', 'printer.out.paper-out');
  writeFileSync(flag, '');
  await box.waitUntil(async () => (await devices()).panel.leds.paper === true, 12000, 'the paper LED');
  rmSync(flag);
  await box.waitUntil(async () => (await devices()).panel.leds.paper === false, 12000, 'the paper LED off');

  const on = await box.post('/api/v1/devices/led', { led: 'ready', on: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  await box.waitUntil(async () => (await devices()).panel.leds.ready === true, 5000, 'the test LED');
  const bad = await box.post('/api/v1/devices/led', { led: 'siren', on: true });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'led');
  d = await devices();
  assert.equal(d.panel.leds.ready, true);
});
