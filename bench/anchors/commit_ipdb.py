"""Anchor for the "commit" benchmark: one pyroute2 IPDB transaction applying a change set.

usage: commit_ipdb.py NETNS SPEC.json
addresses: one interface transaction (`with ipdb.interfaces[name] as i: i.add_ip(...)`).
routes, veths: IPDB's global transaction: every ipdb.routes.add() / ipdb.create() begins a
transaction on its new object, and one ipdb.commit() applies them all (rolling all back on error).
links-down: one interface transaction per link (`with ipdb.interfaces[name] as i: i.down()`).
routes-remove: every route's remove() (`ipdb.routes[dst].remove()`), then one ipdb.commit().
WORK reports open (IPDB start and initial load) and commit separately.
"""
import sys

from _common import die, emit_counts, emit_work, enter_netns, now
from _spec import load_spec

if len(sys.argv) != 3:
    die('usage: commit_ipdb.py NETNS SPEC.json')

spec = load_spec(sys.argv[2])
items = spec['items']
t0 = now()
enter_netns(sys.argv[1])
from pyroute2 import IPDB  # noqa: E402

ipdb = IPDB()
ipdb.interfaces  # IPDB loads on first use: keep that out of the commit figure
t1 = now()
if spec['kind'] == 'addresses':
    with ipdb.interfaces[spec['ifname']] as link:
        for a in items:
            link.add_ip('%s/%d' % (a['address'], a['prefixlen']))
elif spec['kind'] == 'routes':
    for r in items:
        ipdb.routes.add(dst=r['dst'], gateway=r['gateway'], oif=ipdb.interfaces[r['ifname']].index)
    ipdb.commit()
elif spec['kind'] == 'routes-remove':
    for r in items:
        ipdb.routes[r['dst']].remove()
    ipdb.commit()
elif spec['kind'] == 'links-down':
    for item in items:
        with ipdb.interfaces[item['ifname']] as link:
            link.down()
else:
    for v in items:
        ipdb.create(kind='veth', ifname=v['ifname'], peer=v['peer'])
    ipdb.commit()
t2 = now()
emit_counts(changes=len(items))
ipdb.release()
emit_work(open=t1 - t0, commit=t2 - t1, close=now() - t2)
