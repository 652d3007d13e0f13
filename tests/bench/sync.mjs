// SPDX-License-Identifier: Apache-2.0
// Sync benchmarks, measured in one run against baselines in the same run:
//  1. upload goodput of DOCS documents of 3 MiB from the box to central
//     over a link in a network namespace shaped to 20 Mbit/s (tbf) with
//     40 ms added per request and answer by a relay, against the curl
//     command line uploading the same bytes over the same link (tus PATCH,
//     one request per document);
//  2. outpost-central's ingest of tus uploads on loopback against
//     @tus/server with @tus/file-store, the same payload and client, and
//     outpost-central's resident memory.
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { startBox, goodCase, samples } from '../lib.mjs';
import { startCentral, makeTls, BoxIdentity } from '../central.mjs';
import { Netns } from '../netns.mjs';
import { Front } from '../front.mjs';

const execFileAsync = promisify(execFile);
const DOCS = Number(process.env.BENCH_DOCS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PARTS = (process.env.BENCH_SYNC ?? 'ingest,goodput').split(',');
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
const docs = Array.from({ length: DOCS }, () => Buffer.concat([samples.pdf(), randomBytes(3 * MiB - samples.pdf().length)]));
const mbit = (bytes, s) => ((bytes * 8) / s / 1e6).toFixed(1);

// --- 1. goodput over the shaped link -------------------------------------------------
async function goodput() {
  const net = new Netns(9000 + (process.pid % 900));
  const dir = mkdtempSync(join(tmpdir(), 'outpost-central-'));
  let central, front, box;
  try {
    const tls = makeTls(dir, 'central', ['127.0.0.1', net.address]);
    central = await startCentral(`max_upload_bytes = ${16 * MiB}\n`, { tls, dir, netns: net.name, address: net.address });
    front = await new Front({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca),
      host: net.address, port: central.port, delayMs: 40 }).start();
    net.rate('20mbit');
    box = await startBox(`max_upload_bytes = ${64 * MiB}\nmax_document_bytes = ${8 * MiB}\n[sync]\nbatch_seconds = 1\nca_file = ${tls.ca}\n`);
    await box.login();
    await box.post('/api/v1/sync/enrol', { url: front.base, token: central.token() });

    // The box: 4 documents a case.
    const codes = [];
    for (let i = 0; i < DOCS; i += 4) {
      const r = await box.createCase(goodCase, docs.slice(i, i + 4).map((data, k) => ({ name: `d${i + k}.pdf`, type: 'application/pdf', data })));
      if (r.status !== 201) throw new Error(`case: ${r.status} ${JSON.stringify(r.body)}`);
      codes.push(r.body.code);
    }
    const t0 = performance.now();
    await box.post('/api/v1/sync/now');
    for (const code of codes) await box.waitUntil(async () => (await box.caseState(code)) === 'sent', 1_800_000, `${code} sent`);
    const boxSeconds = (performance.now() - t0) / 1000;

    // curl: the same bytes, one tus PATCH each, over the same link and relay.
    const id = new BoxIdentity('CURL');
    await id.enrolVia(central, front, tls.ca);
    const files = docs.map((d, i) => { const f = join(work, `c${i}.bin`); writeFileSync(f, d); return f; });
    const uploads = [];
    for (const d of docs) uploads.push(await id.createUpload(front, d, tls.ca));
    const t1 = performance.now();
    for (let i = 0; i < DOCS; i++) {
      await execFileAsync('curl', ['-sS', '--fail', '--cacert', tls.ca, '-X', 'PATCH', '--data-binary', `@${files[i]}`,
        '-H', 'Tus-Resumable: 1.0.0', '-H', 'Content-Type: application/offset+octet-stream', '-H', 'Upload-Offset: 0',
        '-H', 'Expect:', uploads[i]]);
    }
    const curlSeconds = (performance.now() - t1) / 1000;
    const bytes = docs.reduce((n, d) => n + d.length, 0);
    console.log(`sync upload, ${DOCS} documents of 3 MiB over 20 Mbit/s (tbf, network namespace) with 40 ms added`);
    console.log(`  outpostd sync  ${mbit(bytes, boxSeconds)} Mbit/s goodput (${boxSeconds.toFixed(1)} s; tus chunks of 1 MiB with checksums, batches, manifests)`);
    console.log(`  curl           ${mbit(bytes, curlSeconds)} Mbit/s (${curlSeconds.toFixed(1)} s; one PATCH a document)`);
    console.log(`  ratio          ${(curlSeconds / boxSeconds).toFixed(2)} of curl's goodput (target >= 0.9)`);
  } finally {
    await box?.stop();
    box?.cleanup();
    await front?.close();
    await central?.stop();
    central?.cleanup();
    net.close();
  }
}

// --- 2. central's ingest against @tus/server --------------------------------------------
const agent = new http.Agent({ keepAlive: true });
function request(url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function ingest(base, createHeaders) {
  const t0 = performance.now();
  for (const d of docs) {
    const c = await request(`${base}/v1/uploads`, 'POST', { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(d.length),
      'Upload-Metadata': `filename ${Buffer.from('d.pdf').toString('base64')},sha256 ${Buffer.from(createHash256(d)).toString('base64')}`,
      ...createHeaders() });
    if (c.statusCode !== 201) throw new Error(`create: ${c.statusCode}`);
    const loc = new URL(c.headers.location, base).href;
    const p = await request(loc, 'PATCH', { 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': '0', 'Content-Length': String(d.length) }, d);
    if (p.statusCode !== 204) throw new Error(`patch: ${p.statusCode}`);
  }
  return (performance.now() - t0) / 1000;
}

const createHash256 = (d) => createHash('sha256').update(d).digest('hex');

async function ingestBench() {
  const central = await startCentral(`max_upload_bytes = ${16 * MiB}\n`);
  const id = new BoxIdentity('SQ01');
  await id.enrol(central, central.token());
  const store = mkdtempSync(join(tmpdir(), 'outpost-tus-'));
  const tus = new Server({ path: '/v1/uploads', datastore: new FileStore({ directory: store }) });
  const srv = http.createServer((req, res) => tus.handle(req, res));
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const bytes = docs.reduce((n, d) => n + d.length, 0);
    // Rounds taken in turn, the median of each: one round of 1.5 s moves
    // with the disk by 20 % from run to run.
    const tusRounds = [], centralRounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      tusRounds.push(await ingest(`http://127.0.0.1:${srv.address().port}`, () => ({})));
      centralRounds.push(await ingest(central.base, () => id.headers('POST', '/v1/uploads')));
    }
    const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const tusSeconds = median(tusRounds), centralSeconds = median(centralRounds);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${central.proc.pid}/status`, 'utf8'))[1]);
    console.log(`tus ingest on loopback, ${DOCS} documents of 3 MiB, one PATCH each, the same client, median of ${ROUNDS} rounds each`);
    console.log(`  outpost-central  ${mbit(bytes, centralSeconds)} Mbit/s (${centralSeconds.toFixed(2)} s; every offset synced before it counts)`);
    console.log(`  @tus/server      ${mbit(bytes, tusSeconds)} Mbit/s (${tusSeconds.toFixed(2)} s; @tus/file-store)`);
    console.log(`  ratio            ${(tusSeconds / centralSeconds).toFixed(2)} of @tus/server's (target >= 1.0)`);
    console.log(`  outpost-central resident memory after it: ${(rss / 1024).toFixed(1)} MiB`);
  } finally {
    srv.closeAllConnections();
    srv.close();
    await central.stop();
    central.cleanup();
    rmSync(store, { recursive: true, force: true });
  }
}

try {
  if (PARTS.includes('ingest')) await ingestBench();
  if (PARTS.includes('goodput')) await goodput();
} finally {
  agent.destroy();
  rmSync(work, { recursive: true, force: true });
}
