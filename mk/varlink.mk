# Varlink interop: the Python `varlink` package (scripts/deps/core.pip) against our Swift Varlink
# module, through the varlink-certification service built by `swift build --build-tests`.
PYTHON ?= python3
TEST_SUITES += test-varlink-certification

.PHONY: test-varlink-certification
test-varlink-certification:
	@scripts/run-suite.sh varlink-certification $(PYTHON) scripts/varlink/certification_suite.py .build/debug/varlink-certification

# The framing and envelope parser under libFuzzer for a bounded time (VARLINK_FUZZ_SECONDS,
# default 30), against the debug build's NIO; Fuzz/VarlinkFuzz.swift says what it checks.
TEST_SUITES += test-varlink-fuzz

.PHONY: test-varlink-fuzz
test-varlink-fuzz:
	@scripts/run-suite.sh varlink-fuzz scripts/varlink/fuzz.sh

# Hostile connections (unfinished messages, unread subscriptions, unread pipelined calls) against
# the debug depotd while a normal client calls Status. `make test` checks that depotd stays up and
# answers every normal call, and prints RSS and p99; `make bench-hostile` also checks the bounds
# (RSS < 128 MiB, p99 < 50 ms; docs/benchmarks.md) on a release build.
TEST_SUITES += test-hostile-connections

.PHONY: test-hostile-connections bench-hostile
test-hostile-connections:
	@scripts/run-suite.sh hostile-connections $(PYTHON) scripts/varlink/hostile_suite.py .build/debug/depotd --connections 2000

bench-hostile: deps
	$(SWIFT) build -c release --scratch-path .build-release --product depotd
	$(PYTHON) scripts/varlink/hostile_suite.py .build-release/release/depotd --connections 2000 --check-bounds
