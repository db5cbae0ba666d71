#!/usr/bin/env bash
# Runs payrun's tests, installing what they build against first.
#   bash scripts/test.sh [swift test options, e.g. --filter JSON]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-dependencies.sh lua-dkjson lua-inspect  # the tests load these pure-Lua libraries
swift test "$@"
