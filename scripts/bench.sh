#!/usr/bin/env bash
# Runs the benchmarks in a release build, each against its reference in the same run:
# Swift vs C function calls, payrun.json vs lua-cjson, `payrun run` vs `lua5.4` start-up, listeners
# on PostgreSQL (a server of its own, started and stopped by the benchmark) vs SQLite, ...
#   bash scripts/bench.sh [calls|json|startup...]
set -euo pipefail
cd "$(dirname "$0")/.."

# util-linux: taskset, for the client benchmark's simulator and client on separate cores.
bash scripts/install-dependencies.sh lua5.4 lua-cjson wrk curl python3 time postgresql valgrind binutils util-linux
python3 -c 'import requests' 2>/dev/null || bash scripts/install-dependencies.sh python3-requests
swift build -c release --static-swift-stdlib
.build/release/payrun-bench "$@"
