// What a copy of the state folder holds (review F14, F16): no pickup code,
// document file name or document hash in clear in the database or its WAL,
// no initial admin password once it was changed, no files a crash left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, utimesSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase } from '../lib.mjs';

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
  assert.ok(!existsSync(orphan), 'the old orphan is removed');
  assert.ok(!existsSync(leftover), 'the old tmp leftover is removed');
  assert.ok(existsSync(fresh), 'an orphan younger than the grace stays');
  assert.ok(existsSync(kept), 'a file a case names stays, however old');
  assert.match(box.log.slice(logged),
    /removed 1 orphan document files and 1 leftovers in documents\/tmp \(older than 3600 s\)/);
  assert.deepEqual(readdirSync(join(docs, 'tmp')), []);
  // The case's document still opens.
  assert.equal((await box.login()).status, 200);
  const dl = await box.fetch(`/api/v1/cases/${r.body.code}/documents/1`);
  assert.equal(dl.status, 200);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), samples.pdf());
});
