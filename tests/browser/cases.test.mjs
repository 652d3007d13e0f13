// SPDX-License-Identifier: Apache-2.0
// The case lifecycle in the staff console, in Chromium: an intake refused
// for a missing material and then recorded as 容缺; a pickup refused for a
// wrong code and then handed over with its slip printed; hostile names
// shown as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escposText } from '../escpos.mjs';
import { loggedIn, suite } from './browser.mjs';
import { samples, goodCase } from '../lib.mjs';

let box, browser, files;
suite({ '身份证.pdf': samples.pdf() }, async (ctx) => {
  ({ box, browser, files } = ctx);
  assert.equal((await box.login()).status, 200);
});

test('an intake missing a required material is refused, then recorded as 容缺 with a note', async () => {
  const { page, errors } = await loggedIn(browser, box);
  await page.click('#new-case');
  await page.locator('#intake-view').waitFor();
  await page.selectOption('select[name=service]', 'GA-JZZ-01');
  await page.fill('input[name=applicant_name]', '王小红');
  await page.selectOption('select[name=id_type]', 'resident');
  await page.fill('input[name=id_number]', '11010519491231002x');
  await page.fill('input[name=phone]', '13812345678');
  // The ID card and the photos, but not the proof of residence (required).
  await page.check('input[name=received-1]');
  await page.check('input[name=received-2]');
  await page.setInputFiles('input[name=file-1]', join(files, '身份证.pdf'));
  await page.click('#intake-form button[type=submit]');
  await page.locator('#flash').filter({ hasText: '必需材料未收齐' }).waitFor();
  assert.equal(await page.locator('#flash-list li').textContent(), '居住登记凭证（租赁合同或房产证明）');
  assert.equal(await page.locator('#intake-view').isVisible(), true, 'still on the form, nothing lost');
  assert.equal(await page.inputValue('input[name=applicant_name]'), '王小红');

  await page.check('input[name=incomplete]');
  await page.fill('textarea[name=incomplete_note]', '租赁合同原件三日内补交');
  await page.click('#intake-form button[type=submit]');
  await page.locator('#case-view').waitFor();
  const code = (await page.locator('#case-code').textContent()).trim();
  assert.match(await page.locator('#flash').textContent(), /回执已打印/);
  assert.match(await page.locator('#case-fields').textContent(), /租赁合同原件三日内补交/);
  const preview = await page.locator('#receipt-preview').textContent();
  assert.match(preview, new RegExp(`案件编号：${code}`));
  assert.match(preview, /容缺受理：租赁合同原件三日内补交/);
  assert.match(preview, /申请人居民身份证（原件）1 份/);
  const detail = await box.json(`/api/v1/cases/${code}`);
  assert.equal(detail.body.state, 'received');
  assert.deepEqual(detail.body.materials.map((m) => m.received), [true, true, false, false]);
  assert.equal(detail.body.document_list[0].material, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a pickup with a wrong code is refused, the right one hands over and prints the slip', async () => {
  const made = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  const code = made.body.code;
  await box.toReady(code);
  const { page, errors } = await loggedIn(browser, box);
  await page.fill('#search-form input[name=q]', code);
  await page.click('#search-form button[type=submit]');
  await page.locator(`#case-table a[href="#case/${code}"]`).click();
  await page.locator('#pickup-form').waitFor();

  const right = box.pickupCode(code);
  await page.fill('input[name=pickup_code]', right === '000000' ? '999999' : '000000');
  await page.click('#pickup-form button[type=submit]');
  await page.locator('#flash').filter({ hasText: '取件码或证件号码后四位不正确' }).waitFor();
  assert.equal((await box.json(`/api/v1/cases/${code}`)).body.state, 'ready', 'nothing handed over');

  const before = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  await page.fill('input[name=pickup_code]', right);
  await page.click('#pickup-form button[type=submit]');
  await page.locator('#flash').filter({ hasText: '交接单已打印' }).waitFor();
  // The case view is drawn again after the flash.
  await page.locator('#case-fields', { hasText: '已领取' }).waitFor();
  // The slip as the printer got it, decoded by npos.
  const slip = readFileSync(join(box.state, 'dev', 'printer.out')).subarray(before);
  const text = await escposText(slip);
  assert.match(text, /办理结果领取交接单/);
  assert.match(text, new RegExp(code));
  assert.match(text, /申请人本人/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('scanning the QR code of a receipt opens its case, ready for pickup', async () => {
  const made = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  await box.toReady(made.body.code);
  const { page, errors } = await loggedIn(browser, box);
  // Scans from before the page was listening are not its business: wait
  // for it to listen.
  await page.locator('body[data-scan-seq]').waitFor({ state: 'attached' });
  // The QR payload exactly as the receipt carries it, with its AIM id split off.
  box.scan(`OUTPOST-CASE:${made.body.code};幸福街道便民服务站`, 'Q1');
  await page.locator('#case-code', { hasText: made.body.code }).waitFor({ timeout: 5000 });
  await page.locator('#pickup-form').waitFor();
  assert.match(await page.locator('#flash').textContent(), /已扫描/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('hostile names are shown exactly, as text', async () => {
  const name = '<img src=x onerror=alert(1)>';
  const made = await box.createCase({ ...goodCase, applicant_name: name },
    [{ name: '<b>x</b>.pdf', type: 'application/pdf', data: samples.pdf() }]);
  assert.equal(made.status, 201);
  const { page, errors } = await loggedIn(browser, box);
  await page.goto(`${box.base}/staff/#case/${made.body.code}`);
  await page.locator('#case-view').waitFor();
  assert.match(await page.locator('#case-fields').textContent(), new RegExp(name.replace(/[()]/g, '\\$&')));
  assert.equal(await page.locator('#case-docs a').textContent(), '<b>x</b>.pdf (5 KiB)');
  assert.equal(await page.locator('#case-view img, #case-view b').count(), 0, 'nothing was parsed as HTML');
  assert.deepEqual(errors, []);
  await page.close();
});
