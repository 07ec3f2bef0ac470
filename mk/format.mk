# Formatting: .swift-format (modelled on swift-nio's) applied with the toolchain's swift-format.
# `make format` rewrites every Swift file in place; `make test` runs test-format, which fails when a
# file differs from its formatted self (scripts/format-check.sh). The generated wire types
# (Sources/DepotAPI/Generated) are left as varlink-codegen writes them: DepotAPITests compares them
# with the generator's output.
TEST_SUITES += test-format
.PHONY: format test-format
format:
	git ls-files -z -- '*.swift' ':!Sources/DepotAPI/Generated' | xargs -0 $(SWIFT) format format --configuration .swift-format --in-place

test-format:
	@scripts/run-suite.sh format scripts/format-check.sh
