/**
 * The floor under "load a live database" in Node: a process that only creates the records a
 * database of the bench namespace holds (109,004 routes shaped as nldb's RouteRecord, frozen),
 * their identity keys (routeKey's text), and puts them into 4,096 Maps as the route table's shards
 * index them. No netlink, no decoding, no library: the cost of such a table, indexed, in Node.
 * (nldb's open no longer indexes the shards as it loads them: each is indexed on its first look-up,
 * see LoadedShard in src/db/table.ts. Keeping the records and keys in arrays instead of the Maps
 * took this loop about 30% less time in-process, 100 ms against 143. Nor does it make the keys:
 * the open hashes each key's group from the message bytes, and a shard makes its keys when first
 * asked for them. This floor still makes and indexes everything.)
 *
 * Each key is made the cheapest way found (src/ipdb/keyed-route-reader.ts does the same): its
 * bytes written into a scratch buffer, ONE flat string made of them, the record's dst a slice of
 * it. Template strings (`4|254|${dst}|...`) make ropes that the shard hash and the Map must
 * flatten: slower (in-process medians of 7 here: 188 ms with them, 175 ms this way).
 *
 *   /usr/bin/time -f '%e s %M KB' node bench/floor.mjs
 */
const t0 = performance.now();
const N = 109_004;
const shards = Array.from({ length: 4096 }, () => new Map());
const ascii = (s) => Buffer.from(s, 'latin1');
const DIGITS = Array.from({ length: 256 }, (_, i) => ascii(String(i)));
const gateways = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.2`);
const head = ascii('4|254|');
const middle = ascii('|tos0|m0#unicast|boot|universe|-||nh=');
const scratch = Buffer.alloc(256);
const put = (p, bytes) => {
  for (let i = 0; i < bytes.length; i++) scratch[p++] = bytes[i];
  return p;
};
const putUint = (p, n) => {
  if (n < 256) return put(p, DIGITS[n]);
  const start = p;
  for (; n > 0; n = Math.floor(n / 10)) scratch[p++] = 0x30 + (n % 10);
  scratch.subarray(start, p).reverse();
  return p;
};
for (let k = 0; k < N; k++) {
  const gateway = gateways[k % 1000];
  const oif = 3 + 2 * (k % 1000);
  let p = put(0, head);
  const dstStart = p;
  p = put(p, DIGITS[172]);
  scratch[p++] = 0x2e;
  p = put(p, DIGITS[16 + (k >> 16)]);
  scratch[p++] = 0x2e;
  p = put(p, DIGITS[(k >> 8) & 255]);
  scratch[p++] = 0x2e;
  p = put(p, DIGITS[k & 255]);
  scratch[p++] = 0x2f; // '/32'
  p = put(p, DIGITS[32]);
  const dstEnd = p;
  const groupEnd = p + 8; // '|tos0|m0'
  p = put(p, middle);
  for (let i = 0; i < gateway.length; i++) scratch[p++] = gateway.charCodeAt(i);
  scratch[p++] = 0x40; // '@'
  p = putUint(p, oif);
  scratch[p++] = 0x2a; // '*1'
  scratch[p++] = 0x31;
  const key = scratch.latin1Slice(0, p);
  const r = Object.freeze({
    family: 4, table: 254, dst: key.slice(dstStart, dstEnd), src: null, gateway, oif, priority: null,
    protocol: 'boot', scope: 'universe', type: 'unicast', multipath: null, prefsrc: null, tos: 0, metrics: null, pref: null,
  });
  // FNV-1a over the key's group, as src/db/table.ts chooses a shard
  let h = 0x811c9dc5;
  for (let i = 0; i < groupEnd; i++) h = Math.imul(h ^ scratch[i], 0x01000193);
  shards[(h >>> 0) % 4096].set(key, r);
}
console.log(`${N} records, keys and shards: ${(performance.now() - t0).toFixed(0)} ms in-process`);

// The keys are routeKey's text (checked on a few, after the timing).
for (const k of [0, 12_345, N - 1]) {
  const dst = `172.${16 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32`;
  const key = `4|254|${dst}|tos0|m0#unicast|boot|universe|-||nh=${gateways[k % 1000]}@${3 + 2 * (k % 1000)}*1`;
  if (!shards.some((s) => s.get(key)?.dst === dst)) throw new Error(`floor.mjs made a wrong key for route ${k}`);
}
