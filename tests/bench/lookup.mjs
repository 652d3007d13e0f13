// SPDX-License-Identifier: Apache-2.0
// Lookup benchmark: N generated cases (bench_gen, the core's own storage
// code), then outpostd on them over HTTPS: find a case by code, by ID number
// and by phone, and the ready-for-pickup list.  Prints one line per figure.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, buildDir } from '../lib.mjs';

const n = Number(process.argv[2] ?? 1000000);
let samples;
const t0 = performance.now();
const box = await startBox('', {
  prepare: (dir) => {
    execFileSync(join(buildDir, 'tests', 'bench_gen'), [join(dir, 'state'), String(n), join(dir, 'samples')],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    samples = readFileSync(join(dir, 'samples'), 'utf8').trim().split('\n').map((l) => l.split(' '));
  },
});
const genSeconds = (performance.now() - t0) / 1000;

// Each figure after 20 unmeasured requests of its kind (caches warm, as on a
// box that has been running).
async function timed(paths) {
  for (const p of paths.slice(-20)) await (await box.fetch(p)).json();
  const lat = [];
  for (const p of paths) {
    const s = performance.now();
    const r = await box.fetch(p);
    const body = await r.json();
    lat.push(performance.now() - s);
    if (r.status !== 200 || !body.cases) throw new Error(`${p}: ${r.status}`);
  }
  lat.sort((a, b) => a - b);
  return `p50 ${lat[Math.floor(lat.length / 2)].toFixed(2)} ms  p99 ${lat[Math.floor(lat.length * 0.99)].toFixed(2)} ms`;
}

try {
  await box.login();
  const pick = samples.slice(0, 200);
  const found = await box.json(`/api/v1/cases?q=${pick[0][1]}`);
  if (!found.body.cases.some((c) => c.code === pick[0][0])) throw new Error('a generated case is not found by its ID');
  const db = join(box.state, 'outpost.db');
  const bytes = statSync(db).size + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);
  console.log(`lookups over ${n} generated cases (generated in ${genSeconds.toFixed(0)} s), ${pick.length} each, over HTTPS`);
  console.log(`  by case code  ${await timed(pick.map((s) => `/api/v1/cases?q=${s[0]}`))} (target p99 < 5 ms)`);
  console.log(`  by ID number  ${await timed(pick.map((s) => `/api/v1/cases?q=${s[1]}`))} (target p99 < 5 ms; audited)`);
  console.log(`  by phone      ${await timed(pick.map((s) => `/api/v1/cases?q=${s[2]}`))} (target p99 < 5 ms; audited)`);
  console.log(`  ready list    ${await timed(Array(100).fill('/api/v1/cases?view=ready&limit=50'))} (target < 20 ms)`);
  console.log(`  database      ${(bytes / n).toFixed(0)} bytes per case (${(bytes / 1048576).toFixed(0)} MiB)`);
} finally {
  await box.stop();
  box.cleanup();
}
