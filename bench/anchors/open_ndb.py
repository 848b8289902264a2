"""Anchor for the "ipdb-open" benchmark: pyroute2's NDB loading a namespace's full state.

usage: open_ndb.py NETNS
The process enters the namespace first and gives NDB one explicit local source: NDB's default
sources add an `nsmanager` that would also load every other namespace on the machine. NDB()
returns only after its sources' initial dumps are in its SQLite database (it waits on their
autoload events); the counts are taken right after, so a partial load shows as a count mismatch.
Interfaces are counted from dump(): count() on the interfaces view counts one extra row.
"""
import sys

from _common import die, emit_counts, emit_work, enter_netns, now

if len(sys.argv) != 2:
    die('usage: open_ndb.py NETNS')

t0 = now()
enter_netns(sys.argv[1])
from pyroute2 import NDB  # noqa: E402

ndb = NDB(sources=[{'target': 'localhost', 'kind': 'local', 'nlm_generator': 1}])
t1 = now()
links = sum(1 for _ in ndb.interfaces.dump())
addresses = ndb.addresses.count()
routes = ndb.routes.count()
t2 = now()
emit_counts(links=links, addresses=addresses, routes=routes)
ndb.close()
emit_work(load=t1 - t0, count=t2 - t1, close=now() - t2)
