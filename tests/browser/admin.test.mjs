// SPDX-License-Identifier: Apache-2.0
// The admin pages in Chromium: a new clerk added, the daily report with its
// counts and the agency report's PDF behind its link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escposText } from '../escpos.mjs';
import { loggedIn, suite } from './browser.mjs';
import { samples, goodCase } from '../lib.mjs';

let box, browser;
suite({}, async (ctx) => {
  ({ box, browser } = ctx);
  assert.equal((await box.login()).status, 200);
  const agent = { name: '李四', id_type: 'resident', id_number: '11010519491231002X' };
  const r = await box.createCase({ ...goodCase, agent }, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  assert.equal(r.status, 201);
}, '[gpio]\nchip = sim\nbuttons = call:1=CALL-1\nleds = ready=LED-READY, paper=LED-PAPER\n');

test('the device test page: printer state, a test page printed, the last scans, the panel', async () => {
  const { page, errors } = await loggedIn(browser, box);
  await page.click('#nav-devices');
  await page.locator('#devices-view').waitFor();
  await page.locator('#device-states', { hasText: '就绪' }).waitFor();
  const before = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  await page.click('#test-print');
  await page.locator('#flash', { hasText: '取号凭条已打印' }).waitFor();
  assert.ok(readFileSync(join(box.state, 'dev', 'printer.out')).length > before);
  assert.match(await escposText(readFileSync(join(box.state, 'dev', 'printer.out')).subarray(before)), /打印机测试页/);
  await page.locator('body[data-scan-seq]').waitFor({ state: 'attached' });
  box.scan('1234567890128', 'E0');
  await page.locator('#device-scans li', { hasText: '[E0] 1234567890128' }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#devices-view').isVisible(), true, 'the test page stays');
  // The panel: a press shows up live, an LED is switched from the page.
  await page.locator('#device-states', { hasText: '模拟器（演示）' }).waitFor();
  appendFileSync(join(box.state, 'dev', 'gpio-sim'), 'CALL-1\n');
  await page.locator('#device-presses li', { hasText: 'call:1（CALL-1）' }).waitFor({ timeout: 5000 });
  await page.click('#device-leds button[data-led=ready]');
  await page.locator('#device-leds button[data-led=ready][aria-pressed=true]').waitFor({ timeout: 5000 });
  assert.equal((await box.json('/api/v1/devices')).body.panel.leds.ready, true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an admin adds a clerk and reads the reports', async () => {
  const { page, errors } = await loggedIn(browser, box);
  await page.click('#nav-staff');
  await page.locator('#staff-view').waitFor();
  await page.fill('#staff-form input[name=username]', 'wang.fang');
  await page.fill('#staff-form input[name=display_name]', '王芳');
  await page.fill('#staff-form input[name=password]', 'window-three-3');
  await page.click('#staff-form button[type=submit]');
  await page.locator('#flash').filter({ hasText: '已新增工作人员' }).waitFor();
  await page.locator('#staff-table td', { hasText: 'wang.fang' }).waitFor();
  const clerk = await box.json('/api/v1/staff');
  assert.ok(clerk.body.staff.some((s) => s.username === 'wang.fang' && s.role === 'clerk'));

  await page.click('#nav-reports');
  await page.locator('#reports-view').waitFor();
  assert.match(await page.locator('#report-totals').textContent(), /收件总数1/);
  assert.equal(await page.locator('#report-items tbody td').first().textContent(), '居住证办理');
  assert.match(await page.locator('#queue-csv').getAttribute('href'), /\/api\/v1\/queue\/stats\?date=\d{4}-\d\d-\d\d&format=csv/);
  const href = await page.locator('#agency-pdf').getAttribute('href');
  const pdf = await page.request.get(`${box.base}${href}`);
  assert.equal(pdf.status(), 200);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  assert.deepEqual(errors, []);
  await page.close();
});
