// SPDX-License-Identifier: Apache-2.0
// F4 of the 2026-12-03 review: the web stored whole uploads before the
// session was checked (5 anonymous uploads held 255 MiB and blocked every
// intake).  Now an upload is admitted from its headers (session, CSRF,
// role, and a byte budget for all uploads and for each session) before any
// byte of its body is kept, and a refused one is answered in words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox, rawHttp, rawRequest, multipart, goodCase, sleep } from '../lib.mjs';

const MiB = 1 << 20;
let box;
before(async () => {
  box = await startBox(`max_uploads_in_flight_bytes = ${12 * MiB}\nmax_session_upload_bytes = ${6 * MiB}\n`
    + `max_document_bytes = ${20 * MiB}\nmax_upload_bytes = ${20 * MiB}\n`);
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

const bigPdf = (bytes) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(bytes - 16, 0x20), Buffer.from('\n%%EOF\n')]);
const caseText = Buffer.from(JSON.stringify(goodCase)).toString('latin1');

// An intake sent as raw bytes: its body stops after `held` bytes until
// gate settles.  Resolves to the box's answer.
function intake(headers, docBytes, { held = 0, gate = null } = {}) {
  const m = multipart([{ name: 'case', data: caseText },
    { name: 'document', filename: 'a.pdf', type: 'application/pdf', data: bigPdf(docBytes) }]);
  const bytes = rawRequest('POST', '/api/v1/cases', { Host: `127.0.0.1:${box.httpsPort}`, Origin: box.secureBase,
    'Content-Type': m.type, ...headers }, m.body);
  const cut = bytes.length - m.body.length + held;
  const pieces = gate ? [bytes.subarray(0, cut), gate.then(() => bytes.subarray(cut))] : [bytes];
  return rawHttp(box, pieces, { timeoutMs: 60000 });
}

const staff = (b = box) => ({ Cookie: b.cookie, 'X-CSRF-Token': b.csrf });
const uploadFds = () => box.openFiles(box.pids().web).filter((p) => p.includes('outpost-upload')).length;

function gate() {
  let open;
  const p = new Promise((r) => { open = r; });
  return { p, open };
}

test('anonymous uploads hold no memory in the web, and a clerk\'s intake goes through meanwhile', async () => {
  const g = gate();
  // Five anonymous 17 MiB intakes, each stopped after 1 MiB of its body.
  const anon = Array.from({ length: 5 }, () => intake({}, 17 * MiB, { held: MiB, gate: g.p }));
  try {
    await sleep(300);
    assert.equal(uploadFds(), 0, 'the web keeps no upload of theirs');
    const clerk = await intake(staff(), MiB);
    assert.equal(clerk.status, 201, JSON.stringify(clerk.body));
  } finally {
    g.open();
  }
  for (const r of await Promise.all(anon)) {
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.match(r.body.message, /[\u4e00-\u9fff]/);
  }
});

test('an upload without its CSRF token is refused before its body is kept', async () => {
  const g = gate();
  const r = intake({ Cookie: box.cookie }, 8 * MiB, { held: MiB, gate: g.p });
  await sleep(300);
  assert.equal(uploadFds(), 0);
  g.open();
  assert.equal((await r).status, 403);
});

test('concurrent large intakes are each taken whole or refused whole with uploads_busy', async () => {
  // Six sessions, six 5 MiB intakes at once against a 12 MiB budget.
  const clerks = [];
  const mine = box.cookie; // box.json takes each login's cookie as its own
  for (let i = 0; i < 6; i++) {
    const s = { cookie: '', csrf: '' };
    const r = await box.json('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: '' },
      body: JSON.stringify({ username: 'admin', password: box.adminPassword() }) });
    assert.equal(r.status, 200);
    s.cookie = r.headers.get('set-cookie').split(';')[0];
    s.csrf = r.body.csrf;
    clerks.push(s);
  }
  box.cookie = mine;
  const before = (await box.json('/api/v1/cases?limit=100')).body.cases.length;
  const results = await Promise.all(clerks.map((c) => intake(staff(c), 5 * MiB)));
  const taken = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status !== 201);
  for (const r of refused) {
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error, 'uploads_busy');
    assert.match(r.body.message, /正在上传的材料过多/);
  }
  assert.ok(taken.length >= 2, `${taken.length} of 6 taken: two fit in the budget at once`);
  assert.equal((await box.json('/api/v1/cases?limit=100')).body.cases.length, before + taken.length,
    'every case answered 201 exists, no other');
});

test('one session cannot hold more than its upload budget at once', async () => {
  const g = gate();
  const first = intake(staff(), 4 * MiB, { held: MiB, gate: g.p });
  await sleep(300);
  const second = await intake(staff(), 4 * MiB);
  g.open();
  assert.equal(second.status, 503, JSON.stringify(second.body));
  assert.equal(second.body.error, 'uploads_busy');
  assert.equal((await first).status, 201);
  // The budget is given back: the next one is taken.
  assert.equal((await intake(staff(), 4 * MiB)).status, 201);
});
