// SPDX-License-Identifier: Apache-2.0
// The office LAN is encrypted: the console is served over HTTPS, first with
// the self-signed certificate the box makes at first start (its
// fingerprint in the first-start output and in outpostctl status), after
// enrolment with the certificate central's office CA issues for the office.
// Plain HTTP only redirects, except the kiosk and the call display for the
// box's own screen ([web] screen_address, 127.0.0.1): a client from
// 127.0.0.2 stands for another computer of the office.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, buildDir, httpsFetch } from '../lib.mjs';
import { startCentral, makeTls } from '../central.mjs';
import { escposText } from '../escpos.mjs';

let box;
before(async () => { box = await startBox(); });
after(async () => { await box?.stop(); box?.cleanup(); });

// A plain-HTTP request to the box from the address from.
function plain(path, { from = '127.0.0.1', method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: box.port, path, method, localAddress: from, agent: false,
      headers: { ...headers, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}) } },
    (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the console is served over HTTPS with the self-signed certificate whose fingerprint first start printed', async () => {
  const printed = box.log.match(/HTTPS certificate, SHA-256 fingerprint ([0-9A-F:]{95})/);
  assert.ok(printed, `first start names the fingerprint:\n${box.log}`);
  const res = await box.fetch('/staff/');
  assert.equal(res.status, 200);
  assert.equal(res.peerCertificate.fingerprint256, printed[1]);
  const self = new X509Certificate(readFileSync(join(box.state, 'tls-self.crt')));
  assert.equal(self.fingerprint256, printed[1]);
  assert.match(self.subject, /CN=Outpost SQ01/);
  assert.equal(box.status().tls.fingerprint, printed[1]);
  const text = execFileSync(join(buildDir, 'outpostctl'), ['-c', box.config, 'status'], { encoding: 'utf8' });
  assert.ok(text.includes(printed[1]), text);
  assert.ok(text.includes(`https://127.0.0.1:${box.httpsPort}/`), text);
  // The TLS key is the core's alone, and not the box key.
  const st = execFileSync('stat', ['-c', '%a', join(box.state, 'tls.key')], { encoding: 'utf8' }).trim();
  assert.equal(st, '600');
  // A client that trusts only another certificate is refused.
  const other = makeTls(mkdtempSync(join(tmpdir(), 'outpost-other-')), 'other');
  await assert.rejects(httpsFetch(`${box.secureBase}/staff/`, {}, [readFileSync(other.ca)]), /certificate/);
});

test('a new box prints its setup slip with the console address and the fingerprint; once; outpostctl prints it again', async () => {
  const out = join(box.state, 'dev', 'printer.out');
  const fp = box.status().tls.fingerprint;
  const slips = async (from = 0) => (await escposText(readFileSync(out).subarray(from))).split('设备设置单').length - 1;
  await box.waitUntil(async () => (await slips()) === 1, 5000, 'the setup slip of the first start');
  const text = await escposText(readFileSync(out));
  assert.ok(text.includes(`https://127.0.0.1:${box.httpsPort}/staff/`), text);
  // The fingerprint in four lines of eight bytes, as a clerk compares it.
  for (let i = 0; i < 4; i++) assert.ok(text.includes(fp.slice(i * 24, i * 24 + 23)), `${fp}\n${text}`);
  assert.match(text, /服务站编码：SQ01/);
  assert.match(text, /请核对证书指纹/);
  // The same certificate at the next start: no second slip.
  const printed = readFileSync(out).length;
  await box.restart();
  await box.waitUntil(async () => box.status().roles.dev.state === 'up', 5000, 'dev up again');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await slips(printed), 0, 'printed once');
  const ctl = execFileSync(join(buildDir, 'outpostctl'), ['-c', box.config, 'setup-slip'], { encoding: 'utf8' });
  assert.match(ctl, /设置单已送往打印机/);
  await box.waitUntil(async () => (await slips(printed)) === 1, 5000, 'the slip printed again');
  assert.ok((await escposText(readFileSync(out).subarray(printed))).includes(fp.slice(0, 23)));
});

test('HTTPS answers carry HSTS; the session cookie is Secure, HttpOnly and SameSite=Strict', async () => {
  const r = await box.fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: box.adminPassword() }) });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  for (const attr of ['Secure', 'HttpOnly', 'SameSite=Strict']) assert.ok(cookie.includes(attr), cookie);
  assert.match(r.headers.get('strict-transport-security') ?? '', /max-age=\d{7,}/);
  assert.match((await box.fetch('/staff/')).headers.get('strict-transport-security') ?? '', /max-age=/);
});

test('the call display\'s event stream over HTTPS carries HSTS too', async () => {
  const headers = await new Promise((resolve, reject) => {
    const req = httpsRequest(`${box.secureBase}/api/v1/display/events`, { ca: box.trusted(), agent: false }, (res) => {
      resolve({ status: res.statusCode, ...res.headers });
      req.destroy(); // the stream never ends by itself
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(headers.status, 200);
  assert.match(headers['content-type'], /text\/event-stream/);
  assert.match(headers['strict-transport-security'] ?? '', /max-age=\d{7,}/);
});

test('new [web] tls_names make the self-signed certificate again, for the same key; the same names keep it', async () => {
  const b = await startBox('tls_names = outpost-a.lan\n');
  try {
    const first = new X509Certificate((await b.fetch('/api/v1/health')).peerCertificate.raw);
    assert.ok(first.checkHost('outpost-a.lan'));
    await b.restart();
    assert.equal(new X509Certificate((await b.fetch('/api/v1/health')).peerCertificate.raw).fingerprint256,
      first.fingerprint256, 'unchanged names keep the certificate');
    await b.restart(() => writeFileSync(b.config, readFileSync(b.config, 'utf8')
      .replace('tls_names = outpost-a.lan', 'tls_names = outpost-b.lan, 192.168.7.2, fd00:0:0::7')));
    const next = new X509Certificate((await b.fetch('/api/v1/health')).peerCertificate.raw);
    assert.notEqual(next.fingerprint256, first.fingerprint256);
    assert.ok(next.checkHost('outpost-b.lan'));
    assert.ok(next.checkIP('192.168.7.2'));
    assert.equal(next.checkHost('outpost-a.lan'), undefined);
    assert.equal(next.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
      first.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'), 'the box keeps its key');
    assert.equal(b.status().tls.fingerprint, next.fingerprint256);
    assert.match(b.log, /tls_names changed: made the HTTPS certificate again/);
    // An IPv6 address written long is the same name: no new certificate.
    await b.restart();
    assert.equal(b.status().tls.fingerprint, next.fingerprint256);
    // A name a certificate cannot hold is refused with the configuration.
    writeFileSync(b.config, readFileSync(b.config, 'utf8').replace('outpost-b.lan', 'outpost_b.lan/x'));
    const bad = spawnSync(join(buildDir, 'outpostd'), ['-n', '-c', b.config], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /tls_names/);
  } finally {
    await b.stop(); b.cleanup();
  }
});

test('plain HTTP from another computer is redirected to HTTPS, the kiosk too', async () => {
  for (const path of ['/staff/', '/kiosk/', '/api/v1/health', '/display/?x=a%20b']) {
    const r = await plain(path, { from: '127.0.0.2' });
    assert.equal(r.status, 308, path);
    assert.equal(r.headers.location, `https://127.0.0.1:${box.httpsPort}${path}`);
    assert.equal(r.text, '');
  }
  const post = await plain('/api/v1/login', { from: '127.0.0.2', method: 'POST',
    body: JSON.stringify({ username: 'admin', password: 'x' }) });
  assert.equal(post.status, 308);
});

test('the kiosk and the display on the box\'s own screen work over plain HTTP; the console does not', async () => {
  assert.equal((await plain('/kiosk/')).status, 200);
  assert.equal((await plain('/display/')).status, 200);
  const t = await plain('/api/v1/kiosk/tickets', { method: 'POST', body: JSON.stringify({ category: 'P' }) });
  assert.equal(t.status, 201, t.text);
  assert.match(JSON.parse(t.text).label, /^[A-Z]\d{3}$/);
  for (const path of ['/staff/', '/api/v1/health', '/api/v1/cases']) {
    const r = await plain(path);
    assert.equal(r.status, 308, path);
    assert.equal(r.headers.location, `https://127.0.0.1:${box.httpsPort}${path}`);
  }
  const login = await plain('/api/v1/login', { method: 'POST', body: JSON.stringify({ username: 'admin', password: box.adminPassword() }) });
  assert.equal(login.status, 308);
  assert.equal(login.headers['set-cookie'], undefined);
});

test('after enrolment the box serves the certificate central issued, chained to its office CA, with the office code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-https-'));
  const tls = makeTls(dir);
  const central = await startCentral('', { tls, dir });
  const office = await startBox(`tls_names = outpost-sq01.lan, 192.168.1.20, www.example.com\n[sync]\nca_file = ${tls.ca}\n`);
  try {
    const before = (await office.fetch('/staff/')).peerCertificate;
    await office.login();
    const r = await office.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await office.waitUntil(async () => office.status().tls.issuer === 'central', 5000, 'the issued certificate');
    const ca = new X509Certificate(readFileSync(join(central.state, 'office-ca.crt')));
    assert.ok(ca.ca);
    // Trusting central's office CA alone, the box's HTTPS verifies.
    const res = await httpsFetch(`${office.secureBase}/api/v1/health`, {}, [readFileSync(join(central.state, 'office-ca.crt'))]);
    assert.equal(res.status, 200);
    const leaf = new X509Certificate(res.peerCertificate.raw);
    assert.notEqual(res.peerCertificate.fingerprint256, before.fingerprint256);
    assert.match(leaf.subject, /CN=SQ01/);
    assert.ok(leaf.verify(ca.publicKey), 'signed by the office CA');
    assert.ok(leaf.checkIssued(ca));
    assert.equal(leaf.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
      new X509Certificate(before.raw).publicKey.export({ type: 'spki', format: 'der' }).toString('hex'), 'the box keeps its key');
    // Its LAN names and addresses; a public name is left out.
    assert.ok(leaf.checkHost('outpost-sq01.lan'));
    assert.ok(leaf.checkIP('192.168.1.20'));
    assert.ok(leaf.checkIP('127.0.0.1'));
    assert.equal(leaf.checkHost('www.example.com'), undefined);
    assert.equal(office.status().tls.fingerprint, res.peerCertificate.fingerprint256);
    // The session made before the switch still works: nothing was restarted.
    assert.equal((await office.json('/api/v1/sync')).status, 200);
    // And after a power cut it is still the issued one.
    await office.crashAndRestart();
    assert.equal(office.status().tls.issuer, 'central');
    assert.equal(office.status().tls.fingerprint, res.peerCertificate.fingerprint256);
  } finally {
    await office.stop(); office.cleanup();
    await central.stop(); central.cleanup();
  }
});
