// SPDX-License-Identifier: Apache-2.0
// Document scanning from the console in Chromium, on SANE's test backend:
// a flatbed scan page by page (the open job's buttons), refused with a
// clear message when the pages carry no cover sheet; the device page's
// test scan of the backend's 10-page feeder.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loggedIn, suite } from './browser.mjs';
import { goodCase } from '../lib.mjs';

const sane = mkdtempSync(join(tmpdir(), 'outpost-sane-'));
mkdirSync(join(sane, 'conf'));
writeFileSync(join(sane, 'conf', 'dll.conf'), 'test\n');
copyFileSync('/etc/sane.d/test.conf', join(sane, 'conf', 'test.conf'));
after(() => rmSync(sane, { recursive: true, force: true }));

let box, browser, code;
suite({}, async (ctx) => {
  ({ box, browser } = ctx);
  assert.equal((await box.login()).status, 200);
  const r = await box.createCase(goodCase, []);
  assert.equal(r.status, 201);
  code = r.body.code;
}, '[docscan]\ndevice = test:0\nresolution = 75\n', { SANE_CONFIG_DIR: join(sane, 'conf') });

test('a flatbed scan page by page; pages without a cover sheet are refused, in Chinese', async () => {
  const { page, errors } = await loggedIn(browser, box);
  await page.goto(`${box.base}/staff/#case/${code}`);
  await page.locator('#case-code', { hasText: code }).waitFor();
  await page.click('#case-actions button[data-action=scan-flatbed]');
  await page.locator('#scan-panel[data-state=open]').waitFor({ timeout: 10000 });
  assert.match(await page.locator('#scan-status').textContent(), /已扫描 1 页/);
  await page.click('#scan-more');
  await page.locator('#scan-status', { hasText: '已扫描 2 页' }).waitFor({ timeout: 10000 });
  await page.click('#scan-finish');
  await page.locator('#scan-panel[data-state=failed]').waitFor({ timeout: 10000 });
  assert.match(await page.locator('#scan-status').textContent(), /第 1 页前没有封面页/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the device page scans a test stack: the feeder\'s 10 pages', async () => {
  const { page, errors } = await loggedIn(browser, box);
  await page.click('#nav-devices');
  await page.locator('#devices-view').waitFor();
  await page.click('#test-scan');
  await page.locator('#device-scan-result', { hasText: '测试扫描：10 页' }).waitFor({ timeout: 15000 });
  assert.deepEqual(errors, []);
  await page.close();
});
