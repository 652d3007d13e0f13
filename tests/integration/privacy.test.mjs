// SPDX-License-Identifier: Apache-2.0
// Personal data at rest (sealed numbers, encrypted files, purge by
// crypto-shredding), the audit chain, hostile input and organisation
// applicants, against the real outpostd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase, buildDir } from '../lib.mjs';

let box;
const ID = '110105199003071234';
const PHONE = '13912345678';
// A document whose bytes are easy to look for.
const marker = Buffer.from('PLAINTEXT-MARKER-3f9a0c'.repeat(40));
const doc = { name: '户口簿.pdf', type: 'application/pdf', data: Buffer.concat([samples.pdf(), marker]) };

function fixId(base17) {
  // The GB 11643 check character for 17 digits.
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...base17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return base17 + '10X98765432'[sum % 11];
}
const id = fixId(ID.slice(0, 17));

before(async () => {
  box = await startBox('\n[cases]\nretention_days = 0\npurge_interval_seconds = 1\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

function ctl(...args) {
  try {
    return { code: 0, out: execFileSync(join(buildDir, 'outpostctl'), ['-c', box.config, ...args], { encoding: 'utf8' }) };
  } catch (e) {
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

function rawFiles() {
  const files = ['outpost.db', 'outpost.db-wal'].map((f) => join(box.state, f)).filter(existsSync);
  return files.concat(box.storedFiles());
}

test('no plaintext ID number, phone or document bytes in the database or the document store', async () => {
  const r = await box.createCase({ ...goodCase, id_number: id, phone: PHONE,
    agent: { name: '王五', id_type: 'passport', id_number: 'E12345678' } }, [doc]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  for (const f of rawFiles()) {
    const raw = readFileSync(f);
    for (const needle of [id, PHONE, 'E12345678', marker.subarray(0, 23).toString()]) {
      assert.equal(raw.indexOf(Buffer.from(needle)), -1, `${needle} in ${f}`);
      assert.equal(raw.indexOf(Buffer.from(needle, 'utf16le')), -1, `${needle} (UTF-16) in ${f}`);
    }
  }
  // Only outpostd's own user may read any of it.
  for (const f of rawFiles().concat([join(box.state, 'box.key')])) {
    assert.equal(statSync(f).mode & 0o077, 0, `${f} is private`);
  }
  // The case is still found by them, through the keyed hashes.
  for (const q of [id, PHONE]) {
    const found = await box.json(`/api/v1/cases?q=${encodeURIComponent(q)}`);
    assert.equal(found.status, 200);
    assert.ok(found.body.cases.some((c) => c.code === r.body.code), `found by ${q}`);
  }
  // And shown: masked by default, in full when revealed (both audited).
  const masked = await box.json(`/api/v1/cases/${r.body.code}`);
  assert.equal(masked.body.applicant.id_number, `${id.slice(0, 4)}**********${id.slice(-4)}`);
  const full = await box.json(`/api/v1/cases/${r.body.code}?reveal=1`);
  assert.equal(full.body.applicant.id_number, id);
  assert.equal(full.body.applicant.phone, PHONE);
  assert.equal(full.body.agent.id_number, 'E12345678');
});

// Bytes of the state folder's database and WAL (what a copy of it carries).
function dbBytes() {
  return ['outpost.db', 'outpost.db-wal'].map((f) => join(box.state, f)).filter(existsSync)
    .map((f) => ({ f, raw: readFileSync(f) }));
}

test('a purged case cannot be decrypted any more; its statistics row stays', async () => {
  // Names no other case of this box has, so any hit is this case's.
  const names = ['欧阳清漪', '司马望舒'];
  const r = await box.createCase({ ...goodCase, applicant_name: names[0], id_number: id, phone: PHONE,
    agent: { name: names[1], id_type: 'passport', id_number: 'E12345678' } }, [doc]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  assert.ok(dbBytes().some(({ raw }) => raw.indexOf(Buffer.from(names[0])) >= 0), 'the name is on disk before');
  const files = box.storedFiles().length;
  const w = await box.post(`/api/v1/cases/${code}/withdraw`, { reason: '申请人撤回' });
  assert.equal(w.body.state, 'withdrawn');
  // Retention 0: the next look (every second here) purges it.
  await box.untilState(code, 'purged');
  const after = (await box.json(`/api/v1/cases/${code}`)).body;
  assert.equal(after.applicant.name, '');
  assert.equal(after.applicant.id_number, '');
  assert.equal(after.item.code, goodCase.item, 'the statistics row keeps the item');
  assert.equal(box.storedFiles().length, files - 1, 'its document file is gone');
  const dl = await box.json(`/api/v1/cases/${code}/documents/1`);
  assert.equal(dl.status, 410);
  assert.equal(dl.body.error, 'purged');
  const db = join(box.state, 'outpost.db');
  const key = execFileSync('sqlite3', [db, `SELECT quote(case_key), quote(id_sealed) FROM cases WHERE code = '${code}'`],
    { encoding: 'utf8' }).trim();
  assert.equal(key, 'NULL|NULL', 'the wrapped key and the sealed number are deleted');
  // F10: the names leave the WAL too (a truncating checkpoint after the
  // purge, off the loop: waited for, bounded).
  const left = () => dbBytes().flatMap(({ f, raw }) => names.filter((n) => raw.indexOf(Buffer.from(n)) >= 0)
    .map((n) => `${n} in ${f} (${raw.length} bytes)`));
  await box.waitUntil(async () => left().length === 0, 10000, `the purged names to leave the database and its WAL: ${left()}`)
    .catch((e) => { throw new Error(`${left().join('; ')}\n${e.message}`); });
  assert.match(box.log, /WAL checkpointed and truncated/);
});

test('outpostctl audit verify names an edited and a removed row', async () => {
  const ok = ctl('audit', 'verify');
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /audit: OK, \d+ rows/);
  const db = join(box.state, 'outpost.db');
  const row = execFileSync('sqlite3', [db, "SELECT id, staff FROM audit WHERE staff = 'admin' LIMIT 1 OFFSET 2"],
    { encoding: 'utf8' }).trim().split('|');
  // One byte: 'admin' becomes 'bdmin'.
  execFileSync('sqlite3', [db, `UPDATE audit SET staff = 'bdmin' WHERE id = ${row[0]}`]);
  const bad = ctl('audit', 'verify');
  assert.equal(bad.code, 1);
  assert.match(bad.out, new RegExp(`BROKEN at row ${row[0]}: row ${row[0]} was altered`));
  execFileSync('sqlite3', [db, `UPDATE audit SET staff = 'admin' WHERE id = ${row[0]}`]);
  assert.equal(ctl('audit', 'verify').code, 0, 'restored, it holds again');
  execFileSync('sqlite3', [db, `DELETE FROM audit WHERE id = ${Number(row[0]) + 1}`]);
  const gone = ctl('audit', 'verify');
  assert.equal(gone.code, 1);
  assert.match(gone.out, new RegExp(`row ${Number(row[0]) + 1} is missing`));
});

test('hostile names are stored and given back exactly; too long is refused', async () => {
  for (const name of ['<img src=x onerror=alert(1)>', "'); DROP TABLE cases;--", '😀张三', '𠀀𪚥𫝀', '"\\\u2028']) {
    const r = await box.createCase({ ...goodCase, applicant_name: name }, [doc]);
    assert.equal(r.status, 201, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.applicant.name, name);
    const back = await box.json(`/api/v1/cases/${r.body.code}`);
    assert.equal(back.body.applicant.name, name);
  }
  const long = await box.createCase({ ...goodCase, applicant_name: '张'.repeat(41) }, [doc]);
  assert.equal(long.status, 400);
  assert.equal(long.body.field, 'applicant_name');
  const ctrl = await box.createCase({ ...goodCase, applicant_name: '张\u0007三' }, [doc]);
  assert.equal(ctrl.status, 400);
});

test('organisations: the credit code check character is verified; items say who may apply', async () => {
  const org = { item: 'SJ-BG-02', applicant: { kind: 'org', name: '某某科技有限公司', id_number: '91350100M000100Y43',
    phone: '0591-87654321' }, agent: { name: '赵六', id_type: 'resident', id_number: '11010519491231002X' },
  materials: [1, 2, 3].map((position) => ({ position, received: true })) };
  const ok = await box.createCase(org, [doc]);
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.applicant.kind, 'org');
  const bad = await box.createCase({ ...org, applicant: { ...org.applicant, id_number: '91350100M000100Y44' } }, [doc]);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'bad_credit_code');
  assert.match(bad.body.message, /统一社会信用代码/);
  const person = await box.createCase({ ...goodCase, item: 'SJ-BG-02' }, [doc]);
  assert.equal(person.body.error, 'wrong_applicant');
  const otherId = await box.createCase({ ...goodCase, applicant: { kind: 'person', name: '约翰', id_type: 'passport',
    id_number: 'g1234567', phone: PHONE } }, [doc]);
  assert.equal(otherId.status, 201, JSON.stringify(otherId.body));
  assert.equal((await box.json(`/api/v1/cases/${otherId.body.code}?reveal=1`)).body.applicant.id_number, 'G1234567');
});

test('the catalog: a tree of categories and ~30 items, replaced only as a whole by an admin', async () => {
  const cat = (await box.json('/api/v1/catalog')).body;
  assert.ok(cat.items.length >= 30);
  assert.ok(new Set(cat.items.map((i) => i.department)).size >= 5);
  assert.deepEqual(cat.categories.map((c) => c.name), ['个人业务', '对公业务', '办事咨询', '满意度评价']);
  const themes = cat.categories[0].children.map((c) => c.name);
  assert.deepEqual(themes, ['教育', '政务', '出行', '医疗', '综合服务']);
  const broken = await box.post('/api/v1/catalog', { ...cat, items: [{ ...cat.items[0], category: 'NOPE' }] }, 'PUT');
  assert.equal(broken.status, 400);
  assert.equal(broken.body.error, 'bad_catalog');
  assert.equal((await box.json('/api/v1/catalog')).body.version, cat.version, 'a bad catalog changes nothing');
  const next = { ...cat, version: '2026.12-test', items: cat.items.slice(0, 5) };
  const put = await box.post('/api/v1/catalog', next, 'PUT');
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.version, '2026.12-test');
  assert.equal(put.body.items.length, 5);
  // Cases keep the item they were taken in under.
  const list = await box.json('/api/v1/cases?limit=1');
  assert.ok(list.body.cases[0].item.name.length > 0);
});
