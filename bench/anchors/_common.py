"""Shared helpers for the pyroute2 anchor scripts of nldb's benchmarks.

Run with Debian's interpreter (/usr/bin/python3), which has python3-pyroute2 0.7.2.
Protocol with the harness (bench/lib/protocol.ts): the last `COUNTS {json}` line on stdout gives
the object counts the harness compares across contenders; an optional `WORK {json}` line gives
in-process timings (seconds), reported next to the whole-process figures.
"""
import json
import os
import sys
import time

# Taken at import, before pyroute2 is imported: "work" figures exclude interpreter start-up but
# include importing pyroute2 only where a script says so.
T_START = time.perf_counter()


def enter_netns(name):
    """Moves this process (single-threaded at this point) into the named namespace.

    Done before pyroute2 creates any socket or thread, so everything it opens lives there: the
    same footing as `ip -n NS` and nldb, which also open their sockets inside the namespace.
    flags=0: never create the namespace by accident (pyroute2's default is O_CREAT)."""
    from pyroute2.netns import setns
    setns(name, flags=0)


def emit_counts(**counts):
    print('COUNTS ' + json.dumps(counts, sort_keys=True), flush=True)


def emit_work(**seconds):
    print('WORK ' + json.dumps({k: round(v, 6) for k, v in seconds.items()}, sort_keys=True), flush=True)


def die(message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(2)


def now():
    return time.perf_counter()
