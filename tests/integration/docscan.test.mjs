// SPDX-License-Identifier: Apache-2.0
// Document scanning through SANE's real library and its pnm and test
// backends: the cover and separator sheets the box printed (raster
// profile: the printed QR images themselves) laid before content pages,
// the stack split into one PDF per material and filed into the case; a missed separator
// refused by the page counts; the backend's error conditions as clear
// messages; the test backend's 10-page feeder.  The PDFs are checked with
// poppler's pdfinfo and pdfimages (JPEG embedded as is).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, goodCase } from '../lib.mjs';
import { sheetPage, contentPage, printedSheetPage } from '../docscan-pages.mjs';
import { rasterImages, pbm } from '../escpos.mjs';

let box, dir, code;
const cover = (c, pages) => `OUTPOST-COVER:${c};${pages}`;
const sep = (c, m, pages) => `OUTPOST-SEP:${c};${m};${pages}`;

before(async () => {
  // Readable by the dev role's user, which may read the private SANE
  // folder (and the pages the pnm backend reads there) and nothing else.
  dir = mkdtempSync(join(tmpdir(), 'outpost-sane-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'sane'));
  // SANE's virtual backends are off by default: a private configuration.
  writeFileSync(join(dir, 'sane', 'dll.conf'), 'test\npnm\n');
  copyFileSync('/etc/sane.d/test.conf', join(dir, 'sane', 'test.conf'));
  box = await startBox('[docscan]\ndevice = pnm:0\nsource = flatbed\nresolution = 150\n[printer]\nprofile = raster\n',
    { env: { SANE_CONFIG_DIR: join(dir, 'sane') } });
  assert.equal((await box.login()).status, 200);
  const materials = [[1, 2], [2, 1], [3, 1]].map(([position, pages]) => ({ position, received: true, pages }));
  const r = await box.createCase({ ...goodCase, materials }, []);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  code = r.body.code;
});
after(async () => { await box.stop(); box.cleanup(); rmSync(dir, { recursive: true, force: true }); });

// Scans the pages one by one on the "flatbed" (the pnm backend reads the
// file named in its filename option), then finishes the job.
async function scanStack(pages, extra = {}) {
  const files = pages.map((p, i) => {
    const f = join(dir, 'sane', `page-${Date.now()}-${i}.pgm`);
    if (p === 'P') contentPage(f, i); else if (typeof p === 'string') sheetPage(f, p); else printedSheetPage(f, p);
    return f;
  });
  const start = await box.post('/api/v1/scan-jobs', { source: 'flatbed', more: true, options: { filename: files[0] }, ...extra });
  assert.equal(start.status, 202, JSON.stringify(start.body));
  const id = start.body.job;
  const settled = async (states) => {
    let j;
    await box.waitUntil(async () => states.includes((j = (await box.json(`/api/v1/scan-jobs/${id}`)).body).state), 20000, `job ${id} to be ${states}`);
    return j;
  };
  let j = await settled(['open', 'failed']);
  for (const f of files.slice(1)) {
    if (j.state !== 'open') break;
    const more = await box.post(`/api/v1/scan-jobs/${id}/more`, { options: { filename: f } });
    assert.equal(more.status, 202, JSON.stringify(more.body));
    j = await settled(['open', 'failed']);
  }
  if (j.state === 'open') {
    assert.equal((await box.post(`/api/v1/scan-jobs/${id}/finish`)).status, 202);
    j = await settled(['done', 'failed']);
  }
  return j;
}

const caseDocs = async () => (await box.json(`/api/v1/cases/${code}`)).body.document_list;

// The sheets the box prints for the case: its cover and one separator per
// material, found among the printed raster images by what zbarimg reads.
async function printedSheets() {
  const before = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  const r = await box.post(`/api/v1/cases/${code}/cover`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const sheets = {};
  for (const img of rasterImages(readFileSync(join(box.state, 'dev', 'printer.out')).subarray(before))) {
    if (img.w < 100 || Math.abs(img.w - img.h) > 8) continue; /* text lines are wide and low; QR codes square */
    const f = join(dir, 'sheet.pbm');
    writeFileSync(f, pbm(img));
    const text = execFileSync('zbarimg', ['--raw', '-q', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (text.startsWith('OUTPOST-')) sheets[text] = img;
  }
  return sheets;
}

test('the printed cover and separators split a stack into one PDF per material, filed in the case', async () => {
  const sheets = await printedSheets();
  assert.deepEqual(Object.keys(sheets).sort(), [cover(code, 4), sep(code, 1, 2), sep(code, 2, 1), sep(code, 3, 1)].sort());
  const j = await scanStack([sheets[cover(code, 4)], sheets[sep(code, 1, 2)], 'P', 'P', sheets[sep(code, 2, 1)], 'P',
    sheets[sep(code, 3, 1)], 'P']);
  assert.equal(j.state, 'done', j.message);
  assert.equal(j.pages, 8);
  assert.deepEqual(j.documents.map((d) => [d.material, d.pages]), [[1, 2], [2, 1], [3, 1]]);
  assert.match(j.message, /已扫描 8 页，分为 3 份材料/);
  const docs = await caseDocs();
  const scanned = docs.filter((d) => /扫描件/.test(d.filename));
  assert.equal(scanned.length, 3, JSON.stringify(docs));
  assert.deepEqual(scanned.map((d) => d.material), [1, 2, 3]);
  // The first material's PDF: two pages, each a JPEG embedded as is.
  const n = scanned[0].n;
  const res = await box.fetch(`/api/v1/cases/${code}/documents/${n}`);
  assert.equal(res.status, 200);
  const pdf = join(dir, 'm1.pdf');
  writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
  assert.match(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }), /Pages:\s+2/);
  const images = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  assert.equal(images.length, 2);
  for (const l of images) assert.match(l, /\s1240\s+1754\s+gray\s+1\s+8\s+jpeg\s/, l);
});

test('a missed separator is caught by the page counts, and nothing is filed', async () => {
  const before = (await caseDocs()).length;
  const j = await scanStack([cover(code, 4), sep(code, 1, 2), 'P', 'P', 'P', sep(code, 3, 1), 'P']);
  assert.equal(j.state, 'failed');
  assert.equal(j.status, 'split');
  assert.match(j.message, /第 1 项材料应为 2 页，实际扫描 3 页：可能漏放了分隔页/);
  assert.equal((await caseDocs()).length, before, 'nothing filed');
  const en = await box.json(`/api/v1/scan-jobs/${j.job}`, { headers: { 'Accept-Language': 'en' } });
  assert.match(en.body.message, /a separator sheet may be missing/);
});

test('the scanner\'s conditions become clear messages: jammed, cover open, no documents', async () => {
  for (const [option, status, text] of [['status-jammed', 'jammed', /卡纸/], ['status-coveropen', 'cover_open', /盖板打开/],
    ['status-nodocs', 'no_docs', /没有纸张/]]) {
    const f = join(dir, 'sane', 'p.pgm');
    contentPage(f, 1);
    const r = await box.post('/api/v1/scan-jobs', { source: 'flatbed', options: { filename: f, [option]: 'yes' } });
    assert.equal(r.status, 202);
    let j;
    await box.waitUntil(async () => (j = (await box.json(`/api/v1/scan-jobs/${r.body.job}`)).body).state === 'failed', 10000, option);
    assert.equal(j.status, status);
    assert.match(j.message, text);
  }
  // A setting the backend does not have is named.
  const r = await box.post('/api/v1/scan-jobs', { source: 'flatbed', options: { 'no-such-option': '1' } });
  let j;
  await box.waitUntil(async () => (j = (await box.json(`/api/v1/scan-jobs/${r.body.job}`)).body).state === 'failed', 10000, 'bad option');
  assert.match(j.message, /扫描仪不接受该设置：no-such-option/);
});

test('the test backend\'s 10-page feeder gives 10 pages; one job at a time', async () => {
  // The backend's reads are made small and slow so the first job is certainly still
  // running when the second request comes: unslowed, a fast machine scans all ten
  // pages in 20 ms, before the second request is parsed.
  const started = Date.now();
  const r = await box.post('/api/v1/scan-jobs', { device: 'test:0', source: 'adf', resolution: 100, test: true,
    options: { 'read-limit': 'yes', 'read-limit-size': '16384', 'read-delay': 'yes', 'read-delay-duration': '10000' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const busy = await box.post('/api/v1/scan-jobs', { test: true });
  assert.equal(busy.status, 409, `the first job: ${JSON.stringify((await box.json(`/api/v1/scan-jobs/${r.body.job}`)).body)}`);
  assert.equal(busy.body.error, 'scanner_busy');
  let j;
  await box.waitUntil(async () => ['done', 'failed'].includes((j = (await box.json(`/api/v1/scan-jobs/${r.body.job}`)).body).state), 20000, 'the ADF job');
  assert.equal(j.state, 'done', j.message);
  assert.equal(j.pages, 10);
  assert.equal(j.codes.length, 10);
  console.log(`# the slowed 10-page ADF job took ${Date.now() - started} ms`);
  // Colour from the flatbed: one page.
  const color = await box.post('/api/v1/scan-jobs', { device: 'test:0', source: 'flatbed', mode: 'color', resolution: 75, test: true,
    options: { 'test-picture': 'Color pattern' } });
  assert.equal(color.status, 202, JSON.stringify(color.body));
  await box.waitUntil(async () => ['done', 'failed'].includes((j = (await box.json(`/api/v1/scan-jobs/${color.body.job}`)).body).state), 20000, 'the colour job');
  assert.equal(j.state, 'done', j.message);
  assert.equal(j.pages, 1);
});
