/**
 * IPRoute.open and IPDB.open check the namespace they are given before opening anything: a value
 * that cannot name one is a ValidationError naming `netns`, a name with no namespace behind it a
 * NotFoundError (the transport said a TypeError, or a TransportError ENOENT).
 */
import { describe, expect, it } from 'vitest';
import { IPDB } from '../../src/ipdb/ipdb.js';
import { NotFoundError, ValidationError } from '../../src/iproute/errors.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import { ipJson, useNetns } from '../helpers/netns.js';

const ns = useNetns('opn');

describe('opening in a namespace', () => {
  it('refuses what cannot name one, naming netns and the value', async () => {
    for (const bad of [5, null, '', 'a/b', '..', { name: 'x/y' }, { pid: -1 }, { path: 'relative' }, ['lab']]) {
      for (const open of [() => IPRoute.open({ netns: bad as never }), () => IPDB.open({ netns: bad as never })]) {
        const err = await open().then(() => null, (e: unknown) => e);
        expect(err, JSON.stringify(bad)).toBeInstanceOf(ValidationError);
        expect(err).toMatchObject({ field: 'netns', value: bad });
      }
    }
  });

  it('says a name with no namespace behind it is not found', async () => {
    const missing = `nldbt-none-${process.pid}-${Date.now()}`;
    for (const open of [() => IPRoute.open({ netns: missing }), () => IPDB.open({ netns: { name: missing } })]) {
      const err = await open().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).message).toMatch(/no namespace of that name/);
      expect((err as NotFoundError).cause).toMatchObject({ code: 'ENOENT' });
    }
  });

  it('opens one that exists, by name and as { name }', async () => {
    const ipr = await IPRoute.open({ netns: ns() });
    try {
      expect((await ipr.getLinks()).map((l) => l.ifname)).toEqual(ipJson<{ ifname: string }>(ns(), 'link', 'show').map((l) => l.ifname));
    } finally {
      ipr.close();
    }
    const db = await IPDB.open({ netns: { name: ns() } });
    await db.close();
  });
});
