# GS1 parser suites: differential test against biip, and a bounded libFuzzer run.
# `make bench-gs1` measures parse rates beside biip (not part of `make test`).
TEST_SUITES += test-gs1-biip test-gs1-fuzz

.PHONY: test-gs1-biip test-gs1-fuzz bench-gs1

test-gs1-biip:
	@scripts/run-suite.sh gs1-biip python3 scripts/gs1/compare-biip.py .build/debug/gs1-tool Tests/GS1Fixtures/biip-corpus.txt

test-gs1-fuzz:
	@scripts/run-suite.sh gs1-fuzz scripts/gs1/fuzz.sh

bench-gs1: deps
	@scripts/gs1/bench.sh
