// SPDX-License-Identifier: Apache-2.0
// 好差评 end to end, between network namespaces the test makes: central in
// its own namespace behind a veth link with 5% random loss both ways, cut
// for the first 3 s and then for 2 s every 10 s, a relay that answers the first rating posts 500, 503
// with Retry-After and a captive portal's 200, and the box's sync process
// SIGKILLed while ratings wait.  Ratings made at the window's tablet with
// the 评价码 its ticket or receipt carries, by a GPIO rating button, and on
// the citizen's phone from the receipt's QR, all arrive at central exactly
// once; a second rating of the same service is refused on the box and at
// central; central's follow-up of a 差评 and its decision on the office's
// appeal come back to the box; the call-back phone is nowhere in the box's
// state folder in plaintext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, appendFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, goodCase, samples, httpsFetch, top } from '../lib.mjs';
import { startCentral, makeTls, ClerkSession } from '../central.mjs';
import { Netns } from '../netns.mjs';
import { Front } from '../front.mjs';

const PHONE = '13700001234';
let net, central, front, box, tls, dir, cutter, clerk, supervisor;
const rows = (sql) => {
  const t = execFileSync('sqlite3', ['-json', join(central.state, 'central.db'), sql], { encoding: 'utf8' }).trim();
  return t ? JSON.parse(t) : [];
};
const act = (n, op, body = {}) => box.post(`/api/v1/windows/${n}/${op}`, body);
const kioskTicket = async () => {
  const r = await fetch(`${box.base}/api/v1/kiosk/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ category: 'P' }) });
  return r.json();
};
const rate = (body) => box.post('/api/v1/kiosk/ratings', body);
const press = (line) => appendFileSync(join(box.state, 'dev', 'gpio-sim'), `${line}\n`);
const boxRatings = async () => (await box.json('/api/v1/ratings')).body.ratings;

// Every file under dir, for a plaintext search.
function* files(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    const s = statSync(p);
    if (s.isDirectory()) yield* files(p);
    else if (s.isFile()) yield p;
  }
}

// The 评价码 and phone URL an intake receipt carries (the console's preview).
async function receiptRating(code) {
  const text = (await box.json(`/api/v1/cases/${code}`)).body.receipt_text;
  return { code: /评 价 码：(\S{4}) (\S{4})/.exec(text)?.slice(1).join(''), url: /\[手机评价二维码 QR\] (\S+)/.exec(text)?.[1] };
}

before(async () => {
  net = new Netns();
  dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  tls = makeTls(dir, 'central', ['127.0.0.1', net.address]);
  // Central publishes its own list of reasons with its catalog.
  const catalog = JSON.parse(readFileSync(join(top, 'appliance/catalog-demo.json'), 'utf8'));
  catalog.version = '2026.12-ratings.1';
  catalog.rating_reasons = [{ code: 'wait', text: '等候时间长' }, { code: 'attitude', text: '态度不好' },
    { code: 'skill', text: '业务不熟' }, { code: 'parking', text: '停车不便' }];
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(catalog));
  chmodSync(join(dir, 'catalog.json'), 0o644);
  central = await startCentral(`catalog = ${join(dir, 'catalog.json')}\n`, { tls, dir, netns: net.name, address: net.address });
  front = await new Front({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca),
    host: net.address, port: central.port }).start();
  box = await startBox(`[sync]\nbatch_seconds = 1\npoll_seconds = 1\nheartbeat_seconds = 1\nretry_max_seconds = 3\nca_file = ${tls.ca}\n` +
    '[gpio]\nchip = sim\nbuttons = rate:5=RATE-5, rate:1=RATE-1\ndebounce_ms = 50\nrate_window = 1\n' +
    '[queue]\nkiosk_tickets_per_minute = 1000\nkiosk_tickets_per_category_per_minute = 1000\n');
  assert.equal((await box.login()).status, 200);
  assert.equal((await box.post('/api/v1/windows', { number: 1, name: '1号窗口', categories: ['P'] }, 'PUT')).status, 200);
  assert.equal((await act(1, 'signin')).status, 200);
  const r = await box.post('/api/v1/sync/enrol', { url: front.base, token: central.token() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  clerk = new ClerkSession(central, { ca: tls.ca });
  supervisor = new ClerkSession(central, { ca: tls.ca });
});
after(async () => {
  clearInterval(cutter);
  await box?.stop();
  box?.cleanup();
  await front?.close();
  await central?.stop();
  net?.close();
});

test('ratings from the tablet, a GPIO button and the phone reach central exactly once through loss, cuts, 5xx and a kill',
  { timeout: 240_000 }, async () => {
    // A case whose intake the citizen rates on the phone, once it is at central.
    const viaPhone = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
    assert.equal(viaPhone.status, 201, JSON.stringify(viaPhone.body));
    const phoneSlip = await receiptRating(viaPhone.body.code);
    assert.match(phoneSlip.url ?? '', /\/r\/SQ01\.i\./, 'the receipt carries the phone QR');
    await box.waitUntil(async () => (await box.caseState(viaPhone.body.code)) === 'sent', 60_000, 'the case at central');

    net.loss(5);
    // The link to central is cut while the first ratings are made, then every 10 s for 2 s.
    net.cut();
    setTimeout(() => net.mend(), 3000);
    cutter = setInterval(() => { net.cut(); setTimeout(() => net.mend(), 2000); }, 10_000);
    front.badMoments('POST', '/v1/ratings', '1');

    // Three tickets served at window 1 and rated at the tablet, one by the button.
    const expected = [];
    for (let i = 0; i < 4; i++) {
      const t = await kioskTicket();
      assert.equal((await act(1, 'call')).body.ticket.label, t.label);
      await act(1, 'start');
      await act(1, 'finish');
      if (i < 3) {
        const r = await rate({ code: t.rating_code, level: 5 - i });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      } else {
        press('RATE-1');
        await box.waitUntil(async () => (await boxRatings()).some((x) => x.channel === 'button'), 10_000, 'the button rating');
      }
      expected.push(`ticket:${t.day}-${t.label}`);
      if (i === 1) process.kill(box.pids().sync, 'SIGKILL'); // ratings wait in the box, offline-safe
    }
    // An intake rated at the tablet: a 差评 with reasons, a comment and a call-back phone.
    const viaTablet = await box.createCase(goodCase, [{ name: 'b.pdf', type: 'application/pdf', data: samples.pdf() }]);
    const slip = await receiptRating(viaTablet.body.code);
    assert.match(slip.code ?? '', /^[2-9A-HJ-NP-Z]{8}$/, 'the receipt carries its 评价码');
    const bad = await rate({ code: slip.code, level: 1, reasons: ['attitude', 'skill'], comment: '态度生硬', phone: PHONE });
    assert.equal(bad.status, 201, JSON.stringify(bad.body));
    expected.push(`intake:${viaTablet.body.code}`);
    const twice = await rate({ code: slip.code, level: 5 });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error, 'already_rated');

    // The phone rating, through the relay to central's page API.
    const token = phoneSlip.url.split('/r/')[1];
    const phoneApi = `${front.base}/r/api/${token}`;
    // (asynchronously: the relay runs in this process)
    const byPhone = await httpsFetch(phoneApi, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ level: 4 }) }, readFileSync(tls.ca));
    assert.equal(byPhone.status, 201, await byPhone.text());

    try {
      await box.waitUntil(async () => {
        const list = await boxRatings();
        return expected.every((s) => list.some((x) => x.service === s && x.forwarding === 'sent'));
      }, 180_000, 'every rating forwarded');
    } catch (e) {
      console.error(box.log.split('\n').filter((l) => /rating|sync/.test(l)).slice(-40).join('\n'));
      console.error(JSON.stringify(front.seen.filter(([, p]) => p.startsWith('/v1/ratings')).slice(-20)));
      throw e;
    }
    clearInterval(cutter);
    net.mend();
    net.loss(0);
    const at = rows('SELECT service, channel, count(*) AS n FROM ratings GROUP BY service, channel ORDER BY service');
    for (const s of expected) assert.equal(at.filter((r) => r.service === s).reduce((n, r) => n + r.n, 0), 1, `${s} once at central`);
    assert.deepEqual(at.map((r) => r.channel).sort(), ['button', 'phone', 'tablet', 'tablet', 'tablet', 'tablet']);
    // The relay's bad answers were seen and taken for what they are.
    const statuses = front.seen.filter(([m, p]) => m === 'POST' && p === '/v1/ratings').map(([, , st]) => st);
    assert.deepEqual(statuses.slice(0, 3), [500, 503, 200]);

    // The phone's rating came back to the box: the tablet refuses the same service.
    const phoneCode = (await receiptRating(viaPhone.body.code)).code;
    await box.waitUntil(async () => (await boxRatings()).some((x) => x.channel === 'phone' && x.service === `intake:${viaPhone.body.code}`),
      30_000, 'the phone rating on the box');
    const again = await rate({ code: phoneCode, level: 1 });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'already_rated');
    // A guessed code is refused.
    assert.equal((await rate({ code: 'ABCDEFGH', level: 1 })).status, 404);
  });

test('the reasons come from central\'s catalog: the tablet lists them, and only they are taken', async () => {
  await box.waitUntil(async () => (await (await fetch(`${box.base}/api/v1/kiosk`)).json()).rating_reasons
    ?.some((r) => r.code === 'parking' && r.text === '停车不便'), 30_000, 'central\'s reasons on the box');
  const t = await kioskTicket();
  await act(1, 'call');
  await act(1, 'start');
  await act(1, 'finish');
  assert.equal((await rate({ code: t.rating_code, level: 2, reasons: ['facilities'] })).body.field, 'reasons',
    'a reason central does not list');
  const r = await rate({ code: t.rating_code, level: 2, reasons: ['parking'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const mine = (await boxRatings()).find((x) => x.service === `ticket:${t.day}-${t.label}`);
  assert.deepEqual(mine.reason_texts, ['停车不便']);
});

test('a lot central refuses as a whole is refused with its reason on each rating, not sent again', { timeout: 60_000 }, async () => {
  const posts = () => front.seen.filter(([m, p]) => m === 'POST' && p === '/v1/ratings').length;
  // The earlier tests' ratings are all at central first: the refusal and every post from here
  // on are this lot's.
  await box.waitUntil(async () => (await boxRatings()).every((x) => x.forwarding !== 'pending'), 20_000,
    'the earlier ratings forwarded');
  front.fail('POST', '/v1/ratings', 400, { headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: 'bad_ratings', message: '评价内容不完整', message_en: 'the ratings are malformed' }) });
  const t = await kioskTicket();
  await act(1, 'call');
  await act(1, 'start');
  await act(1, 'finish');
  const before = posts();
  assert.equal((await rate({ code: t.rating_code, level: 4 })).status, 201);
  const service = `ticket:${t.day}-${t.label}`;
  await box.waitUntil(async () => (await boxRatings()).some((x) => x.service === service && x.forwarding === 'refused'),
    20_000, 'the refusal on the rating');
  const mine = (await boxRatings()).find((x) => x.service === service);
  assert.equal(mine.forward_message, '评价内容不完整');
  const after = posts();
  assert.equal(after, before + 1, 'sent once');
  await new Promise((r) => setTimeout(r, 3000)); // the outbox ticks every second here
  assert.equal(posts(), after, 'not hammered');
});

test('no plaintext call-back phone or comment anywhere in the box\'s state folder', async () => {
  for (const f of files(box.state)) {
    const bytes = readFileSync(f);
    assert.ok(!bytes.includes(Buffer.from(PHONE)), `${f} holds the phone`);
    assert.ok(!bytes.includes(Buffer.from('态度生硬')), `${f} holds the comment`);
  }
});

test('central\'s follow-up of the 差评 and its decision on the office\'s appeal come back to the box', { timeout: 60_000 }, async () => {
  const password = central.cli('clerk', 'li.jing', '李静', '区公安分局');
  // The button rated a ticket served without a case: the office's own service.
  const pressed = (await boxRatings()).find((x) => x.channel === 'button');
  const own = rows(`SELECT department FROM ratings WHERE id = '${pressed.id}'`)[0].department;
  assert.equal(own, '幸福街道便民服务站');
  const boss = central.cli('supervisor', 'zhao.min', '赵敏', own);
  assert.equal((await clerk.login('li.jing', password)).status, 200);
  assert.equal((await supervisor.login('zhao.min', boss)).status, 200);
  const item = (await clerk.api('GET', '/central/api/followups')).body.followups.find((f) => f.kind === 'intake');
  assert.ok(item, 'the 差评 is in the department\'s inbox');
  assert.equal(item.phone, PHONE, 'the clerk has the number to call back');
  assert.equal(item.comment, '态度生硬');
  for (const [step, note] of [['verify', '调阅录像属实'], ['rectify', '已批评教育并培训'], ['callback', '回访群众，表示认可']]) {
    const r = await clerk.api('POST', `/central/api/followups/SQ01/${item.rating}/${step}`, { note });
    assert.equal(r.status, 200, r.text);
  }
  await box.waitUntil(async () => (await boxRatings()).some((x) => x.id === item.rating && x.followup === 'closed'),
    30_000, 'the follow-up on the box');
  const mine = (await boxRatings()).find((x) => x.id === item.rating);
  assert.equal(mine.followup_note, '回访群众，表示认可');

  // The office appeals the GPIO 非常不满意 (pressed by mistake): central's supervisor accepts.
  const filed = await box.post(`/api/v1/ratings/${pressed.id}/appeal`, { reason: '群众误按，已当面确认' });
  assert.equal(filed.status, 200, JSON.stringify(filed.body));
  assert.equal((await box.post(`/api/v1/ratings/${pressed.id}/appeal`, { reason: '再次' })).status, 409, 'once');
  await box.waitUntil(async () => (await supervisor.api('GET', '/central/api/appeals')).body.appeals
    .some((a) => a.rating === pressed.id && a.state === 'pending'), 30_000, 'the appeal at central');
  const decided = await supervisor.api('POST', `/central/api/appeals/SQ01/${pressed.id}/accept`, { note: '同意剔除' });
  assert.equal(decided.status, 200, decided.text);
  await box.waitUntil(async () => (await boxRatings()).some((x) => x.id === pressed.id && x.appeal === 'accepted'),
    30_000, 'the decision on the box');
  assert.equal(rows(`SELECT excluded FROM ratings WHERE id = '${pressed.id}'`)[0].excluded, 1);
});
