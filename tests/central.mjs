// SPDX-License-Identifier: Apache-2.0
// outpost-central for the tests: a private state folder, a free port, the
// command line (tokens, clerks' events), and a box identity that signs
// requests as sync/PROTOCOL.md section 2 says, with Node's own crypto.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, createHmac, generateKeyPairSync, sign, verify, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, buildDir, freePort, sleep, httpsFetch } from './lib.mjs';

const execFileAsync = promisify(execFile);

export class Central extends Daemon {
  get config() { return join(this.dir, 'central.conf'); }
  get state() { return join(this.dir, 'state'); }

  cli(...args) {
    return execFileSync(join(buildDir, 'outpost-central'), ['-c', this.config, ...args], { encoding: 'utf8' }).trim();
  }

  token(code = 'SQ01', name = '幸福街道便民服务站') { return this.cli('token', code, name); }
}

// A CA made for the test and a certificate for 127.0.0.1 signed by it
// (openssl's command line); name picks the certificate's file names.
export function makeTls(dir, name = 'central', ips = ['127.0.0.1'], cn = '127.0.0.1') {
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  if (!existsSync(join(dir, 'ca.pem'))) {
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=Outpost test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  }
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`,
    '-keyout', `${name}.key`, '-out', `${name}.csr`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName = ${ips.map((ip) => `IP:${ip}`).join(',')}\n`);
  ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'san.ext', '-out', `${name}.pem`);
  const made = { ca: join(dir, 'ca.pem'), cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  // A box's sync role runs as its own user (appliance/privs.h): it reads the
  // CA, and an office's certificate and key, from here.
  chmodSync(dir, 0o755);
  for (const f of Object.values(made)) chmodSync(f, 0o644);
  return made;
}

// Starts outpost-central; with tls ({cert, key}) it serves HTTPS.
// netns: run it inside that network namespace, listening on address.
export async function startCentral(extra = '', { tls, dir = mkdtempSync(join(tmpdir(), 'outpost-central-')), port, netns, address = '127.0.0.1', env } = {}) {
  port ??= await freePort();
  const tlsConf = tls ? `tls_cert = ${tls.cert}\ntls_key = ${tls.key}\n` : '';
  writeFileSync(join(dir, 'central.conf'), `[central]\nstate_dir = ${join(dir, 'state')}\nport = ${port}\nlisten_address = ${address}\n${tlsConf}${extra}`);
  const exe = join(buildDir, 'outpost-central');
  const proc = netns
    ? spawn('ip', ['netns', 'exec', netns, exe, '-c', join(dir, 'central.conf')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } })
    : spawn(exe, ['-c', join(dir, 'central.conf')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const c = new Central(dir, port, proc);
  c.base = `${tls ? 'https' : 'http'}://${address}:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) break;
    if (/ready on/.test(c.log)) return c;
    await sleep(50);
  }
  throw new Error(`outpost-central did not start:\n${c.log}`);
}

// A box's identity: its Ed25519 key, what it signs and how.
export class BoxIdentity {
  constructor(office = 'SQ01') {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.office = office;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  get publicRaw() { return Buffer.from(this.publicKey.export({ format: 'jwk' }).x, 'base64url'); }

  // The Outpost-* headers of a request (path with its query, exact body),
  // timed to the millisecond and never twice alike, as the box signs them:
  // central takes a signature once.
  headers(method, path, body = Buffer.alloc(0), when = undefined) {
    if (!when) {
      this.lastMs = Math.max(Date.now(), (this.lastMs ?? 0) + 1);
      when = new Date(this.lastMs);
    }
    const ts = when.toISOString();
    const text = `${method}\n${path}\n${ts}\n${createHash('sha256').update(body).digest('hex')}`;
    return { 'Outpost-Protocol': '1', 'Outpost-Office': this.office, 'Outpost-Timestamp': ts,
      'Outpost-Signature': `ed25519=${sign(null, Buffer.from(text), this.privateKey).toString('base64')}` };
  }

  // Enrols through a front (the relay of the fault tests) over TLS with ca.
  async enrolVia(central, front, ca) {
    const body = JSON.stringify({ token: central.token(this.office, this.office), public_key: this.publicRaw.toString('base64') });
    const { stdout } = await execFileAsync('curl', ['-sS', '--cacert', ca, '-H', 'Content-Type: application/json', '--data-binary', body,
      `${front.base}/v1/enrol`], { encoding: 'utf8' });
    return JSON.parse(stdout);
  }

  // A tus upload for data at central through front; its URL.
  async createUpload(front, data, ca) {
    const sha = createHash('sha256').update(data).digest('hex');
    const h = { ...this.headers('POST', '/v1/uploads'), 'Tus-Resumable': '1.0.0', 'Upload-Length': String(data.length),
      'Upload-Metadata': `filename ${Buffer.from('d.pdf').toString('base64')},sha256 ${Buffer.from(sha).toString('base64')}` };
    const { stdout: out } = await execFileAsync('curl', ['-sS', '-D', '-', '-o', '/dev/null', '--cacert', ca, '-X', 'POST',
      ...Object.entries(h).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), `${front.base}/v1/uploads`], { encoding: 'utf8' });
    const loc = /^location:\s*(\S+)/im.exec(out);
    if (!loc) throw new Error(`no upload: ${out}`);
    return new URL(loc[1], front.base).href;
  }

  signManifest(body) { return `ed25519=${sign(null, body, this.privateKey).toString('base64')}`; }

  async enrol(central, token) {
    const r = await fetch(`${central.base}/v1/enrol`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Outpost-Protocol': '1' },
      body: JSON.stringify({ token, public_key: this.publicRaw.toString('base64'), software: 'test' }) });
    return { status: r.status, body: await r.json() };
  }

  async fetch(central, method, path, body, extra = {}) {
    const buf = body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const r = await fetch(central.base + path, { method, body: buf.length ? buf : undefined,
      headers: { ...this.headers(method, path, buf), ...(buf.length ? { 'Content-Type': 'application/json' } : {}), ...extra } });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* empty or not JSON */ }
    return { status: r.status, body: json, text, headers: r.headers };
  }
}

// Central's signature over an answer's exact body.
export function centralSigned(publicKeyB64, text, header) {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyB64, 'base64').toString('base64url') }, format: 'jwk' });
  return header?.startsWith('ed25519=') && verify(null, Buffer.from(text), key, Buffer.from(header.slice(8), 'base64'));
}

// A clerk's session at central (cookie and CSRF token), and its requests.
export class ClerkSession {
  // ca: central's TLS trust, when it serves HTTPS.
  constructor(central, { ca } = {}) {
    this.central = central;
    this.fetch = ca ? (url, opts) => httpsFetch(url, opts, readFileSync(ca)) : fetch;
  }

  async login(username, password) {
    const r = await this.fetch(`${this.central.base}/central/api/login`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
    const body = await r.json();
    this.cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
    this.csrf = body.csrf;
    return { status: r.status, body };
  }

  async api(method, path, body) {
    const r = await this.fetch(this.central.base + path, { method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { Cookie: this.cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': this.csrf, 'Content-Type': 'application/json' }) } });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* CSV */ }
    return { status: r.status, body: json, text, headers: r.headers };
  }
}

// The phone rating token a box prints (appliance/common/rating.h), made
// with Node's crypto from the office's webhook secret ("whsec_<base64>").
export function phoneToken(webhookSecret, office, kind, code, lastDay) {
  const secret = Buffer.from(webhookSecret.replace(/^whsec_/, ''), 'base64');
  const key = createHmac('sha256', secret).update('outpost rating token v1').digest();
  const day = `${lastDay.getFullYear()}${String(lastDay.getMonth() + 1).padStart(2, '0')}${String(lastDay.getDate()).padStart(2, '0')}`;
  const mac = createHmac('sha256', key).update(`${office}\n${kind}\n${code}\n${day}`).digest().subarray(0, 16);
  return `${office}.${kind[0]}.${code}.${day}.${mac.toString('base64url')}`;
}
