# The FEFO pick benchmark (docs/benchmarks.md): FEFO picks through the Varlink socket beside the
# same picks in-process. `make bench` builds depot-bench in release mode (own scratch path, so
# the debug build is untouched) and runs it on the cached 1,000,000-lot database; it is never
# part of `make test`. BENCH_ARGS passes options, e.g. `make bench BENCH_ARGS="--json"`.
# `make test` runs only test-bench-smoke: the debug depot-bench on a small database for a couple
# of seconds, so the benchmark cannot rot.
BENCH_SCRATCH ?= .build-release
BENCH_ARGS    ?=
PYTHON        ?= python3
TEST_SUITES   += test-bench-smoke

.PHONY: bench test-bench-smoke
bench: deps
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product depot-bench
	$(BENCH_SCRATCH)/release/depot-bench $(BENCH_ARGS)

test-bench-smoke:
	@scripts/run-suite.sh bench-smoke $(PYTHON) scripts/bench/smoke.py .build/debug/depot-bench
