// SPDX-License-Identifier: Apache-2.0
// Intake benchmark: starts a box, logs in, and lets the libcurl client
// (bench_intake) create the cases (argv: rounds, documents per case);
// prints its "cases_per_s p50_ms p99_ms".
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startBox, goodCase, buildDir } from '../lib.mjs';

const rounds = Number(process.argv[2] ?? 200);
const docs = Number(process.argv[3] ?? 1);
const box = await startBox();
try {
  await box.login();
  // Asynchronously, so this process keeps draining the box's log pipe.
  const { stdout } = await promisify(execFile)(join(buildDir, 'tests', 'bench_intake'),
    [box.base, box.cookie, box.csrf, JSON.stringify(goodCase), String(rounds), String(docs)]);
  process.stdout.write(stdout);
} finally {
  await box.stop();
  box.cleanup();
}
