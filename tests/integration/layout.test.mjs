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
import { buildDir } from '../lib.mjs';

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
// (Empty since the receipt model and the sheets' codes, which the core and
// dev both use, moved to appliance/common/; it may only stay so.)
const pending = [];

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

// The core's files include each other without a circle: what a module
// includes it may use, and nothing it includes leads back to it.
test('the import picture of appliance/ has no circle', () => {
  const edges = {};
  for (const f of inFolder('appliance').filter((x) => /\.[ch]$/.test(x))) {
    const mod = f.slice('appliance/'.length).replace(/\.[ch]$/, '');
    edges[mod] ??= new Set();
    for (const m of readFileSync(join(top, f), 'utf8').matchAll(/^#include "([a-z_]+)\.h"/gm)) {
      if (m[1] !== mod) edges[mod].add(m[1]);
    }
  }
  const state = {};
  const circle = [];
  const visit = (m, path) => {
    if (state[m] === 'done') return;
    if (state[m] === 'open') { circle.push([...path.slice(path.indexOf(m)), m].join(' -> ')); return; }
    state[m] = 'open';
    for (const n of edges[m] ?? []) visit(n, [...path, m]);
    state[m] = 'done';
  };
  for (const m of Object.keys(edges)) visit(m, []);
  assert.deepEqual(circle, []);
});

// Each program links only the members of the common archive it calls.
test('outpostctl and outpost-central carry no ESC/POS or receipt code', () => {
  for (const program of ['outpostctl', 'outpost-central']) {
    const symbols = execFileSync('nm', [join(buildDir, program)], { encoding: 'utf8' });
    assert.doesNotMatch(symbols, / T (escpos|receipt)_/, program);
  }
  assert.match(execFileSync('nm', [join(buildDir, 'outpostd')], { encoding: 'utf8' }), / T receipt_escpos/);
});
