#!/usr/bin/env python3
"""Start-to-READY time and RSS of depotd on a database (docs/benchmarks.md, "Start to READY").

Starts DEPOTD --database DATABASE on a temporary socket with NOTIFY_SOCKET set to a datagram
socket of this script (sd_notify(3), as systemd does for Type=notify), and measures the wall time
from the spawn to the READY=1 datagram. At READY it reads VmRSS and VmHWM of the process from
/proc/PID/status, then stops depotd with SIGTERM and waits for it. Repeats --runs times and
prints one line per run and the median. Exits 1 when depotd exits before READY or sends nothing
within --timeout seconds. Measures; asserts no timing.

Usage: start_ready.py DEPOTD DATABASE [--runs 5] [--timeout 120] [--json]
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def one_run(depotd, database, timeout):
    with tempfile.TemporaryDirectory(prefix="depot-ready-") as scratch:
        notify_path = os.path.join(scratch, "notify")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(timeout)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        env.pop("WATCHDOG_USEC", None)
        command = [depotd, "--database", database, "--socket", os.path.join(scratch, "depotd.sock"),
                   "--no-scanners", "--now", "2026-03-01T08:00:00Z", "--time-zone", "UTC",
                   "--log-level", "warning"]
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ready = None
        try:
            while ready is None:
                try:
                    message = notify.recv(4096).decode()
                except socket.timeout:
                    raise RuntimeError(f"no READY=1 within {timeout} s")
                if "READY=1" in message.split("\n"):
                    ready = time.monotonic() - started
            rss = status_kib(process.pid, "VmRSS")
            hwm = status_kib(process.pid, "VmHWM")
        except Exception:
            process.kill()
            _, err = process.communicate()
            raise RuntimeError(f"depotd did not get ready: exit {process.returncode}: {err.decode()[-2000:]}")
        finally:
            notify.close()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        return {"readySeconds": ready, "rssKiB": rss, "hwmKiB": hwm, "exit": process.returncode}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("depotd")
    parser.add_argument("database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not os.access(args.depotd, os.X_OK):
        print(f"start_ready: {args.depotd} is not an executable", file=sys.stderr)
        return 2
    if not os.path.exists(args.database):
        print(f"start_ready: database {args.database} does not exist", file=sys.stderr)
        return 2
    runs = []
    for index in range(args.runs):
        try:
            run = one_run(args.depotd, args.database, args.timeout)
        except RuntimeError as error:
            print(f"start_ready: run {index + 1}: {error}", file=sys.stderr)
            return 1
        runs.append(run)
        if not args.json:
            print(f"run {index + 1}: READY after {run['readySeconds'] * 1000:.1f} ms, "
                  f"RSS {run['rssKiB'] / 1024:.1f} MiB (peak {run['hwmKiB'] / 1024:.1f} MiB), exit {run['exit']}")
    median = {
        "readyMs": statistics.median(r["readySeconds"] for r in runs) * 1000,
        "rssMiB": statistics.median(r["rssKiB"] for r in runs) / 1024,
        "hwmMiB": statistics.median(r["hwmKiB"] for r in runs) / 1024,
    }
    if args.json:
        print(json.dumps({"database": args.database, "runs": runs, "median": median}, indent=2))
    else:
        print(f"median: READY after {median['readyMs']:.1f} ms, RSS {median['rssMiB']:.1f} MiB, "
              f"peak {median['hwmMiB']:.1f} MiB ({args.database})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
