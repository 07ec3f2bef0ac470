# Varlink interop: the Python `varlink` package (scripts/deps/core.pip) against our Swift Varlink
# module, through the varlink-certification service built by `swift build --build-tests`.
PYTHON ?= python3
TEST_SUITES += test-varlink-certification

.PHONY: test-varlink-certification
test-varlink-certification:
	@scripts/run-suite.sh varlink-certification $(PYTHON) scripts/varlink/certification_suite.py .build/debug/varlink-certification
