// SPDX-License-Identifier: Apache-2.0
// Supervision: crashed or misbehaving children are restarted, the core and
// its data stay; configuration checks and reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import { appendFileSync, writeFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBox, samples, goodCase, buildDir, sleep } from '../lib.mjs';

const testBuild = buildDir.endsWith('build/san');

let box;
before(async () => {
  box = await startBox('request_timeout_seconds = 2\n');
  assert.equal((await box.login()).status, 200);
});
after(async () => {
  const code = await box.stop();
  assert.equal(code, 0, 'stops cleanly on SIGTERM');
  assert.match(box.log, /stopped/);
  box.cleanup();
});

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('SIGKILL of the web child: the API answers again within 5 s, the case still there', async () => {
  const made = await box.createCase(goodCase, [{ name: 'a.pdf', type: 'application/pdf', data: samples.pdf() }]);
  assert.equal(made.status, 201);
  const { web } = box.pids();
  process.kill(web, 'SIGKILL');
  const start = Date.now();
  await box.waitUntil(async () => (await box.json(`/api/v1/cases/${made.body.code}`)).status === 200, 5000,
    'the case through a new web process');
  const took = Date.now() - start;
  assert.ok(took < 5000, `answered after ${took} ms`);
  const s = box.status();
  assert.notEqual(s.roles.web.pid, web);
  assert.equal(s.roles.web.restarts, 1);
  assert.ok(alive(box.proc.pid), 'core alive');
  // The session lives in the core, so the clerk stays logged in.
  assert.equal((await box.json('/api/v1/session')).status, 200);
});

test('a malformed message from a child: that child is restarted, the core lives', async () => {
  const before = box.status();
  const dev = before.roles.dev.pid;
  execFileSync(join(buildDir, 'tests/inject'), [String(dev)]);
  await box.waitUntil(() => box.status().roles.dev.pid !== dev && box.status().roles.dev.state === 'up', 5000,
    'dev to be restarted');
  assert.ok(!alive(dev), 'the misbehaving dev process is gone');
  assert.match(box.log, /malformed (datagram|message) from dev/);
  assert.equal(box.status().roles.dev.restarts, before.roles.dev.restarts + 1);
  assert.equal(box.status().roles.web.pid, before.roles.web.pid, 'other children untouched');
  // And printing works again through the new dev process.
  const made = await box.createCase(goodCase, [{ name: 'b.png', type: 'image/png', data: samples.png() }]);
  assert.equal(made.status, 201);
  assert.equal(made.body.receipt.printed, true);
});

test('health is 503 while a role is down, and intake still saves the case', async () => {
  const { dev } = box.pids();
  process.kill(dev, 'SIGKILL');
  let seen = null;
  await box.waitUntil(async () => {
    const r = await box.json('/api/v1/health');
    if (r.status === 503) seen = r.body;
    return seen !== null;
  }, 2000, 'health to report dev down');
  assert.equal(seen.status, 'degraded');
  assert.notEqual(seen.roles.dev, 'up');
  assert.equal(seen.roles.core, 'up');
  await box.waitUntil(async () => (await box.json('/api/v1/health')).status === 200, 5000, 'dev back');
});

test('a core that does not answer: the web answers 504 and drops the late answer', async () => {
  const webRestarts = box.status().roles.web.restarts;
  process.kill(box.proc.pid, 'SIGSTOP');
  let r;
  try {
    const start = Date.now();
    r = await box.json('/api/v1/health');
    assert.ok(Date.now() - start >= 1900, 'waited for the configured timeout');
  } finally {
    process.kill(box.proc.pid, 'SIGCONT');
  }
  assert.equal(r.status, 504);
  assert.equal(r.body.error, 'timeout');
  assert.match(r.body.message, /处理超时/);
  await box.waitUntil(async () => (await box.json('/api/v1/health')).status === 200, 3000, 'answers again');
  assert.equal(box.status().roles.web.restarts, webRestarts, 'the web survived the late answer');
});

// F3: after start-up no process of the box is root or holds a capability,
// each runs under its own seccomp allow-list, and each role is its own user.
test('every process runs as its own user, with no capability, no new privileges and under seccomp', () => {
  const pids = box.pids(); // core, web, dev, sync
  const uids = {};
  for (const [role, pid] of Object.entries(pids)) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = status.match(/^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m).slice(1).map(Number);
    assert.ok(uid.every((u) => u !== 0), `${role} runs as uid ${uid}`);
    assert.ok(uid.every((u) => u === uid[0]), `${role}: real, effective, saved and file uids agree`);
    assert.ok(status.match(/^Gid:\s+(.*)$/m)[1].split(/\s+/).every((g) => g !== '0'), `${role} is not in group root`);
    assert.match(status, /^CapEff:\s+0{16}$/m, role);
    assert.match(status, /^NoNewPrivs:\s+1$/m, role);
    assert.match(status, /^Seccomp:\s+2$/m, role);
    uids[role] = uid[0];
  }
  assert.equal(new Set(Object.values(uids)).size, 4, `four users: ${JSON.stringify(uids)}`);
  for (const role of ['web', 'dev', 'sync']) {
    const status = readFileSync(`/proc/${pids[role]}/status`, 'utf8');
    assert.match(status, /^CapPrm:\s+0{16}$/m, `${role} cannot get a capability back`);
  }
  // The database and the key are the core's user's alone.
  for (const f of ['outpost.db', 'box.key']) {
    const st = statSync(join(box.state, f));
    assert.equal(st.uid, uids.core, f);
    assert.equal(st.mode & 0o077, 0, `${f} is private`);
  }
  assert.equal(statSync(join(box.state, 'dev')).uid, uids.dev);
  assert.equal(statSync(join(box.state, 'sync')).uid, uids.sync);
});

test('OpenSSL\'s libcrypto is mapped in the processes that seal or sign, core and sync, and not in web and dev', () => {
  const pids = box.pids(); // core, web, dev, sync
  const maps = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, readFileSync(`/proc/${pid}/maps`, 'utf8')]));
  for (const role of ['core', 'sync']) assert.match(maps[role], /libcrypto\.so\.3/, `${role} maps libcrypto`);
  for (const role of ['web', 'dev']) assert.doesNotMatch(maps[role], /libcrypto\.so/, `${role} does not map libcrypto`);
  // sync's libcurl is the OpenSSL flavour, its TLS OpenSSL's libssl.
  // (Debian's build still maps GnuTLS there, for librtmp.)
  assert.match(maps.sync, /libcurl\.so\.4/);
  assert.match(maps.sync, /libssl\.so\.3/);
  assert.doesNotMatch(maps.sync, /libcurl-gnutls/);
  // And the binary links no nettle of its own.
  const needed = execFileSync('readelf', ['-d', join(buildDir, 'outpostd')], { encoding: 'utf8' });
  assert.doesNotMatch(needed, /libnettle|libhogweed/);
});

test('dev and sync cannot open the database or the box key (test hook)', { skip: !testBuild &&
  'SKIPPED LOUDLY: the probe hook exists only in the test build (SANITIZE=1); the sanitized tier runs this' }, async () => {
  const probed = await startBox();
  try {
    // The probe runs at each role's start, once it is sandboxed.
    await probed.restart(() => {}, { OUTPOST_TEST_PROBE: ['box.key', 'outpost.db', 'tls.key'].map((f) => join(probed.state, f)).join(':') });
    for (const role of ['web', 'dev', 'sync']) {
      for (const f of ['box.key', 'outpost.db', 'tls.key']) {
        const path = join(probed.state, f);
        await probed.waitUntil(() => probed.log.includes(`probe: ${role} cannot open ${path}: Permission denied`), 5000,
          `${role} refused ${f}`);
      }
      assert.ok(!probed.log.includes(`probe: ${role} opened`), probed.log);
    }
  } finally {
    await probed.stop();
    probed.cleanup();
  }
});

test('outpostd -n checks a configuration', () => {
  const ok = spawnSync(join(buildDir, 'outpostd'), ['-n', '-c', box.config], { encoding: 'utf8' });
  assert.equal(ok.status, 0);
  assert.equal(ok.stdout.trim(), 'configuration OK');
  const dir = mkdtempSync(join(tmpdir(), 'outpost-conf-'));
  writeFileSync(join(dir, 'bad.conf'), '[office]\ncode = SQ01\n\n[web]\nport = 99999\n');
  const bad = spawnSync(join(buildDir, 'outpostd'), ['-n', '-c', join(dir, 'bad.conf')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.conf:5: \[web\] port must be a whole number from 1 to 65535/);
});

test('SIGHUP reloads a valid configuration and refuses an invalid one', async () => {
  appendFileSync(box.config, '[auth]\nlockout_failures = 7\n');
  process.kill(box.proc.pid, 'SIGHUP');
  await box.waitUntil(() => /configuration reloaded/.test(box.log), 3000, 'reload');
  appendFileSync(box.config, 'bogus_key = 1\n');
  process.kill(box.proc.pid, 'SIGHUP');
  await box.waitUntil(() => /reload refused, keeping the running configuration: .*unknown key 'bogus_key'/.test(box.log),
    3000, 'refused reload');
  await sleep(100);
  assert.equal((await box.json('/api/v1/health')).status, 200);
});

test('stopping with call displays connected: every process exits cleanly', async () => {
  const shown = await startBox();
  try {
    // Two displays on the live feed: idle, their connections are suspended.
    const streams = await Promise.all([1, 2].map(() => new Promise((resolve, reject) => {
      const req = http.get(`${shown.base}/api/v1/display/events`, { agent: false }, (res) => {
        res.once('data', () => resolve({ req, res }));
      });
      req.on('error', reject);
    })));
    const ended = streams.map(({ res }) => new Promise((r) => { res.on('end', r); res.on('error', r); res.on('close', r); }));
    await sleep(300);
    // Ctrl-C on make run: SIGINT, as a terminal sends it to the whole group
    // (the children ignore it and wait for the core's SIGTERM).
    const exited = new Promise((r) => shown.proc.once('exit', (code) => r(code)));
    // The children first (they ignore it), then the core, which then stops
    // them: a child already gone is no failure of the test.
    const { core, ...children } = shown.pids();
    for (const pid of [...Object.values(children), core]) {
      try { process.kill(pid, 'SIGINT'); } catch (e) { if (e.code !== 'ESRCH') throw e; }
    }
    assert.equal(await exited, 0, 'the core exits 0');
    await Promise.all(ended);
    assert.doesNotMatch(shown.log, /killed by signal|Fatal error/, 'no child aborted');
    const stop = shown.log.slice(shown.log.indexOf('stopping on signal 2'));
    assert.ok(stop.length > 0, 'the core said why it stopped');
    if (testBuild) {
      // The sanitized tier's children exit 1: LeakSanitizer cannot work
      // under their seccomp filter, which denies ptrace.
      assert.match(stop, /web \(pid \d+\) (stopped|exited with status 1)/);
    } else {
      // A clean stop is no news: each role's end at info, no warning.
      for (const role of ['web', 'dev', 'sync']) assert.match(stop, new RegExp(`info: ${role} \\(pid \\d+\\) stopped`));
      assert.doesNotMatch(stop, /warning|error/);
    }
  } finally {
    await shown.stop();
    shown.cleanup();
  }
});
