/**
 * The floor under "load a live database" in Node: a process that only creates the records a
 * database of the bench namespace holds (109,004 routes shaped as nldb's RouteRecord, frozen),
 * their identity keys (routeKey's text), and puts them into 4,096 Maps as the route table's shards
 * do. No netlink, no decoding, no library. Whatever nldb does on top of this, it cannot load such a
 * table faster than this process runs.
 *
 *   /usr/bin/time -f '%e s %M KB' node bench/floor.mjs
 */
const t0 = performance.now();
const N = 109_004;
const shards = Array.from({ length: 4096 }, () => new Map());
const gateways = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.2`);
for (let k = 0; k < N; k++) {
  const dst = `172.${16 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32`;
  const r = Object.freeze({
    family: 4, table: 254, dst, src: null, gateway: gateways[k % 1000], oif: 3 + 2 * (k % 1000), priority: null,
    protocol: 'boot', scope: 'universe', type: 'unicast', multipath: null, prefsrc: null, tos: 0, metrics: null, pref: null,
  });
  const key = `4|254|${dst}|tos0|m0#unicast|boot|universe|-||nh=${r.gateway}@${r.oif}*1`;
  // FNV-1a over the key's slot, as src/db/table.ts chooses a shard
  let h = 0x811c9dc5;
  for (let i = 0, end = key.indexOf('#'); i < end; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  shards[(h >>> 0) % 4096].set(key, r);
}
console.log(`${N} records, keys and shards: ${(performance.now() - t0).toFixed(0)} ms in-process`);
