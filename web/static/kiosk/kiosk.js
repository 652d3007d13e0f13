// SPDX-License-Identifier: Apache-2.0
// The self-service kiosk (自助取号) on a touch screen: at most two taps to a
// ticket, large targets, Chinese first.  Public: it can only take a number.
const $ = (id) => document.getElementById(id);
let categories = [];
let priority = 'normal';
let idle = null;

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function show(id) {
  for (const s of ['choose', 'ticket', 'error']) $(s).hidden = s !== id;
  $('back').hidden = id === 'choose' && !$('buttons').dataset.sub;
  clearTimeout(idle);
  // Back to the start by itself, for the next citizen.
  if (id !== 'choose' || $('buttons').dataset.sub) idle = setTimeout(home, 15000);
}

function button(name, sub, onclick) {
  const b = el('button', name, { type: 'button' });
  if (sub) b.append(el('small', sub));
  b.addEventListener('click', onclick);
  return b;
}

function home() {
  delete $('buttons').dataset.sub;
  priority = 'normal';
  for (const b of $('priority').querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
  $('buttons').replaceChildren(...categories.map((c) => button(`${c.prefix} · ${c.name}`,
    `${c.name_en} · 等候 ${c.waiting} 人`, () => (c.children.length ? themes(c) : take(c.code)))));
  show('choose');
}

function themes(c) {
  $('buttons').dataset.sub = c.code;
  $('buttons').replaceChildren(...c.children.map((t) => button(t.name, t.name_en, () => take(t.code))));
  show('choose');
}

async function take(code) {
  for (const b of document.querySelectorAll('button')) b.disabled = true;
  try {
    const res = await fetch('/api/v1/kiosk/tickets', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ category: code, priority }) });
    const t = await res.json();
    if (!res.ok) {
      $('error-text').textContent = t.message ?? '取号失败，请联系工作人员';
      show('error');
      return;
    }
    $('number').textContent = t.label;
    $('category').textContent = t.category_name;
    $('ahead').textContent = `您前面还有 ${t.ahead} 人等候`;
    $('time').textContent = new Date().toLocaleString('zh-CN', { hour12: false });
    $('note').textContent = t.printed ? '请取走取号凭条，留意叫号屏幕和语音' : '请记住您的号码，留意叫号屏幕和语音';
    show('ticket');
  } catch {
    $('error-text').textContent = '无法连接服务器，请联系工作人员';
    show('error');
  } finally {
    for (const b of document.querySelectorAll('button')) b.disabled = false;
    load();
  }
}

async function load() {
  const res = await fetch('/api/v1/kiosk');
  const k = await res.json();
  categories = k.categories;
  $('office').textContent = k.office;
  if (!$('priority').querySelector('button')) {
    for (const p of k.priorities.filter((x) => x.code !== 'normal')) {
      const b = el('button', p.name, { type: 'button', 'aria-pressed': 'false', 'data-priority': p.code });
      b.addEventListener('click', () => {
        priority = priority === p.code ? 'normal' : p.code;
        for (const x of $('priority').querySelectorAll('button')) {
          x.setAttribute('aria-pressed', String(x.dataset.priority === priority));
        }
      });
      $('priority').append(b);
    }
  }
  if ($('choose').hidden === false && !$('buttons').dataset.sub) home();
}

$('back').addEventListener('click', home);
await load();
home();
