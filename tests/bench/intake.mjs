// SPDX-License-Identifier: Apache-2.0
// Intake benchmark: starts a box, logs in, and lets the libcurl client
// (bench_intake) create the cases over the console's HTTPS (argv: rounds,
// documents per case).  Prints "cases_per_s p50_ms p99_ms cpu_ms kib syncs"
// with, per case, the CPU time of the four processes together, the bytes
// they wrote to storage, and the fsync and fdatasync calls of the core
// (which alone writes the disk), counted by perf's syscall tracepoints over
// the same run.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBox, goodCase, buildDir, sleep } from '../lib.mjs';

const rounds = Number(process.argv[2] ?? 200);
const docs = Number(process.argv[3] ?? 1);

// utime + stime in clock ticks (100 a second on Linux) and write_bytes.
const cpuTicks = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13)
  .reduce((a, b) => a + Number(b), 0);
const writeBytes = (pid) => Number(/write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
const sum = (pids, f) => pids.reduce((a, pid) => a + f(pid), 0);

const box = await startBox();
try {
  await box.login();
  const ca = join(box.dir, 'bench-ca.pem');
  writeFileSync(ca, Buffer.concat(box.trusted()));
  const pids = Object.values(box.pids()); // core, web, dev, sync
  const counter = spawn('perf', ['stat', '-x', ',', '-e', 'syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync',
    '-p', String(box.pids().core)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let counted = '';
  counter.stderr.on('data', (d) => { counted += d; });
  await sleep(500); // attached to every thread
  const cpu0 = sum(pids, cpuTicks), w0 = sum(pids, writeBytes);
  // Asynchronously, so this process keeps draining the box's log pipe.
  const { stdout } = await promisify(execFile)(join(buildDir, 'tests', 'bench_intake'),
    [box.secureBase, box.cookie, box.csrf, JSON.stringify(goodCase), String(rounds), String(docs)],
    { env: { ...process.env, BENCH_CAINFO: ca } });
  const cpu = ((sum(pids, cpuTicks) - cpu0) * 10) / rounds, kib = (sum(pids, writeBytes) - w0) / 1024 / rounds;
  const done = new Promise((r) => counter.on('exit', r));
  counter.kill('SIGINT');
  await done;
  const syncs = counted.split('\n').filter((l) => /syscalls:sys_enter_f(data)?sync/.test(l))
    .reduce((a, l) => a + Number(l.split(',')[0]), 0);
  if (!/sys_enter_fsync/.test(counted)) throw new Error(`perf stat counted nothing:\n${counted}`);
  process.stdout.write(`${stdout.trim()} ${cpu.toFixed(2)} ${kib.toFixed(0)} ${(syncs / rounds).toFixed(1)}\n`);
} catch (e) {
  process.stderr.write(box.log.split('\n').slice(-60).join('\n'));
  throw e;
} finally {
  await box.stop();
  box.cleanup();
}
