// Intake benchmark client: creates cases with a 1 MiB document each, one at
// a time, and prints "cases_per_s p50_ms p99_ms".
import { startBox, samples, goodCase } from '../lib.mjs';

const rounds = Number(process.argv[2] ?? 200);
const box = await startBox();
try {
  await box.login();
  const doc = Buffer.concat([samples.pdf(), Buffer.alloc((1 << 20) - samples.pdf().length, 0x41)]);
  const lat = [];
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    // A different document each time, so every case writes its own file.
    doc.writeUInt32LE(i, 100);
    const t0 = performance.now();
    const r = await box.createCase(goodCase, [{ name: 'scan.pdf', type: 'application/pdf', data: doc }]);
    if (r.status !== 201) throw new Error(`case ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    lat.push(performance.now() - t0);
  }
  const total = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  console.log(`${(rounds / total).toFixed(1)} ${lat[Math.floor(rounds / 2)].toFixed(2)} ${lat[Math.floor(rounds * 0.99)].toFixed(2)}`);
} finally {
  await box.stop();
  box.cleanup();
}
