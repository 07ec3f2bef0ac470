# Shared by the shell test suites (source it): the one rule for a suite that cannot run here.
# suite_skip NAME REASON: off CI the suite is counted as skipped, with its reason, in `make test`'s
# closing line; on CI (CI=true) nothing the machine can run may be skipped, so a missing
# prerequisite is a failure.
suite_skip() {
  if [ "${CI:-}" = true ]; then
    echo "$1: 0 passed, 1 failed, 0 skipped (missing on CI: $2)"
    exit 1
  fi
  echo "$1: 0 passed, 0 failed, 1 skipped ($2)"
  exit 0
}
