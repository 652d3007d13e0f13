// SPDX-License-Identifier: Apache-2.0
// The rating tablet at the window (好差评): five levels; below 满意 the
// reasons central publishes, a comment and a call-back phone, all optional.
// A rating needs the service's 评价码: typed from the ticket or receipt,
// or, on a tablet paired with its window (#tablet=<key>, kept in this
// browser), shown by the box when the window finishes a ticket.
const $ = (id) => document.getElementById(id);
const levels = [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']];
let chosen = null;
let prompted = null; // the paired tablet's {ticket, code}
const picked = new Set();

const pairing = /(?:^#|&)tablet=([0-9a-f]{32})/.exec(location.hash);
if (pairing) {
  localStorage.setItem('outpost-rating-tablet', pairing[1]);
  history.replaceState(null, '', location.pathname);
}
const tablet = localStorage.getItem('outpost-rating-tablet');

function reset() {
  chosen = null;
  picked.clear();
  $('code').value = prompted ? prompted.code : '';
  $('comment').value = '';
  $('phone').value = '';
  $('more').hidden = true;
  for (const b of document.querySelectorAll('#reasons button')) b.setAttribute('aria-pressed', 'false');
  show('ask');
}

function show(id) {
  for (const s of ['ask', 'thanks', 'error']) $(s).hidden = s !== id;
  if (id !== 'ask') setTimeout(reset, 6000);
}

async function send() {
  const body = { code: $('code').value.trim(), level: chosen, reasons: chosen <= 3 ? [...picked] : [] };
  if (chosen <= 3 && $('comment').value.trim()) body.comment = $('comment').value.trim();
  if (chosen <= 3 && $('phone').value.trim()) body.phone = $('phone').value.trim();
  const res = await fetch('/api/v1/kiosk/ratings', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (res.ok) {
    prompted = null;
    $('prompt').textContent = '请为本次服务评价 · Please rate this service';
    return show('thanks');
  }
  $('error-text').textContent = answer.message ?? '评价未能记录';
  show('error');
}

for (const [level, name] of levels) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = name;
  b.dataset.level = level;
  b.addEventListener('click', () => {
    chosen = level;
    if (level <= 3) $('more').hidden = false;
    else send();
  });
  $('levels').append(b);
}
$('send').addEventListener('click', () => send());

async function loadReasons() {
  const k = await (await fetch('/api/v1/kiosk')).json().catch(() => ({}));
  for (const r of k.rating_reasons ?? []) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = r.text;
    b.dataset.code = r.code;
    b.setAttribute('aria-pressed', 'false');
    b.addEventListener('click', () => {
      if (picked.has(r.code)) picked.delete(r.code); else picked.add(r.code);
      b.setAttribute('aria-pressed', String(picked.has(r.code)));
    });
    $('reasons').append(b);
  }
}

// A paired tablet asks every two seconds what its window last finished.
async function poll() {
  try {
    const res = await fetch('/api/v1/kiosk/rating-prompt', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tablet }) });
    const p = await res.json();
    if (res.ok && p.code && p.code !== prompted?.code && $('ask').hidden === false && chosen === null) {
      prompted = { ticket: p.ticket, code: p.code };
      $('prompt').textContent = `请为 ${p.ticket} 号的服务评价（${p.window}号窗口）`;
      $('code').value = p.code;
    }
  } catch { /* the box restarts: next time */ }
  setTimeout(poll, 2000);
}

loadReasons();
if (tablet) poll();
