#!/usr/bin/env bash
# Sets payrun up on a fresh Debian machine with Swift, builds it, and runs an example script.
#   bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-dependencies.sh
swift build -c release --static-swift-stdlib --product payrun
echo "Built .build/release/payrun. Running scripts/examples/reconcile.lua:" >&2
.build/release/payrun run scripts/examples/reconcile.lua
