// SPDX-License-Identifier: Apache-2.0
// Data written before the move from nettle to OpenSSL reads the same after
// it (issue 12).  tests/fixtures/nettle-state.tar.gz is a box's state folder
// made by the nettle build (commit 5049e8d): a case of two documents, ready
// for pickup, with its audit chain.  Started on it, this build must open
// every sealed thing in it: the wrapped case key, the ID number and phone
// (found through their keyed hashes and revealed), the documents (AES-GCM
// files, byte for byte, with their sealed names and hashes), the pickup
// code, and the audit chain's MACs and its sealed anchor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, buildDir, sha256, top } from '../lib.mjs';

const fixture = JSON.parse(readFileSync(join(top, 'tests/fixtures/nettle-state.json'), 'utf8'));
let box;
before(async () => {
  box = await startBox('', { prepare: (dir) => {
    mkdirSync(join(dir, 'state'));
    execFileSync('tar', ['-xzf', join(top, 'tests/fixtures/nettle-state.tar.gz'), '-C', join(dir, 'state')]);
  } });
  assert.equal((await box.login('admin', fixture.admin_password)).status, 200);
});
after(async () => { await box?.stop(); box?.cleanup(); });

test('the audit chain and its sealed anchor, written by nettle, verify', () => {
  const out = execFileSync(join(buildDir, 'outpostctl'), ['-c', box.config, 'audit', 'verify'], { encoding: 'utf8' });
  assert.match(out, /audit: OK, \d+ rows/);
  assert.doesNotMatch(box.log, /audit chain (had no anchor|no longer holds)/, 'the anchor unsealed and matched');
});

test('the case is found by its ID number and phone, and they unseal', async () => {
  for (const q of [fixture.id_number, fixture.phone]) {
    const found = await box.json(`/api/v1/cases?q=${encodeURIComponent(q)}`);
    assert.ok(found.body.cases.some((c) => c.code === fixture.code), `found by ${q}`);
  }
  const full = await box.json(`/api/v1/cases/${fixture.code}?reveal=1`);
  assert.equal(full.status, 200, JSON.stringify(full.body));
  assert.equal(full.body.applicant.id_number, fixture.id_number);
  assert.equal(full.body.applicant.phone, fixture.phone);
});

test('the documents decrypt byte for byte, with their sealed names and hashes', async () => {
  const c = (await box.json(`/api/v1/cases/${fixture.code}`)).body;
  assert.deepEqual(c.document_list.map((d) => [d.filename, d.sha256]), fixture.documents.map((d) => [d.filename, d.sha256]));
  for (const [i, d] of fixture.documents.entries()) {
    const res = await box.fetch(`/api/v1/cases/${fixture.code}/documents/${i + 1}`);
    assert.equal(res.status, 200);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), d.sha256);
  }
});

test('the sealed pickup code still releases the case', async () => {
  const wrong = await box.post(`/api/v1/cases/${fixture.code}/pickup`, { pickup_code: fixture.pickup_code === '000000' ? '111111' : '000000',
    collector: { kind: 'applicant' } });
  assert.notEqual(wrong.status, 200);
  const r = await box.post(`/api/v1/cases/${fixture.code}/pickup`, { pickup_code: fixture.pickup_code, collector: { kind: 'applicant' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'collected');
});
