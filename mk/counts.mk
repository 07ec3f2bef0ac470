# Count approval benchmark (docs/benchmarks.md, "Count approval"); not a test suite, so not in TEST_SUITES.
.PHONY: bench-counts
bench-counts:
	swift build -c release --product count-bench
	.build/release/count-bench
