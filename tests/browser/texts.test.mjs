// SPDX-License-Identifier: Apache-2.0
// The console's texts: every Chinese text has its English one, and every
// text the pages name (data-t, data-tp, t('...')) exists in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { top } from '../lib.mjs';

globalThis.document ??= { cookie: '' };
const { texts } = await import(join(top, 'web/static/staff/i18n.js'));

test('every Chinese text has an English one, and no English text is left over', () => {
  const zh = Object.keys(texts.zh), en = Object.keys(texts.en);
  assert.deepEqual(zh.filter((k) => !(k in texts.en)), [], 'missing in English');
  assert.deepEqual(en.filter((k) => !(k in texts.zh)), [], 'missing in Chinese');
});

test('every text the console names exists', () => {
  const dir = join(top, 'web/static/staff');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const js = readFileSync(join(dir, 'app.js'), 'utf8');
  const named = new Set([...html.matchAll(/data-tp?="([^"]+)"/g)].map((m) => m[1]));
  for (const m of js.matchAll(/\bt\('([^'$`]+)'\)/g)) named.add(m[1]);
  assert.ok(named.size > 50, `found the names (${named.size})`);
  assert.deepEqual([...named].filter((k) => !(k in texts.zh)), [], 'named but not written');
});
