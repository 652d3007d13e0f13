// SPDX-License-Identifier: Apache-2.0
// The tree as the README's layout table describes it: every file the table
// names is where it says, every C file of a folder is in its row, and no
// role's folder includes another role's files (appliance/common/ is for
// every program).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const top = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tracked = execFileSync('git', ['ls-files'], { cwd: top, encoding: 'utf8' }).split('\n').filter(Boolean);
const rows = Object.fromEntries(readFileSync(join(top, 'README.md'), 'utf8').split('\n')
  .map((l) => l.match(/^\| `([a-z/]+)\/` \| (.*) \|$/)).filter(Boolean).map((m) => [m[1], m[2]]));
const inFolder = (dir) => tracked.filter((f) => dirname(f) === dir);

test('every source file the layout table names is in its folder, and every C file is named', () => {
  for (const dir of ['appliance', 'appliance/common', 'drivers', 'sync', 'sync/central', 'web']) {
    assert.ok(rows[dir], `the table has a row for ${dir}/`);
    const named = [...rows[dir].matchAll(/`([a-z_]+\.[ch])`/g)].map((m) => m[1]);
    const missing = named.filter((n) => !tracked.includes(`${dir}/${n}`));
    assert.deepEqual(missing, [], `${dir}/: named but not there`);
    const unnamed = inFolder(dir).filter((f) => f.endsWith('.c') && !named.includes(f.slice(dir.length + 1)) &&
      !named.includes(f.slice(dir.length + 1).replace(/\.c$/, '.h')));
    assert.deepEqual(unnamed, [], `${dir}/: C files the table does not name`);
  }
});

// The folders of outpostd's roles: core, dev, sync, web.  outpost-central
// (sync/central/) is a program of its own and may use the sync role's
// HTTP client and the web role's HTTP loop.
const roles = { appliance: 'core', drivers: 'dev', sync: 'sync', web: 'web' };
// What the core still takes from dev's folder: the receipt model and the
// sheets' codes, pure modules that belong to both (issue 12, step 2, moves
// them); this list may only shrink.
const pending = ['appliance/cases.h -> drivers/receipt.h', 'appliance/scanjobs.c -> drivers/sheets.h'];

test('no role folder includes another role\'s files', () => {
  const crossing = [];
  for (const f of tracked.filter((x) => /\.[ch]$/.test(x) && roles[dirname(x)])) {
    for (const m of readFileSync(join(top, f), 'utf8').matchAll(/^#include "([a-z]+)\/([^"]+)"/gm)) {
      const [, folder, rest] = m;
      if (folder === 'common' || (folder === 'appliance' && rest.startsWith('common/'))) continue;
      if (roles[folder] && folder !== dirname(f)) crossing.push(`${f} -> ${folder}/${rest}`);
    }
  }
  assert.deepEqual(crossing.sort(), pending.sort());
});
