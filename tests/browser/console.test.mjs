// SPDX-License-Identifier: Apache-2.0
// The staff console in Chromium (Debian's, driven by playwright-core): log
// in, take in a case with an upload, see the receipt preview with its code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { suite } from './browser.mjs';
import { samples } from '../lib.mjs';

const ctx = suite({ '户口簿.pdf': samples.pdf() });

test('log in, take in a case with an upload, see the receipt preview', async () => {
  const { box, browser, files } = ctx;
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${box.base}/staff/`);
  await page.locator('#login-view').waitFor();
  assert.equal(await page.locator('#login-view h2').textContent(), '工作人员登录');

  // A wrong password shows the server's message in Chinese.
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'wrong');
  await page.click('#login-form button[type=submit]');
  await page.locator('#flash').filter({ hasText: '用户名或密码错误' }).waitFor();

  await page.fill('input[name=password]', box.adminPassword());
  await page.click('#login-form button[type=submit]');
  await page.locator('#cases-view').waitFor();
  await page.click('#new-case');
  await page.locator('#intake-view').waitFor();
  await page.selectOption('select[name=service]', 'RS-YL-01');
  await page.fill('input[name=applicant_name]', '李小梅');
  await page.fill('input[name=id_number]', '11010519491231002X');
  await page.fill('input[name=phone]', '13912345678');
  // RS-YL-01 asks for the ID card and the household register.
  await page.check('input[name=received-1]');
  await page.check('input[name=received-2]');
  await page.setInputFiles('input[name=file-2]', join(files, '户口簿.pdf'));
  await page.click('#intake-form button[type=submit]');

  await page.locator('#case-view').waitFor();
  const code = (await page.locator('#case-code').textContent()).trim();
  assert.match(code, /^SQ01-\d{6}-\d{4}[0-9A-Z]$/);
  const preview = await page.locator('#receipt-preview').textContent();
  assert.match(preview, new RegExp(`案件编号：${code}`));
  assert.match(preview, /城乡居民养老保险参保登记/);
  assert.match(preview, /李\*梅/);
  assert.match(await page.locator('#flash').textContent(), /回执已打印/);
  assert.equal(await page.locator('#case-docs a').textContent(), '户口簿.pdf (5 KiB)');

  // English is one click away and survives a reload.
  await page.click('#lang');
  assert.equal(await page.locator('#back').textContent(), 'Back to list');
  await page.click('#back');
  await page.locator('#case-table tbody tr').first().waitFor();
  assert.equal(await page.locator('#case-table tbody tr td a').first().textContent(), code);
  assert.deepEqual(errors, []);
  await page.close();
});

// The office LAN: the browser asked for the plain-HTTP address lands on the
// console over HTTPS, with the box's certificate, a Secure session cookie
// and HSTS; the kiosk on the box's own screen stays on plain HTTP.
test('the console is reached over HTTPS only; the kiosk on the box\'s screen over plain HTTP', async () => {
  const { box, browser } = ctx;
  const page = await browser.newPage();
  const first = await page.goto(`${box.base}/staff/`);
  assert.equal(page.url(), `${box.secureBase}/staff/`);
  assert.match((await first.allHeaders())['strict-transport-security'] ?? '', /max-age=/);
  const cert = await first.securityDetails();
  assert.match(cert?.subjectName ?? '', /Outpost SQ01/);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', box.adminPassword());
  await page.click('#login-form button[type=submit]');
  await page.locator('#cases-view').waitFor();
  const [session] = (await page.context().cookies()).filter((c) => c.name === 'outpost_session');
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  const kiosk = await page.goto(`${box.base}/kiosk/`);
  assert.equal(kiosk.status(), 200);
  assert.equal(page.url(), `${box.base}/kiosk/`);
  await page.close();
});
