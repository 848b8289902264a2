"""Anchor for the "dump" benchmark: pyroute2's IPRoute dumping links, addresses and all routes.

usage: dump_iproute.py NETNS setns|proxy
  setns: enter the namespace, then IPRoute() (pyroute2's cheapest path).
  proxy: NetNS(NETNS), pyroute2's own namespace API (a helper process relays every message).
get_routes() with no arguments asks the kernel for every family and every table (pyroute2 sends
family 255 on purpose; see its docstring), which is what `ip route show table all` shows.
"""
import sys

from _common import emit_counts, emit_work, enter_netns, die, now

if len(sys.argv) != 3 or sys.argv[2] not in ('setns', 'proxy'):
    die('usage: dump_iproute.py NETNS setns|proxy')
ns, mode = sys.argv[1], sys.argv[2]

t0 = now()
if mode == 'setns':
    enter_netns(ns)
    from pyroute2 import IPRoute
    ipr = IPRoute()
else:
    import os
    from pyroute2 import NetNS
    ipr = NetNS(ns, flags=0)
t1 = now()
links = ipr.get_links()
addresses = ipr.get_addr()
routes = ipr.get_routes()
t2 = now()
emit_counts(links=len(links), addresses=len(addresses), routes=len(routes))
ipr.close()
emit_work(open=t1 - t0, dump=t2 - t1, close=now() - t2)
