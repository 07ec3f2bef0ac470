# Varlink interop: the Python `varlink` package (scripts/deps/core.pip) against our Swift Varlink
# module, through the varlink-certification service built by `swift build --build-tests`.
PYTHON ?= python3
TEST_SUITES += test-varlink-certification

.PHONY: test-varlink-certification
test-varlink-certification:
	@scripts/run-suite.sh varlink-certification $(PYTHON) scripts/varlink/certification_suite.py .build/debug/varlink-certification

# Hostile connections (unfinished messages, unread subscriptions, unread pipelined calls) against
# the debug depotd while a normal client calls Status: RSS and p99 bounds (docs/benchmarks.md).
TEST_SUITES += test-hostile-connections

.PHONY: test-hostile-connections
test-hostile-connections:
	@scripts/run-suite.sh hostile-connections $(PYTHON) scripts/varlink/hostile_suite.py .build/debug/depotd --connections 2000
