// SPDX-License-Identifier: Apache-2.0
// The raster profile, for printers without a Chinese font or native QR:
// every line and the QR code are sent as GS v 0 images drawn by the box;
// ZBar reads the QR straight from the printed image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase } from '../lib.mjs';
import { escposParser, rasterImages, pbm } from '../escpos.mjs';

let box;
before(async () => {
  box = await startBox('\n[printer]\nprofile = raster\ndots = 576\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

test('a receipt printed as images: no GB18030 text, the QR read by zbarimg from the raster', async () => {
  const r = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.receipt.printed, true, JSON.stringify(r.body.receipt));
  const bytes = readFileSync(join(box.state, 'dev', 'printer.out'));
  const images = rasterImages(bytes);
  assert.ok(images.length >= 12, `every line is an image (${images.length})`);
  for (const img of images) assert.ok(img.w <= 576 && img.h > 0 && img.bits.some((b) => b !== 0), 'not blank');
  // npos parses the job (its text reader would OCR the images, so the
  // native text is looked for in the bytes instead): no line went as text.
  const ast = await escposParser().parse(bytes);
  assert.equal(ast.error ?? null, null);
  assert.ok(ast.tree.some((n) => n.ascii === 'GS' && n.fn === 'v0'), 'npos sees the raster images');
  assert.doesNotMatch(new TextDecoder('gb18030').decode(bytes), /居住证办理/);
  // The largest image is the QR code: zbarimg decodes it as printed.
  const qr = images.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
  const file = join(box.dir, 'qr.pbm');
  writeFileSync(file, pbm(qr));
  const read = execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.equal(read.trim(), `OUTPOST-CASE:${r.body.code};幸福街道便民服务站`);
});

test('a ticket printed as images on the same printer', async () => {
  const before = readFileSync(join(box.state, 'dev', 'printer.out')).length;
  const t = await fetch(`${box.base}/api/v1/kiosk/tickets`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ category: 'P' }) });
  assert.equal(t.status, 201);
  const images = rasterImages(readFileSync(join(box.state, 'dev', 'printer.out')).subarray(before));
  assert.ok(images.length >= 6);
  // The number is drawn four times larger than the office's name.
  assert.ok(Math.max(...images.map((i) => i.h)) >= 3 * Math.min(...images.map((i) => i.h)));
});
