// SPDX-License-Identifier: Apache-2.0
// The whole loop between a box and outpost-central, both real, over TLS
// with a CA made by the test and central's key pinned at enrolment:
// enrolment from the console with a one-time token; a case taken in at the box goes
// out in a batch (documents by tus, the manifest signed) and is taken once
// at central with every document's SHA-256 equal; central's decisions come
// back through the event feed and move the case at the box to ready; the
// pickup completes.  Then the sync process is SIGKILLed in mid-upload and
// the batch still arrives, each case exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, goodCase, samples, sleep, top } from '../lib.mjs';
import { startCentral, makeTls } from '../central.mjs';
import { Webhook } from 'standardwebhooks';
import { createPrivateKey, sign as edSign } from 'node:crypto';

let box, central;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const centralSql = (sql) => execFileSync('sqlite3', ['-json', join(central.state, 'central.db'), sql], { encoding: 'utf8' }).trim();
const centralRows = (sql) => { const t = centralSql(sql); return t ? JSON.parse(t) : []; };

let tls;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  tls = makeTls(dir);
  // Central publishes its own edition of the catalog.
  const catalog = JSON.parse(readFileSync(join(top, 'appliance/catalog-demo.json'), 'utf8'));
  catalog.version = '2026.12-central.1';
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(catalog));
  central = await startCentral(`catalog = ${join(dir, 'catalog.json')}\n`, { tls, dir });
  // The panel simulator's online LED follows central's reachability.
  box = await startBox(`[sync]\nbatch_seconds = 1\npoll_seconds = 2\nchunk_kib = 64\nheartbeat_seconds = 1\nca_file = ${tls.ca}\n` +
    '[gpio]\nchip = sim\nleds = online=LED-ONLINE\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => { await box.stop(); box.cleanup(); await central.stop(); central.cleanup(); });

test('enrolment from the console with a one-time token', async () => {
  const bad = await box.post('/api/v1/sync/enrol', { url: central.base, token: 'not-a-token' });
  assert.equal(bad.status, 502);
  assert.match(bad.body.central_message, /令牌无效/);
  const r = await box.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.office, 'SQ01');
  const s = (await box.json('/api/v1/sync')).body;
  assert.equal(s.enrolled, true);
  assert.equal(s.central_url, central.base);
});

test('heartbeats reach central\'s fleet record, and the box installs central\'s catalog', async () => {
  await box.waitUntil(async () => centralRows("SELECT heartbeat FROM offices WHERE code = 'SQ01' AND heartbeat IS NOT NULL").length > 0,
    10000, 'a heartbeat');
  const hb = JSON.parse(centralRows("SELECT heartbeat FROM offices WHERE code = 'SQ01'")[0].heartbeat);
  assert.equal(hb.printer, 'ready');
  assert.ok(hb.disk_free > 0);
  assert.equal(typeof hb.backlog.cases, 'number');
  await box.waitUntil(async () => (await box.json('/api/v1/catalog')).body.version === '2026.12-central.1', 10000,
    'central\'s catalog to be installed');
  // Later heartbeats ask with its ETag: 304, not installed again.
  await sleep(2500);
  assert.equal(box.log.split('\n').filter((l) => /central's catalog .* installed/.test(l)).length, 1);
});

test('a case goes to central and its decisions come back: accepted, decided, ready, collected', async () => {
  const pdf = samples.pdf(), jpeg = Buffer.concat([samples.jpeg(), randomBytes(200_000)]);
  const created = await box.createCase(goodCase, [{ name: '身份证.pdf', type: 'application/pdf', data: pdf },
    { name: '照片.jpg', type: 'image/jpeg', data: jpeg }]);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const code = created.body.code;
  await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 15000, `${code} to be sent`);
  const rows = centralRows(`SELECT code, version, state, applicant_name FROM cases WHERE code = '${code}'`);
  assert.deepEqual(rows, [{ code, version: 1, state: 'taken', applicant_name: '张三丰' }]);
  const docs = centralRows(`SELECT sha256, upload FROM case_documents WHERE code = '${code}' ORDER BY position`);
  assert.deepEqual(docs.map((d) => d.sha256), [sha256(pdf), sha256(jpeg)]);
  for (const d of docs) assert.equal(sha256(readFileSync(join(central.state, 'uploads', d.upload))), d.sha256);
  const batches = (await box.json('/api/v1/sync')).body.batches;
  assert.equal(batches[0].state, 'sent');
  assert.equal(batches[0].last_http, 201);

  central.cli('event', 'SQ01', code, '1', 'case.accepted', '{"official_number":"京公居字2026-0099"}');
  await box.waitUntil(async () => (await box.caseState(code)) === 'accepted', 10000, 'accepted');
  central.cli('event', 'SQ01', code, '1', 'case.decided', '{"decision":"approved","note":"准予办理"}');
  central.cli('event', 'SQ01', code, '1', 'case.ready', '{"note":"请携带身份证领取"}');
  await box.waitUntil(async () => (await box.caseState(code)) === 'ready', 10000, 'ready');
  const detail = (await box.json(`/api/v1/cases/${code}`)).body;
  assert.equal(detail.official_number, '京公居字2026-0099');
  assert.equal(detail.decision, 'approved');
  const pickup = await box.post(`/api/v1/cases/${code}/pickup`, { pickup_code: box.pickupCode(code), collector: { kind: 'applicant' } });
  assert.equal(pickup.status, 200, JSON.stringify(pickup.body));
  assert.equal(pickup.body.state, 'collected');
  // The feed's cursor is kept: a restarted box does not apply them again.
  const cursor = (await box.json('/api/v1/sync')).body.cursor;
  assert.ok(Number(cursor) >= 3, cursor);
});

// Pushes an event to the box as central would, as a Standard Webhook:
// v1 signed by the standardwebhooks package with the office's secret, v1a
// by Node's crypto with central's key.
function push(event, { when = new Date(), v1 = true, v1a = true, tamper = false } = {}) {
  const secret = `whsec_${Buffer.from(centralRows("SELECT hex(webhook_secret) AS h FROM offices WHERE code = 'SQ01'")[0].h, 'hex').toString('base64')}`;
  const body = JSON.stringify(event);
  const ts = Math.floor(when.getTime() / 1000);
  const sigs = [];
  if (v1) sigs.push(new Webhook(secret).sign(event.id, when, body));
  if (v1a) {
    const seed = readFileSync(join(central.state, 'central.key'));
    const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
    sigs.push(`v1a,${edSign(null, Buffer.from(`${event.id}.${ts}.${body}`), key).toString('base64')}`);
  }
  return box.fetch('/api/v1/central/webhook', { method: 'POST', body: tamper ? body.replace('0100', '0666') : body,
    headers: { 'Content-Type': 'application/json', 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': sigs.join(' ') } })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
}

test('events pushed as Standard Webhooks: applied once; bad signature, stale time, replay refused', async () => {
  const created = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  const code = created.body.code;
  await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 15000, `${code} to be sent`);
  const event = { id: `evt_push_${code}`, type: 'case.accepted', at: new Date().toISOString(), office: 'SQ01',
    case: { code, version: 1 }, data: { official_number: '京公居字2026-0100' } };
  const forged = await push(event, { tamper: true });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.error, 'bad_signature');
  const stale = await push(event, { when: new Date(Date.now() - 3600e3) });
  assert.equal(stale.status, 401);
  assert.equal(stale.body.error, 'stale_request');
  assert.equal(await box.caseState(code), 'sent', 'neither was applied');
  // Only the HMAC (v1), checked as standardwebhooks makes it.
  const ok = await push(event, { v1a: false });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.duplicate, false);
  assert.equal(await box.caseState(code), 'accepted');
  assert.equal((await box.json(`/api/v1/cases/${code}`)).body.official_number, '京公居字2026-0100');
  const history = (await box.json(`/api/v1/cases/${code}`)).body.history.length;
  // The same event again, now only with central's Ed25519 (v1a): a replay.
  const again = await push(event, { v1: false });
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  assert.equal((await box.json(`/api/v1/cases/${code}`)).body.history.length, history, 'nothing applied twice');
});

test('key rotation: central keeps the new key, and the box goes on signing with it', async () => {
  const before = centralRows("SELECT hex(public_key) AS k FROM offices WHERE code = 'SQ01'")[0].k;
  const r = await box.post('/api/v1/sync/rotate');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = centralRows("SELECT hex(public_key) AS k FROM offices WHERE code = 'SQ01'")[0].k;
  assert.notEqual(after, before);
  const created = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  await box.waitUntil(async () => (await box.caseState(created.body.code)) === 'sent', 15000, 'sent with the new key');
});

test('the sync process killed in mid-upload: the batch still arrives, each case once, no chunk twice', async () => {
  const big = randomBytes(3 * 1024 * 1024);
  const created = await box.createCase(goodCase, [{ name: '户口簿.pdf', type: 'application/pdf',
    data: Buffer.concat([samples.pdf(), big]) }]);
  const code = created.body.code;
  // Kill sync as soon as central has part of the upload.
  await box.waitUntil(async () => centralRows(`SELECT received FROM uploads WHERE case_code = '${code}' AND received > 0`).length > 0,
    15000, 'the upload to begin');
  process.kill(box.pids().sync, 'SIGKILL');
  await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 20000, `${code} to be sent after the kill`);
  assert.equal(centralRows(`SELECT count(*) AS n FROM cases WHERE code = '${code}'`)[0].n, 1);
  const ups = centralRows(`SELECT state, received, length FROM uploads WHERE case_code = '${code}'`);
  assert.equal(ups.length, 1, 'the upload was resumed, not begun again');
  assert.equal(ups[0].state, 'complete');
  assert.equal((await box.json('/api/v1/sync')).body.queued, 0, 'the outbox is empty');
});

// What the console's sync page says of the link to central, and the online LED.
async function link() {
  const central = (await box.json('/api/v1/sync')).body.central;
  const online = (await box.json('/api/v1/devices')).body.panel.leds.online;
  return { ...central, online };
}

test('central\'s key is pinned: another certificate from the same CA is refused', async () => {
  await box.waitUntil(async () => { const l = await link(); return l.reachable === true && l.online; }, 10000,
    'central reachable and the online LED on');
  const other = makeTls(central.dir, 'other');
  const port = central.port, dir = central.dir;
  await central.stop();
  central = await startCentral('', { tls: other, dir, port });
  // An impostor is no central: the console says so, with the latest reason
  // (central's own 503 while it stopped came first), and the LED goes out.
  await box.waitUntil(async () => {
    const l = await link();
    return l.reachable === false && !l.online && /网络错误/.test(l.message);
  }, 15000, 'central unreachable for a network error, and the online LED off');
  const created = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  const code = created.body.code;
  await box.waitUntil(async () => ((await box.json('/api/v1/sync')).body.batches[0]?.last_message ?? '').length > 0 &&
    (await box.json('/api/v1/sync')).body.batches[0].state === 'sending', 15000, 'a failed attempt');
  const b = (await box.json('/api/v1/sync')).body.batches[0];
  assert.equal(b.last_http, 0);
  assert.match(b.last_message, /网络错误/);
  assert.ok(b.next_retry > 0, 'a retry is planned');
  assert.equal(await box.caseState(code), 'queued', 'nothing went to the impostor');
  assert.equal(centralRows(`SELECT count(*) AS n FROM cases WHERE code = '${code}'`)[0].n, 0);
  // The real one back: the batch goes out.
  await central.stop();
  central = await startCentral('', { tls, dir, port });
  assert.equal((await box.post('/api/v1/sync/now')).status, 202);
  await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 20000, `${code} to be sent`);
  await box.waitUntil(async () => { const l = await link(); return l.reachable === true && l.online; }, 15000,
    'central reachable again and the online LED on');
});

test('batches at a set time of day: cases wait for it, then go together', async () => {
  const hhmmss = (d) => [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  // Far enough ahead for two intakes; the box and this test share TZ.
  const at = new Date(Date.now() + 15_000);
  const later = await startBox(`[sync]\nbatch_seconds = 0\nbatch_at = ${hhmmss(at)} ${hhmmss(new Date(at - 3_600_000))}\npoll_seconds = 2\nca_file = ${tls.ca}\n`);
  try {
    assert.equal((await later.login()).status, 200);
    assert.equal((await later.post('/api/v1/sync/enrol', { url: central.base, token: central.token('SQ02', '第二服务站') })).status, 200);
    const s = (await later.json('/api/v1/sync')).body.schedule;
    assert.equal(s.every_seconds, 0);
    assert.equal(s.next_at, Math.floor(at.getTime() / 1000));
    const codes = [];
    for (let i = 0; i < 2; i++)
      codes.push((await later.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }])).body.code);
    assert.ok(Date.now() < at.getTime() - 2000, 'the intakes took too long for this test');
    await sleep(Math.max(0, at.getTime() - Date.now() - 1500));
    for (const code of codes) assert.equal(await later.caseState(code), 'received', 'nothing goes before the time');
    await later.waitUntil(async () => (await Promise.all(codes.map((c) => later.caseState(c)))).every((st) => st === 'sent'),
      20000, 'both cases sent after the time');
    const batches = (await later.json('/api/v1/sync')).body.batches;
    assert.equal(batches.length, 1, 'one batch for both');
    assert.ok(batches[0].created_at >= Math.floor(at.getTime() / 1000) - 1, 'made at the time');
    assert.equal(centralRows("SELECT count(*) AS n FROM cases WHERE office = 'SQ02'")[0].n, 2);

    // A case that missed its time while the box was off goes at start.
    const missed = (await later.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }])).body.code;
    const passed = new Date(Date.now() + 1500);
    await sleep(2500);
    writeFileSync(later.config, readFileSync(later.config, 'utf8').replace(/^batch_at = .*$/m, `batch_at = ${hhmmss(passed)}`));
    await later.crashAndRestart();
    assert.equal((await later.login()).status, 200);
    await later.waitUntil(async () => (await later.caseState(missed)) === 'sent', 20000, 'the missed case sent at start');
  } finally {
    await later.stop();
    later.cleanup();
  }
});

test('partial acceptance: central refuses a case its catalog lacks; the reason is shown; send now sends it again', async () => {
  // A second central whose catalog lacks GA-SFZ-04; this box keeps its own
  // catalog (no heartbeat during the test).
  const dir = mkdtempSync(join(tmpdir(), 'outpost-central-partial-'));
  const catalog = JSON.parse(readFileSync(join(top, 'appliance/catalog-demo.json'), 'utf8'));
  const full = JSON.stringify(catalog);
  catalog.items = catalog.items.filter((it) => it.code !== 'GA-SFZ-04');
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(catalog));
  const other = await startCentral(`catalog = ${join(dir, 'catalog.json')}\n`, { tls: makeTls(dir), dir });
  const office = await startBox(`[sync]\nbatch_seconds = 3600\nheartbeat_seconds = 3600\npoll_seconds = 2\nca_file = ${join(dir, 'ca.pem')}\n`);
  try {
    assert.equal((await office.login()).status, 200);
    assert.equal((await office.post('/api/v1/sync/enrol', { url: other.base, token: other.token('SQ03', '第三服务站') })).status, 200);
    const pdf = [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }];
    const known = (await office.createCase(goodCase, pdf)).body.code;
    const unknown = (await office.createCase({ ...goodCase, item: 'GA-SFZ-04' }, pdf)).body.code;
    assert.ok(unknown, 'the box takes in an item of its own catalog');
    assert.equal((await office.post('/api/v1/sync/now')).status, 202);
    await office.waitUntil(async () => (await office.json('/api/v1/sync')).body.batches[0]?.state === 'partial', 20000, 'a partial batch');
    const b = (await office.json('/api/v1/sync')).body.batches[0];
    assert.equal(b.last_http, 202);
    assert.equal(await office.caseState(known), 'sent');
    assert.equal(await office.caseState(unknown), 'queued', 'the refused case waits at the box');
    assert.match((await office.json(`/api/v1/cases/${unknown}`)).body.central_note, /中心事项目录中没有该事项（GA-SFZ-04）/);
    // Each case shows its forwarding: the batch's last attempt and status, central's word on it.
    const fw = (await office.json(`/api/v1/cases/${unknown}`)).body.forwarding;
    assert.equal(fw.result, 'refused');
    assert.equal(fw.last_http, 202);
    assert.ok(fw.last_attempt > 0);
    assert.match(fw.message, /GA-SFZ-04/);
    assert.equal((await office.json(`/api/v1/cases/${known}`)).body.forwarding.result, 'taken');
    const taken = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', join(other.state, 'central.db'), sql], { encoding: 'utf8' }) || '[]');
    assert.deepEqual(taken("SELECT code FROM cases WHERE office = 'SQ03'").map((r) => r.code), [known]);
    // Not hammered: the interval does not send it again by itself.
    await sleep(3000);
    assert.equal((await office.json('/api/v1/sync')).body.batches.length, 1);
    // Central publishes the item; the clerk presses send now; it goes.
    writeFileSync(join(dir, 'catalog.json'), full);
    assert.equal((await office.post('/api/v1/sync/now')).status, 202);
    await office.waitUntil(async () => (await office.caseState(unknown)) === 'sent', 20000, 'the refused case sent again');
    assert.equal((await office.json(`/api/v1/cases/${unknown}`)).body.central_note, null, 'the old reason is gone');
    assert.equal(taken("SELECT count(*) AS n FROM cases WHERE office = 'SQ03'")[0].n, 2);
    assert.equal((await office.json('/api/v1/sync')).body.queued, 0);
  } finally {
    await office.stop();
    office.cleanup();
    await other.stop();
    other.cleanup();
  }
});

test('re-enrolment with a new token: a new key at central, the feed from the start, cases still flow', async () => {
  const keyBefore = centralRows("SELECT hex(public_key) AS k FROM offices WHERE code = 'SQ01'")[0].k;
  const r = await box.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.notEqual(centralRows("SELECT hex(public_key) AS k FROM offices WHERE code = 'SQ01'")[0].k, keyBefore, 'a new key');
  const created = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  const code = created.body.code;
  await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 20000, `${code} sent after re-enrolment`);
  central.cli('event', 'SQ01', code, '1', 'case.accepted', '{"official_number":"再登记-0001"}');
  await box.waitUntil(async () => (await box.caseState(code)) === 'accepted', 20000, 'the event back after re-enrolment');
  // The feed was read again from its start: what was applied before is not applied twice.
  const first = centralRows("SELECT code FROM events WHERE office = 'SQ01' AND type = 'case.accepted' ORDER BY seq LIMIT 1")[0].code;
  assert.notEqual(first, code);
  const history = (await box.json(`/api/v1/cases/${first}`)).body.history.filter((e) => e.action === 'case.accept');
  assert.equal(history.length, 1, `${first} accepted once`);
});
