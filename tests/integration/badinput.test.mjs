// SPDX-License-Identifier: Apache-2.0
// Bad input: each refused with a 4xx and a clear message in Chinese (English
// when chosen), and nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, samples, goodCase } from '../lib.mjs';

let box;
const pdf = { name: 'a.pdf', type: 'application/pdf', data: samples.pdf() };

before(async () => {
  box = await startBox('max_document_bytes = 65536\nmax_upload_bytes = 262144\n[auth]\nlockout_failures = 3\nlockout_seconds = 60\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); });

function printedBytes() {
  try { return readFileSync(join(box.state, 'dev', 'printer.out')).length; } catch { return 0; }
}

// Asserts the refusal and that no case, document or receipt appeared.
async function refused(promise, status, error, messagePattern) {
  const casesBefore = (await box.json('/api/v1/cases')).body.cases.length;
  const filesBefore = box.storedFiles().length;
  const printed = printedBytes();
  const r = await promise();
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error, error);
  assert.match(r.body.message, messagePattern);
  assert.equal((await box.json('/api/v1/cases')).body.cases.length, casesBefore, 'no case stored');
  assert.equal(box.storedFiles().length, filesBefore, 'no document stored');
  assert.equal(printedBytes(), printed, 'nothing printed');
  return r;
}

test('an ID number with a wrong check digit', async () => {
  await refused(() => box.createCase({ ...goodCase, id_number: '110105194912310021' }, [pdf]), 400,
    'bad_id_number', /居民身份证号码无效/);
});

test('the same in English when the user chose English', async () => {
  await refused(() => box.createCase({ ...goodCase, id_number: '110105194912310021' }, [pdf],
    { headers: { Cookie: `${box.cookie}; lang=en` } }), 400, 'bad_id_number', /invalid resident ID number/);
  await refused(() => box.createCase({ ...goodCase, id_number: '1' }, [pdf],
    { headers: { 'Accept-Language': 'en-US,en;q=0.9' } }), 400, 'bad_id_number', /invalid resident ID/);
});

test('missing fields name the field', async () => {
  const { phone, ...noPhone } = goodCase;
  assert.ok(phone);
  const r = await refused(() => box.createCase(noPhone, [pdf]), 400, 'missing_field', /缺少必填项：联系电话/);
  assert.equal(r.body.field, 'phone');
  await refused(() => box.createCase({ ...goodCase, applicant_name: '' }, [pdf]), 400, 'missing_field', /申请人姓名/);
  // Required materials not ticked: refused, naming them.
  const m = await refused(() => box.createCase({ ...goodCase, materials: [] }, [pdf]), 400, 'materials_missing',
    /必需材料未收齐/);
  assert.deepEqual(m.body.missing, ['申请人居民身份证', '近期一寸免冠照片', '居住登记凭证（租赁合同或房产证明）']);
  await refused(() => box.createCase({ ...goodCase, phone: '12345' }, [pdf]), 400, 'bad_phone', /联系电话格式不正确/);
  await refused(() => box.createCase({ ...goodCase, item: 'NO-SUCH' }, [pdf]), 400, 'unknown_item', /所选事项不存在/);
});

test('an oversized document and an oversized request', async () => {
  const big = { name: 'big.pdf', type: 'application/pdf', data: Buffer.concat([samples.pdf(), Buffer.alloc(70000)]) };
  await refused(() => box.createCase(goodCase, [big]), 413, 'too_large', /上传内容超过大小上限/);
  const huge = { name: 'huge.pdf', type: 'application/pdf', data: Buffer.concat([samples.pdf(), Buffer.alloc(300000)]) };
  await refused(() => box.createCase(goodCase, [huge]), 413, 'too_large', /超过大小上限/);
});

test('a document that is not what its type says', async () => {
  const fake = { name: 'scan.pdf', type: 'application/pdf', data: samples.png() };
  await refused(() => box.createCase(goodCase, [pdf, fake]), 415, 'bad_document_type', /文件内容与其类型不符/);
  const exe = { name: 'virus.exe', type: 'application/octet-stream', data: Buffer.from('MZ\x90\x00 not a document') };
  await refused(() => box.createCase(goodCase, [exe]), 415, 'bad_document_type', /仅接受 PDF、JPEG、PNG/);
});

test('malformed JSON', async () => {
  await refused(() => box.createCase('{"applicant_name": "张三", ', [pdf]), 400, 'bad_json', /JSON 无效/);
  await refused(() => box.json('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username": admin}' }),
    400, 'bad_json', /请求格式错误/);
  await refused(() => box.json('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1,2]' }),
    400, 'bad_json', /JSON/);
});

test('a state change without or with a wrong CSRF token', async () => {
  await refused(() => box.createCase(goodCase, [pdf], { csrf: '' }), 403, 'csrf', /CSRF/);
  await refused(() => box.createCase(goodCase, [pdf], { csrf: 'f'.repeat(64) }), 403, 'csrf', /CSRF/);
});

test('no session: 401 for reads and writes', async () => {
  const r = await box.json('/api/v1/cases', { headers: { Cookie: '' } });
  assert.equal(r.status, 401);
  assert.match(r.body.message, /请先登录/);
  await refused(() => box.createCase(goodCase, [pdf], { headers: { Cookie: 'outpost_session=' + '0'.repeat(64) } }),
    401, 'not_logged_in', /请先登录/);
});

test('wrong passwords, then lockout even with the right one', async () => {
  const login = (password) => box.json('/api/v1/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: '' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const first = await login('wrong-1');
  assert.equal(first.status, 401);
  assert.match(first.body.message, /用户名或密码错误/);
  assert.equal((await login('wrong-2')).status, 401);
  const third = await login('wrong-3');
  assert.equal(third.status, 429);
  assert.match(third.body.message, /账户已暂时锁定/);
  const right = await login(box.adminPassword());
  assert.equal(right.status, 429, 'locked even with the right password');
  // Unknown names answer the same, so names cannot be probed.
  const unknown = await box.json('/api/v1/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: '' },
    body: JSON.stringify({ username: 'nobody', password: 'x' }),
  });
  assert.equal(unknown.status, 401);
  assert.match(box.log, /locked for 60 s after 3 failures/);
});
