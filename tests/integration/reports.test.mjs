// SPDX-License-Identifier: Apache-2.0
// Reports: daily and monthly counts and handling times, and the monthly
// agency (代办) report as CSV and as an A4 PDF that poppler's pdftotext (a
// reader nobody here wrote) reads back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase } from '../lib.mjs';

let box;
const codes = [];
const doc = { name: 'a.pdf', type: 'application/pdf', data: samples.pdf() };
const agent = { name: '欧阳娜娜', id_type: 'resident', id_number: '11010519491231002X' };
const today = new Date();
const pad = (n) => String(n).padStart(2, '0');
const day = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
const month = day.slice(0, 7);

before(async () => {
  box = await startBox();
  assert.equal((await box.login()).status, 200);
  const made = [
    await box.createCase({ ...goodCase, agent }, [doc]),
    await box.createCase({ ...goodCase, applicant_name: '=HYPERLINK("http://x")', agent }, [doc]),
    await box.createCase({ ...goodCase, item: 'RS-YL-01', materials: [1, 2].map((position) => ({ position,
      received: true })) }, [doc]),
  ];
  for (const m of made) {
    assert.equal(m.status, 201, JSON.stringify(m.body));
    codes.push(m.body.code);
  }
  await box.toReady(codes[2]);
});
after(async () => { await box.stop(); box.cleanup(); });

test('daily and monthly counts by item, department and state, with handling times', async () => {
  for (const q of [`period=day&date=${day}`, `period=month&month=${month}`]) {
    const r = await box.json(`/api/v1/reports?${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.total, 3);
    assert.deepEqual(r.body.by_item.map((i) => [i.code, i.count]), [['GA-JZZ-01', 2], ['RS-YL-01', 1]]);
    assert.deepEqual(r.body.by_department.map((d) => [d.department, d.count]),
      [['区公安分局', 2], ['区人力资源和社会保障局', 1]]);
    assert.deepEqual(r.body.by_state, { received: 2, ready: 1 });
    assert.equal(r.body.handling.count, 1);
    assert.equal(r.body.handling.longest_case, codes[2]);
    assert.ok(r.body.handling.average_hours >= 0 && r.body.handling.average_hours < 1);
  }
  const bad = await box.json('/api/v1/reports?period=week&date=2026-11-28');
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /请求无效/);
});

test('the monthly agency report as CSV: masked names, defused formulas', async () => {
  const r = await box.fetch(`/api/v1/reports/agency?month=${month}&format=csv`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  const text = Buffer.from(await r.arrayBuffer()).toString('utf8');
  assert.ok(text.startsWith('\ufeff"案件编号","收件日期","办理事项"'));
  const lines = text.trim().split('\r\n');
  assert.equal(lines.length, 3, 'a header and the two agency cases');
  assert.match(lines[1], new RegExp(`^"${codes[0]}","${day}","居住证办理","区公安分局","张\\*丰","欧\\*娜","received"$`));
  assert.match(lines[2], /,"'=\*\)",/, 'the formula-like name is masked and defused');
});

test('the monthly agency report as an A4 PDF', async () => {
  const r = await box.fetch(`/api/v1/reports/agency?month=${month}&format=pdf`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const pdf = Buffer.from(await r.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const file = join(box.dir, 'report.pdf');
  writeFileSync(file, pdf);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  assert.match(info, /Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)/);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  assert.match(text, new RegExp(`幸福街道便民服务站 ${month} 代办业务月报`));
  assert.match(text, new RegExp(codes[0]));
  assert.match(text, /合计：2 件/);
  assert.doesNotMatch(text, new RegExp(codes[2]), 'only agency cases');
});
