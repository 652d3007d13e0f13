// SPDX-License-Identifier: Apache-2.0
// outpost-central's SQL is PostgreSQL's too (sync/central/cdb.h): every statement
// the central sources hand to cdb_prepare() or cdb_int_of() is PREPAREd by a
// real PostgreSQL server, started here in a temporary folder on a Unix
// socket, over sync/central/schema-postgresql.sql; and no central source but the
// SQLite backend names SQLite.  A statement PostgreSQL cannot parse, or
// whose names or parameter types it cannot resolve, fails this test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { top, sleep, buildDir } from '../lib.mjs';
import { writeFileSync } from 'node:fs';

const sources = readdirSync(join(top, 'sync/central')).filter((f) => /^central.*\.c$/.test(f)).map((f) => join('sync/central', f));

// The SQL literals passed to cdb_prepare()/cdb_int_of(), adjacent C string
// literals joined, with where each starts.
function statements(file) {
  const text = readFileSync(join(top, file), 'utf8');
  const out = [];
  for (const m of text.matchAll(/\bcdb_(?:prepare|int_of)\(/g)) {
    let i = text.indexOf(',', m.index) + 1, sql = '';
    for (;;) {
      while (/\s/.test(text[i])) i++;
      if (text.startsWith('/*', i)) { i = text.indexOf('*/', i) + 2; continue; }
      if (text[i] !== '"') break;
      let j = i + 1;
      for (; text[j] !== '"'; j++) if (text[j] === '\\') j++;
      sql += JSON.parse(text.slice(i, j + 1));
      i = j + 1;
    }
    if (sql) out.push({ where: `${file}:${text.slice(0, m.index).split('\n').length}`, sql });
  }
  return out;
}

let dir, server, bin;
const psql = (input) => spawnSync(join(bin, 'psql'), ['-X', '-q', '-h', dir, '-d', 'postgres', '-v', 'ON_ERROR_STOP=0'],
  { input, encoding: 'utf8', uid: uid('postgres'), gid: gid('postgres') });
function uid(name) { return Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })); }
function gid(name) { return Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })); }

before(async () => {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => b - a) : [];
  assert.ok(versions.length, 'PostgreSQL is installed by .ci/deps (package postgresql)');
  bin = join('/usr/lib/postgresql', versions[0], 'bin');
  dir = mkdtempSync(join(tmpdir(), 'outpost-pg-'));
  chownSync(dir, uid('postgres'), gid('postgres'));
  const as = { uid: uid('postgres'), gid: gid('postgres') };
  execFileSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-E', 'UTF8', '--no-locale'], { ...as, stdio: 'ignore' });
  server = spawn(join(bin, 'postgres'), ['-D', join(dir, 'data'), '-c', "listen_addresses=", '-c', `unix_socket_directories=${dir}`,
    '-c', 'fsync=off'], { ...as, stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(join(dir, '.s.PGSQL.5432')); i++) await sleep(100);
  assert.ok(existsSync(join(dir, '.s.PGSQL.5432')), 'PostgreSQL started');
  const schema = psql(`\\set ON_ERROR_STOP 1\n${readFileSync(join(top, 'sync/central/schema-postgresql.sql'), 'utf8')}`);
  assert.equal(schema.status, 0, schema.stderr);
});
after(async () => {
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server.on('exit', r));
    server.kill('SIGINT');
    await gone;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every statement of outpost-central prepares on PostgreSQL', () => {
  const all = sources.flatMap(statements);
  assert.ok(all.length >= 35, `found the statements (${all.length})`);
  const failed = [];
  for (const [n, s] of all.entries()) {
    const pg = s.sql.replace(/\?(\d+)/g, '$$$1');
    const r = psql(`PREPARE s${n} AS ${pg};\n`);
    if (r.stderr.trim()) failed.push(`${s.where}: ${r.stderr.trim()}\n    ${s.sql}`);
  }
  assert.deepEqual(failed, [], `statements PostgreSQL refuses:\n${failed.join('\n')}`);
});

test('only the SQLite backend names SQLite', () => {
  const named = [...sources, 'sync/central/central.h'].filter((f) => /sqlite3|SQLITE_|appliance\/common\/store\.h/.test(readFileSync(join(top, f), 'utf8')));
  assert.deepEqual(named, []);
  assert.match(readFileSync(join(top, 'sync/central/cdb_sqlite.c'), 'utf8'), /sqlite3_step/);
});

test('the PostgreSQL schema has the tables and columns SQLite migrates to', () => {
  const state = mkdtempSync(join(tmpdir(), 'outpost-central-schema-'));
  try {
    writeFileSync(join(state, 'c.conf'), `[central]\nstate_dir = ${state}\n`);
    execFileSync(join(buildDir, 'outpost-central'), ['-c', join(state, 'c.conf'), 'clerk', 'schema', 'S', 'D'], { stdio: 'ignore' });
    const lite = JSON.parse(execFileSync('sqlite3', ['-json', join(state, 'central.db'),
      "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' " +
      "AND m.name NOT LIKE 'sqlite_%'"], { encoding: 'utf8' })).map((r) => `${r.t}.${r.c}`).sort();
    const pg = psql("\\pset format unaligned\n\\pset tuples_only on\nSELECT table_name || '.' || column_name FROM " +
      "information_schema.columns WHERE table_schema = 'public';\n").stdout.trim().split('\n').sort();
    assert.ok(lite.length > 50, `read SQLite's columns (${lite.length})`);
    assert.deepEqual(pg, lite);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
