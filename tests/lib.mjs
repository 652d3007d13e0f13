// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the integration and browser tests: start the real
// outpostd in a temporary folder on a free loopback port, and talk to it.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const top = join(dirname(fileURLToPath(import.meta.url)), '..');
export const buildDir = resolve(top, process.env.OUTPOST_BUILD ?? 'build/plain');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// A port nothing listens on, and one this process has not handed out
// before: the kernel may give the same free port to two binds in a row, and
// a box's plain and HTTPS ports must differ.
const handedOut = new Set();
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port: p } = s.address();
        s.close(() => resolve(p));
      });
      s.on('error', reject);
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

// A daemon a test started (outpostd, outpost-central): its folder, its
// port, its process and everything it has logged.
export class Daemon {
  constructor(dir, port, proc) {
    this.dir = dir;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.log = '';
    this.attach(proc);
  }

  // Takes a (re)started process's output into the log.
  attach(proc) {
    this.proc = proc;
    for (const out of [proc.stdout, proc.stderr]) out?.on('data', (d) => { this.log += d; });
  }

  // SIGTERM, then its exit code once it is gone.
  async stop() {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const done = new Promise((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.kill('SIGTERM');
    return done;
  }

  cleanup() { rmSync(this.dir, { recursive: true, force: true }); }
}

// A box: base is its plain-HTTP address on loopback (what the kiosk and
// the call display on the box's own screen use); the console and every
// method below go over HTTPS (secureBase), the box's certificate checked
// against the certificates in its state folder (trusted()).
export class Box extends Daemon {
  constructor(dir, port, proc) {
    super(dir, port, proc);
    this.cookie = '';
    this.csrf = '';
    this.httpsPort = Number(readFileSync(this.config, 'utf8').match(/^https_port\s*=\s*(\d+)/m)?.[1] ?? 8443);
    this.secureBase = `https://127.0.0.1:${this.httpsPort}`;
  }

  get config() { return join(this.dir, 'outpost.conf'); }
  get state() { return join(this.dir, 'state'); }

  adminPassword() { return readFileSync(join(this.state, 'initial-admin-password'), 'utf8').trim(); }

  // What a client of this box trusts: the self-signed certificate it made
  // at first start, and central's office CA once it has been enrolled.
  trusted() {
    const ca = [readFileSync(join(this.state, 'tls-self.crt'))];
    try { ca.push(readFileSync(join(this.state, 'tls-ca.crt'))); } catch { /* not enrolled */ }
    return ca;
  }

  async fetch(path, opts = {}) {
    const headers = { ...(opts.headers ?? {}) };
    if (this.cookie && !('Cookie' in headers)) headers.Cookie = this.cookie;
    const res = await httpsFetch(this.secureBase + path, { ...opts, headers }, this.trusted());
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return res;
  }

  async json(path, opts = {}) {
    const res = await this.fetch(path, opts);
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: res.status, body, headers: res.headers };
  }

  async login(username = 'admin', password = this.adminPassword()) {
    const r = await this.json('/api/v1/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (r.status === 200) this.csrf = r.body.csrf;
    return r;
  }

  // A case through the API as the staff console sends it.
  async createCase(fields, docs, { csrf = this.csrf, headers = {} } = {}) {
    const form = new FormData();
    form.append('case', typeof fields === 'string' ? fields : JSON.stringify(fields));
    for (const d of docs) form.append('document', new Blob([d.data], { type: d.type }), d.name);
    const h = { ...headers };
    if (csrf) h['X-CSRF-Token'] = csrf;
    return this.json('/api/v1/cases', { method: 'POST', body: form, headers: h });
  }

  // A JSON POST (or another method) as the console sends it, with the CSRF token.
  post(path, body = {}, method = 'POST') {
    return this.json(path, {
      method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf },
      body: JSON.stringify(body),
    });
  }

  // An event from central, delivered on the sync process's channel as the
  // sync process will (tests/inject takes a copy of that channel).
  centralEvent(code, event, extra = {}) {
    execFileSync(join(buildDir, 'tests/inject'),
      [String(this.pids().sync), 'case-event', JSON.stringify({ code, event, ...extra })]);
  }

  // A barcode read, delivered on the dev process's channel as the scanner
  // driver delivers it.
  scan(text, symbology = '') {
    execFileSync(join(buildDir, 'tests/inject'),
      [String(this.pids().dev), 'scan', JSON.stringify({ source: 'serial', symbology, text })]);
  }

  async caseState(code) {
    return (await this.json(`/api/v1/cases/${code}`)).body.state;
  }

  // Waits until the case is in state (central events arrive asynchronously).
  async untilState(code, state) {
    await this.waitUntil(async () => (await this.caseState(code)) === state, 5000, `case ${code} to be ${state}`);
  }

  // The pickup code is printed on the receipt only, never shown by the API:
  // tests read it off the printer's bytes (GB18030 "取 件 码：" and six
  // digits, after the case's code).
  pickupCode(code) {
    const raw = readFileSync(join(this.state, 'dev', 'printer.out'));
    const marker = Buffer.from([0xc8, 0xa1, 0x20, 0xbc, 0xfe, 0x20, 0xc2, 0xeb]);
    const at = raw.indexOf(Buffer.from(code, 'latin1'));
    const m = at < 0 ? -1 : raw.indexOf(marker, at);
    const digits = m < 0 ? null : raw.subarray(m + marker.length, m + marker.length + 12).toString('latin1').match(/\d{6}/);
    if (!digits) throw new Error(`no printed pickup code for ${code}`);
    return digits[0];
  }

  // Moves a received case on to ready through central's events.
  async toReady(code) {
    const steps = [['queue', 'queued'], ['send', 'sent'], ['accept', 'accepted', { official_number: '京公2026-0001' }],
      ['decide', 'decided', { decision: 'approved' }], ['ready', 'ready']];
    for (const [ev, state, extra] of steps) {
      this.centralEvent(code, ev, extra);
      await this.untilState(code, state);
    }
  }

  status() {
    const out = execFileSync(join(buildDir, 'outpostctl'), ['-c', this.config, '-j', 'status'], { encoding: 'utf8' });
    return JSON.parse(out);
  }

  pids() {
    const s = this.status();
    return Object.fromEntries(Object.entries(s.roles).map(([k, v]) => [k, v.pid]));
  }

  // Descriptors a process holds, as the paths they point to.
  openFiles(pid) {
    const dir = `/proc/${pid}/fd`;
    return readdirSync(dir).map((fd) => { try { return readlinkSync(join(dir, fd)); } catch { return ''; } });
  }

  storedFiles() {
    const root = join(this.state, 'documents');
    const out = [];
    for (const sub of readdirSync(root)) {
      if (sub === 'tmp') continue;
      for (const f of readdirSync(join(root, sub))) out.push(join(root, sub, f));
    }
    return out;
  }

  async waitUntil(pred, ms = 5000, what = 'condition') {
    const end = Date.now() + ms;
    for (;;) {
      try { if (await pred()) return; } catch { /* not yet */ }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n--- log ---\n${this.log}`);
      await sleep(25);
    }
  }

  // A clean stop (SIGTERM), whileStopped() on the state folder, then the
  // box starts again on it, on the same port.
  async restart(whileStopped = () => {}, env = {}) {
    const code = await this.stop();
    if (code !== 0) throw new Error(`outpostd stopped with ${code}\n--- log ---\n${this.log}`);
    await whileStopped();
    this.attach(spawnBox(this.config, env));
    this.cookie = '';
    this.csrf = '';
    await this.waitUntil(async () => (await this.fetch('/api/v1/health', { headers: { Cookie: '' } })).status === 200,
      10000, 'outpostd to start again');
  }

  // A power cut: SIGKILL to the core and every child at once, then the box
  // starts again on the same state folder.
  async crashAndRestart(env = {}) {
    const pids = Object.values(this.pids()).concat([this.proc.pid]);
    const gone = new Promise((r) => this.proc.on('exit', r));
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
    await gone;
    await this.waitUntil(async () => pids.every((pid) => { try { process.kill(pid, 0); return false; } catch { return true; } }),
      5000, 'every process of the box to be gone');
    this.attach(spawnBox(this.config, env));
    this.cookie = '';
    await this.waitUntil(async () => (await this.fetch('/api/v1/health', { headers: { Cookie: '' } })).status === 200,
      10000, 'outpostd to start again');
  }

}

// https_port: the console's port (a free one when not given).
export async function writeConfig(dir, port, extra = '', httpsPort) {
  httpsPort ??= await freePort();
  const conf = `[office]
code = SQ01
name = 幸福街道便民服务站
[core]
state_dir = state
catalog = ${join(top, 'appliance/catalog-demo.json')}
restart_backoff_max_seconds = 2
min_free_disk_bytes = 0
[web]
port = ${port}
https_port = ${httpsPort}
${extra}`;
  writeFileSync(join(dir, 'outpost.conf'), conf);
}

// Starts a box; extra is appended to the [web] section (or holds whole sections).
function spawnBox(config, env = {}) {
  return spawn(join(buildDir, 'outpostd'), ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env } });
}

// prepare(dir), when given, runs before outpostd starts (to fill dir/state);
// env is added to outpostd's environment (OUTPOST_FAKE_CLOCK in the test build).
// port, httpsPort: the plain and HTTPS ports to use (when the configuration
// must name them).
export async function startBox(extra = '', { prepare, env, port, httpsPort } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-test-'));
  // The box's processes run as their own users (appliance/privs.h): they
  // pass through this folder to the configuration and the state.
  chmodSync(dir, 0o755);
  if (prepare) await prepare(dir);
  port ??= await freePort();
  await writeConfig(dir, port, extra, httpsPort);
  const proc = spawnBox(join(dir, 'outpost.conf'), env);
  const box = new Box(dir, port, proc);
  await box.waitUntil(async () => (await box.fetch('/api/v1/health')).status === 200, 10000, 'outpostd to start');
  return box;
}

// fetch() over HTTPS with the server's certificate checked against ca (Node's
// fetch takes no CA): the same options, and a Response back.  One
// connection per request; redirects are not followed.
export async function httpsFetch(url, opts = {}, ca) {
  const method = (opts.method ?? 'GET').toUpperCase();
  const shaped = new Request(url, { method, headers: opts.headers, body: opts.body, duplex: 'half' });
  const body = opts.body == null ? null : Buffer.from(await shaped.arrayBuffer());
  const headers = Object.fromEntries(shaped.headers);
  if (body || !['GET', 'HEAD'].includes(method)) headers['content-length'] = String(body?.length ?? 0);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca, agent: false, signal: opts.signal }, (res) => {
      const peer = res.socket.getPeerCertificate(true);
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const x of [].concat(v)) h.append(k, x);
        const empty = method === 'HEAD' || [204, 205, 304].includes(res.statusCode);
        const r = new Response(empty ? null : Buffer.concat(chunks), { status: res.statusCode, headers: h });
        Object.defineProperty(r, 'peerCertificate', { value: peer });
        resolve(r);
      });
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

// Small valid documents of each type.
export const samples = {
  pdf: () => Buffer.concat([Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\n'), Buffer.alloc(4096, 0x20), Buffer.from('\n%%EOF\n')]),
  png: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'), Buffer.alloc(2048, 7)]),
  jpeg: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 9), Buffer.from([0xff, 0xd9])]),
};

// GA-JZZ-01 (居住证办理) asks for four materials; the fourth is optional.
export const goodCase = {
  applicant_name: '张三丰', id_number: '11010519491231002X', phone: '13800138000', item: 'GA-JZZ-01',
  materials: [1, 2, 3].map((position) => ({ position, received: true, pages: 1 })),
};

// ---- Raw clients for the attack tier: bytes fetch() will not send, and
// connections from another loopback address (127.0.0.0/8 is all ours).

// An HTTP/1.1 exchange with a box's console (HTTPS, its certificate
// trusted; with plain, its plain-HTTP port): the pieces (strings are
// latin1, so any byte can be written; a promise is sent when it settles)
// with pauseMs between them, from localAddress.  Resolves to { status,
// headers, body } once the box closes; status 0 when it closed without an
// answer.
export function rawHttp(box, pieces, { localAddress = '127.0.0.1', pauseMs = 0, timeoutMs = 10000, plain = false } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = plain ? netConnect({ port: box.port, host: '127.0.0.1', localAddress })
      : tlsConnect({ port: box.httpsPort, host: '127.0.0.1', localAddress, ca: box.trusted() });
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer within ${timeoutMs} ms`)); }, timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = (split < 0 ? raw : raw.subarray(0, split)).toString('latin1').split('\r\n');
      const status = Number((head[0].match(/^HTTP\/1\.[01] (\d{3})/) ?? [])[1] ?? 0);
      const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const text = split < 0 ? '' : raw.subarray(split + 4).toString('utf8');
      let body = text;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      resolve({ status, headers, body });
    });
    s.once(plain ? 'connect' : 'secureConnect', async () => {
      for (const piece of pieces) {
        const p = await piece; // a piece may be a promise: it is sent once it settles
        if (s.destroyed) return;
        s.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
        if (pauseMs) await sleep(pauseMs);
      }
    });
  });
}

// The bytes of a request: head lines joined, Content-Length from body;
// Host is 127.0.0.1 unless headers name one.
export function rawRequest(method, path, headers = {}, body = '') {
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const lines = [`${method} ${path} HTTP/1.1`, ...('Host' in headers ? [] : ['Host: 127.0.0.1']), 'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (b.length || method !== 'GET') lines.push(`Content-Length: ${b.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), b]);
}

// A multipart body as a browser sends it; parts are { name, filename?,
// type?, data } (strings latin1).  Also returns where each part's data starts.
export function multipart(parts, boundary = 'outpostattackboundary') {
  const out = [];
  const dataAt = [];
  let at = 0;
  for (const p of parts) {
    const disp = `Content-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const head = Buffer.from(`--${boundary}\r\n${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`, 'latin1');
    const data = typeof p.data === 'string' ? Buffer.from(p.data, 'latin1') : p.data;
    out.push(head, data, Buffer.from('\r\n'));
    dataAt.push(at + head.length);
    at += head.length + data.length + 2;
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(out), type: `multipart/form-data; boundary=${boundary}`, dataAt };
}

// A JSON request to a box's console (HTTPS; with plain, its plain-HTTP
// port) from a chosen local address (fetch cannot choose one).
export function requestFrom(localAddress, box, path, { method = 'GET', headers = {}, body, plain = false, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = (plain ? httpRequest : httpsRequest)({ host: '127.0.0.1', port: plain ? box.port : box.httpsPort, path,
      method, localAddress, agent: false, ca: plain ? undefined : box.trusted(),
      headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers } },
    (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

// n TCP connections to port from localAddress that send nothing; resolves
// once each is connected or refused.  Each socket's .closedAt is set when
// the box closes it.  With tls (the CAs to trust), each finishes its TLS
// handshake first.
export async function idleConnections(port, n, localAddress = '127.0.0.2', tls = null) {
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = tls ? tlsConnect({ port, host: '127.0.0.1', localAddress, ca: tls })
      : netConnect({ port, host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.on('close', () => { s.closedAt = performance.now(); });
    s.once(tls ? 'secureConnect' : 'connect', () => resolve(s));
    s.once('error', () => resolve(s));
  })));
  return socks;
}
