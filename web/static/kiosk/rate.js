// SPDX-License-Identifier: Apache-2.0
// The rating tablet at the window (好差评): five levels; a low one may add a
// reason from a list.  Public: it can only rate a finished ticket, once.
const $ = (id) => document.getElementById(id);
const levels = [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']];
const reasons = ['等候时间长', '态度不好', '业务不熟', '材料要求不清楚', '环境设施', '其他'];
let chosen = null;

function show(id) {
  for (const s of ['ask', 'thanks', 'error']) $(s).hidden = s !== id;
  if (id !== 'ask') setTimeout(() => { $('ticket').value = ''; $('reasons').hidden = true; show('ask'); }, 6000);
}

async function send(level, reason) {
  const res = await fetch('/api/v1/kiosk/ratings', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ticket: $('ticket').value.trim().toUpperCase(), level, ...(reason ? { reason } : {}) }) });
  const body = await res.json().catch(() => ({}));
  if (res.ok) return show('thanks');
  $('error-text').textContent = body.message ?? '评价未能记录';
  show('error');
}

for (const [level, name] of levels) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = name;
  b.dataset.level = level;
  b.addEventListener('click', () => {
    chosen = level;
    if (level <= 3) $('reasons').hidden = false;
    else send(level);
  });
  $('levels').append(b);
}
const skip = document.createElement('button');
skip.type = 'button';
skip.textContent = '不填原因，直接提交';
skip.addEventListener('click', () => send(chosen));
$('reasons').append(...reasons.map((r) => {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = r;
  b.addEventListener('click', () => send(chosen, r));
  return b;
}), skip);
