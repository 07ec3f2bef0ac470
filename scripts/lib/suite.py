"""Shared by the Python test suites: the one rule for a suite (or a check) that cannot run here.

Off CI a missing prerequisite is counted as skipped, with its reason, in `make test`'s closing
line; on CI (CI=true) nothing the machine can run may be skipped, so it is a failure."""
import os
import sys

ON_CI = os.environ.get("CI") == "true"


def skip_suite(name: str, reason: str) -> None:
    """Print the suite's closing line for a suite that cannot run, and exit (1 on CI, else 0)."""
    if ON_CI:
        print(f"{name}: 0 passed, 1 failed, 0 skipped (missing on CI: {reason})")
        sys.exit(1)
    print(f"{name}: 0 passed, 0 failed, 1 skipped ({reason})")
    sys.exit(0)
