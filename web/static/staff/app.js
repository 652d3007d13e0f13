// The staff console: login, case list, intake with uploads, case detail.
import { api, ApiError, setCsrf } from './api.js';
import { applyTexts, t, toggleLang } from './i18n.js';

const $ = (id) => document.getElementById(id);
const views = ['login-view', 'cases-view', 'intake-view', 'case-view'];

function show(view) {
  for (const v of views) $(v).hidden = v !== view;
}

function flash(text, ok = false) {
  const el = $('flash');
  el.textContent = text;
  el.className = ok ? 'ok' : '';
  el.hidden = !text;
}

function failed(err) {
  if (!(err instanceof ApiError)) console.error(err);
  flash(err instanceof ApiError ? err.message : t('network'));
  if (err instanceof ApiError && err.status === 401) showLogin();
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function showLogin() {
  $('who').textContent = '';
  $('logout').hidden = true;
  show('login-view');
}

function signedIn(session) {
  setCsrf(session.csrf);
  $('who').textContent = session.display_name;
  $('logout').hidden = false;
}

async function showCases() {
  show('cases-view');
  const { cases } = await api('GET', '/cases');
  const body = $('case-table').querySelector('tbody');
  body.replaceChildren();
  for (const c of cases) {
    const tr = document.createElement('tr');
    const link = document.createElement('a');
    link.href = `#case/${c.code}`;
    link.textContent = c.code;
    const code = document.createElement('td');
    code.append(link);
    tr.append(code, cell(c.item.name), cell(c.applicant_name), cell(c.created_at.slice(0, 16).replace('T', ' ')),
      cell(t(`state.${c.state}`)), cell(t(`receipt.${c.receipt_state}`)));
    body.append(tr);
  }
  $('no-cases').hidden = cases.length > 0;
}

async function showIntake() {
  const { items } = await api('GET', '/catalog');
  const select = $('intake-form').elements.service;
  select.replaceChildren(...items.map((it) => new Option(`${it.name}（${it.department}）`, it.code)));
  $('intake-form').reset();
  show('intake-view');
}

async function showCase(code) {
  const c = await api('GET', `/cases/${encodeURIComponent(code)}`);
  $('case-code').textContent = c.code;
  const fields = [
    ['item', c.item.name], ['department', c.item.department], ['applicant_name', c.applicant_name],
    ['id_number', c.id_number], ['phone', c.phone], ['received', c.created_at.slice(0, 16).replace('T', ' ')],
    ['promised_by', c.promised_by], ['state', t(`state.${c.state}`)], ['receipt', t(`receipt.${c.receipt_state}`)],
  ];
  $('case-fields').replaceChildren(...fields.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = t(k);
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
  $('case-docs').replaceChildren(...c.document_list.map((d) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/api/v1/cases/${encodeURIComponent(c.code)}/documents/${d.n}`;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = `${d.filename} (${Math.ceil(d.size / 1024)} KiB)`;
    li.append(a);
    return li;
  }));
  $('receipt-preview').textContent = c.receipt_text;
  show('case-view');
}

async function route() {
  const [view, arg] = location.hash.slice(1).split('/');
  try {
    if (view === 'new') await showIntake();
    else if (view === 'case' && arg) await showCase(decodeURIComponent(arg));
    else await showCases();
  } catch (err) {
    failed(err);
  }
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  try {
    signedIn(await api('POST', '/login', { username: f.username.value, password: f.password.value }));
    f.password.value = '';
    flash('');
    await route();
  } catch (err) {
    failed(err);
  }
});

$('intake-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  const form = new FormData();
  form.append('case', JSON.stringify({
    applicant_name: f.applicant_name.value.trim(), id_number: f.id_number.value.trim().toUpperCase(),
    phone: f.phone.value.trim(), item: f.service.value,
  }));
  for (const file of f.document.files) form.append('document', file, file.name);
  const button = ev.target.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const c = await api('POST', '/cases', form);
    flash(`${t('saved')}${c.code} · ${c.receipt?.message ?? ''}`, c.receipt?.printed);
    location.hash = `#case/${c.code}`;
  } catch (err) {
    failed(err);
  } finally {
    button.disabled = false;
  }
});

$('reprint').addEventListener('click', async () => {
  try {
    const c = await api('POST', `/cases/${encodeURIComponent($('case-code').textContent)}/receipt`);
    flash(c.receipt?.message ?? '', c.receipt?.printed);
    await showCase(c.code);
  } catch (err) {
    failed(err);
  }
});

$('new-case').addEventListener('click', () => { location.hash = '#new'; });
$('cancel-intake').addEventListener('click', () => { location.hash = ''; });
$('back').addEventListener('click', () => { location.hash = ''; });
$('lang').addEventListener('click', toggleLang);
$('logout').addEventListener('click', async () => {
  try { await api('POST', '/logout'); } catch { /* the session may be gone already */ }
  setCsrf(null);
  showLogin();
});
window.addEventListener('hashchange', route);

applyTexts();
try {
  signedIn(await api('GET', '/session'));
  await route();
} catch (err) {
  if (err instanceof ApiError && err.status === 401) showLogin();
  else failed(err);
}
