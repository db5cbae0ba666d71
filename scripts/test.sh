#!/usr/bin/env bash
# Runs payrun's tests, installing what they build against first: the durability tests on their
# own after the rest, then the engine's tests again under Thread Sanitizer (a build of their own
# in .build-tsan), which must report nothing; every fuzz target runs for 30 s in between.
#   bash scripts/test.sh [swift test options, e.g. --filter JSON]
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests load the pure-Lua libraries; util-linux's setsid gives the REPL tests a terminal;
# sqlite3 edits a state store as a person at a shell would.
# postgresql: the tests start a server of their own (initdb in a temporary folder, a free port).
# python3 holds a state store's lock from another process, as another writer would.
bash scripts/install-dependencies.sh lua-dkjson lua-inspect util-linux sqlite3 postgresql python3
if [ $# -eq 0 ]; then
  # The durability and listener tests start many payrun processes and sandboxes, and kill them: run on their
  # own, after the others, they do not starve the tests that measure time.
  swift test --skip "DurableRunTests|RunsCommandTests|ListenTests|PostgresStateTests|SharedInboxTests"
  swift test --filter "DurableRunTests|RunsCommandTests|ListenTests|PostgresStateTests|SharedInboxTests"
  # Every fuzz target (the C pattern matcher against stock Lua's, the parsers) for 30 s each, from
  # the committed seeds: a finding fails.
  bash scripts/fuzz.sh all 30
  # A data race is a failure: TSan's report makes the test process exit non-zero.
  PAYRUN_TSAN=1 TSAN_OPTIONS="halt_on_error=1" swift test --sanitize=thread --scratch-path .build-tsan --filter PayrunEngineTests
else
  swift test "$@"
fi
