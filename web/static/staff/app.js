// SPDX-License-Identifier: Apache-2.0
// The staff console: login, finding cases, the intake wizard, the case with
// its actions (submit, withdraw, supplement, pickup, close, print).
// Everything the server sends is put on the page as text, never as HTML.
import { api, ApiError, setCsrf } from './api.js';
import { applyTexts, t, toggleLang } from './i18n.js';

const $ = (id) => document.getElementById(id);
const views = ['login-view', 'cases-view', 'intake-view', 'case-view', 'reports-view', 'staff-view', 'window-view',
  'devices-view', 'sync-view', 'ratings-view'];
const personIdTypes = ['resident', 'passport', 'hk_macao', 'taiwan', 'foreign_permanent', 'other'];
const states = ['draft', 'received', 'queued', 'sent', 'accepted', 'returned', 'rejected', 'decided', 'ready',
  'collected', 'closed', 'discarded', 'withdrawn', 'purged'];
// Which actions each state offers (the server decides; this only hides
// buttons that would be refused anyway).
const actionsByState = {
  draft: ['submit', 'discard', 'cover', 'scan', 'scan-flatbed'],
  received: ['withdraw', 'receipt', 'cover', 'scan', 'scan-flatbed'], queued: ['withdraw', 'receipt', 'scan', 'scan-flatbed'],
  returned: ['withdraw', 'scan', 'scan-flatbed'], collected: ['close'],
};

let catalog = null;
let current = null; // the case on screen
let me = null; // the session

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function show(view) {
  for (const v of views) $(v).hidden = v !== view;
}

function flash(text, ok = false, list = []) {
  $('flash').textContent = text;
  $('flash').className = ok ? 'ok' : '';
  $('flash').hidden = !text;
  $('flash-list').replaceChildren(...list.map((x) => el('li', x)));
  $('flash-list').hidden = list.length === 0;
}

function failed(err) {
  if (!(err instanceof ApiError)) console.error(err);
  flash(err instanceof ApiError ? err.message : t('network'), false, err?.body?.missing ?? []);
  if (err instanceof ApiError && err.status === 401) showLogin();
}

function showLogin() {
  me = null;
  $('who').textContent = '';
  for (const id of ['logout', 'nav-cases', 'nav-reports', 'nav-staff', 'nav-window', 'nav-devices', 'nav-sync', 'nav-ratings']) $(id).hidden = true;
  show('login-view');
}

function signedIn(session) {
  me = session;
  setCsrf(session.csrf);
  $('who').textContent = session.display_name;
  for (const id of ['logout', 'nav-cases', 'nav-reports', 'nav-window', 'nav-ratings']) $(id).hidden = false;
  $('nav-staff').hidden = session.role !== 'admin';
  $('nav-devices').hidden = session.role !== 'admin';
  $('nav-sync').hidden = session.role !== 'admin';
}

const localTime = (s) => (s ? s.slice(0, 16).replace('T', ' ') : '');

function fillIdTypes(select) {
  select.replaceChildren(...personIdTypes.map((k) => new Option(t(`id.${k}`), k)));
}

async function loadCatalog() {
  catalog ??= await api('GET', '/catalog');
  return catalog;
}

// --- finding cases -----------------------------------------------------------

async function showCases() {
  show('cases-view');
  const f = $('search-form').elements;
  const params = new URLSearchParams();
  for (const k of ['q', 'view', 'state']) if (f[k].value.trim()) params.set(k, f[k].value.trim());
  const { cases } = await api('GET', `/cases${params.size ? `?${params}` : ''}`);
  $('case-table').querySelector('tbody').replaceChildren(...cases.map((c) => {
    const tr = el('tr');
    const code = el('td');
    code.append(el('a', c.code, { href: `#case/${c.code}` }));
    tr.append(code, el('td', c.item.name), el('td', c.applicant_name), el('td', localTime(c.created_at)),
      el('td', c.promised_by), el('td', t(`state.${c.state}`)));
    return tr;
  }));
  $('no-cases').hidden = cases.length > 0;
}

// --- intake ------------------------------------------------------------------

function itemByCode(code) {
  return catalog.items.find((i) => i.code === code);
}

// Items grouped under their category path ("个人业务 · 政务 · 户籍办理").
function categoryPaths() {
  const paths = new Map();
  const walk = (cats, prefix) => {
    for (const c of cats) {
      const name = prefix ? `${prefix} · ${c.name}` : c.name;
      paths.set(c.code, name);
      walk(c.children ?? [], name);
    }
  };
  walk(catalog.categories, '');
  return paths;
}

function renderMaterials() {
  const item = itemByCode($('intake-form').elements.service.value);
  $('item-info').textContent = item
    ? `${item.department} · ${t('promised')} ${item.promised_days} ${t('days')} · ${item.fees}` : '';
  $('materials-table').querySelector('tbody').replaceChildren(...(item?.materials ?? []).map((m, i) => {
    const tr = el('tr', undefined, { 'data-position': String(i + 1) });
    const name = el('td', `${m.name}${m.optional ? t('optional') : ''} · ${t(`form.${m.form}`)} ${m.copies} ${t('copies')}`);
    const got = el('td');
    got.append(el('input', undefined, { type: 'checkbox', name: `received-${i + 1}`, 'aria-label': m.name }));
    const form = el('td');
    const sel = el('select', undefined, { name: `form-${i + 1}` });
    sel.append(new Option(t('form.original'), 'original'), new Option(t('form.copy'), 'copy'));
    sel.value = m.form;
    form.append(sel);
    const pages = el('td');
    pages.append(el('input', undefined, { type: 'number', name: `pages-${i + 1}`, min: '0', max: '9999', value: '1' }));
    const scan = el('td');
    scan.append(el('input', undefined, { type: 'file', name: `file-${i + 1}`, multiple: '',
      accept: 'application/pdf,image/jpeg,image/png' }));
    tr.append(name, got, form, pages, scan);
    return tr;
  }));
}

function applicantKindChanged() {
  const f = $('intake-form').elements;
  const org = f.kind.value === 'org';
  $('id-type-label').hidden = org;
  $('id-number-label').textContent = t(org ? 'credit_code' : 'id_number');
}

async function showIntake() {
  await loadCatalog();
  const f = $('intake-form').elements;
  $('intake-form').reset();
  const paths = categoryPaths();
  const groups = new Map();
  for (const it of catalog.items) {
    const label = paths.get(it.category) ?? it.category;
    if (!groups.has(label)) groups.set(label, el('optgroup', undefined, { label }));
    groups.get(label).append(new Option(`${it.name}（${it.department}）`, it.code));
  }
  f.service.replaceChildren(...groups.values());
  fillIdTypes(f.id_type);
  fillIdTypes(f.agent_id_type);
  $('agent-fields').hidden = true;
  $('note-label').hidden = true;
  renderMaterials();
  applicantKindChanged();
  show('intake-view');
}

// The intake as the API takes it, and the files with the material each
// belongs to.
function intakeRequest(draft) {
  const f = $('intake-form').elements;
  const item = itemByCode(f.service.value);
  const org = f.kind.value === 'org';
  const fields = {
    item: item.code,
    draft,
    applicant: { kind: org ? 'org' : 'person', name: f.applicant_name.value.trim(),
      id_type: org ? 'uscc' : f.id_type.value, id_number: f.id_number.value.trim().toUpperCase(),
      phone: f.phone.value.trim() },
    materials: [],
    documents: [],
  };
  if (f.ticket.value.trim()) fields.ticket = f.ticket.value.trim().toUpperCase();
  if (f.has_agent.checked) {
    fields.agent = { name: f.agent_name.value.trim(), id_type: f.agent_id_type.value,
      id_number: f.agent_id_number.value.trim().toUpperCase() };
  }
  if (f.incomplete.checked) fields.incomplete_note = f.incomplete_note.value.trim();
  const form = new FormData();
  const files = [];
  item.materials.forEach((m, i) => {
    const n = i + 1;
    const received = f[`received-${n}`].checked;
    fields.materials.push({ position: n, received, form: f[`form-${n}`].value,
      pages: Number(f[`pages-${n}`].value || 0) });
    for (const file of f[`file-${n}`].files) files.push([file, n]);
  });
  for (const [, n] of files) fields.documents.push({ material: n });
  form.append('case', JSON.stringify(fields));
  for (const [file] of files) form.append('document', file, file.name);
  return form;
}

async function submitIntake(draft) {
  const buttons = $('intake-form').querySelectorAll('button');
  for (const b of buttons) b.disabled = true;
  try {
    const c = await api('POST', '/cases', intakeRequest(draft));
    flash(draft ? `${t('draft_saved')}${c.code}` : `${t('saved')}${c.code} · ${c.receipt?.message ?? ''}`,
      draft || c.receipt?.printed);
    location.hash = `#case/${c.code}`;
  } catch (err) {
    failed(err);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

// --- one case ----------------------------------------------------------------

function definitionList(pairs) {
  return pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', t(k)),
    el('dd', String(v))]);
}

// Where the case's forwarding stands: its batch, central's word on it,
// the last attempt and the next retry.
function forwarding(f) {
  if (!f) return '';
  const parts = [f.result ? t(`result.${f.result}`) : t(`batch.${f.state}`)];
  if (f.message || f.last_message) parts.push(f.message || f.last_message);
  if (f.last_attempt) parts.push(`${t('last_attempt')} ${when(f.last_attempt)}${f.last_http ? ` · HTTP ${f.last_http}` : ''}`);
  if (f.next_retry && !f.result) parts.push(`${t('next_retry')} ${when(f.next_retry)}`);
  return parts.join(' · ');
}

async function showCase(code, reveal = false) {
  $('scan-panel').hidden = true;
  const c = await api('GET', `/cases/${encodeURIComponent(code)}${reveal ? '?reveal=1' : ''}`);
  current = c;
  $('case-code').textContent = c.code;
  const a = c.applicant;
  $('case-fields').replaceChildren(...definitionList([
    ['state', t(`state.${c.state}`)], ['version', c.version > 1 ? c.version : ''], ['item', c.item.name],
    ['department', c.item.department], ['applicant_name', a.name], ['id_number', a.id_number], ['phone', a.phone],
    ['agent', c.agent ? `${c.agent.name} ${c.agent.id_number}` : ''], ['ticket', c.ticket],
    ['received', localTime(c.received_at ?? c.created_at)], ['promised_by', c.promised_by],
    ['incomplete_note', c.incomplete_note], ['official_number', c.official_number],
    ['central_note', c.central_note], ['decision', c.decision ? t(`decision.${c.decision}`) : ''],
    ['receipt', t(`receipt.${c.receipt_state}`)], ['forwarding', forwarding(c.forwarding)],
  ]));
  $('case-materials').replaceChildren(...c.materials.map((m) => el('li',
    `${m.received ? '✓' : '✗'} ${m.name} · ${m.received ? `${t(`form.${m.received_form}`)} ${m.pages} ${t('pages_unit')}`
      : t(m.optional ? 'not_needed' : 'missing')}`)));
  $('case-docs').replaceChildren(...c.document_list.map((d) => {
    const li = el('li');
    if (d.available) {
      li.append(el('a', `${d.filename} (${Math.ceil(d.size / 1024)} KiB)`, {
        href: `/api/v1/cases/${encodeURIComponent(c.code)}/documents/${d.n}`, target: '_blank', rel: 'noopener' }));
    } else {
      li.textContent = t('purged_document');
    }
    return li;
  }));
  $('case-history').replaceChildren(...c.history.map((h) => el('li',
    `${localTime(h.at)} · ${t(`action.${h.action}`)} · ${h.staff}${h.detail ? ` · ${h.detail}` : ''}`)));
  $('receipt-preview').textContent = c.receipt_text ?? '';
  const allowed = new Set(actionsByState[c.state] ?? []);
  if (c.state !== 'purged') allowed.add('reveal');
  for (const b of $('case-actions').querySelectorAll('button')) b.hidden = !allowed.has(b.dataset.action);
  $('pickup-form').hidden = c.state !== 'ready';
  $('pickup-form').reset();
  $('collector-fields').hidden = true;
  fillIdTypes($('pickup-form').elements.collector_id_type);
  showSupplement(c);
  show('case-view');
}

function showSupplement(c) {
  $('supplement-form').hidden = c.state !== 'returned';
  if (c.state !== 'returned') return;
  $('central-note').textContent = c.central_note ? `${t('central_note')}：${c.central_note}` : '';
  $('supplement-table').querySelector('tbody').replaceChildren(...c.materials.filter((m) => !m.received).map((m) => {
    const tr = el('tr', undefined, { 'data-position': String(m.position) });
    const got = el('td');
    got.append(el('input', undefined, { type: 'checkbox', name: `s-received-${m.position}`, 'aria-label': m.name }));
    const scan = el('td');
    scan.append(el('input', undefined, { type: 'file', name: `s-file-${m.position}`, multiple: '',
      accept: 'application/pdf,image/jpeg,image/png' }));
    tr.append(el('td', m.name), got, scan);
    return tr;
  }));
}

async function caseAction(action, body) {
  const c = await api('POST', `/cases/${encodeURIComponent(current.code)}/${action}`, body);
  const slip = c.slip ?? c.receipt;
  flash(slip?.message ?? t(`done.${action}`), slip ? slip.printed : true);
  await showCase(c.code);
}

// --- document scanning ---------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Follows a scan job until it is over, or open for the next flatbed page.
async function watchScan(id) {
  const panel = $('scan-panel');
  panel.hidden = false;
  panel.dataset.job = String(id);
  for (;;) {
    const j = await api('GET', `/scan-jobs/${id}`);
    panel.dataset.state = j.state;
    $('scan-status').textContent = ['scanning', 'finishing'].includes(j.state) ? t('scan.busy') : j.message;
    for (const b of ['scan-more', 'scan-finish', 'scan-cancel']) $(b).hidden = j.state !== 'open';
    if (j.state === 'open') return;
    if (j.state === 'done' || j.state === 'failed') {
      flash(j.message, j.state === 'done');
      if (j.state === 'done' && current) await showCase(current.code);
      $('scan-panel').hidden = false;
      $('scan-status').textContent = j.message;
      return;
    }
    await sleep(400);
  }
}

async function startScan(flatbed) {
  const j = await api('POST', '/scan-jobs', flatbed ? { source: 'flatbed', more: true } : { source: 'adf' });
  await watchScan(j.job);
}

for (const op of ['more', 'finish', 'cancel']) {
  $(`scan-${op}`).addEventListener('click', () => guarded(async () => {
    const id = Number($('scan-panel').dataset.job);
    await api('POST', `/scan-jobs/${id}/${op}`);
    await watchScan(id);
  }));
}

// --- sync with central -----------------------------------------------------------

const when = (s) => (s ? new Date(s * 1000).toLocaleString() : '—');

// "every 60 s; daily at 12:00 17:30 (next: ...)", or "on demand".
function schedule(sc) {
  if (!sc) return '—';
  const parts = [];
  if (sc.every_seconds) parts.push(t('schedule.every').replace('{s}', sc.every_seconds));
  if (sc.at) parts.push(`${t('schedule.at')} ${sc.at}（${t('schedule.next')} ${when(sc.next_at > 0 ? sc.next_at : 0)}）`);
  return parts.length ? parts.join('；') : t('schedule.manual');
}

// Whether central answers: since when, and why not.
function contact(c) {
  if (!c || c.reachable === null) return '—';
  const since = `${t('since')} ${when(c.since)}`;
  return c.reachable ? `${t('contact.up')}（${since}）` : `${t('contact.down')}（${since}）：${c.message}`;
}

async function showSync() {
  const s = await api('GET', '/sync');
  $('sync-state').replaceChildren(...definitionList([
    ['state', s.enrolled ? t('enrolled') : t('not_enrolled')], ['office_code', s.office || '—'],
    ['central_url', s.central_url || '—'], ['contact', contact(s.central)],
    ['waiting_batch', String(s.received)], ['queued_count', String(s.queued)],
    ['schedule', schedule(s.schedule)],
  ]));
  $('enrol-form').hidden = s.enrolled;
  $('sync-rotate').hidden = $('sync-reenrol').hidden = !s.enrolled;
  $('batches-table').querySelector('tbody').replaceChildren(...(s.batches ?? []).map((b) => {
    const tr = el('tr');
    tr.dataset.state = b.state;
    for (const c of [b.department, String(b.cases), t(`batch.${b.state}`), String(b.attempts), when(b.last_attempt),
      b.last_http ? String(b.last_http) : '—', b.last_message || '—', b.state === 'sending' ? when(b.next_retry) : '—']) tr.append(el('td', c));
    return tr;
  }));
  show('sync-view');
}

$('sync-now').addEventListener('click', () => guarded(async () => {
  await api('POST', '/sync/now');
  flash(t('sync_started'), true);
  setTimeout(() => guarded(showSync), 1500);
}));

// A new key pair, told to central signed with the old key.
$('sync-rotate').addEventListener('click', () => guarded(async () => {
  await api('POST', '/sync/rotate');
  flash(t('key_rotated'), true);
  await showSync();
}));

// Enrolling again (a new token: another central, or a box restored) shows the form.
$('sync-reenrol').addEventListener('click', () => { $('enrol-form').hidden = false; });

$('enrol-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const f = ev.target.elements;
  const r = await api('POST', '/sync/enrol', { url: f.url.value, token: f.token.value });
  f.token.value = '';
  flash(`${t('enrolled_done')}${r.office}`, true);
  await showSync();
}));

// --- reports and staff -------------------------------------------------------

function rows(table, list) {
  $(table).querySelector('tbody').replaceChildren(...list.map((cells) => {
    const tr = el('tr');
    for (const c of cells) tr.append(c instanceof Node ? c : el('td', String(c)));
    return tr;
  }));
}

async function showReports() {
  const f = $('report-form').elements;
  const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString();
  f.date.value ||= today.slice(0, 10);
  f.month.value ||= today.slice(0, 7);
  const q = f.period.value === 'day' ? `period=day&date=${f.date.value}` : `period=month&month=${f.month.value}`;
  const r = await api('GET', `/reports?${q}`);
  const h = r.handling ?? {};
  $('report-totals').replaceChildren(...definitionList([
    ['report_total', r.total], ['report_ready', h.count ?? 0],
    ['report_average', h.count ? `${h.average_hours.toFixed(1)} ${t('hours')}` : ''],
    ['report_longest', h.count ? `${h.longest_hours.toFixed(1)} ${t('hours')}（${h.longest_case}）` : ''],
    ...Object.entries(r.by_state).map(([k, v]) => [`state.${k}`, v]),
  ]));
  rows('report-items', r.by_item.map((i) => [i.name, i.count]));
  rows('report-departments', r.by_department.map((d) => [d.department, d.count]));
  const qs = await api('GET', `/queue/stats?date=${f.date.value}`);
  rows('queue-stats', qs.by_category.map((c) => [c.key, c.tickets, c.average_wait_minutes.toFixed(1),
    c.average_service_minutes.toFixed(1), c.no_shows, c.ratings ? `${c.ratings}（${c.average_rating.toFixed(1)}）` : 0]));
  $('queue-csv').href = `/api/v1/queue/stats?date=${f.date.value}&format=csv`;
  $('agency-pdf').href = `/api/v1/reports/agency?month=${f.month.value}&format=pdf`;
  $('agency-csv').href = `/api/v1/reports/agency?month=${f.month.value}&format=csv`;
  show('reports-view');
}

function staffButton(s) {
  const td = el('td');
  const toggle = el('button', t(s.disabled ? 'enable' : 'disable'), { type: 'button' });
  toggle.addEventListener('click', () => guarded(async () => {
    const r = await api('POST', `/staff/${encodeURIComponent(s.username)}/${s.disabled ? 'enable' : 'disable'}`);
    renderStaff(r.staff);
  }));
  const reset = el('button', t('reset_password'), { type: 'button' });
  reset.addEventListener('click', () => guarded(async () => {
    const password = prompt(t('new_password'));
    if (!password) return;
    const r = await api('POST', `/staff/${encodeURIComponent(s.username)}/password`, { password });
    flash(t('password_set'), true);
    renderStaff(r.staff);
  }));
  td.append(toggle, reset);
  return td;
}

function renderStaff(list) {
  rows('staff-table', list.map((s) => [s.username, s.display_name, t(`role.${s.role}`),
    t(s.disabled ? 'disabled' : 'active'), staffButton(s)]));
}

async function showStaff() {
  renderStaff((await api('GET', '/staff')).staff);
  show('staff-view');
}

// --- my window -----------------------------------------------------------------

let windowTicket = null;

function showTicket(ticket) {
  windowTicket = ticket;
  $('window-ticket').textContent = ticket ? ticket.label : '—';
  $('window-ticket-state').textContent = ticket ? `${ticket.category_name} · ${t(`ticket.${ticket.state}`)}` : '';
}

async function showWindow() {
  const [{ windows }, kiosk] = await Promise.all([api('GET', '/windows'), api('GET', '/kiosk')]);
  const sel = $('window-select');
  const chosen = sel.value || localStorage.getItem('outpost-window') || '';
  sel.replaceChildren(...windows.map((w) => new Option(w.name, String(w.number))));
  if (chosen) sel.value = chosen;
  const w = windows.find((x) => String(x.number) === sel.value);
  $('window-serves').textContent = w ? `${t('serves')}${w.categories.join('、')} · ${w.staff || t('nobody')}` : t('no_windows');
  showTicket(w?.current ?? null);
  const cats = kiosk.categories.flatMap((c) => [c, ...c.children]);
  $('transfer-form').elements.category.replaceChildren(...cats.map((c) => new Option(c.name, c.code)));
  $('issue-form').elements.category.replaceChildren(...cats.map((c) => new Option(c.name, c.code)));
  $('issue-form').elements.priority.replaceChildren(...kiosk.priorities.map((p) => new Option(p.name, p.code)));
  show('window-view');
}

async function windowOp(op, body = {}) {
  const n = $('window-select').value;
  const r = await api('POST', `/windows/${n}/${op}`, body);
  showTicket(r.ticket);
  flash(t(`done.${op}`), true);
}

// --- the device test page ----------------------------------------------------------

function renderDevices(d) {
  $('device-states').replaceChildren(...definitionList([
    ['printer', t(`printer.${d.printer}`)], ['scanner_keyboard', t(`device.${d.scanners.keyboard}`)],
    ['scanner_serial', t(`device.${d.scanners.serial}`)], ['panel', t(`device.${d.panel.state}`)],
  ]));
  $('device-scans').replaceChildren(...d.scans.slice().reverse().map((s) => el('li',
    `${s.symbology ? `[${s.symbology}] ` : ''}${s.text} · ${t(`source.${s.source}`)}`)));
  $('device-leds').replaceChildren(...Object.entries(d.panel.leds).map(([led, on]) => {
    const b = el('button', `${t(`led.${led}`)}：${t(on ? 'led_on' : 'led_off')}`);
    b.type = 'button';
    b.dataset.led = led;
    b.setAttribute('aria-pressed', String(on));
    b.addEventListener('click', () => guarded(async () => {
      await api('POST', '/devices/led', { led, on: !on });
      setTimeout(() => guarded(showDevices), 300);
    }));
    const li = el('li');
    li.append(b);
    return li;
  }));
  $('device-presses').replaceChildren(...d.panel.presses.slice().reverse().map((p) => el('li',
    `${new Date(p.at * 1000).toLocaleTimeString()} ${p.action}（${p.line}）· ${p.result === 'ok' ? t('press.ok') : p.result}`)));
}

// While the device page is open, presses and LEDs show as they happen.
async function pollDevices() {
  if (me && !$('devices-view').hidden) {
    try { renderDevices(await api('GET', '/devices')); } catch { /* the next poll tries again */ }
  }
  setTimeout(pollDevices, 1000);
}

async function showDevices() {
  renderDevices(await api('GET', '/devices'));
  show('devices-view');
}

// --- barcode scans -------------------------------------------------------------

// A scan goes to the page waiting for one: a receipt's code (QR or Code128)
// opens its case (the pickup form when it is ready); anything else goes
// into the field that has the focus, or into the search.
let scanSeq = null;
const casePattern = /[A-Z0-9]{2,8}-\d{6}-\d{4,5}[0-9A-Z]/;

function onScan(text) {
  if (!$('devices-view').hidden) {
    guarded(showDevices); /* the test page shows the scan, it does not act on it */
    return;
  }
  const code = (text.match(/^OUTPOST-CASE:([^;]+)/) ?? [])[1] ?? (text.match(casePattern) ?? [])[0];
  if (code && casePattern.test(code)) {
    location.hash = `#case/${code}`;
    flash(`${t('scanned')}${code}`, true);
    return;
  }
  const field = document.activeElement;
  if (field && field.tagName === 'INPUT' && field.type !== 'file') {
    field.value = text;
    field.dispatchEvent(new Event('input'));
  } else {
    $('search-form').elements.q.value = text;
    location.hash = '';
    guarded(showCases);
  }
}

async function pollScans() {
  if (me) {
    try {
      const r = await api('GET', `/scans${scanSeq === null ? '' : `?after=${scanSeq}`}`);
      if (scanSeq !== null) for (const s of r.scans) onScan(s.text);
      scanSeq = r.seq;
      document.body.dataset.scanSeq = String(scanSeq);
    } catch { /* offline for a moment: the next poll tries again */ }
  }
  setTimeout(pollScans, 700);
}

// --- 好差评 -------------------------------------------------------------------

// The office's ratings: what central did of each 差评, and the office's
// appeal (an admin's) of one given by mistake.
async function showRatings() {
  const r = await api('GET', '/ratings');
  const admin = me?.role === 'admin';
  $('ratings-table').querySelector('tbody').replaceChildren(...r.ratings.map((x) => {
    const tr = el('tr');
    tr.dataset.id = x.id;
    const appeal = el('td', x.appeal ? `${t(`appeal.${x.appeal}`)}${x.appeal_note ? `：${x.appeal_note}` : ''}` : '—');
    if (!x.appeal && x.level <= 2 && x.forwarding === 'sent' && admin) {
      const form = el('form');
      const reason = el('input', undefined, { name: 'reason', required: '', placeholder: t('appeal_reason') });
      const b = el('button', t('appeal_button'), { type: 'submit' });
      form.append(reason, b);
      form.addEventListener('submit', (ev) => guarded(async () => {
        ev.preventDefault();
        await api('POST', `/ratings/${x.id}/appeal`, { reason: reason.value });
        flash(t('appeal_filed'), true);
        await showRatings();
      }));
      appeal.replaceChildren(form);
    }
    tr.append(el('td', new Date(x.at * 1000).toLocaleString()), el('td', `${t(`rated.${x.kind}`)} · ${x.item}${x.window ? ` · ${x.window}` : ''}`),
      el('td', t(`level.${x.level}`)), el('td', x.reason_texts.join('、') || '—'),
      el('td', `${t(`forward.${x.forwarding}`)}${x.forward_message ? `：${x.forward_message}` : ''}`),
      el('td', x.followup ? `${t(`followup.${x.followup}`)}${x.followup_note ? `：${x.followup_note}` : ''}` : (x.level <= 2 ? t('followup.waiting') : '—')),
      appeal);
    return tr;
  }));
  $('pair-form').hidden = !admin;
  show('ratings-view');
}

$('pair-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const n = ev.target.elements.window.value;
  const p = await api('POST', `/windows/${n}/tablet`, {});
  $('pair-url').textContent = `${location.origin}${p.url}`;
}));

// --- events ------------------------------------------------------------------

async function route() {
  const [view, arg] = location.hash.slice(1).split('/');
  try {
    if (view === 'new') await showIntake();
    else if (view === 'reports') await showReports();
    else if (view === 'window') await showWindow();
    else if (view === 'devices') await showDevices();
    else if (view === 'sync') await showSync();
    else if (view === 'ratings') await showRatings();
    else if (view === 'staff') await showStaff();
    else if (view === 'case' && arg) await showCase(decodeURIComponent(arg));
    else await showCases();
  } catch (err) {
    failed(err);
  }
}

async function guarded(fn) {
  try {
    await fn();
  } catch (err) {
    failed(err);
  }
}

$('login-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const f = ev.target.elements;
  signedIn(await api('POST', '/login', { username: f.username.value, password: f.password.value }));
  f.password.value = '';
  flash('');
  await route();
}));

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(showCases);
});

$('intake-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  submitIntake(false);
});
$('save-draft').addEventListener('click', () => submitIntake(true));
$('intake-form').elements.service.addEventListener('change', renderMaterials);
for (const r of $('intake-form').elements.kind) r.addEventListener('change', applicantKindChanged);
$('intake-form').elements.has_agent.addEventListener('change', (ev) => { $('agent-fields').hidden = !ev.target.checked; });
$('intake-form').elements.incomplete.addEventListener('change', (ev) => { $('note-label').hidden = !ev.target.checked; });

$('case-actions').addEventListener('click', (ev) => guarded(async () => {
  const action = ev.target.dataset?.action;
  if (!action) return;
  if (action === 'reveal') return showCase(current.code, true);
  if (action === 'scan' || action === 'scan-flatbed') return startScan(action === 'scan-flatbed');
  if (action === 'withdraw') {
    const reason = prompt(t('withdraw_reason'));
    if (!reason) return;
    return caseAction('withdraw', { reason });
  }
  if (action === 'discard' && !confirm(t('confirm_discard'))) return;
  return caseAction(action, {});
}));

for (const r of $('pickup-form').elements.collector) {
  r.addEventListener('change', () => { $('collector-fields').hidden = $('pickup-form').elements.collector.value !== 'agent'; });
}
$('pickup-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = { collector: { kind: f.collector.value } };
  if (f.pickup_code.value.trim()) body.pickup_code = f.pickup_code.value.trim();
  else body.id_last4 = f.id_last4.value.trim().toUpperCase();
  if (f.collector.value === 'agent') {
    Object.assign(body.collector, { name: f.collector_name.value.trim(), id_type: f.collector_id_type.value,
      id_number: f.collector_id_number.value.trim().toUpperCase() });
  }
  await caseAction('pickup', body);
}));

$('supplement-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const f = ev.target.elements;
  const fields = { materials: [], documents: [] };
  const form = new FormData();
  const files = [];
  for (const m of current.materials.filter((x) => !x.received)) {
    if (f[`s-received-${m.position}`].checked) fields.materials.push({ position: m.position, received: true });
    for (const file of f[`s-file-${m.position}`].files) files.push([file, m.position]);
  }
  for (const [, n] of files) fields.documents.push({ material: n });
  form.append('case', JSON.stringify(fields));
  for (const [file] of files) form.append('document', file, file.name);
  await caseAction('supplement', form);
}));

$('report-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(showReports);
});
$('staff-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const f = ev.target.elements;
  const r = await api('POST', '/staff', { username: f.username.value.trim(), display_name: f.display_name.value.trim(),
    role: f.role.value, password: f.password.value });
  ev.target.reset();
  flash(t('staff_created'), true);
  renderStaff(r.staff);
}));

$('test-print').addEventListener('click', () => guarded(async () => {
  const d = await api('POST', '/devices/test-print');
  flash(d.slip?.message ?? '', d.slip?.printed);
  renderDevices(d);
}));
$('devices-refresh').addEventListener('click', () => guarded(showDevices));
$('test-scan').addEventListener('click', () => guarded(async () => {
  const started = await api('POST', '/scan-jobs', { test: true });
  let j;
  do {
    await sleep(400);
    j = await api('GET', `/scan-jobs/${started.job}`);
  } while (!['done', 'failed'].includes(j.state));
  const codes = (j.codes ?? []).flat();
  $('device-scan-result').textContent = j.state === 'done'
    ? t('scan.test_result').replace('{pages}', j.pages).replace('{codes}', codes.length ? codes.join('，') : t('scan.no_codes'))
    : j.message;
}));
$('window-select').addEventListener('change', () => {
  localStorage.setItem('outpost-window', $('window-select').value);
  guarded(showWindow);
});
$('window-signin').addEventListener('click', () => guarded(async () => {
  localStorage.setItem('outpost-window', $('window-select').value);
  await windowOp('signin');
  await showWindow();
}));
$('window-actions').addEventListener('click', (ev) => {
  const op = ev.target.dataset?.op;
  if (op) guarded(() => windowOp(op));
});
$('window-intake').addEventListener('click', () => guarded(async () => {
  if (!windowTicket) return;
  const ticket = windowTicket.label;
  location.hash = '#new';
  await showIntake();
  $('intake-form').elements.ticket.value = ticket;
}));
// Staff take a number for a citizen, choosing the priority (绿色通道).
$('issue-form').addEventListener('submit', (ev) => guarded(async () => {
  ev.preventDefault();
  const f = ev.target.elements;
  const ticket = await api('POST', '/kiosk/tickets', { category: f.category.value, priority: f.priority.value });
  flash(`${t('issued')}${ticket.label}（${ticket.category_name}）`, true);
}));
$('transfer-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(() => windowOp('transfer', { category: ev.target.elements.category.value }));
});

$('new-case').addEventListener('click', () => { location.hash = '#new'; });
$('cancel-intake').addEventListener('click', () => { location.hash = ''; });
$('back').addEventListener('click', () => { location.hash = ''; });
$('lang').addEventListener('click', () => {
  toggleLang();
  route();
});
$('logout').addEventListener('click', async () => {
  try { await api('POST', '/logout'); } catch { /* the session may be gone already */ }
  setCsrf(null);
  showLogin();
});
window.addEventListener('hashchange', route);

pollScans();
pollDevices();
applyTexts();
$('search-form').elements.state.append(...states.map((s) => new Option(t(`state.${s}`), s)));
try {
  signedIn(await api('GET', '/session'));
  await route();
} catch (err) {
  if (err instanceof ApiError && err.status === 401) showLogin();
  else failed(err);
}
