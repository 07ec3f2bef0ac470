#!/usr/bin/env python3
"""Connection churn against the real depotd: how fast clients can connect, call, and leave.

usage: churn.py DEPOTD [--seconds N] [--clients N] [--burst N]

Starts DEPOTD on a temporary database and socket (default limits, --log-level warning). Then:

- churn: CLIENTS threads (default 32) each loop for SECONDS (default 10): connect, call
  org.depot.inventory.Status, close. Prints connections per second, p50/p99 of connect + call +
  answer, and failures (a connect refused with EAGAIN, a connection closed before its answer).
- burst: BURST (default 2000) non-blocking connects issued at once without reading; prints how
  many the kernel refused with EAGAIN (listen backlog full: 4096, capped by net.core.somaxconn)
  and how many depotd then closed (over its caps).

A measurement, not a test (timing is never a test on shared machines): it asserts nothing and
ends with `churn: done`. docs/benchmarks.md, "Connection churn", has the numbers.
"""
import errno, json, os, resource, socket, subprocess, sys, tempfile, threading, time

depotd = sys.argv[1]
def option(flag, default):
    return int(sys.argv[sys.argv.index(flag) + 1]) if flag in sys.argv else default
seconds = option("--seconds", 10)
clients = option("--clients", 32)
burst = option("--burst", 2000)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

directory = tempfile.mkdtemp(prefix="depot-churn-")
sock = os.path.join(directory, "d.sock")
log = open(os.path.join(directory, "depotd.log"), "w")
daemon = subprocess.Popen([depotd, "--database", os.path.join(directory, "depot.sqlite"), "--socket", sock,
                           "--time-zone", "UTC", "--no-scanners", "--log-level", "warning"],
                          stdout=log, stderr=log, stdin=subprocess.DEVNULL)

def status_call(s):
    s.sendall(b'{"method":"org.depot.inventory.Status"}\0')
    data = b""
    while not data.endswith(b"\0"):
        chunk = s.recv(65536)
        if not chunk: raise ConnectionError("closed before the answer")
        data += chunk
    return json.loads(data[:-1])

try:
    deadline = time.time() + 60
    while not os.path.exists(sock) and time.time() < deadline: time.sleep(0.05)
    time.sleep(0.3)
    latencies, failures, lock = [], [0], threading.Lock()
    stop_at = time.time() + seconds
    def churn():
        mine, failed = [], 0
        while time.time() < stop_at:
            began = time.perf_counter()
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sock)
                status_call(s)
                s.close()
                mine.append((time.perf_counter() - began) * 1000)
            except OSError:
                failed += 1
        with lock:
            latencies.extend(mine); failures[0] += failed
    threads = [threading.Thread(target=churn) for _ in range(clients)]
    began = time.time()
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.time() - began
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
    print("churn: %d clients for %.1f s: %d connections (%.0f per s), connect+Status p50 %.2f ms, p99 %.2f ms, %d failed"
          % (clients, elapsed, len(latencies), len(latencies) / elapsed, p(0.50), p(0.99), failures[0]))

    sockets, again, other = [], 0, 0
    for _ in range(burst):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(sock)
            sockets.append(s)
        except OSError as error:
            if error.errno == errno.EAGAIN: again += 1
            else: other += 1
            s.close()
    time.sleep(2)
    closed = 0
    for s in sockets:
        try:
            if s.recv(1) == b"": closed += 1
        except BlockingIOError: pass
        except OSError: closed += 1
        s.close()
    print("burst: %d non-blocking connects: %d queued, %d refused with EAGAIN, %d other errors; %d then closed by depotd (caps)"
          % (burst, len(sockets), again, other, closed))
    print("depotd up: %s" % (daemon.poll() is None))
finally:
    daemon.terminate()
    try: daemon.wait(20)
    except subprocess.TimeoutExpired: daemon.kill()
print("churn: done")
