"""Anchor for the "commit" benchmark: one pyroute2 NDB transaction applying a change set.

usage: commit_ndb.py NETNS SPEC.json
addresses: one interface object collecting add_ip() calls, then one commit().
routes, veths: one ndb.begin() Transaction with every new object pushed, committed on exit
(NDB commits them one by one and rolls back the committed ones on failure); links-down: the
links, set down, pushed the same way; routes-remove: every route, removed, pushed the same way.
WORK reports open (NDB start and initial load) and commit separately.
"""
import sys

from _common import die, emit_counts, emit_work, enter_netns, now
from _spec import load_spec

if len(sys.argv) != 3:
    die('usage: commit_ndb.py NETNS SPEC.json')

spec = load_spec(sys.argv[2])
items = spec['items']
t0 = now()
enter_netns(sys.argv[1])
from pyroute2 import NDB  # noqa: E402

ndb = NDB(sources=[{'target': 'localhost', 'kind': 'local', 'nlm_generator': 1}])
t1 = now()
if spec['kind'] == 'addresses':
    link = ndb.interfaces[spec['ifname']]
    for a in items:
        link.add_ip('%s/%d' % (a['address'], a['prefixlen']))
    link.commit()
elif spec['kind'] == 'routes':
    with ndb.begin() as tx:
        for r in items:
            tx.push(ndb.routes.create(dst=r['dst'], gateway=r['gateway'], oif=ndb.interfaces[r['ifname']]['index']))
elif spec['kind'] == 'routes-remove':
    with ndb.begin() as tx:
        for r in items:
            tx.push(ndb.routes[{'dst': r['dst']}].remove())
elif spec['kind'] == 'links-down':
    with ndb.begin() as tx:
        for item in items:
            tx.push(ndb.interfaces[item['ifname']].set('state', 'down'))
else:
    with ndb.begin() as tx:
        for v in items:
            tx.push(ndb.interfaces.create(ifname=v['ifname'], kind='veth', peer=v['peer']))
t2 = now()
emit_counts(changes=len(items))
ndb.close()
emit_work(open=t1 - t0, commit=t2 - t1, close=now() - t2)
