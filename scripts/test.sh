#!/usr/bin/env bash
# Runs payrun's tests, installing what they build against first.
#   bash scripts/test.sh [swift test options, e.g. --filter JSON]
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests load the pure-Lua libraries; util-linux's setsid gives the REPL tests a terminal.
bash scripts/install-dependencies.sh lua-dkjson lua-inspect util-linux
swift test "$@"
