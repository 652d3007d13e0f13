// SPDX-License-Identifier: Apache-2.0
// 政务公开测评 reaching the box: a campaign a supervisor starts at central
// (TLS, the office enrolled) comes to the box with its heartbeat like the
// catalog (by ETag, signed by central) and is on the kiosk's list with its
// questionnaire; a campaign for the staff channel only, or for another
// office, is not; the box keeps them across a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, top } from '../lib.mjs';
import { startCentral, makeTls, ClerkSession } from '../central.mjs';

let central, box, boss;
const kiosk = async () => (await (await fetch(`${box.base}/api/v1/kiosk/campaigns`)).json()).campaigns;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  const tls = makeTls(dir);
  central = await startCentral('', { tls, dir });
  box = await startBox(`[sync]\nbatch_seconds = 3600\nheartbeat_seconds = 1\npoll_seconds = 2\nca_file = ${tls.ca}\n`);
  assert.equal((await box.login()).status, 200);
  const r = await box.post('/api/v1/sync/enrol', { url: central.base, token: central.token() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  boss = new ClerkSession(central, { ca: tls.ca });
  assert.equal((await boss.login('zhao.min', central.cli('supervisor', 'zhao.min', '赵敏', '区政务服务中心'))).status, 200);
  const doc = JSON.parse(readFileSync(join(top, 'sync/central/questionnaire-demo.json'), 'utf8'));
  assert.equal((await boss.api('POST', '/central/api/questionnaires', doc)).status, 201);
});
after(async () => {
  await box?.stop();
  box?.cleanup();
  await central?.stop();
  central?.cleanup();
});

test('a campaign started at central is on the box\'s kiosk with its questionnaire; others are not', { timeout: 60_000 }, async () => {
  const today = new Date();
  const day = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const later = new Date(today.getTime() + 30 * 86400e3);
  const base = { questionnaire: 'gkcp-demo', start: day(today), end: day(later),
    groups: [{ code: 'resident', name: '居民', quota: 100 }, { code: 'business', name: '企业' }] };
  for (const c of [{ ...base, id: 'here', title: '本月政务公开测评', units: ['SQ01'], channels: ['kiosk', 'phone'] },
    { ...base, id: 'staff-only', title: '座谈会专项测评', channels: ['staff'] },
    { ...base, id: 'elsewhere', title: '其他服务站的测评', units: ['SQ01'], channels: ['kiosk'], start: day(later), end: day(later) }]) {
    const r = await boss.api('POST', '/central/api/campaigns', c);
    assert.equal(r.status, 201, r.text);
  }
  await box.waitUntil(async () => (await kiosk()).length > 0, 30_000, 'the campaign on the kiosk');
  const list = await kiosk();
  assert.deepEqual(list.map((c) => c.id), ['here'], 'not the staff-only one, not one that has not begun');
  assert.equal(list[0].title, '本月政务公开测评');
  assert.deepEqual(list[0].groups.map((g) => g.name), ['居民', '企业']);
  assert.deepEqual(list[0].questionnaire.sections.map((s) => s.title), ['政务公开', '信息公开', '公开渠道建设', '政务服务']);
  assert.match(box.log, /central's campaigns "[0-9a-f]{16}" installed: 3/);
  // Unchanged at central: the next heartbeats ask by ETag and install nothing again.
  const installs = () => (box.log.match(/central's campaigns .* installed/g) ?? []).length;
  const before = installs();
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(installs(), before, 'a 304 each heartbeat');
  await box.crashAndRestart();
  assert.deepEqual((await kiosk()).map((c) => c.id), ['here'], 'kept across a crash');
});
