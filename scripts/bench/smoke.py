#!/usr/bin/env python3
"""Smoke check of depot-bench (mk/bench.mk): runs the built benchmark on a small database for a
couple of seconds and checks that it completes, measures both paths, reuses its cached database
on a second run, and that the engine's verify passes. Timing is never asserted.

Usage: smoke.py PATH-TO-depot-bench
"""
import json
import os
import subprocess
import sys
import tempfile

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"  ok   {name}")
    else:
        failed += 1
        print(f"  FAIL {name} {detail}")


def run(binary, database, *extra):
    args = [binary, "--database", database, "--items", "200", "--lots-per-item", "10", "--locations", "50",
            "--clients", "1,2", "--duration", "0.4", "--warmup", "0.1", "--json", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def main():
    if len(sys.argv) != 2:
        print("usage: smoke.py PATH-TO-depot-bench", file=sys.stderr)
        return 2
    binary = sys.argv[1]
    if not os.access(binary, os.X_OK):
        print(f"bench-smoke: {binary} is not built (run `swift build --build-tests` first)", file=sys.stderr)
        print("bench-smoke: 0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="depot-bench-smoke-") as scratch:
        database = os.path.join(scratch, "bench.sqlite")
        for attempt, expect_reused in (("first run", False), ("second run", True)):
            result = run(binary, database)
            check(f"{attempt}: exit status 0", result.returncode == 0, f"status {result.returncode}: {result.stderr[-2000:]}")
            try:
                report = json.loads(result.stdout)
            except json.JSONDecodeError as error:
                check(f"{attempt}: JSON report", False, f"{error}: {result.stdout[-500:]}")
                continue
            check(f"{attempt}: 2,000 lots", report.get("lots") == 2000, str(report.get("lots")))
            check(f"{attempt}: database reused == {expect_reused}", report.get("databaseReused") == expect_reused,
                  str(report.get("databaseReused")))
            phases = {(p["path"], p["clients"]): p for p in report.get("phases", [])}
            for key in [("direct", 1), ("socket", 1), ("direct", 2), ("socket", 2)]:
                phase = phases.get(key)
                check(f"{attempt}: {key[0]} x{key[1]} measured picks", phase is not None and phase["picks"] > 0
                      and phase["short"] < phase["picks"] and phase["p50"] <= phase["p99"] <= phase["max"], str(phase))
            check(f"{attempt}: ratios for 1 and 2 clients", sorted(report.get("ratios", {})) == ["1", "2"],
                  str(report.get("ratios")))
            check(f"{attempt}: verify ok", report.get("verifyOK") is True and report.get("balancesChecked", 0) > 0,
                  f"verifyOK={report.get('verifyOK')} balances={report.get('balancesChecked')}")
        bad = subprocess.run([binary, "--database", database, "--clients", "0"], capture_output=True, text=True)
        check("--clients 0 is a usage error naming the option", bad.returncode == 64 and "--clients" in bad.stderr,
              f"status {bad.returncode}: {bad.stderr}")
    print(f"bench-smoke: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
