// SPDX-License-Identifier: Apache-2.0
// Mutual TLS between offices and outpost-central: with [central]
// tls_client_ca set, the box's endpoints under /v1/ answer only a client
// certificate signed by that CA ([sync] client_cert at the box); the clerks'
// pages do not ask.  Also: central's shipped example configuration is valid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, goodCase, samples, top, buildDir } from '../lib.mjs';
import { startCentral, makeTls } from '../central.mjs';

let central, tls, office, neighbour, rogue;
const boxes = [];
const curl = (...args) => spawnSync('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--cacert', tls.ca, ...args], { encoding: 'utf8' });

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-mtls-'));
  tls = makeTls(dir);
  office = makeTls(dir, 'office', ['127.0.0.1'], 'SQ01'); // signed by central's CA, for office SQ01
  neighbour = makeTls(dir, 'neighbour', ['127.0.0.1'], 'SQ02'); // the same CA, another office
  rogue = makeTls(mkdtempSync(join(tmpdir(), 'outpost-rogue-')), 'rogue'); // another CA
  central = await startCentral(`tls_client_ca = ${tls.ca}\n`, { tls, dir });
});
after(async () => {
  for (const b of boxes) { await b.stop(); b.cleanup(); }
  await central?.stop();
  central?.cleanup();
});

async function boxWith(extra) {
  const b = await startBox(`[sync]\nbatch_seconds = 1\npoll_seconds = 2\nca_file = ${tls.ca}\n${extra}`);
  boxes.push(b);
  assert.equal((await b.login()).status, 200);
  return b;
}

test('without a client certificate, or with one from another CA, /v1/ is refused; the clerks\' pages are not', () => {
  const none = curl(`${central.base}/v1/catalog`);
  const [body, code] = none.stdout.split('\n');
  assert.equal(code, '403');
  assert.equal(JSON.parse(body).error, 'client_certificate');
  assert.match(JSON.parse(body).message, /客户端证书/);
  const wrong = curl('--cert', rogue.cert, '--key', rogue.key, `${central.base}/v1/catalog`);
  assert.equal(wrong.stdout.split('\n').pop(), '403');
  const good = curl('--cert', office.cert, '--key', office.key, `${central.base}/v1/catalog`);
  assert.notEqual(good.stdout.split('\n').pop(), '403');
  assert.equal(curl(`${central.base}/central/`).stdout.split('\n').pop(), '200');
});

test('a box without its certificate cannot enrol, and says why; with it, cases reach central', async () => {
  const bare = await boxWith('');
  const refused = await bare.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
  assert.equal(refused.status, 502);
  assert.match(refused.body.central_message, /客户端证书/);
  const stranger = await boxWith(`client_cert = ${rogue.cert}\nclient_key = ${rogue.key}\n`);
  assert.equal((await stranger.post('/api/v1/sync/enrol', { url: central.base, token: central.token() })).status, 502);

  // Another office's certificate from the same CA: refused, by name.
  const borrowed = await boxWith(`client_cert = ${neighbour.cert}\nclient_key = ${neighbour.key}\n`);
  const lent = await borrowed.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
  assert.equal(lent.status, 502);
  assert.match(lent.body.central_message, /客户端证书不属于这个服务站/);

  const box = await boxWith(`client_cert = ${office.cert}\nclient_key = ${office.key}\n`);
  const r = await box.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // Its signed requests with SQ02's certificate are refused too.
  const asNeighbour = curl('--cert', neighbour.cert, '--key', neighbour.key, '-H', 'Outpost-Office: SQ01',
    `${central.base}/v1/catalog`);
  assert.equal(asNeighbour.stdout.split('\n').pop(), '403');
  assert.equal(JSON.parse(asNeighbour.stdout.split('\n')[0]).error, 'client_certificate_office');
  const created = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  await box.waitUntil(async () => (await box.caseState(created.body.code)) === 'sent', 20000, 'the case to reach central');
});

test('the shipped example configuration checks; a client CA without a server certificate does not', () => {
  const exe = join(buildDir, 'outpost-central');
  assert.equal(execFileSync(exe, ['-n', '-c', join(top, 'sync/central/outpost-central.conf.example')], { encoding: 'utf8' }).trim(),
    'configuration OK');
  const dir = mkdtempSync(join(tmpdir(), 'outpost-conf-'));
  writeFileSync(join(dir, 'c.conf'), `[central]\nstate_dir = ${dir}\ntls_client_ca = ${tls.ca}\n`);
  const bad = spawnSync(exe, ['-n', '-c', join(dir, 'c.conf')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /tls_client_ca needs tls_cert/);
});
