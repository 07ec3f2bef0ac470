# Release binaries and the Debian package (docs/operations.md, "Installing the Debian package").
# `make release`: depotd and depotctl in release mode with the Swift standard library and
# Foundation linked statically (--static-swift-stdlib), into .build-release (the scratch path
# bench-hostile uses too), then scripts/deb/check-linkage.sh checks that neither needs a library
# from the Swift toolchain. `make deb`: packaging/deb/build.sh stages `make install-files` with
# PREFIX=/usr and builds .build-release/depot_VERSION_ARCH.deb with Debian's own tools
# (dpkg-shlibdeps, dpkg-gencontrol, dpkg-deb). `make test-deb`: scripts/deb/deb.sh installs it in
# a clean Debian 12 root (debootstrap, cached in .build-debroot/; needs root). It is not in
# TEST_SUITES: from a cold cache it bootstraps a Debian root and builds in release mode, which
# takes longer than the rest of `make test` (docs/benchmarks.md, "The Debian package").
RELEASE_SCRATCH ?= .build-release
RELEASE_DIR     := $(RELEASE_SCRATCH)/release
RELEASE_FLAGS   := -c release --static-swift-stdlib --scratch-path $(RELEASE_SCRATCH)

.PHONY: release deb test-deb
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product depotd
	$(SWIFT) build $(RELEASE_FLAGS) --product depotctl
	@scripts/deb/check-linkage.sh $(RELEASE_DIR)/depotd $(RELEASE_DIR)/depotctl

deb: release
	@packaging/deb/build.sh $(RELEASE_DIR) $(RELEASE_SCRATCH)

test-deb: deb
	@scripts/run-suite.sh deb bash scripts/deb/deb.sh $(RELEASE_DIR) $(RELEASE_SCRATCH)/depot_$$($(RELEASE_DIR)/depotd --version)_$$(dpkg --print-architecture).deb
