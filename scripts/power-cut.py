#!/usr/bin/python3
"""The power-cut test's driver (scripts/power-cut.sh boots the VM and kills it).

  power-cut.py load BIN RUN CLIENTS   in the VM, first boot: a new ext4 on the virtual disk,
                                      depotd on it, CLIENTS concurrent clients until QEMU dies
  power-cut.py check BIN RUN          in the VM, second boot on the same disk image: mount,
                                      depotd, `depotctl verify`, the ledger dumped to RUN
  power-cut.py compare RUN            on the host: every acknowledged operation in the ledger?

The disks are virtio-blk devices found by serial: `depotpc-load` the trial's new image,
`depotpc-check` the image of the trial cut in the boot before (power-cut.sh attaches them with
QEMU's -drive ... format=raw,cache=writeback; one boot checks trial k, then loads trial k+1).
RUN is the trial's directory on the 9p --rwdir shared with the host.

The acknowledgement log. Each client writes one line per operation into RUN/client-K.log before
it sends the call (`sent REF KIND`) and one after depotd's reply arrived (`ack REF KIND IDS` with
the movement ids of the reply, or `err REF KIND ERROR`). Each line is one os.write on a file of
the 9p share, which virtme-ng mounts without a cache mode (the kernel's cache=none; `load`
records the mount line in RUN/mounts and refuses to run on a caching mount): write() returns only
after QEMU's 9p server has written the bytes into the host's file, so a line the guest wrote is
in the host kernel, where killing QEMU cannot reach it. The log can miss the last acks (the kill
lands between the reply and its line); it can never hold an ack depotd did not send.

Operations: receives (into the storage locations) and picks (FEFO, allowPartial) of four items,
shared by all clients so their intents meet in depotd's group commit. Every call carries a unique
reference `pc-K-N` (client K, operation N): the operation's key. Varlink writes have no
exactly-once key of their own (Inventory's appliedScan keys scans: OperationContext), so the
reference, stored on each movement, and the movement ids of the reply identify what was acked.

Prints "ok - ..." / "not ok - ..." lines (power-cut.sh counts them), "# ..." notes, and for
compare one line "# result {json}" with the trial's numbers.
"""
import glob
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time

SERIAL_LOAD = "depotpc-load"  # the new image of the trial being loaded
SERIAL_CHECK = "depotpc-check"  # the image of the trial cut in the boot before
MOUNT = "/tmp/depot-power-cut"
ITEMS = ["PC-1", "PC-2", "PC-3", "PC-4"]
LOCATIONS = ["S-1", "S-2", "S-3"]
BURST_ACKS = 40  # acknowledged operations before RUN/burst tells the host to pick its moment
LOAD_LIMIT = 240  # seconds: a load the host did not kill by then ends, and fails the trial

passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}", flush=True)
    else:
        failed += 1
        print(f"not ok - {what} {detail}".rstrip(), flush=True)
    return ok


def note(text):
    print(f"# {text}", flush=True)


class Varlink:
    """One Varlink connection to depotd (JSON + NUL framing, varlink.org), one call at a time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buffer = b""

    def call(self, method, parameters):
        """(parameters, None) for a reply, (parameters, error name) for an error reply."""
        self.sock.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\0")
        while b"\0" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("depotd closed the connection")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        reply = json.loads(message)
        return reply.get("parameters", {}), reply.get("error")


def disk(serial):
    """The virtual disk's device node, found by its serial (never by name)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        for node in glob.glob("/sys/block/*/serial"):
            with open(node) as f:
                if f.read().strip() == serial:
                    return "/dev/" + node.split("/")[3]
        time.sleep(0.2)
    raise RuntimeError(f"no block device with serial {serial} (see /sys/block)")


def run(*args):
    result = subprocess.run(list(args), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def mount_line(path):
    """The /proc/mounts line of the mount holding `path` (the longest mount point above it)."""
    best = ""
    with open("/proc/mounts") as f:
        for line in f:
            point = line.split()[1]
            if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) > len(best.split()[1] if best else ""):
                best = line.strip()
    return best


def start_depotd(bin_dir, run_dir, log_name):
    socket_path = "/tmp/depot-power-cut.sock"
    log = open(os.path.join(run_dir, log_name), "w")
    process = subprocess.Popen(
        [os.path.join(bin_dir, "depotd"), "--database", os.path.join(MOUNT, "depot.sqlite"),
         "--socket", socket_path, "--config", os.path.join(run_dir, "depotd.conf"), "--no-scanners",
         "--log-level", "debug"],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if os.path.exists(socket_path):
            try:
                Varlink(socket_path).call("org.depot.inventory.Status", {})
                return process, socket_path
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"depotd did not answer on {socket_path} (exit {process.poll()}); see {log_name}")


def load(bin_dir, run_dir, clients):
    device = disk(SERIAL_LOAD)
    run("mkfs.ext4", "-q", "-F", device)
    os.makedirs(MOUNT, exist_ok=True)
    run("mount", "-t", "ext4", device, MOUNT)
    share = mount_line(run_dir)
    with open(os.path.join(run_dir, "mounts"), "w") as f:
        f.write(mount_line(MOUNT) + "\n" + share + "\n")
    if " 9p " not in share or any(f"cache={mode}" in share for mode in ("loose", "fscache", "mmap", "readahead")):
        raise RuntimeError(f"the results share is not an uncached 9p mount: {share!r}")
    process, path = start_depotd(bin_dir, run_dir, "depotd-load.log")
    admin = Varlink(path)
    status, _ = admin.call("org.depot.inventory.Status", {})
    with open(os.path.join(run_dir, "status-load.json"), "w") as f:
        json.dump(status, f)
    for code in LOCATIONS:
        _, error = admin.call("org.depot.inventory.AddLocation", {"code": code, "kind": "storage"})
        if error:
            raise RuntimeError(f"AddLocation {code}: {error}")
    for sku in ITEMS:
        _, error = admin.call("org.depot.inventory.AddItem", {"sku": sku, "name": f"power-cut {sku}"})
        if error:
            raise RuntimeError(f"AddItem {sku}: {error}")
    os.sync()  # the catalogue is on the disk whatever the durability: only the burst is at stake
    open(os.path.join(run_dir, "setup-done"), "w").close()

    acks = [0]
    lock = threading.Lock()
    start = time.time()

    def client(k):
        rng = random.Random(k)
        conn = Varlink(path)
        fd = os.open(os.path.join(run_dir, f"client-{k}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        n = 0
        while time.time() - start < LOAD_LIMIT:
            ref = f"pc-{k}-{n}"
            sku = rng.choice(ITEMS)
            if n % 3 == 2:
                kind, method = "pick", "org.depot.inventory.Pick"
                parameters = {"item": sku, "quantity": rng.randint(1, 3), "reference": ref, "allowPartial": True}
            else:
                kind, method = "receive", "org.depot.inventory.Receive"
                parameters = {"item": sku, "quantity": rng.randint(1, 5), "location": rng.choice(LOCATIONS),
                              "reference": ref}
            os.write(fd, f"sent {ref} {kind} {time.time():.3f}\n".encode())
            reply, error = conn.call(method, parameters)
            if error:
                os.write(fd, f"err {ref} {kind} {error}\n".encode())
            else:
                ids = ",".join(str(m["id"]) for m in reply.get("movements", []))
                os.write(fd, f"ack {ref} {kind} {ids or '-'} {time.time():.3f}\n".encode())
                with lock:
                    acks[0] += 1
                    if acks[0] == BURST_ACKS:
                        open(os.path.join(run_dir, "burst"), "w").close()
            n += 1

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Only reached when the host did not kill the VM in time.
    open(os.path.join(run_dir, "not-killed"), "w").close()
    process.terminate()
    process.wait()
    return 1


def check_boot(bin_dir, run_dir):
    device = disk(SERIAL_CHECK)
    os.makedirs(MOUNT, exist_ok=True)
    run("mount", "-t", "ext4", device, MOUNT)  # ext4 replays its journal here
    kernel = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    with open(os.path.join(run_dir, "dmesg-check"), "w") as f:
        f.write("\n".join(line for line in kernel.splitlines() if "EXT4" in line) + "\n")
    wal = os.path.join(MOUNT, "depot.sqlite-wal")
    note(f"after the cut: depot.sqlite {os.path.getsize(os.path.join(MOUNT, 'depot.sqlite'))} bytes, "
         f"-wal {os.path.getsize(wal) if os.path.exists(wal) else 'absent'}")
    process, path = start_depotd(bin_dir, run_dir, "depotd-check.log")  # SQLite recovers the WAL
    verify = subprocess.run([os.path.join(bin_dir, "depotctl"), "verify", "--json"],
                            env=dict(os.environ, DEPOT_SOCKET=path), capture_output=True, text=True, timeout=300)
    with open(os.path.join(run_dir, "verify.json"), "w") as f:
        json.dump({"exit": verify.returncode, "stdout": verify.stdout, "stderr": verify.stderr}, f)
    status, _ = Varlink(path).call("org.depot.inventory.Status", {})
    with open(os.path.join(run_dir, "status-check.json"), "w") as f:
        json.dump(status, f)
    db = sqlite3.connect(f"file:{os.path.join(MOUNT, 'depot.sqlite')}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT m.id, m.kind, m.reference, m.quantity, i.sku FROM movement m JOIN item i ON i.id = m.itemId"
    ).fetchall()
    db.close()
    with open(os.path.join(run_dir, "movements.json"), "w") as f:
        json.dump(rows, f)
    process.terminate()
    code = process.wait(timeout=120)
    with open(os.path.join(run_dir, "check-done"), "w") as f:
        f.write(f"{code}\n")
    run("umount", MOUNT)
    return 0


def read_clients(run_dir):
    """Per reference: {"kind", "sent", "ack": [ids] or None, "err": name or None}."""
    ops = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "client-*.log"))):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or not line.endswith("\n"):
                    continue  # a line cut by the kill
                word, ref, kind = parts[:3]
                op = ops.setdefault(ref, {"kind": kind, "ack": None, "err": None})
                if word == "ack":
                    op["ack"] = [] if parts[3] == "-" else [int(x) for x in parts[3].split(",")]
                elif word == "err":
                    op["err"] = parts[3]
    return ops


def group_sizes(log_path):
    sizes = []
    if os.path.exists(log_path):
        with open(log_path, errors="replace") as f:
            for line in f:
                if "group committed" in line and "group.intents=" in line:
                    sizes.append(int(line.split("group.intents=")[1].split()[0]))
    return sizes


def compare(run_dir):
    ops = read_clients(run_dir)
    moves_path = os.path.join(run_dir, "movements.json")
    if not check(os.path.exists(moves_path), "the second boot dumped the ledger"):
        print("# result " + json.dumps({"acked": 0, "lost": None, "verify": False}))
        return 1
    with open(moves_path) as f:
        movements = {row[0]: row for row in json.load(f)}
    by_ref = {}
    for row in movements.values():
        if row[2]:
            by_ref.setdefault(row[2], []).append(row[0])
    acked = {ref: op for ref, op in ops.items() if op["ack"] is not None}
    in_flight = [ref for ref, op in ops.items() if op["ack"] is None and op["err"] is None]
    errors = sum(1 for op in ops.values() if op["err"] is not None)
    lost = []
    for ref, op in acked.items():
        rows = [movements.get(i) for i in op["ack"]]
        if any(r is None or r[2] != ref or r[1] != op["kind"] for r in rows) or sorted(by_ref.get(ref, [])) != sorted(op["ack"]):
            lost.append(ref)
    unacked_present = [ref for ref in in_flight if ref in by_ref]
    unknown = [ref for ref in by_ref if ref.startswith("pc-") and ref not in ops]
    with open(os.path.join(run_dir, "verify.json")) as f:
        verify = json.load(f)
    try:
        verify_ok = verify["exit"] == 0 and json.loads(verify["stdout"]).get("ok") is True
    except ValueError:
        verify_ok = False
    with open(os.path.join(run_dir, "status-check.json")) as f:
        durability = json.load(f).get("durability")
    sizes = group_sizes(os.path.join(run_dir, "depotd-load.log"))
    grouped = sum(s for s in sizes if s > 1)

    check(not os.path.exists(os.path.join(run_dir, "not-killed")), "QEMU was killed during the burst")
    check(len(acked) >= 1 and len(in_flight) >= 1,
          f"the kill came mid-burst ({len(acked)} acknowledged, {len(in_flight)} in flight)")
    check(not lost, f"every acknowledged operation is in the ledger after the cut ({len(acked)} acked, {len(lost)} lost)",
          f"lost: {' '.join(sorted(lost)[:20])}")
    check(not unknown, "the ledger holds no operation that was never sent", " ".join(unknown[:10]))
    check(verify_ok, "depotctl verify passes after the cut",
          f"(exit {verify['exit']}: {verify['stdout'].strip()[:300]} {verify['stderr'].strip()[:300]})")
    note(f"durability {durability}; {len(acked)} acked, {len(lost)} lost, {len(unacked_present)} of "
         f"{len(in_flight)} unacknowledged present (allowed), {errors} refused; group commits {len(sizes)}, "
         f"largest {max(sizes, default=0)}, {grouped} intents in groups of 2 or more")
    print("# result " + json.dumps({
        "durability": durability, "acked": len(acked), "lost": len(lost), "inFlight": len(in_flight),
        "unackedPresent": len(unacked_present), "refused": errors, "verify": verify_ok,
        "groups": len(sizes), "largestGroup": max(sizes, default=0), "groupedIntents": grouped}), flush=True)
    return 0 if failed == 0 else 1


def main():
    mode = sys.argv[1]
    if mode == "load":
        return load(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    if mode == "check":
        return check_boot(sys.argv[2], sys.argv[3])
    if mode == "compare":
        return compare(sys.argv[2])
    raise SystemExit(f"unknown mode {mode!r}: load, check or compare")


if __name__ == "__main__":
    sys.exit(main())
