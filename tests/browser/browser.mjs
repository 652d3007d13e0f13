// SPDX-License-Identifier: Apache-2.0
// Debian's Chromium through playwright-core, as every browser test uses it.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startBox } from '../lib.mjs';

// Pages accept the box's self-signed certificate (a test box is new each
// time; tests/integration/https.test.mjs checks the certificate itself).
export async function launch() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = (options = {}) => newPage({ ignoreHTTPSErrors: true, ...options });
  return browser;
}

// The elements a page marks hidden that are drawn all the same (a
// stylesheet's display rule beats the hidden attribute unless [hidden]
// wins): their ids or tag names.  What a person would see by mistake.
export async function hiddenShown(page) {
  return page.evaluate(() => [...document.querySelectorAll('[hidden]')]
    .filter((e) => getComputedStyle(e).display !== 'none')
    .map((e) => e.id || e.tagName.toLowerCase()));
}

// A page logged in as the demo admin; page errors are collected in errors.
export async function loggedIn(browser, box) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => errors.push(`unexpected dialog: ${d.message()}`));
  await page.goto(`${box.base}/staff/`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', box.adminPassword());
  await page.click('#login-form button[type=submit]');
  await page.locator('#cases-view').waitFor();
  assert.equal(await page.locator('#login-form').isVisible(), false, 'the login form is gone once logged in');
  assert.deepEqual(await hiddenShown(page), [], 'nothing hidden is drawn');
  return { page, errors };
}

// What a browser test file shares: a box, Chromium, and a folder of files
// to upload (name -> bytes).  Registers the before/after hooks and returns
// an object filled in by the time tests run; setup(ctx) runs last.
// config is appended to the box's configuration, env given to outpostd
// (see startBox).
export function suite(uploads, setup = async () => {}, config = '', env = {}) {
  const ctx = {};
  before(async () => {
    ctx.box = await startBox(config, { env });
    ctx.files = mkdtempSync(join(tmpdir(), 'outpost-upload-'));
    for (const [name, data] of Object.entries(uploads)) writeFileSync(join(ctx.files, name), data);
    ctx.browser = await launch();
    await setup(ctx);
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.box?.stop();
    ctx.box?.cleanup();
    rmSync(ctx.files, { recursive: true, force: true });
  });
  return ctx;
}
