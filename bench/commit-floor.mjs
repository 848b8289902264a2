/**
 * The floor under "commit" (issue 4) in Node: the least a Node program can do to make the commit
 * benchmark's change set and see it confirmed the way nldb confirms it, side by side with
 * `ip -batch` on the same set. No library: koffi and hand-written bytes only.
 *
 * The floor program (run in the namespace by `ip netns exec`) starts its clock with the change
 * set parsed from JSON, like nldb's contender (bench/nldb/commit.ts), and stops it once
 * - every request of the set, encoded by hand into one buffer, was sent in ONE send() on libuv's
 *   thread pool and acknowledged (NLM_F_ACK on each, as nldb sends them), and
 * - the kernel's notification of every change was read from a socket in the change's multicast
 *   group and its record decoded into a Map (the database's view, at its plainest: no validation,
 *   no plan or inverse, no identity keys beyond one string, no immutable snapshot, no events).
 * Routes are read while the kernel works; veths only after the send returned (nothing read
 * meanwhile, the way nldb sends link changes: see KernelExecutor's `quiet`).
 *
 * Each run gets a fresh throwaway namespace (lo and one veth pair va0/vb0, up, 10.0.0.1/24 on
 * va0: commitNamespace in bench/lib/commit-spec.ts), deleted afterwards, also on failure; the
 * result is counted with `ip -j` after each run. `ip -batch` is timed as the harness times it:
 * the whole process.
 *
 *   node bench/commit-floor.mjs routes 7     # 10,000 routes, 7 runs each
 *   node bench/commit-floor.mjs veths 7      # 200 veth pairs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZES = { routes: 10_000, veths: 200 };
const SETTLE_MS = 1000;

// ---- the floor program (child) ---------------------------------------------------------------

async function child(kind, specFile) {
  const koffi = (await import('koffi')).default;
  const lib = koffi.load('libc.so.6');
  const c = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    send: lib.func('intptr_t send(int, const void *, size_t, int)'),
    recvmmsg: lib.func('int recvmmsg(int, void *, unsigned int, int, void *)'),
    ifNameToIndex: lib.func('unsigned int if_nametoindex(const char *)'),
  };
  const option = (fd, level, name, value) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    if (c.setsockopt(fd, level, name, b, 4) < 0) throw new Error(`setsockopt ${level}/${name} failed`);
  };
  const open = (groups) => {
    const fd = c.socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | 0o4000 /* SOCK_NONBLOCK */, 0 /* NETLINK_ROUTE */);
    const addr = Buffer.alloc(12);
    addr.writeUInt16LE(16, 0);
    addr.writeUInt32LE(groups, 8);
    if (fd < 0 || c.bind(fd, addr, 12) < 0) throw new Error('netlink socket');
    option(fd, 1, 33 /* SO_RCVBUFFORCE */, 64 << 20);
    option(fd, 1, 32 /* SO_SNDBUFFORCE */, 8 << 20);
    option(fd, 270, 10 /* NETLINK_CAP_ACK: ACKs without the request */, 1);
    return fd;
  };
  // recvmmsg into SLOTS slots of SLOT bytes (a link notification is about 1.5 KB here).
  const SLOTS = 256, SLOT = 4096;
  const arena = Buffer.alloc(SLOTS * SLOT), ctl = Buffer.alloc(SLOTS * (64 + 16));
  const ctlAt = koffi.address(ctl), arenaAt = koffi.address(arena);
  for (let k = 0; k < SLOTS; k++) {
    const iov = SLOTS * 64 + k * 16;
    ctl.writeBigUInt64LE(ctlAt + BigInt(iov), k * 64 + 16); // msg_iov
    ctl.writeBigUInt64LE(1n, k * 64 + 24); // msg_iovlen
    ctl.writeBigUInt64LE(arenaAt + BigInt(k * SLOT), iov); // iov_base
    ctl.writeBigUInt64LE(BigInt(SLOT), iov + 8); // iov_len
  }
  const drain = (fd, each) => {
    const n = c.recvmmsg(fd, ctl, SLOTS, 0, null);
    for (let k = 0; k < n; k++) each(k * SLOT, ctl.readUInt32LE(k * 64 + 56));
    return n;
  };

  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const n = spec.items.length;
  const requests = open(0);
  const events = open(kind === 'routes' ? 1 << 6 /* RTNLGRP_IPV4_ROUTE */ : 1 /* RTNLGRP_LINK */);
  const t0 = performance.now();

  // Encode: one buffer, one message per change, sequence numbers 1..n.
  const out = Buffer.alloc(n * 128);
  let at = 0;
  const header = (type, seq) => {
    out.writeUInt16LE(type, at + 4);
    out.writeUInt16LE(0x605 /* REQUEST | ACK | EXCL | CREATE */, at + 6);
    out.writeUInt32LE(seq, at + 8);
  };
  const attr = (p, type, len) => { out.writeUInt16LE(len, p); out.writeUInt16LE(type, p + 2); };
  const ipv4 = (s, from, to, p) => {
    let v = 0;
    for (let i = from; i < to; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 46) { out[p++] = v; v = 0; } else v = v * 10 + ch - 48;
    }
    out[p] = v;
  };
  const name = (p, type, s) => {
    const len = 4 + s.length + 1;
    attr(p, type, len);
    out.write(s, p + 4, 'latin1');
    out[p + 4 + s.length] = 0;
    return p + ((len + 3) & ~3);
  };
  const indexes = new Map();
  for (let i = 0; i < n; i++) {
    const item = spec.items[i];
    const start = at;
    if (kind === 'routes') {
      let oif = indexes.get(item.ifname);
      if (oif === undefined) indexes.set(item.ifname, (oif = c.ifNameToIndex(item.ifname)));
      const slash = item.dst.indexOf('/');
      header(24 /* RTM_NEWROUTE */, i + 1);
      at += 16;
      out[at] = 2; out[at + 1] = +item.dst.slice(slash + 1); out[at + 4] = 254; out[at + 5] = 3; out[at + 6] = 0; out[at + 7] = 1;
      at += 12;
      attr(at, 1 /* RTA_DST */, 8); ipv4(item.dst, 0, slash, at + 4); at += 8;
      attr(at, 5 /* RTA_GATEWAY */, 8); ipv4(item.gateway, 0, item.gateway.length, at + 4); at += 8;
      attr(at, 4 /* RTA_OIF */, 8); out.writeUInt32LE(oif, at + 4); at += 8;
    } else {
      header(16 /* RTM_NEWLINK */, i + 1);
      at += 32; // nlmsghdr + ifinfomsg (zeroes)
      at = name(at, 3 /* IFLA_IFNAME */, item.ifname);
      const linkinfo = at;
      at = name(at + 4, 1 /* IFLA_INFO_KIND */, 'veth');
      const data = at;
      const peer = at + 4;
      at = name(peer + 4 + 16, 3 /* IFLA_IFNAME */, item.peer);
      attr(peer, 1 /* VETH_INFO_PEER */, at - peer);
      attr(data, 2 /* IFLA_INFO_DATA */, at - data);
      attr(linkinfo, 18 /* IFLA_LINKINFO */, at - linkinfo);
    }
    out.writeUInt32LE(at - start, start);
  }

  // The database's view, at its plainest: each notification's record in a Map.
  const view = new Map();
  const dotted = (o) => `${arena[o]}.${arena[o + 1]}.${arena[o + 2]}.${arena[o + 3]}`;
  const readRoute = (o) => {
    const end = o + arena.readUInt32LE(o);
    const r = { family: arena[o + 16], dstLen: arena[o + 17], table: arena[o + 20], protocol: arena[o + 21], scope: arena[o + 22], type: arena[o + 23], dst: null, gateway: null, oif: 0, priority: 0 };
    for (let p = o + 28; p + 4 <= end; p += (arena.readUInt16LE(p) + 3) & ~3) {
      const type = arena.readUInt16LE(p + 2) & 0x3fff;
      if (type === 1) r.dst = dotted(p + 4);
      else if (type === 5) r.gateway = dotted(p + 4);
      else if (type === 4) r.oif = arena.readUInt32LE(p + 4);
      else if (type === 15) r.table = arena.readUInt32LE(p + 4);
      else if (type === 6) r.priority = arena.readUInt32LE(p + 4);
    }
    view.set(`${r.table}|${r.dst}/${r.dstLen}|${r.priority}`, Object.freeze(r));
  };
  const readLink = (o) => {
    const end = o + arena.readUInt32LE(o);
    const r = { index: arena.readInt32LE(o + 20), flags: arena.readUInt32LE(o + 24), ifname: null, mtu: 0, link: 0 };
    for (let p = o + 32; p + 4 <= end; p += (arena.readUInt16LE(p) + 3) & ~3) {
      const type = arena.readUInt16LE(p + 2) & 0x3fff;
      if (type === 3) r.ifname = arena.toString('latin1', p + 4, p + arena.readUInt16LE(p) - 1);
      else if (type === 4) r.mtu = arena.readUInt32LE(p + 4);
      else if (type === 5) r.link = arena.readUInt32LE(p + 4);
    }
    view.set(r.ifname, Object.freeze(r));
  };
  const want = kind === 'routes' ? n : 2 * n;
  let acks = 0;
  const readAcks = () => drain(requests, (o) => {
    const error = arena.readInt32LE(o + 16);
    if (error !== 0) throw new Error(`request ${arena.readUInt32LE(o + 8)} refused: errno ${-error}`);
    acks += 1;
  });
  const readEvents = () => drain(events, (o) => {
    const type = arena.readUInt16LE(o + 4);
    if (type === 24) readRoute(o);
    else if (type === 16) readLink(o);
  });
  const sent = new Promise((resolve) => { c.send.async(requests, out.subarray(0, at), at, 0, (_e, r) => resolve(r)); });
  if (kind === 'veths' && (await sent) !== at) throw new Error('send failed');
  const sentAt = performance.now();
  // Routes: read while the kernel works (the send's callback waits for this loop to end).
  for (let spins = 0; acks < n || view.size < want; spins++) {
    if (readAcks() + readEvents() <= 0 && spins > 50_000_000) throw new Error(`stuck: ${acks} ACKs, ${view.size} records`);
  }
  if ((await sent) !== at) throw new Error('send failed');
  const seconds = (performance.now() - t0) / 1000;
  // For veths, what the send took (the kernel's share: nothing else ran meanwhile).
  const send = kind === 'veths' ? (sentAt - t0) / 1000 : undefined;
  process.stdout.write(`${JSON.stringify({ seconds, send, acks, records: view.size })}\n`);
}

// ---- the comparison (parent) -----------------------------------------------------------------

function ip(args, input) {
  return execFileSync('ip', args, { input, encoding: 'utf8' });
}

function freshNamespace(tag) {
  const ns = `nldbb-floor-${process.pid}-${tag}`;
  ip(['netns', 'add', ns]);
  try {
    ip(['-n', ns, '-batch', '-'], 'link add va0 type veth peer name vb0\nlink set va0 up\nlink set vb0 up\naddr add 10.0.0.1/24 dev va0\n');
  } catch (err) {
    ip(['netns', 'del', ns]);
    throw err;
  }
  // Let the kernel settle (the previous run's namespace is torn down by a work queue): the veth
  // creations' RCU grace periods are slower while another CPU is busy.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
  return ns;
}

function applied(ns, kind) {
  if (kind === 'routes') return JSON.parse(ip(['-n', ns, '-j', '-4', 'route', 'show', 'table', 'main'])).filter((r) => r.dst?.startsWith('172.')).length;
  return JSON.parse(ip(['-n', ns, '-j', 'link', 'show'])).filter((l) => l.ifname?.startsWith('cv')).length;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

function parent(kind, runs) {
  const n = SIZES[kind];
  if (n === undefined || !(runs >= 1)) throw new Error('usage: node bench/commit-floor.mjs routes|veths [runs]');
  const dir = mkdtempSync(join(tmpdir(), 'nldb-commit-floor-'));
  try {
    // The change sets of bench/lib/commit-spec.ts (makeSpec), written the same way.
    const quad = (k) => `${(k >> 8) & 255}.${k & 255}`;
    const items = Array.from({ length: n }, (_, k) => (kind === 'routes'
      ? { dst: `172.${16 + (k >> 16)}.${quad(k)}/32`, gateway: '10.0.0.2', ifname: 'va0' }
      : { ifname: `cv${k}`, peer: `cp${k}` }));
    const specFile = join(dir, 'spec.json');
    const batchFile = join(dir, 'spec.batch');
    writeFileSync(specFile, JSON.stringify({ kind, items }));
    writeFileSync(batchFile, items.map((r) => (kind === 'routes' ? `route add ${r.dst} via ${r.gateway} dev ${r.ifname}` : `link add ${r.ifname} type veth peer name ${r.peer}`)).join('\n') + '\n');
    const times = { floor: [], ip: [], send: [] };
    for (let r = 0; r < runs; r++) {
      for (const who of r % 2 ? ['ip', 'floor'] : ['floor', 'ip']) {
        const ns = freshNamespace(`${r}${who}`);
        try {
          let seconds;
          if (who === 'ip') {
            const t = performance.now();
            const done = spawnSync('ip', ['-n', ns, '-batch', batchFile], { stdio: 'ignore' });
            seconds = (performance.now() - t) / 1000;
            if (done.status !== 0) throw new Error(`ip -batch exited with ${done.status}`);
          } else {
            const done = spawnSync('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url), '--child', kind, specFile], { encoding: 'utf8' });
            if (done.status !== 0) throw new Error(`floor program failed: ${done.stderr}`);
            const result = JSON.parse(done.stdout);
            seconds = result.seconds;
            if (result.send !== undefined) times.send.push(result.send);
          }
          const count = applied(ns, kind);
          if (count !== n) throw new Error(`${who}: the kernel shows ${count} of ${n} changes`);
          times[who].push(seconds);
        } finally {
          ip(['netns', 'del', ns]);
        }
      }
    }
    const f = median(times.floor), b = median(times.ip);
    console.log(`${n.toLocaleString('en-US')} ${kind}, ${runs} runs each (medians): floor ${f.toFixed(3)} s, ip -batch ${b.toFixed(3)} s, ratio ${(f / b).toFixed(2)}×`);
    if (times.send.length > 0) console.log(`  of which encoding and the send (median): ${median(times.send).toFixed(3)} s`);
    console.log(`  floor: ${times.floor.map((t) => t.toFixed(3)).join(' ')}\n  ip:    ${times.ip.map((t) => t.toFixed(3)).join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1], args[2]);
else parent(args[0] ?? 'routes', Number(args[1] ?? 7));
