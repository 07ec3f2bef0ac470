# Production suites (issue 7): roles with real users, configuration, systemd readiness/watchdog,
# socket activation, unit checks, backup and the ledger hash chain. Each prints
# "NAME: N passed, M failed" and exits non-zero on failure.
PYTHON ?= python3
TEST_SUITES += test-prod-roles

.PHONY: test-prod-roles
test-prod-roles:
	@bash scripts/prod/roles.sh $(BUILD_DIR)

TEST_SUITES += test-prod-service test-prod-units
.PHONY: test-prod-service test-prod-units
test-prod-service:
	@$(PYTHON) scripts/prod/service.py $(BUILD_DIR)
test-prod-units:
	@bash scripts/prod/units.sh $(BUILD_DIR)

TEST_SUITES += test-prod-integrity
.PHONY: test-prod-integrity
test-prod-integrity:
	@bash scripts/prod/integrity.sh $(BUILD_DIR)
