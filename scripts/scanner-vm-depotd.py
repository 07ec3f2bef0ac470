#!/usr/bin/python3
"""The real depotd on a real kernel input device: the second half of the scanner VM suite.

  scanner-vm-depotd.py prepare BIN ROOT RESULTS  on the host, before the VM
  scanner-vm-depotd.py guest BIN ROOT RESULTS    inside the VM (scripts/scanner-vm.sh), as root, uinput loaded
  scanner-vm-depotd.py host BIN ROOT RESULTS     on the host, after the VM

prepare: sets up the recorded shift's catalogue with scripts/shift-catalogue.sh (depotctl against a
host depotd) in RESULTS/catalogue.sqlite; done on the host because every depotctl start costs
seconds in the emulated VM, and so both ledgers below start from the same file.

guest: starts the built depotd on a temporary copy of that database (temporary socket, fixed clock,
scanner discovery on /dev/input), follows
`depotctl monitor --json`, and drives `uinput-type` virtual keyboards: a scanner (05e0:1200) plugged
in after depotd started is found by hotplug and grabbed (a second grab gets EBUSY), a plain keyboard
(046d) is left alone, typed barcodes are decoded exactly, lookups change no stock, unplug and replug
keep the scanner id, and every label of fixtures/shift/shift.labels typed on the scanner gives
a ledger, written to RESULTS/vm-ledger.json (outcomes to RESULTS/vm-shift.jsonl).

host: replays fixtures/shift/shift.evemu through a host depotd on another copy of it and
compares its ledger and outcomes with the VM's: same movements in the same order (kind, sku, lot,
from, to, quantity, reference, reason; actor and scan ids name the scanner and are left out).

Prints "ok - ..." / "not ok - ..." lines (scripts/scanner-vm.sh counts them) and "# ..." notes.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SCANNER_PHYS = "usb-depot-vm-port6/input0"
SCANNER_NAME = "Symbol Bar Code Scanner (depot VM, depotd)"
KEYBOARD_NAME = "Logitech USB Keyboard (depot VM, depotd)"
LABEL_GAP = 0.6  # seconds between labels (plus the typing): above the 0.5 s double-scan window
CLOCK = ["--now", "2026-03-01T08:00:00Z", "--time-zone", "UTC"]
LEDGER_FIELDS = ["kind", "sku", "lot", "from", "to", "quantity", "reference", "reason"]
OUTCOME_FIELDS = ["text", "level", "kind", "message", "expectation"]

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


def printable(text):
    """Workflow's FloorSession.printable for what the shift labels contain (GS only)."""
    return text.replace("\x1d", "<GS>")


def labels(root):
    """The shift's label texts (fixtures/shift/shift.labels), `<GS>` kept as written."""
    with open(os.path.join(root, "fixtures/shift/shift.labels"), encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith("#")]


class Daemon:
    """A depotd on a temporary database and socket, and depotctl calls against it."""

    def __init__(self, bin_dir, work, log_path, extra, database=None):
        """Starts depotd in `work` on a copy of `database` (the prepared catalogue) or a new one."""
        self.bin = bin_dir
        self.socket = os.path.join(work, "depotd.sock")
        self.env = dict(os.environ, DEPOT_SOCKET=self.socket)
        self.log = open(log_path, "w")
        path = os.path.join(work, "depot.sqlite")
        if database:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(database + suffix):
                    shutil.copyfile(database + suffix, path + suffix)
            # A keyed ledger opens only with its key, kept beside the database (mode 0400).
            key = os.path.join(os.path.dirname(database), "ledger.key")
            if os.path.exists(key):
                shutil.copy2(key, os.path.join(work, "ledger.key"))
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "depotd"), "--database", path, "--socket", self.socket, *CLOCK,
             "--log-level", "info", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        # Listening once the socket exists (each depotctl start costs seconds in the emulated VM).
        deadline = time.time() + 120
        while time.time() < deadline and self.process.poll() is None:
            if os.path.exists(self.socket):
                return
            time.sleep(0.1)
        raise RuntimeError(f"depotd did not listen on {self.socket} (exit {self.process.poll()}); see {log_path}")

    def ctl(self, *args):
        return subprocess.run([os.path.join(self.bin, "depotctl"), *args], env=self.env,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args):
        result = self.ctl(*args, "--json")
        if result.returncode != 0:
            raise RuntimeError(f"depotctl {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return json.loads(result.stdout)

    def catalogue(self, root, log_path):
        with open(log_path, "w") as log:
            return subprocess.run([os.path.join(root, "scripts/shift-catalogue.sh"), os.path.join(self.bin, "depotctl")],
                                  env=self.env, stdout=log, stderr=subprocess.STDOUT).returncode

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return self.process.wait()
        return self.process.returncode


class Monitor:
    """`depotctl monitor --json` in the background; its events, in order, awaited by predicate."""

    def __init__(self, daemon, path):
        self.events = []
        self.cursor = 0
        self.cond = threading.Condition()
        self.file = open(path, "w")
        self.process = subprocess.Popen([os.path.join(daemon.bin, "depotctl"), "monitor", "--json"],
                                        env=daemon.env, stdout=subprocess.PIPE, stderr=self.file, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.file.write(line)
            self.file.flush()
            event = json.loads(line)
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()

    def wait(self, predicate, timeout=30):
        """The first event after the last one returned that satisfies `predicate`, or None."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i in range(self.cursor, len(self.events)):
                    if predicate(self.events[i]):
                        self.cursor = i + 1
                        return self.events[i]
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def wait_count(self, predicate, count, timeout):
        """The first `count` events after the cursor that satisfy `predicate` (fewer on timeout)."""
        found = []
        deadline = time.time() + timeout
        while len(found) < count:
            event = self.wait(predicate, max(0.0, deadline - time.time()))
            if event is None:
                break
            found.append(event)
        return found

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Injector:
    """One `uinput-type` process: a uinput keyboard driven through its stdin."""

    def __init__(self, bin_dir, name, vendor, product, phys, err):
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "uinput-type"), "--name", name, "--vendor", vendor, "--product", product, "--phys", phys],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
        first = self.process.stdout.readline().strip()
        if not first.startswith("node "):
            raise RuntimeError(f"uinput-type did not start: {first!r}")
        self.node = first[5:]

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def quit(self):
        if self.process.poll() is None:
            self.send("quit")
            self.process.wait(timeout=30)


def scanners(daemon):
    return {s["id"]: s for s in daemon.json("scanners")["scanners"]}


def prepare(bin_dir, root, results):
    """On the host, before the boot: the shift's catalogue, set up with scripts/shift-catalogue.sh in
    RESULTS/catalogue.sqlite, from which the VM's and the host's depotd both start."""
    work = tempfile.mkdtemp(prefix="depot-vm-catalogue-")
    try:
        daemon = Daemon(bin_dir, work, os.path.join(results, "catalogue-depotd.log"), ["--no-scanners"])
        rc = daemon.catalogue(root, os.path.join(results, "catalogue.log"))
        stopped = daemon.stop()
        check(rc == 0 and stopped == 0, "host: the shift's catalogue is set up with scripts/shift-catalogue.sh",
              f"script exit {rc}, depotd exit {stopped}; see catalogue.log")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(os.path.join(work, "depot.sqlite" + suffix)):
                shutil.copyfile(os.path.join(work, "depot.sqlite" + suffix), os.path.join(results, "catalogue.sqlite" + suffix))
        # The catalogue's ledger is keyed: its key goes with it (Daemon copies it beside each copy).
        if os.path.exists(os.path.join(work, "ledger.key")):
            shutil.copy2(os.path.join(work, "ledger.key"), os.path.join(results, "ledger.key"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def guest(bin_dir, root, results):
    began = time.time()
    work = tempfile.mkdtemp(prefix="depot-vm-")
    err = open(os.path.join(results, "uinput-depotd.err"), "w")
    catalogue = os.path.join(results, "catalogue.sqlite")
    if not check(os.path.exists(catalogue), "the host prepared the shift's catalogue", catalogue):
        return
    # A scanner profile for the test scanner with the error signal on (Scroll Lock blinks on a
    # refused scan); it names only 05e0:1200, so every other device stays unmatched.
    config = os.path.join(work, "depotd.conf")
    with open(config, "w") as f:
        f.write('[[scanner]]\nname = "vm-scanner"\nmatches = ["05e0:1200"]\nerror_signal = true\n')
    try:
        daemon = Daemon(bin_dir, work, os.path.join(results, "depotd.log"),
                        ["--input-dir", "/dev/input", "--config", config], database=catalogue)
    except RuntimeError as error:
        check(False, "depotd starts with scanner discovery on /dev/input", str(error))
        return
    check(True, "depotd starts with scanner discovery on /dev/input (on a copy of the catalogue)")
    monitor = Monitor(daemon, os.path.join(results, "monitor.jsonl"))
    # The monitor is subscribed once it shows an injected scan (lookup mode: nothing is written).
    sync = None
    for _ in range(20):
        daemon.ctl("scan", "vm-sync", "VM-SYNC")
        sync = monitor.wait(lambda e: e["scanner"] == "vm-sync", timeout=5)
        if sync:
            break
    if not check(sync is not None, "depotctl monitor follows depotd's events"):
        return
    note(f"depotd and monitor up after {time.time() - began:.0f} s")

    # A plain keyboard first, then the scanner: once the scanner is taken, depotd has seen both.
    keyboard = Injector(bin_dir, KEYBOARD_NAME, "046d", "c31c", "usb-depot-vm-port7/input0", err)
    scanner = Injector(bin_dir, SCANNER_NAME, "05e0", "1200", SCANNER_PHYS, err)
    added = monitor.wait(lambda e: e["kind"] == "added")
    if not check(added is not None, "a scanner plugged in after depotd started is found by hotplug (monitor: added)"):
        return
    sid = added["scanner"]
    note(f"scanner id {sid}")
    check(sid == "phys:" + SCANNER_PHYS, "its id comes from its port", sid)
    listed = scanners(daemon)
    entry = listed.get(sid, {})
    check(entry.get("grabbed") is True and entry.get("source") == "evdev" and entry.get("vendorProduct") == "05e0:1200"
          and entry.get("name") == SCANNER_NAME, "depotctl scanners lists it as grabbed, with name and vid:pid", json.dumps(entry))
    grab = scanner.send("grab")
    check(grab == "grab EBUSY", "a second grab of the scanner by another process gets EBUSY", grab)
    leds = scanner.send("leds")
    check(leds == "leds num=1 caps=0", "depotd set the scanner's LEDs: Caps Lock off, Num Lock on", leds)
    taken = [s for s in listed.values() if s["source"] == "evdev"]
    check(len(taken) == 1, "depotctl scanners lists no other input device: the keyboard (046d) and the VM's "
          "AT keyboard and power button are not taken", json.dumps(listed))
    opened = [os.readlink(f"/proc/{daemon.process.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{daemon.process.pid}/fd")]
    check(keyboard.node not in opened and scanner.node in opened,
          "depotd holds the scanner's node open and never opened the keyboard's", f"{keyboard.node} in {opened}")
    grab = keyboard.send("grab")
    check(grab == "grab ok", "the keyboard is left alone: another process can grab it", grab)

    # Barcodes typed on the scanner, decoded exactly; lookup mode answers without changing stock.
    def scan_of(text):
        reply = scanner.send("type " + text)
        if reply != "ok":
            return None
        return monitor.wait(lambda e: e["scanner"] == sid and e["kind"] in ("scan", "corrupt"))

    keyboard.send("type hello")
    gtin = "4006381333931"
    e = scan_of(gtin)
    f = (e or {}).get("feedback") or {}
    check(e is not None and e["kind"] == "scan" and f.get("text") == gtin and f.get("mode") == "lookup"
          and f.get("kind") == "item" and f.get("movements") == [],
          "a GTIN is decoded exactly; the lookup session reads it as an item", json.dumps(e))
    e = scan_of("]C1" + "0104006381333931" + "10ABC123<GS>17261231")
    f = (e or {}).get("feedback") or {}
    check(e is not None and e["kind"] == "scan" and f.get("text") == "0104006381333931" + "10ABC123<GS>17261231"
          and f.get("kind") == "item" and f.get("movements") == [],
          "a GS1 string with GS sent as Ctrl+] is decoded exactly (AIM ]C1 kept apart, GS as <GS>)", json.dumps(e))
    lot = "LOT-7Xb9QZ"
    e = scan_of(lot)
    f = (e or {}).get("feedback") or {}
    check(e is not None and e["kind"] == "scan" and f.get("text") == lot and f.get("movements") == [],
          "a lot with capitals (Shift held over letters) is decoded exactly", json.dumps(e))
    keyboard.send("type world")
    # The error signal: the lot above is unknown to lookup mode, so it blinked already; wait
    # until the LED is quiet, then a refused scan must switch Scroll Lock on again.
    def flashes():
        reply = scanner.send("signals")
        return int(reply.split("=")[1]) if reply.startswith("signals scroll=") else -1
    def settled():
        # A blink is two flashes 250 ms apart (LEDSignal.blink); the count is settled when it
        # has not moved for 0.8 s, longer than a whole blink.
        value, stable_since = flashes(), time.time()
        deadline = time.time() + 10
        while time.time() - stable_since < 0.8 and time.time() < deadline:
            time.sleep(0.1)
            now = flashes()
            if now != value:
                value, stable_since = now, time.time()
        return value
    before = settled()
    e = scan_of("NO-SUCH-LABEL")
    f = (e or {}).get("feedback") or {}
    for _ in range(30):  # the blink starts once the feedback is out; then let it finish
        if flashes() > before:
            break
        time.sleep(0.1)
    after = settled()
    check(before >= 1 and f.get("level") == "error" and after > before,
          "a refused scan blinks the scanner's Scroll Lock (error_signal)",
          f"{before} -> {after} flashes; {json.dumps(e)}")
    gtin_again = scan_of(gtin)
    quiet = flashes()
    time.sleep(0.5)
    check(gtin_again is not None and ((gtin_again.get("feedback") or {}).get("level") == "ok") and flashes() == quiet == after,
          "a good scan does not signal", f"{after} -> {quiet} flashes")
    note(f"hotplug and decoding checked after {time.time() - began:.0f} s")

    # Unplug and replug into the same port.
    scanner.quit()
    removed = monitor.wait(lambda e: e["kind"] == "removed")
    check(removed is not None and removed["scanner"] == sid, "unplugging shows as removed under the same id", json.dumps(removed))
    scanner = Injector(bin_dir, SCANNER_NAME, "05e0", "1200", SCANNER_PHYS, err)
    again = monitor.wait(lambda e: e["kind"] == "added")
    check(again is not None and again["scanner"] == sid, "replugged, it is added again under the same id", json.dumps(again))
    grab = scanner.send("grab")
    check(grab == "grab EBUSY", "the replugged scanner is grabbed again (EBUSY)", grab)
    e = scan_of(gtin)
    check(e is not None and (e.get("feedback") or {}).get("text") == gtin, "the replugged scanner's scans decode", json.dumps(e))

    # The recorded shift, label by label on the scanner.
    shift = labels(root)
    start = time.time()
    typed = 0
    for label in shift:
        if scanner.send("type " + label) == "ok":
            typed += 1
        time.sleep(LABEL_GAP)
    check(typed == len(shift), f"all {len(shift)} shift labels were typed through uinput", f"{typed} typed")
    outcomes = monitor.wait_count(lambda e: e["scanner"] == sid and e["kind"] in ("scan", "corrupt"), len(shift), 60)
    note(f"shift typed and handled in {time.time() - start:.1f} s")
    check(len(outcomes) == len(shift), f"depotd handled all {len(shift)} shift scans", f"{len(outcomes)} seen")
    expected = [printable(label[3:] if label.startswith("]C1") else label) for label in shift]
    got = [(e.get("feedback") or {}).get("text") for e in outcomes]
    mismatched = [(i + 1, want, have) for i, (want, have) in enumerate(zip(expected, got)) if want != have]
    check(not mismatched and all(e["kind"] == "scan" for e in outcomes),
          "every shift label was decoded exactly, none corrupt", f"(label, expected, decoded): {mismatched}")
    with open(os.path.join(results, "vm-shift.jsonl"), "w") as out:
        for e in outcomes:
            out.write(json.dumps(e["feedback"]) + "\n")
    with open(os.path.join(results, "vm-ledger.json"), "w") as out:
        json.dump(daemon.json("ledger"), out, indent=1)  # the lookups before are in it if they wrote anything
    verify = daemon.ctl("verify")
    check(verify.returncode == 0, "depotctl verify: balances equal the ledger", verify.stdout + verify.stderr)

    stray = [e for e in monitor.events if e["scanner"] not in (sid, "vm-sync")]
    check(stray == [], "nothing came from any other device (the keyboard's typing made no scan)", json.dumps(stray))
    monitor.stop()
    rc = daemon.stop()
    check(rc == 0, "depotd stops on SIGTERM with exit 0", f"exit {rc}")
    grab = scanner.send("grab")
    check(grab == "grab ok", "depotd released the grab when it stopped", grab)
    scanner.quit()
    keyboard.quit()
    note(f"the depotd checks took {time.time() - began:.0f} s")


def comparable(movements):
    return [{k: m.get(k) for k in LEDGER_FIELDS} for m in movements]


def host(bin_dir, root, results):
    vm_path = os.path.join(results, "vm-ledger.json")
    if not check(os.path.exists(vm_path), "the VM wrote its shift ledger", vm_path):
        return
    with open(vm_path) as f:
        vm = comparable(json.load(f)["movements"])
    with open(os.path.join(results, "vm-shift.jsonl")) as f:
        vm_outcomes = [json.loads(line) for line in f]
    work = tempfile.mkdtemp(prefix="depot-vm-host-")
    try:
        daemon = Daemon(bin_dir, work, os.path.join(results, "host-depotd.log"), ["--no-scanners"],
                        database=os.path.join(results, "catalogue.sqlite"))
        # depotd reads captures only from its replay directory, replays/ beside the database.
        os.makedirs(os.path.join(work, "replays"), exist_ok=True)
        shutil.copyfile(os.path.join(root, "fixtures/shift/shift.evemu"), os.path.join(work, "replays/shift.evemu"))
        replay = daemon.ctl("replay", "shift.evemu", "--scanner", "usb-dock-1", "--speed", "0", "--json")
        replayed = [json.loads(line) for line in replay.stdout.splitlines() if line.strip()]
        host_ledger = comparable(daemon.json("ledger")["movements"])
        daemon.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(results, "host-ledger.json"), "w") as f:
        json.dump(host_ledger, f, indent=1)
    check(len(replayed) == len(vm_outcomes), "host: the replay of shift.evemu gives as many scans as the VM handled",
          f"{len(replayed)} vs {len(vm_outcomes)}")
    diff = []
    for i in range(max(len(replayed), len(vm_outcomes))):
        a = {k: replayed[i].get(k) for k in OUTCOME_FIELDS} if i < len(replayed) else None
        b = {k: vm_outcomes[i].get(k) for k in OUTCOME_FIELDS} if i < len(vm_outcomes) else None
        if a != b:
            diff.append(f"  scan {i + 1}:\n    replay: {json.dumps(a)}\n    vm:     {json.dumps(b)}")
    check(not diff, "the VM's scan outcomes equal the replay's, scan by scan (text, level, kind, message, expectation)",
          "\n" + "\n".join(diff))
    note(f"shift ledger: {len(vm)} movements in the VM, {len(host_ledger)} from the replay")
    lines = []
    for i in range(max(len(vm), len(host_ledger))):
        a = host_ledger[i] if i < len(host_ledger) else None
        b = vm[i] if i < len(vm) else None
        if a != b:
            lines.append(f"  movement {i + 1}:\n    replay: {json.dumps(a)}\n    vm:     {json.dumps(b)}")
    check(len(vm) > 0 and not lines,
          "the shift typed on the uinput scanner gives the same ledger as the replayed capture "
          "(order, kind, sku, lot, from, to, quantity, reference, reason)", "\n" + "\n".join(lines))


def main():
    modes = {"prepare": prepare, "guest": guest, "host": host}
    if len(sys.argv) != 5 or sys.argv[1] not in modes:
        sys.exit("usage: scanner-vm-depotd.py prepare|guest|host BIN ROOT RESULTS")
    mode, bin_dir, root, results = sys.argv[1:]
    try:
        modes[mode](bin_dir, root, results)
    except Exception as error:  # a broken harness is a failure, with its reason
        check(False, f"{mode}: the depotd checks ran to the end", repr(error))
    note(f"{mode} done: {passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
