// SPDX-License-Identifier: Apache-2.0
// The citizen's phone page (网络移动终端测评): opened from the QR on a
// receipt or pickup slip, /r/<token>; no login.  Five levels; below 满意 the
// reasons central publishes, a comment and a call-back phone, all optional.
const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.replace(/^\/r\//, ''));
const levels = [[5, '非常满意', 'Very satisfied'], [4, '满意', 'Satisfied'], [3, '基本满意', 'Fairly satisfied'],
  [2, '不满意', 'Dissatisfied'], [1, '非常不满意', 'Very dissatisfied']];
const kinds = { intake: '受理', pickup: '领取' };
let level = null;
const picked = new Set();

function fail(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

function press(button, on) { button.setAttribute('aria-pressed', on ? 'true' : 'false'); }

async function load() {
  const r = await fetch(`/r/api/${encodeURIComponent(token)}`);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) return fail(body.message ?? '评价链接无效');
  $('what').textContent = `${body.office_name} · ${body.item}（${kinds[body.kind] ?? ''}）`;
  $('what').hidden = false;
  for (const [n, zh, en] of levels) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.level = String(n);
    b.innerHTML = `${zh} <small>${en}</small>`;
    b.addEventListener('click', () => {
      level = n;
      for (const x of $('levels').children) press(x, x === b);
      $('more').hidden = n > 3;
      $('send').hidden = false;
    });
    $('levels').append(b);
  }
  for (const reason of body.reasons) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = reason.text;
    b.dataset.code = reason.code;
    b.addEventListener('click', () => {
      if (picked.has(reason.code)) picked.delete(reason.code); else picked.add(reason.code);
      press(b, picked.has(reason.code));
    });
    $('reasons').append(b);
  }
  $('ask').hidden = false;
}

$('send').addEventListener('click', async () => {
  $('error').hidden = true;
  const low = level <= 3;
  const body = { level, reasons: low ? [...picked] : [] };
  if (low && $('comment').value.trim()) body.comment = $('comment').value.trim();
  if (low && $('phone').value.trim()) body.phone = $('phone').value.trim();
  $('send').disabled = true;
  const r = await fetch(`/r/api/${encodeURIComponent(token)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
  const answer = await r.json().catch(() => ({}));
  $('send').disabled = false;
  if (!r.ok) return fail(answer.message ?? '评价未能提交，请稍后再试');
  $('ask').hidden = true;
  $('thanks').hidden = false;
});

load();
