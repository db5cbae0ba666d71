#!/usr/bin/env bash
# Builds and runs payrun's libFuzzer targets with AddressSanitizer and UndefinedBehaviorSanitizer.
#   bash scripts/fuzz.sh [TARGET] [SECONDS]     (default: every target, 30 s each)
# A finding (a crash, a sanitizer report, a mismatch with the reference) fails the run; the input
# that caused it is left in .build/fuzz/TARGET/ as crash-*, and is what a regression test replays.
# Targets: pattern (Sources/CLuaShims/luapattern.c against stock Lua 5.4's matcher).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(pattern)
selected="${1:-all}"
seconds="${2:-30}"
bash scripts/install-dependencies.sh liblua5.4-dev pkg-config

clang=$(command -v clang)
build=.build/fuzz
mkdir -p "$build"

build_pattern() {
  "$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -ISources/CLuaShims/include $(pkg-config --cflags lua5.4) \
    Fuzz/pattern/pattern_fuzz.c Sources/CLuaShims/luapattern.c Sources/CLuaShims/luastop.c \
    $(pkg-config --libs lua5.4) -lpthread -o "$build/pattern"
}

for target in "${targets[@]}"; do
  [ "$selected" = all ] || [ "$selected" = "$target" ] || continue
  "build_$target"
  mkdir -p "$build/$target-corpus"
  # The committed seeds, then what earlier runs found, are the starting corpus.
  (cd "$build" && ./"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$target-" "$target-corpus" "../../Fuzz/$target/corpus")
done
