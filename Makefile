# depot: build, demo, test, install.
# `make demo` and `make test` install missing system packages and Python test peers first.
SWIFT      ?= swift
CONFIG     ?= debug
BUILD_DIR  := .build/$(CONFIG)
PREFIX     ?= /usr/local
DESTDIR    ?=

# Extra test suites register themselves from mk/*.mk by appending to TEST_SUITES
# (each a make target run after `swift test`, in parallel where marked safe).
TEST_SUITES :=

.PHONY: all deps build build-tests demo test test-swift run clean
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

test-swift: build-tests
	$(SWIFT) test --skip-build --parallel

test: build-tests
	@$(MAKE) --no-print-directory -k -j2 test-swift $(TEST_SUITES)

run: build
	$(BUILD_DIR)/depotd

clean:
	rm -rf .build
