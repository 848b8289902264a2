"""Reads the change set the harness wrote for the "commit" benchmark (bench/lib/commit-spec.ts).

{"kind": "addresses", "ifname": "va0", "items": [{"address": "10.100.0.1", "prefixlen": 32}, ...]}
{"kind": "routes", "items": [{"dst": "172.16.0.1/32", "gateway": "10.0.0.2", "ifname": "va0"}, ...]}
{"kind": "routes-remove", "items": (as for routes: the routes to remove, which the namespace has)}
{"kind": "veths", "items": [{"ifname": "cv0", "peer": "cp0"}, ...]}
{"kind": "links-down", "items": [{"ifname": "va5"}, ...]}
Every contender reads the same file, so all of them make exactly the same changes.
"""
import json


def load_spec(path):
    with open(path) as f:
        spec = json.load(f)
    if spec.get('kind') not in ('addresses', 'routes', 'routes-remove', 'veths', 'links-down'):
        raise ValueError('unknown change kind in %s: %r' % (path, spec.get('kind')))
    return spec
