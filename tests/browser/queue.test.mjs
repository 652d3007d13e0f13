// SPDX-License-Identifier: Apache-2.0
// Take-a-number with three pages open at once in Chromium: the kiosk issues
// a ticket, the staff console calls it, the call display shows it within a
// second without reloading; recall and no-show show; a rating is recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loggedIn, suite } from './browser.mjs';

let box, browser;
suite({}, async (ctx) => {
  ({ box, browser } = ctx);
  assert.equal((await box.login()).status, 200);
  const w = await box.post('/api/v1/windows', { number: 2, name: '2号窗口', categories: ['P'] }, 'PUT');
  assert.equal(w.status, 200);
});

test('kiosk, console and display together', async () => {
  const display = await browser.newPage();
  const kiosk = await browser.newPage();
  const errors = [];
  for (const p of [display, kiosk]) p.on('pageerror', (e) => errors.push(e.message));
  await display.goto(`${box.base}/display/`);
  await display.locator('#windows div[data-window="2"]').waitFor();
  const seq = async () => Number(await display.evaluate(() => document.body.dataset.seq ?? 0));

  // Kiosk: two taps (个人业务, then 政务) to a ticket.
  await kiosk.goto(`${box.base}/kiosk/`);
  await kiosk.locator('#buttons button', { hasText: '个人业务' }).click();
  await kiosk.locator('#buttons button', { hasText: '政务' }).click();
  await kiosk.locator('#ticket').waitFor();
  const label = (await kiosk.locator('#number').textContent()).trim();
  assert.equal(label, 'A001');
  assert.match(await kiosk.locator('#ahead').textContent(), /您前面还有 0 人等候/);
  assert.match(await kiosk.locator('#note').textContent(), /请取走取号凭条/);

  // Console: sign in to window 2 and call.
  const { page: staff, errors: staffErrors } = await loggedIn(browser, box);
  await staff.click('#nav-window');
  await staff.locator('#window-view').waitFor();
  await staff.selectOption('#window-select', '2');
  await staff.click('#window-signin');
  await staff.locator('#flash').filter({ hasText: '已签到' }).waitFor();
  const before = await seq();
  const t0 = Date.now();
  await staff.click('#window-actions button[data-op=call]');
  await staff.locator('#window-ticket', { hasText: label }).waitFor();
  // The display shows it by itself (no reload), within a second.
  await display.locator('#windows div[data-window="2"] b', { hasText: label }).waitFor({ timeout: 1000 });
  const shownAfter = Date.now() - t0;
  assert.ok(shownAfter < 1000, `shown after ${shownAfter} ms`);
  assert.match(await display.locator('#call-text').textContent(), new RegExp(`${label} 号 到 2 号窗口`));
  assert.ok((await seq()) > before);

  await staff.click('#window-actions button[data-op=recall]');
  await display.locator('#recent li', { hasText: '（重呼）' }).waitFor({ timeout: 1000 });
  await staff.click('#window-actions button[data-op=no-show]');
  await display.locator('#windows div[data-window="2"] b', { hasText: '—' }).waitFor({ timeout: 1000 });
  assert.match(await display.locator('#waiting').textContent(), /A 个人业务：1 人/, 'back in the queue');
  await staff.click('#window-actions button[data-op=call]');
  await display.locator('#windows div[data-window="2"] b', { hasText: label }).waitFor({ timeout: 1000 });
  await staff.click('#window-actions button[data-op=start]');
  await staff.click('#window-actions button[data-op=finish]');
  await staff.locator('#window-ticket', { hasText: '—' }).waitFor();

  // Staff take a number for an elderly citizen: it is called first.
  await box.post('/api/v1/kiosk/tickets', { category: 'P' });
  await staff.selectOption('#issue-form select[name=category]', 'P-MED');
  await staff.selectOption('#issue-form select[name=priority]', 'elderly');
  await staff.click('#issue-form button[type=submit]');
  await staff.locator('#flash', { hasText: '已取号：A003' }).waitFor();
  await staff.click('#window-actions button[data-op=call]');
  await staff.locator('#window-ticket', { hasText: 'A003' }).waitFor();
  await staff.click('#window-actions button[data-op=no-show]');
  await staff.locator('#window-ticket', { hasText: '—' }).waitFor();

  // The rating tablet, paired with window 2: it shows the finished ticket's
  // 评价码 by itself, and the citizen picks a level and reasons.
  const paired = await box.post('/api/v1/windows/2/tablet', {});
  assert.equal(paired.status, 200, JSON.stringify(paired.body));
  await kiosk.goto(`${box.base}${paired.body.url}`);
  await kiosk.locator('#prompt', { hasText: `请为 ${label} 号的服务评价` }).waitFor({ timeout: 10000 });
  assert.match(await kiosk.inputValue('#code'), /^[2-9A-HJ-NP-Z]{8}$/);
  await kiosk.locator('#levels button[data-level="2"]').click();
  await kiosk.locator('#reasons button', { hasText: '等候时间长' }).click();
  await kiosk.fill('#comment', '排队太久');
  await kiosk.click('#send');
  await kiosk.locator('#thanks').waitFor();
  const row = execFileSync('sqlite3', [join(box.state, 'outpost.db'),
    'SELECT r.level, r.reasons, r.window, r.comment_sealed IS NOT NULL FROM ratings r JOIN tickets t ON t.id = r.ticket_id'],
  { encoding: 'utf8' }).trim();
  assert.equal(row, '2|["wait"]|2|1');
  for (const f of ['outpost.db', 'outpost.db-wal']) {
    assert.ok(!readFileSync(join(box.state, f)).includes(Buffer.from('排队太久')), `the comment is sealed in ${f}`);
  }

  // The box restarts: the display reconnects by itself and shows the next call.
  await box.crashAndRestart();
  assert.equal((await box.login()).status, 200);
  await box.post('/api/v1/kiosk/tickets', { category: 'P' });
  await box.post('/api/v1/windows/2/signin');
  const again = await box.post('/api/v1/windows/2/call');
  await display.locator('#windows div[data-window="2"] b', { hasText: again.body.ticket.label })
    .waitFor({ timeout: 10000 });
  assert.deepEqual(errors.concat(staffErrors), []);
});
