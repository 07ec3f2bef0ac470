#!/usr/bin/env python3
"""Count Swift Testing results from its JSON event streams.

Reads the files written by `swift test --event-stream-version 0 --event-stream-output-path F`
(one JSON record per line; the record shapes are Swift Testing's ABI, `ABI.Record` and
`ABI.EncodedEvent`, version 0) and prints "P F S R": tests passed, failed, skipped, and the
number of streams that reached their `runEnded` event.

A test counts once, however many arguments it runs with. It failed when an issue that is not a
known issue (`withKnownIssue`) and not a warning was recorded against it or against one of its
test cases; an issue recorded outside any test counts as one failure on its own. A test whose
`testSkipped` event arrived (`.enabled(if:)`, `.disabled`) is skipped.

Usage: swift-test-events.py STREAM...
"""
import json
import sys


def count(paths):
    functions, ended, skipped, failing = set(), set(), set(), set()
    stray_failures = 0
    runs_ended = 0
    for path in paths:
        try:
            # JSON Lines end at "\n" only: str.splitlines() would also cut a record at U+2028 or
            # U+0085, which Swift writes unescaped inside strings (a test argument, a message).
            lines = open(path, encoding="utf-8").read().split("\n")
        except FileNotFoundError:
            continue
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            payload = record.get("payload") or {}
            if record.get("kind") == "test":
                if payload.get("kind") == "function":
                    functions.add(payload["id"])
                continue
            if record.get("kind") != "event":
                continue
            kind = payload.get("kind")
            test = payload.get("testID")
            if kind == "runEnded":
                runs_ended += 1
            elif kind == "testEnded" and test is not None:
                ended.add(test)
            elif kind == "testSkipped" and test is not None:
                skipped.add(test)
            elif kind == "issueRecorded":
                issue = payload.get("issue") or {}
                if issue.get("isKnown") or issue.get("severity") == "warning":
                    continue
                if test is None:
                    stray_failures += 1
                else:
                    failing.add(test)

    def within(test, ids):
        # A suite's ID is a prefix of its tests' IDs, up to a "/" (or "." for a nested suite).
        return any(test == i or test.startswith(i + "/") or test.startswith(i + ".") for i in ids)

    ran = functions & ended
    failed = {t for t in ran if within(t, failing) or any(t.startswith(f + "/") for f in failing)}
    # An issue on a suite (its set-up, say) fails every test beneath it.
    failed |= {t for t in ran if any(t.startswith(f + "/") or t.startswith(f + ".") for f in failing)}
    not_run = {t for t in functions - ended if within(t, skipped)}
    passed = ran - failed
    return len(passed), len(failed) + stray_failures, len(not_run), runs_ended


if __name__ == "__main__":
    print(*count(sys.argv[1:]))
