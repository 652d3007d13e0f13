// SPDX-License-Identifier: Apache-2.0
// F6 of the 2026-12-03 review: the public kiosk API had one ticket budget
// for the whole box (anyone on the LAN could take the day's numbers) and
// took cross-origin text/plain POSTs from any web page.  Now tickets are
// limited per address and per category, a foreign Origin is refused, and
// bodies must be JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox, requestFrom } from '../lib.mjs';

let box;
before(async () => { box = await startBox(); });
after(async () => { await box.stop(); box.cleanup(); });

const ticket = (from, category, headers = {}, body = { category }) => requestFrom(from, box, '/api/v1/kiosk/tickets',
  { method: 'POST', headers: { Origin: box.secureBase, ...headers }, body });
const waiting = async () => (await box.json('/api/v1/display')).body.waiting.reduce((n, w) => n + w.count, 0);

test('a page of another site cannot take a ticket, neither as JSON nor as text/plain', async () => {
  const before = await waiting();
  const foreign = await ticket('127.0.0.3', 'P-GOV', { Origin: 'http://evil.example' });
  assert.equal(foreign.status, 403, JSON.stringify(foreign.body));
  assert.equal(foreign.body.error, 'cross_origin');
  assert.match(foreign.body.message, /拒绝来自其他网页的请求/);
  // The same host and port under the other scheme is another origin.
  const downgraded = await ticket('127.0.0.3', 'P-GOV', { Origin: `http://127.0.0.1:${box.httpsPort}` });
  assert.equal(downgraded.status, 403, JSON.stringify(downgraded.body));
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const r = await ticket('127.0.0.3', 'P-GOV', { 'Content-Type': type }, JSON.stringify({ category: 'P-GOV' }));
    assert.ok([400, 403, 415].includes(r.status), `${type}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, /[\u4e00-\u9fff]/);
  }
  const plain = await ticket('127.0.0.3', 'P-GOV', { 'Content-Type': 'text/plain' }, JSON.stringify({ category: 'P-GOV' }));
  assert.equal(plain.status, 415);
  assert.equal(plain.body.error, 'bad_content_type');
  assert.equal(await waiting(), before, 'no ticket was issued');
  // The box's own kiosk page is served as always.
  assert.equal((await ticket('127.0.0.3', 'P-GOV')).status, 201);
});

test('one address gets a kiosk\'s share of tickets a minute, then 429; others are served', async () => {
  const mine = [];
  for (let i = 0; i < 14; i++) mine.push((await ticket('127.0.0.4', i % 2 ? 'P-GOV' : 'C')).status);
  assert.deepEqual(mine.slice(0, 12), Array(12).fill(201));
  assert.deepEqual(mine.slice(12), [429, 429]);
  const refused = await ticket('127.0.0.4', 'C');
  assert.match(refused.body.message, /取号人数较多/);
  assert.equal((await ticket('127.0.0.5', 'C')).status, 201, 'a citizen at another kiosk');
});

test('one category cannot be drained from many addresses; the others stay open', async () => {
  const results = [];
  for (let i = 0; i < 32; i++) results.push((await ticket(`127.0.2.${i + 1}`, 'P-EDU')).status);
  assert.deepEqual(results, [...Array(30).fill(201), 429, 429], 'a minute\'s worth of one category, then 429');
  assert.equal((await ticket('127.0.2.99', 'P-GOV')).status, 201, 'another category is still served');
});

test('guessing 评价码 from one address: 20 tries a minute, then 429; a tablet elsewhere is served', async () => {
  const guess = (from, code) => requestFrom(from, box, '/api/v1/kiosk/ratings',
    { method: 'POST', headers: { Origin: box.secureBase }, body: { code, level: 1 } });
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const statuses = [];
  for (let i = 0; i < 22; i++) {
    const code = Array.from({ length: 8 }, (_, k) => alphabet[(i * 7 + k * 13) % 32]).join('');
    statuses.push((await guess('127.0.0.6', code)).status);
  }
  assert.deepEqual(statuses, [...Array(20).fill(404), 429, 429]);
  const refused = await guess('127.0.0.6', 'ABCDEFGH');
  assert.equal(refused.body.error, 'too_many_ratings');
  assert.match(refused.body.message, /评价提交过于频繁/);
  assert.equal((await guess('127.0.0.7', 'ABCDEFGH')).status, 404, 'another address is still answered');
});

test('the public call display does not name the clerk at a window unless the office says so', async () => {
  assert.equal((await box.login()).status, 200);
  const w = await box.post('/api/v1/windows', { number: 7, name: '7号窗口', categories: ['P'] }, 'PUT');
  assert.equal(w.status, 200, JSON.stringify(w.body));
  assert.equal((await box.post('/api/v1/windows/7/signin')).status, 200);
  const shown = (await box.json('/api/v1/display')).body.windows.find((x) => x.number === 7);
  assert.equal(shown.name, '7号窗口');
  assert.equal('staff' in shown, false, JSON.stringify(shown));
  // The console's own view of the windows still says who is there.
  const own = (await box.json('/api/v1/windows')).body;
  assert.ok(JSON.stringify(own).includes('"staff":"'), JSON.stringify(own));
  const named = await startBox('[queue]\ndisplay_staff_names = true\n');
  try {
    assert.equal((await named.login()).status, 200);
    assert.equal((await named.post('/api/v1/windows', { number: 7, name: '7号窗口', categories: ['P'] }, 'PUT')).status, 200);
    assert.equal((await named.post('/api/v1/windows/7/signin')).status, 200);
    const w7 = (await named.json('/api/v1/display')).body.windows.find((x) => x.number === 7);
    assert.ok(w7.staff.length > 0, JSON.stringify(w7));
  } finally {
    await named.stop();
    named.cleanup();
  }
});
