# Production suites (issue 7): roles with real users, configuration, systemd readiness/watchdog,
# socket activation, unit checks, backup and the ledger hash chain. Each prints
# "NAME: N passed, M failed" and exits non-zero on failure.
TEST_SUITES += test-prod-roles

.PHONY: test-prod-roles
test-prod-roles:
	@bash scripts/prod/roles.sh $(BUILD_DIR)
