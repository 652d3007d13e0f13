// SPDX-License-Identifier: Apache-2.0
// A network namespace of the test's own, joined to the host by a veth
// pair, and the faults this kernel can make on it (FACTS.md: no netem):
// rate with tbf, random loss with nftables numgen, a link cut by a drop
// rule.  Everything is removed by close().
import { execFileSync } from 'node:child_process';

const sh = (...args) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

export class Netns {
  constructor(tag = process.pid % 10000) {
    this.name = `outpost-${tag}`;
    this.host = `opv${tag}h`;
    this.peer = `opv${tag}c`;
    const net = 200 + (tag % 50);
    this.hostAddress = `10.${net}.77.1`;
    this.address = `10.${net}.77.2`;
    this.table = `outpost_${tag}`;
    sh('ip', 'netns', 'add', this.name);
    sh('ip', 'link', 'add', this.host, 'type', 'veth', 'peer', 'name', this.peer);
    sh('ip', 'link', 'set', this.peer, 'netns', this.name);
    sh('ip', 'addr', 'add', `${this.hostAddress}/24`, 'dev', this.host);
    sh('ip', 'link', 'set', this.host, 'up');
    this.exec('ip', 'addr', 'add', `${this.address}/24`, 'dev', this.peer);
    this.exec('ip', 'link', 'set', this.peer, 'up');
    this.exec('ip', 'link', 'set', 'lo', 'up');
    sh('nft', 'add', 'table', 'inet', this.table);
    sh('nft', 'add', 'chain', 'inet', this.table, 'out', '{ type filter hook output priority 0; }');
    sh('nft', 'add', 'chain', 'inet', this.table, 'in', '{ type filter hook input priority 0; }');
  }

  exec(...args) { return sh('ip', 'netns', 'exec', this.name, ...args); }

  // The host's side sends at rate (tbf).
  rate(rate = '20mbit') {
    sh('tc', 'qdisc', 'replace', 'dev', this.host, 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms');
  }

  // Drops percent of the packets both ways on the link.
  loss(percent) {
    sh('nft', 'add', 'rule', 'inet', this.table, 'out', 'oifname', this.host, 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop');
    sh('nft', 'add', 'rule', 'inet', this.table, 'in', 'iifname', this.host, 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop');
  }

  // Cuts the link (every packet dropped) until mend().
  cut() {
    sh('nft', 'insert', 'rule', 'inet', this.table, 'out', 'oifname', this.host, 'drop', 'comment', '"cut"');
    sh('nft', 'insert', 'rule', 'inet', this.table, 'in', 'iifname', this.host, 'drop', 'comment', '"cut"');
  }

  mend() {
    for (const chain of ['out', 'in']) {
      const listing = sh('nft', '-a', 'list', 'chain', 'inet', this.table, chain);
      for (const m of listing.matchAll(/comment "cut" # handle (\d+)/g)) sh('nft', 'delete', 'rule', 'inet', this.table, chain, 'handle', m[1]);
    }
  }

  close() {
    try { sh('nft', 'delete', 'table', 'inet', this.table); } catch { /* already gone */ }
    try { sh('ip', 'netns', 'del', this.name); } catch { /* already gone */ }
    try { sh('ip', 'link', 'del', this.host); } catch { /* went with the namespace */ }
  }
}
