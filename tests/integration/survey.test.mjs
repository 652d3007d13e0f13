// SPDX-License-Identifier: Apache-2.0
// 政务公开测评 at outpost-central, its first part: the seed's indicator
// tree is in place, the demo questionnaire carries the four categories and
// their sub-items and is published by a supervisor, versions only go up,
// and a broken document is refused with the path of its first fault and
// why, in Chinese and English, nothing stored.  A campaign runs a pinned
// questionnaire version for a period, units, respondent groups with
// quotas and channels, and is refused by path the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { top } from '../lib.mjs';
import { startCentral, ClerkSession, BoxIdentity, centralSigned } from '../central.mjs';

let central, boss, clerk;
const demo = () => JSON.parse(readFileSync(join(top, 'sync/central/questionnaire-demo.json'), 'utf8'));

before(async () => {
  central = await startCentral();
  boss = new ClerkSession(central);
  clerk = new ClerkSession(central);
  assert.equal((await boss.login('zhao.min', central.cli('supervisor', 'zhao.min', '赵敏', '区政务服务中心'))).status, 200);
  assert.equal((await clerk.login('li.jing', central.cli('clerk', 'li.jing', '李静', '区政务服务中心'))).status, 200);
});
after(async () => { await central.stop(); central.cleanup(); });

test('the indicator tree holds the seed\'s four categories and their sub-items', async () => {
  const { indicators } = (await clerk.api('GET', '/central/api/questionnaires')).body;
  const names = (parent) => indicators.filter((i) => i.parent === parent).map((i) => i.name);
  assert.deepEqual(indicators.filter((i) => !i.parent).map((i) => i.name), ['政务公开', '信息公开', '公开渠道建设', '政务服务']);
  assert.deepEqual(names('gk'), ['城市建设', '道路规划', '医疗保健措施', '事务处理']);
  assert.deepEqual(names('xx'), ['政策公开及时性', '政策公开全面性', '政策公开准确性']);
  assert.deepEqual(names('qd'), ['微信公众号公开', '微博公开']);
  assert.deepEqual(names('fw'), ['办事人员专业性', '办事人员服务态度', '宣讲进社区街道']);
});

test('a supervisor publishes the demo questionnaire; versions only go up; a clerk cannot', async () => {
  const doc = demo();
  assert.equal((await clerk.api('POST', '/central/api/questionnaires', doc)).status, 403);
  const r = await boss.api('POST', '/central/api/questionnaires', doc);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.body, { id: 'gkcp-demo', version: 1 });
  const again = await boss.api('POST', '/central/api/questionnaires', doc);
  assert.equal(again.status, 409);
  assert.equal(again.body.latest, 1);
  assert.match(again.body.message, /提高版本号/);
  const v2 = await boss.api('POST', '/central/api/questionnaires', { ...doc, version: 2, title: '政务公开与政务服务测评（第二版）' });
  assert.equal(v2.status, 201, v2.text);
  const list = (await clerk.api('GET', '/central/api/questionnaires')).body.questionnaires;
  assert.deepEqual(list.map((q) => [q.id, q.version, q.by]), [['gkcp-demo', 2, 'zhao.min']]);
});

test('a broken questionnaire is refused with the path of its fault; nothing is stored', async () => {
  const cases = [
    ['id', (d) => { d.id = 'Bad Id'; }],
    ['version', (d) => { d.version = 0; }],
    ['title', (d) => { delete d.title; }],
    ['sections', (d) => { d.sections = []; }],
    ['sections[1].title', (d) => { d.sections[1].title = ''; }],
    ['sections[2].questions', (d) => { d.sections[2].questions = []; }],
    ['sections[0].questions[2].type', (d) => { d.sections[0].questions[2].type = 'slider'; }],
    ['sections[1].questions[0].indicator', (d) => { d.sections[1].questions[0].indicator = 'xx'; }],
    ['sections[1].questions[1].indicator', (d) => { d.sections[1].questions[1].indicator = 'no.such'; }],
    ['sections[2].questions[0].options', (d) => { d.sections[2].questions[0].options = ['只有一个']; }],
    ['sections[2].questions[0].options[3]', (d) => { d.sections[2].questions[0].options[3] = '微博'; }],
    ['sections[3].questions[0].options', (d) => { d.sections[3].questions[0].options = ['是', '否']; }],
    ['sections[3].questions[2].options', (d) => { delete d.sections[3].questions[2].options; }],
    ['sections[3].questions[3].max_chars', (d) => { d.sections[3].questions[3].max_chars = 5000; }],
    ['sections[3].questions[1].id', (d) => { d.sections[3].questions[1].id = 'fw-skill'; }],
    ['sections[0].questions[0].required', (d) => { d.sections[0].questions[0].required = 'yes'; }],
  ];
  for (const [path, breakIt] of cases) {
    const d = demo();
    d.id = 'broken';
    breakIt(d);
    const r = await boss.api('POST', '/central/api/questionnaires', d);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.body.error, 'bad_questionnaire');
    assert.equal(r.body.path, path);
    assert.match(r.body.message, /[\u4e00-\u9fff]/);
    assert.ok(r.body.message_en.length > 0);
  }
  const notJson = await boss.api('POST', '/central/api/questionnaires', ['not', 'an', 'object']);
  assert.equal(notJson.status, 400);
  const list = (await clerk.api('GET', '/central/api/questionnaires')).body.questionnaires;
  assert.deepEqual(list.map((q) => q.id), ['gkcp-demo'], 'nothing of the broken ones is stored');
});

test('a campaign pins its questionnaire\'s version; a broken one is refused by path', async () => {
  const campaign = { id: '2026q4-gkcp', title: '2026年第四季度政务公开测评', questionnaire: 'gkcp-demo',
    start: '2026-10-01', end: '2026-12-31', groups: [{ code: 'resident', name: '居民', quota: 200 },
      { code: 'business', name: '企业', quota: 50 }, { code: 'elderly', name: '老年人' }],
    channels: ['kiosk', 'staff', 'phone'], repeat: 'quarter' };
  assert.equal((await clerk.api('POST', '/central/api/campaigns', campaign)).status, 403);
  const r = await boss.api('POST', '/central/api/campaigns', campaign);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.version, 2, 'the latest version, pinned');
  assert.equal((await boss.api('POST', '/central/api/campaigns', campaign)).status, 409);
  const list = (await clerk.api('GET', '/central/api/campaigns')).body.campaigns;
  assert.deepEqual(list.map((c) => [c.id, c.version, c.groups.length]), [['2026q4-gkcp', 2, 3]]);
  const broken = [
    ['questionnaire', (c) => { c.questionnaire = 'no-such'; }],
    ['version', (c) => { c.version = 9; }],
    ['start', (c) => { c.start = '2026/10/01'; }],
    ['end', (c) => { c.end = '2026-09-30'; }],
    ['units[0]', (c) => { c.units = ['XX99']; }],
    ['groups', (c) => { c.groups = []; }],
    ['groups[1].code', (c) => { c.groups[1].code = 'resident'; }],
    ['groups[0].quota', (c) => { c.groups[0].quota = 0; }],
    ['channels[1]', (c) => { c.channels = ['kiosk', 'fax']; }],
    ['repeat', (c) => { c.repeat = 'weekly'; }],
  ];
  for (const [path, breakIt] of broken) {
    const c = structuredClone(campaign);
    c.id = `broken-${path.replace(/[^a-z0-9]/g, '')}`;
    breakIt(c);
    const b = await boss.api('POST', '/central/api/campaigns', c);
    assert.equal(b.status, 400, `${path}: ${b.text}`);
    assert.equal(b.body.error, 'bad_campaign');
    assert.equal(b.body.path, path);
    assert.match(b.body.message, /[\u4e00-\u9fff]/);
  }
  assert.equal((await clerk.api('GET', '/central/api/campaigns')).body.campaigns.length, 1, 'nothing else stored');
});

test('an office gets the campaigns that evaluate it, not ended, with their questionnaires, signed, by ETag', async () => {
  const one = new BoxIdentity('SQ01');
  const two = new BoxIdentity('SQ02');
  const enrolled = await one.enrol(central, central.token('SQ01', '幸福街道便民服务站'));
  assert.equal(enrolled.status, 201);
  assert.equal((await two.enrol(central, central.token('SQ02', '和平街道便民服务站'))).status, 201);
  const base = { title: '专项测评', questionnaire: 'gkcp-demo', groups: [{ code: 'resident', name: '居民' }], channels: ['kiosk'] };
  for (const c of [{ ...base, id: 'only-sq01', units: ['SQ01'], start: '2026-11-01', end: '2099-12-31' },
    { ...base, id: 'ended', start: '2025-01-01', end: '2025-01-31' }]) {
    assert.equal((await boss.api('POST', '/central/api/campaigns', c)).status, 201);
  }
  const get = (box, extra) => box.fetch(central, 'GET', '/v1/campaigns', undefined, extra);
  const mine = await get(one);
  assert.equal(mine.status, 200, mine.text);
  assert.ok(centralSigned(enrolled.body.central_public_key, mine.text, mine.headers.get('outpost-signature')), 'signed by central');
  assert.deepEqual(mine.body.campaigns.map((c) => c.id), ['2026q4-gkcp', 'only-sq01']);
  assert.equal(mine.body.campaigns[0].questionnaire_document.version, 2);
  assert.equal(mine.body.campaigns[0].questionnaire_document.sections.length, 4);
  assert.deepEqual((await get(two)).body.campaigns.map((c) => c.id), ['2026q4-gkcp'], 'not another office\'s');
  const same = await get(one, { 'If-None-Match': mine.body.etag });
  assert.equal(same.status, 304);
  await boss.api('POST', '/central/api/campaigns', { ...base, id: 'later', start: '2027-01-01', end: '2027-03-31' });
  const changed = await get(one, { 'If-None-Match': mine.body.etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.body.etag, mine.body.etag);
  assert.equal((await fetch(`${central.base}/v1/campaigns`, { headers: { 'Outpost-Protocol': '1' } })).status, 401);
});
