# depot: build, demo, test, install.
# `make demo` and `make test` install missing system packages and Python test peers first.
SHELL      := /bin/bash
SWIFT      ?= swift
CONFIG     ?= debug
BUILD_DIR  := .build/$(CONFIG)
PREFIX     ?= /usr/local
DESTDIR    ?=

# Extra test suites register themselves from mk/*.mk by appending to TEST_SUITES
# (each a make target run after `swift test`, in parallel where marked safe).
TEST_SUITES :=

.PHONY: all deps build build-tests demo test test-swift run-swift-tests run clean
all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

build-tests: deps
	$(SWIFT) build --build-tests

include $(wildcard mk/*.mk)

demo: build
	@scripts/demo.sh $(BUILD_DIR)

# `make test`: build once, then run the Swift tests and every registered suite, two at a time.
# Suites use only what `swift build --build-tests` built. Each runs through scripts/run-suite.sh,
# which logs it to .build/test-logs/NAME.log and fails a suite that ends without its closing line
# "NAME: N passed, M failed[, K skipped]"; scripts/test-summary.sh adds those up into the closing
# line "test: P passed, F failed, S skipped". On CI (CI=true) a missing prerequisite fails instead
# of skipping (Tests/TestSupport/Prerequisite.swift, scripts/lib/suite.sh).
test: build-tests
	@rm -rf .build/test-logs; $(MAKE) --no-print-directory -k -j2 run-swift-tests $(TEST_SUITES); \
	  status=$$?; scripts/test-summary.sh || status=1; exit $$status

test-swift: build-tests run-swift-tests

run-swift-tests:
	@scripts/run-suite.sh swift-tests scripts/swift-tests.sh

run: build
	$(BUILD_DIR)/depotd

clean:
	rm -rf .build
