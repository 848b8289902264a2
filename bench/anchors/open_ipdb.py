"""Anchor for the "ipdb-open" benchmark: pyroute2's legacy IPDB loading a namespace's full state.

usage: open_ipdb.py NETNS
IPDB() returns at once and loads on first use, so the load is timed up to the end of counting.
Counts: IPDB keys `interfaces` by both name and index (only int keys are counted); `ipaddr` maps
an index to its addresses; routes live per table in `routes.tables`. IPDB's route key leaves the
output interface out, so it holds fewer routes than the kernel: the harness flags that mismatch.
"""
import sys

from _common import die, emit_counts, emit_work, enter_netns, now

if len(sys.argv) != 2:
    die('usage: open_ipdb.py NETNS')

t0 = now()
enter_netns(sys.argv[1])
from pyroute2 import IPDB  # noqa: E402

ipdb = IPDB()
links = sum(1 for key in ipdb.interfaces.keys() if isinstance(key, int))
addresses = sum(len(addrs) for addrs in ipdb.ipaddr.values())
routes = sum(len(ipdb.routes.tables[table]) for table in list(ipdb.routes.tables.keys()))
t1 = now()
emit_counts(links=links, addresses=addresses, routes=routes)
ipdb.release()
emit_work(load=t1 - t0, close=now() - t1)
