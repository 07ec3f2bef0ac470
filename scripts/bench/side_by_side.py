#!/usr/bin/env python3
"""depot beside SQLite's C API in one run (mk/bench.mk, docs/benchmarks.md "Side by side").

Runs the C program ../shared/bench/sqlite_fefo_limit.c (already compiled) with SYNC=NORMAL and
SYNC=FULL, then depot-bench with --durability normal and full, all on the same database shape
(items x lots per item, 10,000 locations), and prints one table: picks/s, p50 and p99 of every
phase and its ratio to the C program's rate with the same synchronous setting (depot/C).

Usage: side_by_side.py C-BINARY DEPOT-BENCH DIRECTORY [--items N] [--lots-per-item N]
                       [--seconds S] [--clients 1,4,16] [--json]
"""
import argparse
import json
import os
import re
import subprocess
import sys


def run_c(binary, directory, items, lots, seconds, sync):
    """One C run; the database is built on first use and reused (one file per shape)."""
    path = os.path.join(directory, f"c-{items}x{lots}.sqlite")
    out = subprocess.run([binary, path, str(items), str(lots), str(seconds), sync],
                         capture_output=True, text=True, check=True, timeout=3600)
    line = out.stdout.strip().splitlines()[-1]
    fields = dict(re.findall(r"(\w+)=([\w.]+)", line))
    return {"picks_per_s": float(fields["picks_per_s"]), "p50": float(fields["p50_ms"]), "p99": float(fields["p99_ms"])}


def run_depot(binary, directory, items, lots, seconds, clients, durability):
    path = os.path.join(directory, f"depot-{items}x{lots}.sqlite")
    out = subprocess.run([binary, "--database", path, "--items", str(items), "--lots-per-item", str(lots),
                          "--locations", "10000", "--clients", clients, "--duration", str(seconds),
                          "--durability", durability, "--json"],
                         capture_output=True, text=True, check=True, timeout=7200)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("c_binary")
    parser.add_argument("depot_bench")
    parser.add_argument("directory")
    parser.add_argument("--items", type=int, default=100000)
    parser.add_argument("--lots-per-item", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for binary in (args.c_binary, args.depot_bench):
        if not os.access(binary, os.X_OK):
            print(f"side_by_side: {binary} is not built", file=sys.stderr)
            return 2
    os.makedirs(args.directory, exist_ok=True)
    rows = []
    c = {}
    for sync in ("NORMAL", "FULL"):
        c[sync] = run_c(args.c_binary, args.directory, args.items, args.lots_per_item, args.seconds, sync)
        rows.append({"what": f"C sqlite3 ({sync})", "clients": 1, **c[sync], "ratio": 1.0})
    for durability in ("normal", "full"):
        result = run_depot(args.depot_bench, args.directory, args.items, args.lots_per_item, args.seconds,
                           args.clients, durability)
        if not result.get("verifyOK"):
            print(f"side_by_side: depot-bench --durability {durability}: verify failed", file=sys.stderr)
            return 1
        base = c[durability.upper()]["picks_per_s"]
        for phase in result["phases"]:
            rows.append({"what": f"depot {phase['path']} ({durability})", "clients": phase["clients"],
                         "picks_per_s": phase["picksPerSecond"], "p50": phase["p50"], "p99": phase["p99"],
                         "ratio": phase["picksPerSecond"] / base if base else 0.0})
    if args.json:
        print(json.dumps({"items": args.items, "lotsPerItem": args.lots_per_item, "seconds": args.seconds,
                          "rows": rows}, indent=2))
        return 0
    print(f"FEFO picks side by side: {args.items} items x {args.lots_per_item} lots, {args.seconds:g} s per phase")
    print(f"{'what':<24}{'clients':>8}{'picks/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'depot/C':>9}")
    for row in rows:
        print(f"{row['what']:<24}{row['clients']:>8}{row['picks_per_s']:>10.0f}{row['p50']:>9.3f}{row['p99']:>9.3f}"
              f"{row['ratio']:>9.2f}")
    print("depot/C: the row's picks/s over the C program's single-process rate with the same synchronous setting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
