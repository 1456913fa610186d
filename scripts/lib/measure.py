#!/usr/bin/env python3
"""Runs a command, prints 'seconds peak_rss_kib' of it (children included) on stdout as JSON.

usage: measure.py -- COMMAND ARGS...
"""
import json, resource, subprocess, sys, time

args = sys.argv[sys.argv.index("--") + 1:]
t0 = time.perf_counter()
proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if proc.returncode != 0:
    sys.stderr.write(proc.stderr.decode(errors="replace"))
    sys.exit(proc.returncode)
print(json.dumps({"seconds": round(elapsed, 3), "peak_rss_kib": usage.ru_maxrss}))
