#!/usr/bin/env python3
"""depotd as a service, against the real binary: readiness and watchdog through a NOTIFY_SOCKET
this harness binds (sd_notify(3)), the lock file and stale-socket replacement, the socket group,
socket activation through systemd-socket-activate, configuration errors, and reload.

Usage: service.py BUILD_DIR. Prints "prod-service: N passed, M failed, K skipped"; exits 1 on failure. A check whose
prerequisite is missing is counted as skipped, and as failed on CI (CI=true)."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug")
DEPOTD = os.path.join(BUILD, "depotd")
DEPOTCTL = os.path.join(BUILD, "depotctl")
NAME = "prod-service"
passed = 0
failed = 0
skipped = 0


def check(condition, what):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"{NAME}: FAIL: {what}", flush=True)
    return condition


def call(path, method, parameters=None, timeout=10):
    """One Varlink call; returns (error name or None, parameters)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(path)
        connection.sendall(json.dumps({"method": method, "parameters": parameters or {}}).encode() + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = connection.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the reply")
            data += chunk
    reply = json.loads(data[:-1])
    return reply.get("error"), reply.get("parameters", {})


def answers(path):
    try:
        error, _ = call(path, "org.varlink.service.GetInfo", timeout=5)
        return error is None
    except OSError:
        return False


def wait_for(predicate, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def ctl(sock, *arguments):
    return subprocess.run([DEPOTCTL, *arguments], env={**os.environ, "DEPOT_SOCKET": sock},
                          capture_output=True, text=True, timeout=60)


def start(directory, *extra, env=None, name="depotd"):
    log = open(os.path.join(directory, name + ".log"), "ab")
    arguments = [DEPOTD, "--database", os.path.join(directory, "depot.sqlite"),
                 "--socket", os.path.join(directory, "depotd.sock"), "--time-zone", "UTC", *extra]
    environment = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "JOURNAL_STREAM")}
    environment.update(env or {})
    return subprocess.Popen(arguments, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=environment)


def read(directory, name="depotd"):
    with open(os.path.join(directory, name + ".log"), encoding="utf-8", errors="replace") as f:
        return f.read()


def test_notify(directory):
    """READY=1 only once the socket answers; WATCHDOG=1 keeps coming; STATUS= counts clients;
    RELOADING=1/READY=1 on SIGHUP; STOPPING=1 on SIGTERM."""
    sock = os.path.join(directory, "depotd.sock")
    notify_path = os.path.join(directory, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(notify_path)
    listener.settimeout(30)
    daemon = start(directory, env={"NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "1000000"})
    messages = []

    def receive_until(predicate, limit=30.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                message = listener.recv(4096).decode()
            except socket.timeout:
                return None
            messages.append(message)
            if predicate(message):
                return message
        return None

    ready = receive_until(lambda m: "READY=1" in m.split("\n"))
    if check(ready is not None, f"no READY=1 from depotd; got {messages}; log:\n{read(directory)}"):
        # The moment READY=1 arrives, the socket must already answer.
        check(answers(sock), "READY=1 arrived but the socket does not answer a call")
        check(f"MAINPID={daemon.pid}" in ready, f"READY=1 without MAINPID={daemon.pid}: {ready!r}")
    watchdogs = 0
    for _ in range(3):
        if receive_until(lambda m: "WATCHDOG=1" in m.split("\n")):
            watchdogs += 1
    check(watchdogs == 3, f"WATCHDOG=1 stopped coming after {watchdogs}; got {messages}")
    check(any(line.startswith("STATUS=serving: 0 scanners, ") for m in messages for line in m.split("\n")),
          f"no STATUS= line with scanner and client counts: {messages}")
    # A client stays connected: the next status says so.
    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    held.connect(sock)
    held.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
    held.recv(65536)
    check(receive_until(lambda m: "STATUS=serving: 0 scanners, 1 clients" in m) is not None,
          f"STATUS= never counted the connected client: {messages[-5:]}")
    held.close()
    # SIGHUP without a configuration file: the reload fails, depotd keeps serving.
    daemon.send_signal(signal.SIGHUP)
    check(receive_until(lambda m: "RELOADING=1" in m) is not None, "no RELOADING=1 on SIGHUP")
    check(receive_until(lambda m: "READY=1" in m) is not None, "no READY=1 after the reload")
    check(answers(sock), "depotd stopped answering after SIGHUP")
    daemon.send_signal(signal.SIGTERM)
    check(receive_until(lambda m: "STOPPING=1" in m) is not None, f"no STOPPING=1 on SIGTERM: {messages[-3:]}")
    check(daemon.wait(timeout=60) == 0, f"depotd exited {daemon.returncode} after SIGTERM")
    check(not os.path.exists(sock), "the socket file is left behind after a clean stop")
    listener.close()


def test_lock_and_stale_socket(directory):
    sock = os.path.join(directory, "depotd.sock")
    first = start(directory, name="first")
    check(wait_for(lambda: answers(sock)), "first depotd did not come up:\n" + read(directory, "first"))
    second = start(directory, name="second")
    status = second.wait(timeout=60)
    check(status != 0, "a second depotd on the same socket did not fail")
    check("another depotd is running" in read(directory, "second"),
          "the second depotd did not say why: " + read(directory, "second"))
    check(answers(sock), "the first depotd stopped answering after the second tried")
    first.kill()
    first.wait()
    check(os.path.exists(sock), "expected a stale socket file after SIGKILL")
    third = start(directory, name="third")
    check(wait_for(lambda: answers(sock)), "depotd did not replace the stale socket:\n" + read(directory, "third"))
    check("Replacing stale control socket" in read(directory, "third"), "no log line about the stale socket")
    third.terminate()
    check(third.wait(timeout=60) == 0, "third depotd did not stop cleanly")


def test_socket_group(directory):
    sock = os.path.join(directory, "depotd.sock")
    config = os.path.join(directory, "depotd.conf")
    with open(config, "w") as f:
        f.write('[socket]\ngroup = "depot-no-such-group"\n')
    daemon = start(directory, "--config", config)
    check(wait_for(lambda: answers(sock)), "depotd did not start with a missing socket group:\n" + read(directory))
    mode = os.stat(sock)
    check(oct(mode.st_mode & 0o777) == "0o660", f"socket mode {oct(mode.st_mode & 0o777)}, want 0o660")
    check(mode.st_gid == os.getgid(), f"socket group {mode.st_gid}, want the primary group {os.getgid()}")
    check("Socket group does not exist" in read(directory) and "depot-no-such-group" in read(directory),
          "no warning about the missing socket group")
    daemon.terminate()
    daemon.wait(timeout=60)


def test_socket_activation(directory):
    activate = shutil.which("systemd-socket-activate") or "/lib/systemd/systemd-socket-activate"
    if not os.path.exists(activate):
        global skipped, failed
        if os.environ.get("CI") == "true":
            print(f"{NAME}: FAIL socket activation: systemd-socket-activate not found (missing on CI)")
            failed += 1
        else:
            print(f"{NAME}: SKIPPED socket activation: systemd-socket-activate not found")
            skipped += 1
        return
    sock = os.path.join(directory, "activated.sock")
    db = os.path.join(directory, "activated.sqlite")
    log = open(os.path.join(directory, "activated.log"), "ab")
    # depotd's own --socket points elsewhere: it must use the passed socket, not bind its own.
    activator = subprocess.Popen([activate, "-l", sock, DEPOTD, "--database", db,
                                  "--socket", os.path.join(directory, "unused.sock")],
                                 stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        check(wait_for(lambda: os.path.exists(sock)), "systemd-socket-activate did not create the socket")
        error, status = call(sock, "org.depot.inventory.Status", timeout=60)
        check(error is None and status.get("databasePath") == db, f"activated depotd answered {error} {status}")
        # A depotd started by hand on the activated socket must not steal it (it holds no lock).
        intruder = subprocess.run([DEPOTD, "--database", os.path.join(directory, "intruder.sqlite"), "--socket", sock],
                                  capture_output=True, text=True, timeout=60)
        check(intruder.returncode != 0 and "another server is already listening" in intruder.stderr,
              f"a second depotd took the live activated socket: {intruder.returncode} {intruder.stderr}")
        check(call(sock, "org.depot.inventory.Status")[1].get("databasePath") == db, "the activated depotd lost its socket")
        check(not os.path.exists(os.path.join(directory, "unused.sock")), "depotd bound its own socket despite LISTEN_FDS")
        check("systemd socket" in read(directory, "activated"), "depotd did not log that it adopted the systemd socket")
    finally:
        activator.terminate()
        activator.wait(timeout=60)


def test_journal_prefixes(directory):
    """With JOURNAL_STREAM naming standard error, lines carry <priority> and no timestamp;
    without it, an ISO 8601 timestamp. --log-level debug shows debug lines."""
    sock = os.path.join(directory, "depotd.sock")
    log_path = os.path.join(directory, "journal.log")
    with open(log_path, "ab") as log:
        st = os.fstat(log.fileno())
        daemon = subprocess.Popen([DEPOTD, "--database", os.path.join(directory, "j.sqlite"), "--socket", sock,
                                   "--log-level", "debug"],
                                  stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                  env={**os.environ, "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
    check(wait_for(lambda: answers(sock)), "depotd did not start under JOURNAL_STREAM")
    call(sock, "org.depot.inventory.Status")
    daemon.terminate()
    daemon.wait(timeout=60)
    lines = [line for line in read(directory, "journal").splitlines() if line]
    check(lines and all(line.startswith("<") for line in lines), f"lines without a priority prefix: {lines[:3]}")
    check(any(line.startswith("<6>info depotd: depotd listening") and "socket.path=" in line for line in lines),
          f"no '<6>info' listening line with dotted metadata: {lines[:5]}")
    check(any(line.startswith("<7>debug ") for line in lines), f"--log-level debug logged no <7> line: {lines[:5]}")
    plain = start(directory, "--log-level", "info", name="plain")
    check(wait_for(lambda: answers(sock)), "depotd did not start without JOURNAL_STREAM")
    plain.terminate()
    plain.wait(timeout=60)
    plain_lines = read(directory, "plain").splitlines()
    shape = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (info|notice|warning|error) depotd: \S")
    check(plain_lines and all(shape.match(line) for line in plain_lines),
          f"plain lines not 'TIME LEVEL depotd: message': {[l for l in plain_lines if not shape.match(l)][:3]}")
    check(any(" info depotd: depotd listening" in line for line in plain_lines), f"no info listening line: {plain_lines[:3]}")
    check("debug " not in read(directory, "plain"), "info level still logged debug lines")


def test_configuration_errors(directory):
    config = os.path.join(directory, "bad.conf")
    cases = [
        ('[roles]\nadmin = "depot-admin"\nadmn = "x"\n', "3: key 'roles.admn': unknown key"),
        ('# levels\n[log]\nlevel = 3\n', "3: key 'log.level': expected a string, got an integer"),
        ('[log]\n\nlevel = "loud"\n', "3: key 'log.level': \"loud\" is not one of"),
        ('[socket]\npath = "relative.sock"\n', "2: key 'socket.path': \"relative.sock\" is not an absolute path"),
        ('[database]\npath = "/x.sqlite"\n[nonsense]\nx = 1\n', "3: key 'nonsense': unknown key"),
        ('[counts]\nmax_variance_units = -1\n', "2: key 'counts.max_variance_units': -1 is out of range"),
        ('[[scanner]]\nname = "a"\n[[scanner]]\nname = "b"\nkeymap = "us"\n', "5: key 'scanner[2].keymap': unknown key"),
        ('[log\nlevel = "info"\n', "1: TOML syntax"),
    ]
    for text, expected in cases:
        with open(config, "w") as f:
            f.write(text)
        result = subprocess.run([DEPOTD, "--config", config, "--database", os.path.join(directory, "never.sqlite"),
                                 "--socket", os.path.join(directory, "never.sock")],
                                capture_output=True, text=True, timeout=60)
        check(result.returncode == 78 and f"{config}:{expected}" in result.stderr,
              f"bad configuration {text!r}: want exit 78 and {expected!r}, got {result.returncode}: {result.stderr}")
    check(not os.path.exists(os.path.join(directory, "never.sqlite")), "depotd opened the database despite a bad configuration")


def test_reload(directory):
    sock = os.path.join(directory, "depotd.sock")
    config = os.path.join(directory, "depotd.conf")
    with open(config, "w") as f:
        f.write('[log]\nlevel = "info"\n[socket]\ngroup = "root"\n')
    daemon = start(directory, "--config", config)
    try:
        check(wait_for(lambda: answers(sock)), "depotd did not start with a good configuration:\n" + read(directory))
        for command in (["item", "add", "MILK", "--name", "Milk"], ["location", "add", "A-01", "--kind", "storage"]):
            ctl(sock, *command)
        # A subscriber connected before the reloads: its first reply proves it is subscribed.
        follower = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        follower.settimeout(60)
        follower.connect(sock)
        follower.sendall(b'{"method":"org.depot.inventory.Subscribe","more":true}\0')
        pending = b""

        def next_reply():
            nonlocal pending
            while b"\0" not in pending:
                chunk = follower.recv(65536)
                if not chunk:
                    raise ConnectionError("the subscription was closed")
                pending += chunk
            message, pending = pending.split(b"\0", 1)
            return json.loads(message)

        check("position" in next_reply().get("parameters", {}), "Subscribe did not answer with its position")
        # A bad file: reload refused, running configuration kept, reason names file, line and key.
        with open(config, "w") as f:
            f.write('[log]\nlevel = "info"\n[socket]\ngroup = "root"\n[roles]\nadmin = 7\n')
        result = ctl(sock, "reload")
        check(result.returncode == 1 and f"{config}:6: key 'roles.admin': expected a string, got an integer" in result.stderr
              and "org.depot.admin.ConfigurationInvalid" in result.stderr and "kept" in result.stderr,
              f"bad reload: {result.returncode} {result.stderr}")
        daemon.send_signal(signal.SIGHUP)
        check(wait_for(lambda: "Configuration reload failed" in read(directory)), "SIGHUP with a bad file was not reported")
        check(answers(sock), "depotd stopped answering after a bad reload")
        check(ctl(sock, "item", "add", "EGGS", "--name", "Eggs").returncode == 0, "admin lost its role after a bad reload")
        # A good file: log level warning (notice lines stop, the audit log stays), socket group
        # needs a restart.
        with open(config, "w") as f:
            f.write('[log]\nlevel = "warning"\n[socket]\ngroup = "daemon"\n')
        result = ctl(sock, "reload")
        check(result.returncode == 0 and "socket.group apply at the next start" in result.stdout,
              f"good reload: {result.returncode} {result.stdout} {result.stderr}")
        audits = read(directory).count("Varlink call ")
        check(ctl(sock, "receive", "--item", "MILK", "--qty", "3", "--location", "A-01").returncode == 0, "receive after reload failed")
        check(ctl(sock, "backup", os.path.join(directory, "after-reload.sqlite")).returncode == 0, "backup after reload failed")
        check("database backed up" not in read(directory), "the new log level (warning) was not applied: a notice line was logged")
        check(read(directory).count("Varlink call ") == audits + 2, "the audit log must stay at notice after the level changed")
        # The connection opened before both reloads is still served.
        movement = next_reply().get("parameters", {}).get("movement") or {}
        check(movement.get("kind") == "receive" and movement.get("quantity") == 3,
              f"the subscription opened before the reloads did not get the new movement: {movement}")
        follower.close()
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)


def main():
    for test in (test_notify, test_lock_and_stale_socket, test_socket_group, test_socket_activation,
                 test_journal_prefixes, test_configuration_errors, test_reload):
        directory = tempfile.mkdtemp(prefix="depot-svc-", dir="/tmp")
        try:
            test(directory)
        except Exception as error:  # a crash in one test is a failure, the others still run
            check(False, f"{test.__name__} raised {error!r}")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"{NAME}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
