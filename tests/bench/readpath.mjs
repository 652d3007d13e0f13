// SPDX-License-Identifier: Apache-2.0
// Read-path and memory benchmark: wrk (64 connections, keep-alive) against
// GET /api/v1/health and the case list over the console's HTTPS, and
// against nginx serving static files of the same sizes over HTTPS with the
// same certificate and key, all in this run; resident memory of outpostd's
// four processes idle and under that load.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, samples, goodCase, sleep } from '../lib.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);

// Asynchronous, so the memory sampler keeps running while wrk loads the box.
async function wrk(url, headers = []) {
  const args = ['-t2', '-c64', `-d${seconds}s`, ...headers.flatMap((h) => ['-H', h]), url];
  const { stdout: out } = await promisify(execFile)('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  // (wrk counts a redirect as a success: a 3xx is an error here too.)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} error responses from ${url}`);
  return rps;
}

function rssKiB(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    pss += Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
  }
  return { rss, pss };
}

// The memory the four processes hold together: distinct physical pages
// resident in any of them, from /proc/PID/pagemap (frame numbers need
// root; null without them).  Summed RSS counts a page shared by the four
// (the binary, the libraries) four times; PSS also shares it out with
// every other process on the machine.  Returns { kib, anonymous, files }
// (KiB; files: the clean file pages by the library family that maps them).
function togetherKiB(pids) {
  const frames = new Map(); // frame number -> the file mapped there, or ''
  const entry = Buffer.alloc(8 * 4096);
  for (const pid of pids) {
    const fd = openSync(`/proc/${pid}/pagemap`, 'r');
    try {
      for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
        const m = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+\S+\s*(.*)$/.exec(line);
        if (!m || line.endsWith('[vsyscall]')) continue;
        const file = m[3].startsWith('/') ? m[3].replace(/.*\//, '') : '';
        for (let page = BigInt(`0x${m[1]}`) / 4096n, end = BigInt(`0x${m[2]}`) / 4096n; page < end;) {
          const n = Number(end - page < 4096n ? end - page : 4096n);
          readSync(fd, entry, 0, n * 8, page * 8n);
          for (let i = 0; i < n; i++) {
            const e = entry.readBigUInt64LE(i * 8);
            const frame = e & ((1n << 55n) - 1n);
            if (e >> 63n && !frames.has(frame)) frames.set(frame, file); // present: its frame number
          }
          page += BigInt(n);
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  if (frames.has(0n) && frames.size === 1) return null;
  // Which of them are anonymous (heaps, stacks, written data) and which
  // clean file pages (library code the kernel may drop and read again).
  let anon = 0;
  const files = new Map();
  const kf = openSync('/proc/kpageflags', 'r');
  const flags = Buffer.alloc(8);
  try {
    for (const [f, file] of frames) {
      readSync(kf, flags, 0, 8, f * 8n);
      if (flags.readBigUInt64LE(0) & (1n << 12n)) { // KPF_ANON
        anon++;
      } else {
        const family = libraryFamily(file);
        files.set(family, (files.get(family) ?? 0) + 4);
      }
    }
  } finally {
    closeSync(kf);
  }
  return { kib: frames.size * 4, anonymous: anon * 4, files };
}

// Libraries by what brings them in: a family is a library the code asks
// for and the helpers Debian's build of it links.
const families = [
  ['outpostd', /^outpostd$/],
  ['libc', /^(libc|libm|ld-linux-x86-64|libresolv)\.so/],
  ['OpenSSL', /^(libcrypto|libssl)\.so/],
  ['GnuTLS (libmicrohttpd, librtmp)', /^(libgnutls|libnettle|libhogweed|libgmp|libp11-kit|libtasn1|libunistring|libidn2|libffi)\.so/],
  ['libcurl', /^(libcurl|libkrb5|libk5crypto|libkrb5support|libgssapi_krb5|libcom_err|libkeyutils|libldap|liblber|libsasl2|libssh2|librtmp|libnghttp2|libpsl|libbrotli|libz)/],
  ['libsystemd', /^(libsystemd|libgcrypt|libgpg-error|liblz4|libzstd|liblzma|libcap|libnss_systemd)\.so/],
  ['SQLite', /^libsqlite3\.so/],
];
function libraryFamily(file) {
  if (file === '') return 'other';
  return families.find(([, re]) => re.test(file))?.[0] ?? 'other';
}

// wrk's 64 connections all come from 127.0.0.1: above the per-address
// limit (32 by default, a defence against one client), which would refuse
// half of them and measure reconnections.
const box = await startBox('max_connections_per_address = 128\n');
const dir = mkdtempSync(join(tmpdir(), 'outpost-nginx-'));
let nginx;
try {
  await box.login();
  for (let i = 0; i < 20; i++) {
    await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  }
  const health = Buffer.from(await (await box.fetch('/api/v1/health')).arrayBuffer());
  const list = Buffer.from(await (await box.fetch('/api/v1/cases')).arrayBuffer());
  const pids = Object.values(box.pids());
  await sleep(300);
  const idle = rssKiB(pids);
  const idleTogether = togetherKiB(pids);

  // nginx with the same bodies as static files, one worker per core.
  writeFileSync(join(dir, 'health.json'), health);
  writeFileSync(join(dir, 'cases.json'), list);
  const port = box.port + 1;
  writeFileSync(join(dir, 'cert.pem'), readFileSync(join(box.state, 'tls-self.crt')));
  writeFileSync(join(dir, 'key.pem'), readFileSync(join(box.state, 'tls.key')));
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 2; daemon off; pid ${dir}/nginx.pid;
error_log ${dir}/error.log; events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
server { listen 127.0.0.1:${port} ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
root ${dir}; default_type application/json; } }`);
  nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await sleep(500);

  const cookie = [`Cookie: ${box.cookie}`];
  let peak = idle;
  let sampleCount = 0;
  const sampler = setInterval(() => {
    const now = rssKiB(pids);
    sampleCount++;
    if (now.rss > peak.rss) peak = now;
  }, 50);
  const healthRps = await wrk(`${box.secureBase}/api/v1/health`);
  const listRps = await wrk(`${box.secureBase}/api/v1/cases`, cookie);
  clearInterval(sampler);
  const loadedTogether = togetherKiB(pids); // heaps keep what the load made them grow to
  if (sampleCount === 0) throw new Error('no memory sample was taken under load');
  const nginxHealth = await wrk(`https://127.0.0.1:${port}/health.json`);
  const nginxList = await wrk(`https://127.0.0.1:${port}/cases.json`);

  const mib = (k) => (k / 1024).toFixed(1);
  console.log(`read path over HTTPS, wrk 64 connections ${seconds}s (bytes: health ${health.length}, list ${list.length})`);
  console.log(`  GET /api/v1/health   ${healthRps.toFixed(0)} req/s   nginx same size ${nginxHealth.toFixed(0)} req/s   ratio ${(healthRps / nginxHealth).toFixed(2)} (target >= 0.5)`);
  console.log(`  GET /api/v1/cases    ${listRps.toFixed(0)} req/s   nginx same size ${nginxList.toFixed(0)} req/s   ratio ${(listRps / nginxList).toFixed(2)} (target >= 0.5)`);
  console.log('memory of the four processes (core, web, dev, sync)');
  console.log(`  idle    RSS ${mib(idle.rss)} MiB  PSS ${mib(idle.pss)} MiB  (target RSS < 16 MiB)`);
  console.log(`  idle    resident together ${idleTogether === null ? 'unknown (needs root)' : `${mib(idleTogether.kib)} MiB`} ` +
    '(target < 16 MiB; distinct physical pages of the four: summed RSS counts a shared page once per process)' +
    (idleTogether === null ? '' : `; of it ${mib(idleTogether.anonymous)} MiB anonymous, the rest clean file pages of the binary and libraries`));
  if (idleTogether !== null) {
    const byFamily = [...idleTogether.files.entries()].sort((a, b) => b[1] - a[1]);
    const fileKiB = byFamily.reduce((sum, [, kib]) => sum + kib, 0);
    console.log(`  idle    clean file pages ${mib(fileKiB)} MiB: ${byFamily.map(([f, kib]) => `${f} ${mib(kib)}`).join(', ')} ` +
      `(MiB); room left under the 16 MiB target for all anonymous memory: ${mib(16 * 1024 - fileKiB)} MiB`);
  }
  console.log(`  loaded  RSS ${mib(peak.rss)} MiB  PSS ${mib(peak.pss)} MiB  (target RSS < 32 MiB; highest of ${sampleCount} samples under wrk)`);
  console.log(`  loaded  resident together ${loadedTogether === null ? 'unknown (needs root)' : `${mib(loadedTogether.kib)} MiB`} (target < 32 MiB; right after the load` +
    `${loadedTogether === null ? '' : `; ${mib(loadedTogether.anonymous)} MiB anonymous`})`);
  const roles = box.pids();
  console.log(`  per process, idle after the load: ${Object.entries(roles).map(([r, pid]) => {
    const m = rssKiB([pid]);
    return `${r} RSS ${mib(m.rss)} PSS ${mib(m.pss)}`;
  }).join(', ')} MiB (RSS counts the shared libraries once per process)`);
} finally {
  nginx?.kill('SIGTERM');
  await box.stop();
  box.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
