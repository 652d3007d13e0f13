// SPDX-License-Identifier: Apache-2.0
// What a copy of the state folder holds (review F14, F16): no pickup code,
// document file name or document hash in clear in the database or its WAL,
// no initial admin password once it was changed, no files a crash left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, utimesSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase, sha256 } from '../lib.mjs';

let box;
before(async () => {
  box = await startBox();
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

const pdf = (name) => ({ name, type: 'application/pdf', data: samples.pdf() });

test('at start, orphan document files and documents/tmp leftovers older than the grace are removed, logged', async () => {
  const r = await box.createCase(goodCase, [pdf('a.pdf')]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const docs = join(box.state, 'documents');
  const [kept] = box.storedFiles();
  const old = new Date(Date.now() - 2 * 3600 * 1000); // past the default grace of an hour
  const orphan = join(docs, 'ab', 'ab' + '0'.repeat(30));
  const fresh = join(docs, 'cd', 'cd' + '1'.repeat(30));
  const leftover = join(docs, 'tmp', '4242.0');
  const logged = box.log.length;
  await box.restart(() => {
    for (const f of [orphan, fresh, leftover]) writeFileSync(f, 'OPD1 what a crash left');
    for (const f of [orphan, leftover, kept]) utimesSync(f, old, old);
  });
  assert.equal((await box.login()).status, 200);
  assert.ok(!existsSync(orphan), 'the old orphan is removed');
  assert.ok(!existsSync(leftover), 'the old tmp leftover is removed');
  assert.ok(existsSync(fresh), 'an orphan younger than the grace stays');
  assert.ok(existsSync(kept), 'a file a case names stays, however old');
  assert.match(box.log.slice(logged),
    /removed 1 orphan document files and 1 leftovers in documents\/tmp \(older than 3600 s\)/);
  assert.deepEqual(readdirSync(join(docs, 'tmp')), []);
  // The case's document still opens.
  const dl = await box.fetch(`/api/v1/cases/${r.body.code}/documents/1`);
  assert.equal(dl.status, 200);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), samples.pdf());
});

// The database and its WAL, as one copy of the state folder carries them.
function dbBytes() {
  return Buffer.concat(['outpost.db', 'outpost.db-wal'].map((f) => join(box.state, f)).filter(existsSync)
    .map((f) => readFileSync(f)));
}

// A distinctive name (it names the person, as real ones do) and content.
const docName = '欧阳澄江身份证-正反面.pdf';
const docData = Buffer.concat([samples.pdf(), Buffer.from(`unique ${Date.now()} ${Math.random()}`)]);
const docSha = sha256(docData);
let sealedCase; // { code, pickup }

// What must not be on disk in clear: as UTF-8 text, and the hash as raw bytes too.
function clearHits(raw, pickup) {
  const needles = { 'file name': Buffer.from(docName), 'SHA-256 (hex)': Buffer.from(docSha),
    'SHA-256 (bytes)': Buffer.from(docSha, 'hex'), 'pickup code': Buffer.from(pickup) };
  return Object.entries(needles).filter(([, b]) => raw.indexOf(b) >= 0).map(([what]) => what);
}

test('the pickup code, document file names and document hashes are sealed; all that reads them works', async () => {
  // Six digits can be in the database by chance (a date in a case code):
  // only a code that was not there before the intake tells.
  for (let tries = 0; !sealedCase && tries < 5; tries++) {
    const before = dbBytes();
    const r = await box.createCase(goodCase, [{ name: docName, type: 'application/pdf', data: docData }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const pickup = box.pickupCode(r.body.code);
    if (before.indexOf(Buffer.from(pickup)) < 0) sealedCase = { code: r.body.code, pickup };
  }
  assert.ok(sealedCase, 'an intake whose pickup code was not on disk before');
  const { code, pickup } = sealedCase;
  assert.deepEqual(clearHits(dbBytes(), pickup), [], 'in clear in outpost.db or outpost.db-wal');

  // The case view lists the document by name and hash ...
  const view = (await box.json(`/api/v1/cases/${code}`)).body;
  assert.equal(view.document_list[0].filename, docName);
  assert.equal(view.document_list[0].sha256, docSha);
  // ... the download is named ...
  const dl = await box.fetch(`/api/v1/cases/${code}/documents/1`);
  assert.equal(dl.status, 200);
  assert.equal(sha256(Buffer.from(await dl.arrayBuffer())), docSha);
  assert.equal(decodeURIComponent(dl.headers.get('content-disposition').split("''")[1]), docName);
  // ... and a reprinted receipt carries the same pickup code.
  const printed = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  const again = await box.post(`/api/v1/cases/${code}/receipt`);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  await box.waitUntil(() => readFileSync(join(box.state, 'dev', 'printer.out')).length > printed, 5000, 'the reprint');
  const reprint = readFileSync(join(box.state, 'dev', 'printer.out')).subarray(printed);
  assert.ok(reprint.indexOf(Buffer.from(pickup)) >= 0, 'the reprint shows the pickup code');
});

test('initial-admin-password is removed when the admin password is changed', async () => {
  const file = join(box.state, 'initial-admin-password');
  assert.ok(existsSync(file));
  const changed = await box.post('/api/v1/staff/admin/password', { password: 'the-admins-own-passphrase' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.ok(!existsSync(file), 'the file is gone');
  assert.match(box.log, /removed .*initial-admin-password: the admin's password was changed/);
  assert.equal((await box.login('admin', 'the-admins-own-passphrase')).status, 200);
});

test('an upgraded box seals what it kept in clear at start; the pickup code still releases the case', async () => {
  assert.ok(sealedCase, 'needs the sealed case');
  const { code, pickup } = sealedCase;
  const logged = box.log.length;
  await box.restart(() => {
    // What an older version left: the values in clear, and the password file.
    const db = join(box.state, 'outpost.db');
    execFileSync('sqlite3', [db, `UPDATE cases SET pickup_code = '${pickup}', pickup_sealed = NULL WHERE code = '${code}';
      UPDATE case_documents SET filename = '${docName}', sha256 = '${docSha}', filename_sealed = NULL, sha256_sealed = NULL
      WHERE case_id = (SELECT id FROM cases WHERE code = '${code}');`]);
    writeFileSync(join(box.state, 'initial-admin-password'), 'an-old-password\n');
  });
  const log = box.log.slice(logged);
  assert.match(log, /sealed the pickup codes of 1 cases and the file names and hashes of 1 documents/);
  assert.match(log, /removed .*initial-admin-password: it is not the admin's password any more/);
  assert.deepEqual(clearHits(dbBytes(), pickup), [], 'in clear after the upgrade');
  assert.equal((await box.login('admin', 'the-admins-own-passphrase')).status, 200);
  assert.equal((await box.json(`/api/v1/cases/${code}`)).body.document_list[0].filename, docName);
  await box.toReady(code);
  const wrong = await box.post(`/api/v1/cases/${code}/pickup`,
    { pickup_code: pickup === '000000' ? '000001' : '000000', collector: { kind: 'applicant' } });
  assert.equal(wrong.status, 403);
  const ok = await box.post(`/api/v1/cases/${code}/pickup`, { pickup_code: pickup, collector: { kind: 'applicant' } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state ?? (await box.caseState(code)), 'collected');
});
