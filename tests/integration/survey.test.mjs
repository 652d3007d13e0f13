// SPDX-License-Identifier: Apache-2.0
// 政务公开测评 at outpost-central, its first part: the seed's indicator
// tree is in place, the demo questionnaire carries the four categories and
// their sub-items and is published by a supervisor, versions only go up,
// and a broken document is refused with the path of its first fault and
// why, in Chinese and English, nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { top } from '../lib.mjs';
import { startCentral, ClerkSession } from '../central.mjs';

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
