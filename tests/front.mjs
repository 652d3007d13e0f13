// SPDX-License-Identifier: Apache-2.0
// A stand-in for the network in front of central, for the fault tests: an
// HTTPS server with central's own certificate (the box's pin holds) that
// passes requests on to central, adding delay, and answers some itself as
// a failing central or a captive portal would.  When central cannot be
// reached it drops the client's connection, as a cut link does.
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export class Front {
  constructor({ cert, key, ca, host, port, delayMs = 0 }) {
    this.upstream = { host, port, ca };
    this.delayMs = delayMs;
    this.faults = []; // { method, path, status, headers, body, times }
    this.seen = []; // [method, path, status, Upload-Checksum or null] of every answer
    this.agent = new https.Agent({ keepAlive: true, ca });
    this.server = https.createServer({ cert, key }, (req, res) => this.handle(req, res));
  }

  start() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = this.server.address().port;
      this.base = `https://127.0.0.1:${this.port}`;
      resolve(this);
    }));
  }

  // The next `times` requests matching method and path start get status;
  // body may be a function of the request's body.
  fail(method, path, status, { headers = {}, body = '', times = 1 } = {}) {
    this.faults.push({ method, path, status, headers, body, times });
  }

  // Central's bad moments for the next three requests to path: a 500, a 503
  // with Retry-After, and a captive portal's 200.
  badMoments(method, path, retryAfter = '2') {
    this.fail(method, path, 500, { body: '{"error":"internal"}' });
    this.fail(method, path, 503, { headers: { 'Retry-After': retryAfter }, body: '{"error":"busy"}' });
    this.fail(method, path, 200, { headers: { 'Content-Type': 'text/html' }, body: '<html>请登录 Wi-Fi</html>' });
  }

  async handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    await sleep(this.delayMs / 2);
    const fault = this.faults.find((f) => f.times > 0 && f.method === req.method && req.url.startsWith(f.path));
    if (fault) {
      fault.times--;
      this.seen.push([req.method, req.url, fault.status, req.headers['upload-checksum'] ?? null]);
      res.writeHead(fault.status, fault.headers);
      res.end(typeof fault.body === 'function' ? fault.body(body) : fault.body);
      return;
    }
    const headers = { ...req.headers, host: `${this.upstream.host}:${this.upstream.port}` };
    delete headers.connection;
    const up = https.request({ host: this.upstream.host, port: this.upstream.port, method: req.method, path: req.url,
      headers, agent: this.agent, timeout: 40_000 }, async (ur) => {
      const back = [];
      try {
        for await (const c of ur) back.push(c);
      } catch {
        req.socket.destroy();
        return;
      }
      await sleep(this.delayMs / 2);
      const h = { ...ur.headers };
      delete h['transfer-encoding'];
      delete h.connection;
      h['content-length'] = String(Buffer.concat(back).length);
      this.seen.push([req.method, req.url, ur.statusCode, req.headers['upload-checksum'] ?? null]);
      res.writeHead(ur.statusCode, h);
      res.end(Buffer.concat(back));
    });
    up.on('timeout', () => up.destroy(new Error('timeout')));
    up.on('error', () => req.socket.destroy()); // as a cut link: no answer at all
    up.end(body);
  }

  close() {
    this.agent.destroy();
    this.server.closeAllConnections?.();
    return new Promise((r) => this.server.close(r));
  }
}
