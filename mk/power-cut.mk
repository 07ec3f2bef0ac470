# The power-cut test (scripts/power-cut.sh, docs/operations.md "Power cuts"): depotd in a small VM
# with its database on a virtual disk, QEMU killed with SIGKILL mid-burst, the VM booted again on
# the same disk; every acknowledged operation must be in the ledger and verify must pass.
# `make test` runs one trial (test-power-cut, two TCG boots, about 1.5 minutes) through
# scripts/run-suite.sh; `make bench-power-cut` runs POWER_CUT_TRIALS (20) and prints the summary
# docs/benchmarks.md records. POWER_CUT_ARGS="--durability normal" is the control run (it loses
# acknowledged operations, so it fails; never part of `make test`).
# Uses the debug depotd and depotctl that build-tests builds, and /usr/bin/python3.
POWER_CUT_TRIALS ?= 20
POWER_CUT_ARGS   ?=
TEST_SUITES      += test-power-cut

.PHONY: test-power-cut bench-power-cut
test-power-cut:
	@scripts/run-suite.sh power-cut scripts/power-cut.sh --trials 1 --no-build

bench-power-cut: build-tests
	@scripts/power-cut.sh --trials $(POWER_CUT_TRIALS) --no-build $(POWER_CUT_ARGS)
