# The scanner test on a real kernel input device (uinput in a small VM): scripts/scanner-vm.sh.
# Needs the executables scanner-probe and uinput-type, which build-tests builds.
TEST_SUITES += test-scanner-vm
.PHONY: test-scanner-vm
test-scanner-vm:
	@scripts/scanner-vm.sh --no-build
