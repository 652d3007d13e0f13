// SPDX-License-Identifier: Apache-2.0
// F1 of the 2026-12-03 review: text from the network that is not UTF-8,
// in every place a request carries text, is answered 400 in words by the
// web; the web process itself lives on (the core kills a web whose
// messages are inconsistent, so a wrong answer here is a box down).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBox, rawHttp, rawRequest as anyRequest, multipart, samples, goodCase } from '../lib.mjs';

let box;
let webPid;
before(async () => {
  box = await startBox();
  assert.equal((await box.login()).status, 200);
  webPid = box.pids().web;
});
after(async () => { await box.stop(); box.cleanup(); });

// Bytes that are not UTF-8: a stray continuation byte, an overlong "/",
// a lone surrogate, a byte that never occurs.
const bad = ['\x80', '\xc0\xaf', '\xed\xa0\x80', 'a\xffb'];
// Strings here are bytes (latin1): text is written as its UTF-8 bytes.
const u8 = (text) => Buffer.from(text).toString('latin1');
const caseJson = u8('{"applicant_name":"张三","id_number":"11010519491231002X","item":"GA-JZZ-01","materials":[]}');

const send = (bytes) => rawHttp(box, [bytes]);
const rawRequest = (method, path, headers, body) => anyRequest(method, path, { Host: `127.0.0.1:${box.httpsPort}`, ...headers }, body);
const staff = () => ({ Cookie: box.cookie, 'X-CSRF-Token': box.csrf, Origin: box.secureBase });

function upload(parts, headers = staff()) {
  const m = multipart(parts);
  return send(rawRequest('POST', '/api/v1/cases', { ...headers, 'Content-Type': m.type }, m.body));
}

function assertRefused(r, what) {
  assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error, 'bad_text', what);
  assert.match(r.body.message, /UTF-8/, what);
}

test('a document whose file name or type is not UTF-8 is refused 400 and the web lives on', async () => {
  for (const b of bad) {
    const doc = { name: 'document', data: samples.pdf() };
    assertRefused(await upload([{ name: 'case', data: caseJson }, { ...doc, filename: `scan${b}.pdf`, type: 'application/pdf' }]),
      `file name with ${JSON.stringify(b)}`);
    assertRefused(await upload([{ name: 'case', data: caseJson }, { ...doc, filename: 'scan.pdf', type: `application/pdf${b}` }]),
      `part type with ${JSON.stringify(b)}`);
  }
  // Anonymous, as in the review: refused before the body is looked at.
  const anon = await upload([{ name: 'document', filename: 'x\xff.pdf', type: 'application/pdf', data: samples.pdf() }],
    { Origin: box.secureBase });
  assert.equal(anon.status, 401, JSON.stringify(anon.body));
  assert.equal(box.pids().web, webPid, 'the web process was not restarted');
});

test('the path, the query, the cookie, the CSRF header and webhook headers: 400, never a dead web', async () => {
  for (const b of bad) {
    const pct = [...Buffer.from(b, 'latin1')].map((c) => `%${c.toString(16).padStart(2, '0')}`).join('');
    assertRefused(await send(rawRequest('GET', `/api/v1/cases/${b}`, staff())), 'raw path');
    assertRefused(await send(rawRequest('GET', `/api/v1/cases/${pct}`, staff())), 'escaped path');
    assertRefused(await send(rawRequest('GET', `/api/v1/cases?q=${pct}`, staff())), 'query');
    assertRefused(await send(rawRequest('GET', '/api/v1/session', { Cookie: `outpost_session=${b}` })), 'cookie');
    assertRefused(await send(rawRequest('POST', '/api/v1/logout', { ...staff(), 'X-CSRF-Token': b,
      'Content-Type': 'application/json' }, '{}')), 'CSRF header');
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      assertRefused(await send(rawRequest('POST', '/api/v1/central/webhook', { [h]: b, 'Content-Type': 'application/json' },
        '{"type":"case.event"}')), h);
    }
  }
  assert.equal(box.pids().web, webPid, 'the web process was not restarted');
});

test('JSON bodies and form fields that are not UTF-8 are refused in words', async () => {
  for (const b of bad) {
    const login = await send(rawRequest('POST', '/api/v1/login', { 'Content-Type': 'application/json', Origin: box.secureBase },
      `{"username":"adm${b}in","password":"x"}`));
    assert.equal(login.status, 400, JSON.stringify(login.body));
    assert.match(login.body.message, /[\u4e00-\u9fff]/, 'a message in Chinese');
    const form = await upload([{ name: 'case', data: caseJson.replace(u8('张三'), `${u8('张')}${b}${u8('三')}`) },
      { name: 'document', filename: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
    assert.equal(form.status, 400, JSON.stringify(form.body));
  }
  assert.equal(box.pids().web, webPid, 'the web process was not restarted');
  // And nothing was lost or kept half: the box still takes a good case.
  const ok = await upload([{ name: 'case', data: u8(JSON.stringify(goodCase)) },
    { name: 'document', filename: u8('身份证.pdf'), type: 'application/pdf', data: samples.pdf() }]);
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal((await box.json('/api/v1/health')).status, 200);
});

test('two Content-Length headers, or one with Transfer-Encoding, are refused 400', async () => {
  const json = '{"username":"admin","password":"x"}';
  const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
  const head = (extra, body) => Buffer.from(['POST /api/v1/login HTTP/1.1', `Host: 127.0.0.1:${box.httpsPort}`,
    'Connection: close', 'Content-Type: application/json', ...extra, '', body].join('\r\n'), 'latin1');
  for (const [extra, body] of [[[`Content-Length: ${json.length}`, 'Content-Length: 5'], json],
    [[`Content-Length: ${json.length}`, `Content-Length: ${json.length}`], json],
    [[`Content-Length: ${chunked.length}`, 'Transfer-Encoding: chunked'], chunked]]) {
    const r = await send(head(extra, body));
    assert.equal(r.status, 400, `${extra.join(', ')}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error, 'bad_request', extra.join(', '));
    assert.match(r.body.message, /请求无效/);
  }
  assert.equal(box.pids().web, webPid);
});
