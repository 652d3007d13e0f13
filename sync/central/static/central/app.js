// SPDX-License-Identifier: Apache-2.0
// The central clerks' pages: login, the department's inbox, a case with its
// documents viewed inline, the actions that send the office its result,
// the offices' last contact, and 好差评 (ratings.js).
import { showRatings } from './ratings.js';

const $ = (id) => document.getElementById(id);
let me = null;
let current = null;

const stateNames = {
  taken: '待受理', accepted: '已受理', returned: '已退回补正', rejected: '不予受理', decided: '已办结', ready: '待领取',
};
// Which forms each state offers (central refuses the rest anyway).
const actionsByState = {
  taken: ['accept', 'return', 'reject'], accepted: ['return', 'decide'], decided: ['ready'], rejected: ['ready'],
};

function el(tag, text) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

function flash(text, ok = true) {
  $('flash').textContent = text;
  $('flash').className = ok ? '' : 'error';
  $('flash').hidden = false;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && me) headers['X-CSRF-Token'] = me.csrf;
  const res = await fetch(`/central/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path !== '/login') showLogin();
    throw new Error(data.message ?? `HTTP ${res.status}`);
  }
  return data;
}

function show(id) {
  for (const v of ['login-form', 'inbox-view', 'case-view', 'fleet-view', 'ratings-view']) $(v).hidden = v !== id;
}

function showLogin() {
  me = null;
  for (const n of ['nav-inbox', 'nav-fleet', 'nav-ratings', 'logout']) $(n).hidden = true;
  $('who').textContent = '';
  show('login-form');
}

const time = (s) => (s ? new Date(s * 1000).toLocaleString('zh-CN') : '—');

async function showInbox() {
  const state = $('state-filter').value;
  const r = await api('GET', `/inbox${state ? `?state=${state}` : ''}`);
  $('department').textContent = r.department;
  $('inbox-table').querySelector('tbody').replaceChildren(...r.cases.map((c) => {
    const tr = el('tr');
    tr.dataset.code = c.code;
    for (const t of [c.code, c.office_name, c.item, c.applicant, stateNames[c.state] ?? c.state, time(c.received_at)]) tr.append(el('td', t));
    tr.addEventListener('click', () => { location.hash = `#case/${c.office}/${c.code}/${c.version}`; });
    return tr;
  }));
  show('inbox-view');
}

async function showCase(office, code, version) {
  const c = await api('GET', `/cases/${office}/${code}/${version}`);
  current = c;
  const d = c.data;
  $('case-code').textContent = `${c.code}（第 ${c.version} 版）`;
  $('case-state').textContent = stateNames[c.state] ?? c.state;
  $('case-view').dataset.state = c.state;
  const fields = [['办理事项 Item', d.item?.name], ['申请人 Applicant', d.applicant?.name], ['证件号码 ID number', d.applicant?.id_number],
    ['联系电话 Phone', d.applicant?.phone], ['代办人 Agent', d.agent ? `${d.agent.name} ${d.agent.id_number}` : '无'],
    ['服务站收件 Received', d.received_at], ['承诺办结 Promised by', d.promised_by], ['受理号 Official number', c.official_number || '—'],
    ['说明 Note', c.note || '—']];
  $('case-fields').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', k), el('dd', v ?? '—')]));
  $('case-materials').replaceChildren(...(d.materials ?? []).map((m) => el('li', `${m.position}. ${m.name}（${m.received ? `已收 ${m.pages ?? 0} 页` : '未收'}）`)));
  $('case-docs').replaceChildren(...c.documents.map((doc) => {
    const li = el('li');
    const a = el('a', `${doc.filename}（${Math.ceil(doc.size / 1024)} KB）`);
    a.href = `/central/api/cases/${c.office}/${c.code}/${c.version}/documents/${doc.n}`;
    a.target = '_blank';
    a.dataset.n = String(doc.n);
    const view = el('button', '预览 View');
    view.type = 'button';
    view.addEventListener('click', () => { $('doc-frame').src = a.href; $('doc-frame').hidden = false; });
    li.append(a, ' ', view);
    return li;
  }));
  $('return-missing').replaceChildren(el('legend', '缺少的材料 Missing materials'), ...(d.materials ?? []).map((m) => {
    const label = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.dataset.missing = m.name;
    label.append(box, ` ${m.name}`);
    return label;
  }));
  $('doc-frame').hidden = true;
  const allowed = new Set(actionsByState[c.state] ?? []);
  for (const f of document.querySelectorAll('form.act')) f.hidden = !allowed.has(f.dataset.action);
  show('case-view');
}

async function showFleet() {
  const r = await api('GET', '/fleet');
  $('fleet-table').querySelector('tbody').replaceChildren(...r.offices.map((o) => {
    const tr = el('tr');
    const hb = o.heartbeat ?? {};
    for (const t of [o.code, o.name, time(o.last_contact), hb.backlog ? `${hb.backlog.cases} 件` : '—',
      hb.disk_free ? `${(hb.disk_free / 2 ** 30).toFixed(1)} GiB` : '—', hb.printer ?? '—', String(o.cases)]) tr.append(el('td', t));
    // Central's witness of the office's audit chain: a flag is a warning.
    const flag = o.audit?.flag;
    const audit = el('td', flag ? `⚠ ${flag.message_zh} / ${flag.message}` : o.audit ? `第 ${o.audit.seq} 行 row ${o.audit.seq}` : '—');
    if (flag) { audit.className = 'flag'; tr.className = 'flagged'; }
    tr.append(audit);
    return tr;
  }));
  show('fleet-view');
}

async function route() {
  if (!me) return;
  const m = location.hash.match(/^#case\/([A-Z0-9]+)\/([A-Z0-9-]+)\/(\d+)$/);
  try {
    if (m) await showCase(m[1], m[2], m[3]);
    else if (location.hash === '#fleet') await showFleet();
    else if (location.hash === '#ratings') { await showRatings({ api, el, flash, me }); show('ratings-view'); }
    else await showInbox();
  } catch (e) { flash(e.message, false); }
}

function signedIn(session) {
  me = session;
  for (const n of ['nav-inbox', 'nav-fleet', 'nav-ratings', 'logout']) $(n).hidden = false;
  $('who').textContent = `${session.name}（${session.department}）`;
  route();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  try {
    signedIn(await api('POST', '/login', { username: f.username.value, password: f.password.value }));
    f.password.value = '';
  } catch (e) { flash(e.message, false); }
});

$('logout').addEventListener('click', async () => {
  try { await api('POST', '/logout'); } catch { /* the session may be gone */ }
  showLogin();
});

$('state-filter').addEventListener('change', () => route());

for (const f of document.querySelectorAll('form.act')) {
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const input of f.elements) if (input.name) body[input.name] = input.value;
    const missing = [...f.querySelectorAll('input[data-missing]:checked')].map((b) => b.dataset.missing);
    if (f.dataset.action === 'return') body.missing = missing;
    try {
      const c = current;
      await api('POST', `/cases/${c.office}/${c.code}/${c.version}/${f.dataset.action}`, body);
      flash(`已${f.querySelector('button').textContent.split(' ')[0]}：${c.code}，结果已发送至服务站`);
      f.reset();
      await showCase(c.office, c.code, c.version);
    } catch (e) { flash(e.message, false); }
  });
}

window.addEventListener('hashchange', route);
api('GET', '/session').then(signedIn).catch(showLogin);
