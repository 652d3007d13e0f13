// SPDX-License-Identifier: Apache-2.0
// The call display (TV): live from the box by Server-Sent Events; the
// browser's EventSource reconnects by itself after the box restarts.
const $ = (id) => document.getElementById(id);
let lastCall = null;

function el(tag, text) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

function render(s) {
  $('office').textContent = s.office;
  $('windows').replaceChildren(...s.windows.map((w) => {
    const d = el('div', w.name);
    d.dataset.window = w.number;
    d.append(el('b', w.current ? w.current.label : '—'));
    return d;
  }));
  $('recent').replaceChildren(...s.recent.map((r) => el('li', `${r.label} → ${r.window} 号窗口${r.recalls ? '（重呼）' : ''}`)));
  $('waiting').replaceChildren(...s.waiting.map((w) => el('li', `${w.prefix} ${w.name}：${w.count} 人`)));
  const newest = s.recent[0];
  const key = newest ? `${newest.label}/${newest.window}/${newest.at}/${newest.recalls}` : null;
  if (newest) $('call-text').textContent = `${newest.label} 号 到 ${newest.window} 号窗口`;
  if (key && key !== lastCall && lastCall !== null) {
    $('call').classList.remove('flash');
    void $('call').offsetWidth;
    $('call').classList.add('flash');
  }
  lastCall = key;
  document.body.dataset.seq = s.seq;
}

const feed = new EventSource('/api/v1/display/events');
feed.addEventListener('state', (ev) => render(JSON.parse(ev.data)));
feed.addEventListener('open', () => $('link').classList.remove('down'));
feed.addEventListener('error', () => $('link').classList.add('down'));
setInterval(() => { $('clock').textContent = new Date().toLocaleTimeString('zh-CN', { hour12: false }); }, 1000);
