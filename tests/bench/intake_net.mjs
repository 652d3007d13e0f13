// SPDX-License-Identifier: Apache-2.0
// The intake's network floor: the same libcurl client (bench_intake) posts
// the same multipart case with its 1 MiB document over TLS to nginx, which
// buffers the whole body in memory, asks a plain-HTTP upstream on loopback
// (the hop a request makes from the box's web to its core) and answers 201.
// Nothing is hashed, sealed or written.  Prints "cases_per_s p50_ms p99_ms
// cpu_ms" (argv: rounds, documents per case), with nginx's CPU per case.
import { execFile, spawn, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goodCase, buildDir, sleep } from '../lib.mjs';

const rounds = Number(process.argv[2] ?? 200);
const docs = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'outpost-netfloor-'));
const port = 20000 + (process.pid % 20000);
let nginx;

// utime + stime of nginx's master and workers, in ms.
function nginxCpuMs() {
  const master = readFileSync(join(dir, 'nginx.pid'), 'utf8').trim();
  const workers = execFileSync('pgrep', ['-P', master], { encoding: 'utf8' }).trim().split('\n');
  return [master, ...workers].reduce((sum, pid) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return sum + (Number(f[11]) + Number(f[12])) * 10;
    } catch { return sum; } // gone meanwhile
  }, 0);
}

try {
  // The box's kind of key and certificate (P-256, for 127.0.0.1).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 2; daemon off; pid ${dir}/nginx.pid;
error_log ${dir}/error.log; events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
upstream core { server 127.0.0.1:${port + 1}; keepalive 4; }
server { listen 127.0.0.1:${port} ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
  client_max_body_size 16m; client_body_buffer_size 16m;
  location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass_request_body off;
    proxy_set_header Content-Length ""; proxy_pass http://core; } }
server { listen 127.0.0.1:${port + 1}; location / { return 201 '{"code":"floor"}'; } } }`);
  nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await sleep(500);
  const cpu0 = nginxCpuMs();
  const { stdout } = await promisify(execFile)(join(buildDir, 'tests', 'bench_intake'),
    [`https://127.0.0.1:${port}`, 'outpost_session=none', 'none', JSON.stringify(goodCase), String(rounds), String(docs)],
    { env: { ...process.env, BENCH_CAINFO: join(dir, 'cert.pem') } });
  const cpu = (nginxCpuMs() - cpu0) / rounds;
  process.stdout.write(`${stdout.trim()} ${cpu.toFixed(2)}\n`);
} finally {
  nginx?.kill('SIGTERM');
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}
