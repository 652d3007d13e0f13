// SPDX-License-Identifier: Apache-2.0
// 好差评 at central: the department's 差评 to follow up (核实 -> 整改 ->
// 回访, each with what was done, due in working days, overdue marked), the
// offices' appeals (a supervisor accepts or refuses), and the figures per
// office, window or department and per day, week or month, drawn as bars
// in SVG here, with their CSV.
const $ = (id) => document.getElementById(id);
const levelNames = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' };
const stepNames = { verify: '核实', rectify: '整改', callback: '回访', closed: '已办结' };
const kindNames = { ticket: '窗口服务', intake: '受理', pickup: '领取' };
const appealNames = { pending: '待决定', accepted: '已同意（不计入评分）', refused: '已驳回' };
const levelColours = ['#8b1a1a', '#d9822b', '#c9b458', '#6aa84f', '#2e7d32']; // 1..5
const SVG = 'http://www.w3.org/2000/svg';
const day = (s) => new Date(s * 1000).toLocaleDateString('zh-CN');

function stepForm(ctx, f, reload) {
  if (f.state === 'closed') return ctx.el('span', '—');
  const form = ctx.el('form');
  const input = ctx.el('input');
  input.name = 'note';
  input.required = true;
  input.placeholder = f.state === 'callback' ? '回访结果 Call-back result' : '处理情况 What was done';
  const button = ctx.el('button', `${stepNames[f.state]} ${f.state[0].toUpperCase()}${f.state.slice(1)}`);
  button.type = 'submit';
  form.dataset.step = f.state;
  form.append(input, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await ctx.api('POST', `/followups/${f.office}/${f.rating}/${f.state}`, { note: input.value });
      ctx.flash(`已${stepNames[f.state]}：${f.office_name} ${kindNames[f.kind] ?? ''}评价`);
      await reload();
    } catch (e) { ctx.flash(e.message, false); }
  });
  return form;
}

async function followups(ctx, reload) {
  const r = await ctx.api('GET', '/followups');
  $('followup-rule').textContent = `${r.department}：每条差评须在 ${r.working_days} 个工作日内核实、整改、回访`;
  $('followup-table').querySelector('tbody').replaceChildren(...r.followups.map((f) => {
    const tr = ctx.el('tr');
    tr.dataset.rating = f.rating;
    if (f.overdue) tr.className = 'overdue';
    const what = [f.reason_texts.join('、'), f.comment].filter(Boolean).join('；');
    const due = ctx.el('td', `${day(f.due_at)}${f.overdue ? ' 已超期 Overdue' : ''}`);
    due.className = 'due';
    const steps = f.steps.map((s) => `${stepNames[s.step]}：${s.note}（${s.clerk}）`).join('\n');
    const progress = ctx.el('td', `${stepNames[f.state]}${steps ? `\n${steps}` : ''}`);
    progress.style.whiteSpace = 'pre-line';
    tr.append(ctx.el('td', f.office_name), ctx.el('td', `${levelNames[f.level]} · ${kindNames[f.kind] ?? f.kind}${f.item ? ` · ${f.item}` : ''}${f.window ? ` · ${f.window}号窗口` : ''}`),
      ctx.el('td', what || '—'), ctx.el('td', f.phone || '—'), due, progress);
    const act = ctx.el('td');
    act.append(stepForm(ctx, f, reload));
    tr.append(act);
    return tr;
  }));
}

async function appeals(ctx, reload) {
  const r = await ctx.api('GET', '/appeals');
  $('appeal-table').querySelector('tbody').replaceChildren(...r.appeals.map((a) => {
    const tr = ctx.el('tr');
    tr.dataset.rating = a.rating;
    tr.append(ctx.el('td', a.office_name), ctx.el('td', `${levelNames[a.level]} · ${a.item || ''} · ${day(a.rated_at)}`),
      ctx.el('td', a.reason), ctx.el('td', appealNames[a.state] ?? a.state));
    const td = ctx.el('td', a.state === 'pending' ? '' : `${a.decision_note}（${a.decided_by}）`);
    if (a.state === 'pending' && r.may_decide) {
      const form = ctx.el('form');
      const note = ctx.el('input');
      note.name = 'note';
      note.required = true;
      note.placeholder = '决定理由 Reason';
      form.append(note);
      for (const [decision, label] of [['accept', '同意 Accept'], ['refuse', '驳回 Refuse']]) {
        const b = ctx.el('button', label);
        b.type = 'submit';
        b.dataset.decision = decision;
        form.append(b);
      }
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await ctx.api('POST', `/appeals/${a.office}/${a.rating}/${ev.submitter.dataset.decision}`, { note: note.value });
          ctx.flash(`申诉已${ev.submitter.dataset.decision === 'accept' ? '同意' : '驳回'}，结果已发送至服务站`);
          await reload();
        } catch (e) { ctx.flash(e.message, false); }
      });
      td.append(form);
    } else if (a.state === 'pending') {
      td.textContent = '待审核人员决定';
    }
    tr.append(td);
    return tr;
  }));
}

// Stacked bars, one per row, its five levels in their colours.
function chart(rows) {
  const svg = $('stats-chart');
  const barH = 22, gap = 8, left = 260, width = 900;
  const most = Math.max(1, ...rows.map((r) => r.total));
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * (barH + gap) + gap}`);
  svg.setAttribute('height', String(rows.length * (barH + gap) + gap));
  const parts = [];
  rows.forEach((r, i) => {
    const y = gap + i * (barH + gap);
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', '4');
    label.setAttribute('y', String(y + barH - 6));
    label.textContent = `${r.key} ${r.period}`;
    parts.push(label);
    let x = left;
    for (let l = 4; l >= 0; l--) {
      if (!r.levels[l]) continue;
      const w = ((width - left - 60) * r.levels[l]) / most;
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(x));
      rect.setAttribute('y', String(y));
      rect.setAttribute('width', String(w));
      rect.setAttribute('height', String(barH));
      rect.setAttribute('fill', levelColours[l]);
      rect.dataset.level = String(l + 1);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${levelNames[l + 1]} ${r.levels[l]}`;
      rect.append(title);
      parts.push(rect);
      x += w;
    }
    const total = document.createElementNS(SVG, 'text');
    total.setAttribute('x', String(x + 6));
    total.setAttribute('y', String(y + barH - 6));
    total.textContent = String(r.total);
    parts.push(total);
  });
  svg.replaceChildren(...parts);
}

async function figures(ctx) {
  const q = `by=${$('stats-by').value}&period=${$('stats-period').value}`;
  const r = await ctx.api('GET', `/ratings/stats?${q}`);
  $('stats-csv').href = `/central/api/ratings.csv?${q}`;
  chart(r.rows);
  $('stats-table').querySelector('tbody').replaceChildren(...r.rows.map((row) => {
    const tr = ctx.el('tr');
    tr.append(ctx.el('td', row.key), ctx.el('td', row.period), ctx.el('td', String(row.total)),
      ctx.el('td', `${(row.bad_rate * 100).toFixed(1)}%`), ctx.el('td', row.followups ? `${row.on_time}/${row.followups}` : '—'));
    return tr;
  }));
}

let bound = false;

export async function showRatings(ctx) {
  const reload = () => showRatings(ctx);
  if (!bound) {
    bound = true;
    for (const id of ['stats-by', 'stats-period']) $(id).addEventListener('change', () => figures(ctx).catch((e) => ctx.flash(e.message, false)));
  }
  await Promise.all([followups(ctx, reload), appeals(ctx, reload), figures(ctx)]);
}
