#!/usr/bin/env bash
# Sets payrun up on a fresh Debian machine with Swift, builds it, and runs an example script.
#   bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-dependencies.sh
swift build -c release --static-swift-stdlib --product payrun
echo "Built .build/release/payrun. Running scripts/examples/daily-totals.lua against the built-in Particeep simulator:" >&2
.build/release/payrun run scripts/examples/daily-totals.lua 2024-03-01
