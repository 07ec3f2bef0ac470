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
# Suites use only what `swift build --build-tests` built; each prints "NAME: N passed, M failed".
# The log is added up at the end into one closing line: "test: P passed, F failed".
test: build-tests
	@set -o pipefail; $(MAKE) --no-print-directory -k -j2 run-swift-tests $(TEST_SUITES) 2>&1 | tee .build/test.log; \
	  status=$$?; scripts/test-summary.sh .build/test.log; exit $$status

test-swift: build-tests run-swift-tests

run-swift-tests:
	$(SWIFT) test --skip-build

run: build
	$(BUILD_DIR)/depotd

clean:
	rm -rf .build
