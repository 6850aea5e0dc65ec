#!/usr/bin/env python3
"""Names the tests that started but never ended, from Swift Testing's event stream (swift test
--event-stream-output-path FILE --event-stream-version 0): after the test process died (a signal, an
abort in a C library), these were running. Prints one line per test; exits 1 when there is any."""
import json
import sys

names, suites, running = {}, set(), {}
with open(sys.argv[1], encoding="utf-8", errors="replace") as stream:
    for line in stream:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the line the dying process was writing
        payload = record.get("payload", {})
        if record.get("kind") == "test":
            names[payload.get("id")] = payload.get("displayName") or payload.get("name")
            if payload.get("kind") == "suite":
                suites.add(payload.get("id"))
        elif record.get("kind") == "event":
            kind, test = payload.get("kind"), payload.get("testID")
            if kind == "testStarted":
                running[test] = True
            elif kind in ("testEnded", "testSkipped"):
                running.pop(test, None)
# The tests themselves; only when none was running, the suites that were.
for test in [t for t in running if t not in suites] or list(running):
    print(f"running when the test process ended: {test} ({names.get(test, '?')})")
sys.exit(1 if running else 0)
