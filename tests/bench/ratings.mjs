// SPDX-License-Identifier: Apache-2.0
// Ratings ingest at central: 100 enrolled offices (Node's crypto signs as
// each box does) post 10,000 ratings over HTTPS, each office one rating per
// request as a box forwards a rating the moment it is made, the offices at
// once; then the same number of plain SQLite inserts, one transaction each
// (bench_ratings_floor), in the same run.  Prints both with the ratio.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDir } from '../lib.mjs';
import { startCentral, makeTls, BoxIdentity } from '../central.mjs';

const offices = Number(process.argv[2] ?? 100);
const total = Number(process.argv[3] ?? 10000);
const dir = mkdtempSync(join(tmpdir(), 'outpost-ratings-bench-'));
const tls = makeTls(dir);
const central = await startCentral(`max_connections_per_address = ${offices + 16}\nreplay_entries = ${4 * total}\n`, { tls, dir });
const agent = new Agent({ keepAlive: true, maxSockets: offices, ca: readFileSync(tls.ca) });

// A request signed as box (null: unsigned, the enrolment), made up front
// so the load generator spends little of the machine during the run.
function signed(box, path, body) {
  const buf = Buffer.from(JSON.stringify(body));
  return { path, buf, headers: { ...(box ? box.headers('POST', path, buf) : { 'Outpost-Protocol': '1' }),
    'Content-Type': 'application/json', 'Content-Length': buf.length } };
}

function send({ path, buf, headers }) {
  return new Promise((resolve, reject) => {
    const req = request(`${central.base}${path}`, { method: 'POST', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(buf);
  });
}

try {
  const boxes = [];
  for (let i = 0; i < offices; i++) {
    const box = new BoxIdentity(`SQ${String(i).padStart(3, '0')}`);
    const r = await send(signed(null, '/v1/enrol', { token: central.token(box.office, `第${i}服务站`),
      public_key: box.publicRaw.toString('base64'), software: 'bench' }));
    if (r.status !== 201) throw new Error(`enrolment: ${r.body}`);
    boxes.push(box);
  }
  const per = Math.ceil(total / offices);
  const lots = boxes.map((box, o) => {
    const mine = [];
    for (let k = 0; k < per && o * per + k < total; k++) {
      const n = o * per + k;
      const rating = { id: randomUUID(), kind: 'ticket', service: `ticket:2026-12-04-A${String(n).padStart(5, '0')}`,
        level: 1 + (n % 5), reasons: n % 5 < 2 ? ['wait'] : [], channel: 'tablet', window: 1 + (n % 6), staff: 's1',
        item_name: '居住证办理', department: '区公安分局', rated_at: new Date().toISOString() };
      mine.push({ n, req: signed(box, '/v1/ratings', { ratings: [rating] }) });
    }
    return mine;
  });
  const lat = [];
  const start = performance.now();
  await Promise.all(lots.map(async (mine) => {
    for (const { n, req } of mine) {
      const t0 = performance.now();
      const r = await send(req);
      lat.push(performance.now() - t0);
      if (r.status !== 200 || !r.body.includes('"taken"')) throw new Error(`rating ${n}: ${r.status} ${r.body}`);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  const rate = lat.length / seconds;
  const { stdout } = await promisify(execFile)(join(buildDir, 'tests', 'bench_ratings_floor'), [dir, String(total)]);
  const [floorRate, floorP50, floorP99] = stdout.trim().split(' ').map(Number);
  console.log(`ratings ingest at central, ${lat.length} ratings from ${offices} offices at once, one a request over HTTPS`);
  console.log(`  central   ${rate.toFixed(0)} ratings/s  p50 ${lat[Math.floor(lat.length / 2)].toFixed(2)} ms  p99 ${lat[Math.floor(lat.length * 0.99)].toFixed(2)} ms`);
  console.log(`  floor     ${floorRate.toFixed(0)} inserts/s  p50 ${floorP50.toFixed(2)} ms  p99 ${floorP99.toFixed(2)} ms (plain SQLite, one transaction each, WAL, synchronous=FULL)`);
  console.log(`  ratio     ${(rate / floorRate).toFixed(2)} of the floor (target >= 0.5)`);
} finally {
  agent.destroy();
  await central.stop();
  rmSync(dir, { recursive: true, force: true });
}
