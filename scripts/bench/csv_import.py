#!/usr/bin/env python3
"""CSV import benchmark (docs/benchmarks.md, "CSV import"): starts depotd on a temp database,
imports ITEMS items, LOCATIONS locations and ITEMS x LOCATIONS opening-stock rows (100,000 by
default) through the built depotctl, and times each phase: the dry run, the real import, the
re-import of the same file (every row unchanged), the stock export and the ledger export.
Not a test: it asserts only that each command succeeded and prints one table.

    scripts/bench/csv_import.py [--build .build/debug] [--items 1000] [--locations 100]
"""
import argparse, os, shutil, subprocess, sys, tempfile, time


def gtin(n):
    payload = "400638%06d" % n
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return payload + str((10 - total % 10) % 10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=".build/debug")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--locations", type=int, default=100)
    args = parser.parse_args()
    ctl, depotd = os.path.join(args.build, "depotctl"), os.path.join(args.build, "depotd")
    work = tempfile.mkdtemp(prefix="csvbench")
    socket = os.path.join(work, "d.sock")
    env = dict(os.environ, DEPOT_SOCKET=socket)
    daemon = subprocess.Popen(
        [depotd, "--database", os.path.join(work, "db.sqlite"), "--socket", socket, "--no-scanners",
         "--now", "2026-03-01T08:00:00Z", "--time-zone", "UTC"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(socket):
                break
            time.sleep(0.05)
        files = {}
        files["items"] = os.path.join(work, "items.csv")
        with open(files["items"], "w") as f:
            f.write("sku,name,gtin,lot_tracked,expiry_tracked\n")
            for i in range(args.items):
                f.write('SKU-%05d,"Item %d, boxed",%s,true,true\n' % (i, i, gtin(i)))
        files["locations"] = os.path.join(work, "locations.csv")
        with open(files["locations"], "w") as f:
            f.write("code,kind,pick_priority\n")
            for l in range(args.locations):
                f.write("L-%03d,storage,%d\n" % (l, l % 10))
        files["stock"] = os.path.join(work, "stock.csv")
        with open(files["stock"], "w") as f:
            f.write("sku,location,quantity,lot,expiry,reference\n")
            for i in range(args.items):
                for l in range(args.locations):
                    f.write("SKU-%05d,L-%03d,%d,LOT-%d,2027-%02d-15,opening\n" % (i, l, 1 + (i + l) % 50, l % 7, 1 + l % 7))
        rows = args.items * args.locations
        results = []

        def timed(label, command, output=None):
            start = time.monotonic()
            result = subprocess.run([ctl] + command, env=env, capture_output=True, text=True)
            elapsed = time.monotonic() - start
            if result.returncode != 0:
                sys.exit("%s failed: %s %s" % (label, result.stdout, result.stderr[:2000]))
            results.append((label, elapsed, result.stdout.strip()[:80]))
            print("%-40s %8.2f s  %s" % (label, elapsed, result.stdout.strip()[:80]), flush=True)

        timed("import items (%d rows)" % args.items, ["import", "items", files["items"]])
        timed("import locations (%d rows)" % args.locations, ["import", "locations", files["locations"]])
        timed("import stock --dry-run (%d rows)" % rows, ["import", "stock", files["stock"], "--dry-run"])
        timed("import stock (%d rows)" % rows, ["import", "stock", files["stock"]])
        timed("import stock again, all unchanged", ["import", "stock", files["stock"]])
        timed("export stock --format csv", ["export", "stock", "-o", os.path.join(work, "stock-out.csv")])
        timed("export ledger --format csv", ["export", "ledger", "-o", os.path.join(work, "ledger-out.csv")])
        size = os.path.getsize(files["stock"])
        print("stock file: %d rows, %d bytes" % (rows, size))
        print("%-40s %10s %12s  %s" % ("phase", "seconds", "rows/s", "output"))
        for label, elapsed, out in results:
            n = int(label.split("(")[1].split()[0]) if "(" in label else rows
            print("%-40s %10.2f %12.0f  %s" % (label, elapsed, n / elapsed, out))
    finally:
        daemon.terminate()
        daemon.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
