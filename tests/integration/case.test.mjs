// SPDX-License-Identifier: Apache-2.0
// The first vertical slice over real HTTP: login, a case with two documents,
// durable files, the receipt on the printer as independent tools read it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, samples, goodCase, sha256 } from '../lib.mjs';
import { npos, escposParser } from '../escpos.mjs';

let box;
before(async () => { box = await startBox(); });
after(async () => { await box.stop(); box.cleanup(); });

test('login sets an HttpOnly SameSite=Strict session cookie and returns a CSRF token', async () => {
  const r = await box.fetch('/api/v1/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: box.adminPassword() }),
  });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^outpost_session=[0-9a-f]{64}; /);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const body = await r.json();
  assert.match(body.csrf, /^[0-9a-f]{64}$/);
  box.csrf = body.csrf;
  assert.equal((await box.json('/api/v1/session')).body.username, 'admin');
});

test('a case with two documents is stored durably and its receipt printed', async () => {
  const pdf = samples.pdf();
  const jpeg = samples.jpeg();
  const r = await box.createCase(goodCase, [
    { name: '身份证复印件.pdf', type: 'application/pdf', data: pdf },
    { name: 'photo.jpg', type: 'image/jpeg', data: jpeg },
  ]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const c = r.body;
  assert.match(c.code, /^SQ01-\d{6}-\d{4}[0-9A-Z]$/);
  assert.equal(c.state, 'received');
  assert.equal(c.receipt.printed, true);
  assert.equal(c.receipt_state, 'printed');
  assert.equal(c.applicant.id_number, '1101**********002X', 'ID number is masked in answers');
  assert.equal(c.applicant.phone, '138****8000', 'phone is masked in answers');
  assert.match(c.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

  // The store holds the uploads encrypted; the API gives them back byte
  // for byte.
  const docs = c.document_list;
  assert.deepEqual(docs.map((d) => d.sha256), [sha256(pdf), sha256(jpeg)]);
  const stored = box.storedFiles();
  assert.equal(stored.length, 2);
  for (const f of stored) {
    const raw = readFileSync(f);
    assert.equal(raw.subarray(0, 4).toString(), 'OPD1');
    assert.equal(raw.indexOf(pdf.subarray(0, 64)), -1, 'no plaintext in the store');
    assert.equal(raw.indexOf(jpeg.subarray(0, 64)), -1, 'no plaintext in the store');
  }
  for (const [i, data] of [pdf, jpeg].entries()) {
    const dl = await box.fetch(`/api/v1/cases/${c.code}/documents/${i + 1}`);
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-type'), ['application/pdf', 'image/jpeg'][i]);
    assert.equal(sha256(Buffer.from(await dl.arrayBuffer())), sha256(data));
  }
  assert.match((await box.fetch(`/api/v1/cases/${c.code}/documents/1`)).headers.get('content-disposition'),
    /filename\*=UTF-8''%E8%BA%AB/);

  // The list and the detail show it, with the readable receipt preview.
  const list = await box.json('/api/v1/cases');
  assert.ok(list.body.cases.some((x) => x.code === c.code));
  const detail = await box.json(`/api/v1/cases/${c.code}`);
  assert.match(detail.body.receipt_text, new RegExp(`案件编号：${c.code}`));
  assert.match(detail.body.receipt_text, /居住证办理/);

  // The printer file decodes with npos, an ESC/POS parser nobody here wrote.
  const bytes = readFileSync(join(box.state, 'dev', 'printer.out'));
  const ast = await escposParser().parse(bytes);
  assert.equal(ast.error ?? null, null);
  const commands = ast.tree.map((n) => `${n.ascii}${n.fn ?? ''}`);
  for (const cmd of ['ESC@', 'FS&', 'ESCE', 'GS!', 'GSk', 'GS(k', 'GSV']) assert.ok(commands.includes(cmd), cmd);
  const text = (await npos.textualize(ast)).join('');
  assert.match(text, new RegExp(c.code));
  assert.match(text, /居住证办理/);
  assert.match(text, /幸福街道便民服务站/);
  // Code128 carries the case code; the QR store frame carries it as UTF-8.
  const code128 = ast.tree.find((n) => n.ascii === 'GS' && n.fn === 'k');
  assert.equal(bytes.subarray(code128.offset + 6, code128.offset + code128.length).toString('latin1'), c.code);
  // (The box's setup slip, printed at its first start, carries a QR too.)
  const qrData = (n) => bytes.subarray(n.offset + 8, n.offset + n.length).toString('utf8');
  const qr = ast.tree.filter((n) => n.ascii === 'GS' && n.fn === '(k')
    .find((n) => bytes[n.offset + 6] === 80 && qrData(n).startsWith('OUTPOST-CASE:'));
  const payload = qrData(qr);
  assert.equal(payload, `OUTPOST-CASE:${c.code};幸福街道便民服务站`);
  // Read back by ZBar: the printer draws native codes itself, so their
  // contents are drawn again with qrencode and zint and then decoded.
  const dir = mkdtempSync(join(tmpdir(), 'outpost-codes-'));
  try {
    const quiet = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
    execFileSync('qrencode', ['-o', join(dir, 'qr.png'), '--', payload], quiet);
    assert.equal(execFileSync('zbarimg', ['--raw', '-q', join(dir, 'qr.png')], quiet).trim(), payload);
    const data = bytes.subarray(code128.offset + 6, code128.offset + code128.length).toString('latin1');
    execFileSync('zint', ['-b', '20', `--data=${data}`, '-o', join(dir, 'code128.png')], quiet);
    assert.equal(execFileSync('zbarimg', ['-q', join(dir, 'code128.png')], quiet).trim(), `CODE-128:${c.code}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('case codes count up per day and a reprint appends another receipt', async () => {
  const a = await box.createCase(goodCase, [{ name: 'a.png', type: 'image/png', data: samples.png() }]);
  const b = await box.createCase(goodCase, [{ name: 'b.png', type: 'image/png', data: samples.png() }]);
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const seq = (code) => Number(code.split('-')[2].slice(0, -1));
  assert.equal(seq(b.body.code), seq(a.body.code) + 1);
  // The list is newest first, and pages with ?before=.
  const ids = (await box.json('/api/v1/cases')).body.cases.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((x, y) => y - x));
  const page = (await box.json(`/api/v1/cases?limit=1&before=${ids[0]}`)).body.cases;
  assert.deepEqual(page.map((x) => x.id), [ids[1]]);
  assert.equal((await box.json('/api/v1/cases?limit=0')).status, 400);
  const before = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  const r = await box.json(`/api/v1/cases/${a.body.code}/receipt`, { method: 'POST', headers: { 'X-CSRF-Token': box.csrf } });
  assert.equal(r.status, 200);
  assert.equal(r.body.receipt.printed, true);
  assert.ok(readFileSync(join(box.state, 'dev', 'printer.out')).length > before);
});

test('outpostctl status reports every role, the database and the printer', async () => {
  const s = box.status();
  for (const role of ['core', 'web', 'dev', 'sync']) {
    assert.equal(s.roles[role].state, 'up', role);
    assert.ok(s.roles[role].pid > 0);
  }
  assert.ok(s.database.bytes > 0);
  assert.equal(s.database.schema, 12);
  assert.equal(s.printer, 'ready');
  assert.ok(existsSync(join(box.state, 'outpost.db-wal')), 'WAL mode');
});

test('the web process holds no database, document or key file', async () => {
  const { web } = box.pids();
  const files = box.openFiles(web);
  assert.ok(files.length > 0);
  for (const f of files) {
    assert.ok(!f.includes('outpost.db'), f);
    assert.ok(!f.includes('/documents'), f);
    assert.ok(!f.includes('initial-admin-password'), f);
  }
  // The core, by contrast, has the database open.
  assert.ok(box.openFiles(box.proc.pid).some((f) => f.endsWith('outpost.db')));
});

test('static pages are embedded and served with a content security policy', async () => {
  const r = await box.fetch('/staff/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(await r.text(), /便民服务站/);
  assert.equal((await box.fetch('/')).status, 302);
  assert.equal((await box.fetch('/staff/app.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await box.fetch('/nope.html')).status, 404);
});

test('a receipt waits for paper and prints when the paper is back; a ticket does not wait', async () => {
  const flag = join(box.state, 'dev', 'printer.out.paper-out');
  writeFileSync(flag, '');
  try {
    const r = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.receipt.printed, false);
    assert.equal(r.body.receipt.held, true);
    assert.match(r.body.receipt.message, /已排队，恢复后自动打印/);
    assert.equal((await box.json(`/api/v1/cases/${r.body.code}`)).body.receipt_state, 'pending');
    const t = await fetch(`${box.base}/api/v1/kiosk/tickets`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ category: 'Q' }) });
    assert.equal(t.status, 503, 'a ticket is refused at once, never held');
    rmSync(flag);
    await box.waitUntil(async () => (await box.json(`/api/v1/cases/${r.body.code}`)).body.receipt_state === 'printed',
      12000, 'the held receipt to print');
    assert.ok(readFileSync(join(box.state, 'dev', 'printer.out')).includes(Buffer.from(r.body.code, 'latin1')));
  } finally {
    rmSync(flag, { force: true });
  }
});
