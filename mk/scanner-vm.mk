# The scanner test on a real kernel input device (uinput in a small VM): scripts/scanner-vm.sh.
# Needs the executables scanner-probe, uinput-type, depotd and depotctl, which build-tests builds,
# and /usr/bin/python3 (scripts/scanner-vm-depotd.py drives depotd in the VM and compares ledgers).
TEST_SUITES += test-scanner-vm
.PHONY: test-scanner-vm
test-scanner-vm:
	@scripts/run-suite.sh scanner-vm scripts/scanner-vm.sh --no-build
