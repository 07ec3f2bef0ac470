# Release binaries (docs/operations.md, "Installing the Debian package").
# `make release`: depotd and depotctl in release mode with the Swift standard library and
# Foundation linked statically (--static-swift-stdlib), into .build-release (the scratch path
# bench-hostile uses too), then scripts/deb/check-linkage.sh checks that neither needs a library
# from the Swift toolchain.
RELEASE_SCRATCH ?= .build-release
RELEASE_DIR     := $(RELEASE_SCRATCH)/release
RELEASE_FLAGS   := -c release --static-swift-stdlib --scratch-path $(RELEASE_SCRATCH)

.PHONY: release
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product depotd
	$(SWIFT) build $(RELEASE_FLAGS) --product depotctl
	@scripts/deb/check-linkage.sh $(RELEASE_DIR)/depotd $(RELEASE_DIR)/depotctl
