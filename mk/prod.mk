# Production suites: roles with real users, configuration, systemd readiness/watchdog,
# socket activation, unit checks, backup and the ledger hash chain. Each prints
# "NAME: N passed, M failed" and exits non-zero on failure.
PYTHON ?= python3
TEST_SUITES += test-prod-roles

.PHONY: test-prod-roles
test-prod-roles:
	@scripts/run-suite.sh prod-roles bash scripts/prod/roles.sh $(BUILD_DIR)

TEST_SUITES += test-prod-service test-prod-units
.PHONY: test-prod-service test-prod-units
test-prod-service:
	@scripts/run-suite.sh prod-service $(PYTHON) scripts/prod/service.py $(BUILD_DIR)
test-prod-units:
	@scripts/run-suite.sh prod-units bash scripts/prod/units.sh $(BUILD_DIR)

TEST_SUITES += test-prod-integrity
.PHONY: test-prod-integrity
test-prod-integrity:
	@scripts/run-suite.sh prod-integrity bash scripts/prod/integrity.sh $(BUILD_DIR)

# make install [PREFIX=/usr/local] [DESTDIR=] [CONFIG=release]: binaries, units, sysusers and
# tmpfiles files, udev rules, the example configuration, man pages (from --help) and completions.
BINDIR      = $(DESTDIR)$(PREFIX)/bin
UNITDIR     = $(DESTDIR)$(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(DESTDIR)$(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
UDEVDIR     = $(DESTDIR)$(PREFIX)/lib/udev/rules.d
MANDIR      = $(DESTDIR)$(PREFIX)/share/man
DOCDIR      = $(DESTDIR)$(PREFIX)/share/doc/depot
COMPLETIONS = $(DESTDIR)$(PREFIX)/share

.PHONY: install install-files
install: build
	@$(MAKE) --no-print-directory install-files

install-files:
	install -d $(BINDIR) $(UNITDIR) $(SYSUSERSDIR) $(TMPFILESDIR) $(MANDIR)/man1 $(MANDIR)/man8 $(DOCDIR) \
	  $(COMPLETIONS)/bash-completion/completions $(COMPLETIONS)/zsh/site-functions $(COMPLETIONS)/fish/vendor_completions.d
	install -m 0755 $(BUILD_DIR)/depotd $(BUILD_DIR)/depotctl $(BINDIR)/
	sed 's|/usr/local/bin/depotd|$(PREFIX)/bin/depotd|' systemd/depotd.service > $(UNITDIR)/depotd.service
	chmod 0644 $(UNITDIR)/depotd.service
	install -m 0644 systemd/depotd.socket $(UNITDIR)/
	install -m 0644 systemd/sysusers.d/depot.conf $(SYSUSERSDIR)/depot.conf
	install -m 0644 systemd/tmpfiles.d/depot.conf $(TMPFILESDIR)/depot.conf
	install -m 0644 systemd/depotd.conf.example docs/operations.md $(DOCDIR)/
	$(if $(wildcard udev/*.rules),install -d $(UDEVDIR) && install -m 0644 $(wildcard udev/*.rules) $(UDEVDIR)/)
	$(PYTHON) scripts/prod/manpage.py $(BUILD_DIR)/depotd 8 $(MANDIR)/man8/depotd.8
	$(PYTHON) scripts/prod/manpage.py $(BUILD_DIR)/depotctl 1 $(MANDIR)/man1/depotctl.1
	$(BUILD_DIR)/depotctl --generate-completion-script bash > $(COMPLETIONS)/bash-completion/completions/depotctl
	$(BUILD_DIR)/depotctl --generate-completion-script zsh > $(COMPLETIONS)/zsh/site-functions/_depotctl
	$(BUILD_DIR)/depotctl --generate-completion-script fish > $(COMPLETIONS)/fish/vendor_completions.d/depotctl.fish

TEST_SUITES += test-prod-install
.PHONY: test-prod-install
test-prod-install:
	@scripts/run-suite.sh prod-install bash scripts/prod/install.sh $(BUILD_DIR)
