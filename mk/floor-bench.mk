# Floor benchmark: scan-to-commit latency of replayed scanners (docs/benchmarks.md ("Floor")).
# `make bench-floor` builds release into .build-release and runs the real benchmark (not part of
# `make test`); the smoke suite runs the debug binary briefly so the benchmark cannot rot.
TEST_SUITES += test-floor-bench-smoke

FLOOR_BENCH_ARGS ?= --scanners 50 --rate 5 --seconds 30

.PHONY: test-floor-bench-smoke bench-floor

test-floor-bench-smoke:
	@scripts/run-suite.sh floor-bench-smoke scripts/floor-bench-smoke.sh .build/debug/floor-bench

bench-floor: deps
	$(SWIFT) build -c release --scratch-path .build-release --product floor-bench
	.build-release/release/floor-bench $(FLOOR_BENCH_ARGS)
