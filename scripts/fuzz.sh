#!/usr/bin/env bash
# Builds and runs payrun's libFuzzer targets with sanitizers: clang's fuzzer, address and undefined
# for C; swiftc's fuzzer and address for Swift (Swift traps on overflow and bad indexes itself).
#   bash scripts/fuzz.sh [TARGET] [SECONDS]     (default: every target, 30 s each)
# A finding (a crash, a sanitizer report, a broken property, a mismatch with the reference) fails
# the run; the input that caused it is left in .build/fuzz/TARGET-crash-*, and is what a
# regression test replays. Targets and what they cover: docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(pattern json form csv csvreader credentials keys decimal)
selected="${1:-all}"
seconds="${2:-30}"
bash scripts/install-dependencies.sh liblua5.4-dev pkg-config

clang=$(command -v clang)
swiftc=$(command -v swiftc)
build=.build/fuzz
mkdir -p "$build"
swift_flags=(-sanitize=fuzzer,address -parse-as-library -O -g)

build_pattern() {
  "$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -ISources/CLuaShims/include $(pkg-config --cflags lua5.4) \
    Fuzz/pattern/pattern_fuzz.c Sources/CLuaShims/luapattern.c Sources/CLuaShims/luastop.c \
    $(pkg-config --libs lua5.4) -lpthread -o "$build/pattern"
}

# PayrunFormats has no dependencies: built once as a module the Swift targets import.
formats_built=false
build_formats() {
  $formats_built && return
  mkdir -p "$build/modules"
  "$swiftc" "${swift_flags[@]}" -module-name PayrunFormats -emit-module -emit-module-path "$build/modules/PayrunFormats.swiftmodule" \
    -emit-library -static -o "$build/modules/libPayrunFormats.a" $(find Sources/PayrunFormats -name '*.swift' | sort) 2> >(grep -v "warning:" >&2)
  formats_built=true
}

# A Swift target: its own file and the sources it fuzzes, in one module.
build_swift() {
  local target=$1; shift
  "$swiftc" "${swift_flags[@]}" -module-name "Fuzz_$target" -I "$build/modules" -L "$build/modules" "$@" \
    -o "$build/$target" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" >&2 || true
  [ -x "$build/$target" ]
}

build_json() { build_formats; build_swift json Fuzz/json/JSONFuzz.swift -lPayrunFormats; }
build_form() { build_formats; build_swift form Fuzz/form/FormFuzz.swift Sources/PayrunSimulators/Server/FormBody.swift -lPayrunFormats; }
build_csv() { build_formats; build_swift csv Fuzz/csv/CSVFuzz.swift -lPayrunFormats; }
build_csvreader() { build_formats; build_swift csvreader Fuzz/csvreader/CSVReaderFuzz.swift -lPayrunFormats; }
build_credentials() {
  build_swift credentials Fuzz/credentials/CredentialsFuzz.swift Sources/PayrunProviderKit/Credentials/{CredentialFile,CredentialName,Secret}.swift
}
build_keys() { build_swift keys Fuzz/keys/KeysFuzz.swift Sources/LineEditing/{KeyDecoder,Key}.swift; }
build_decimal() { build_swift decimal Fuzz/decimal/DecimalFuzz.swift Sources/PayrunRuntime/Decimal/DecimalNumber.swift; }

for target in "${targets[@]}"; do
  [ "$selected" = all ] || [ "$selected" = "$target" ] || continue
  rm -f "$build/$target"
  "build_$target"
  mkdir -p "$build/$target-corpus"
  echo "fuzzing $target for $seconds s"
  # The committed seeds, then what earlier runs found, are the starting corpus. Swift's own crash
  # reporter is off so libFuzzer reports the crash and keeps its input.
  seeds=("../../Fuzz/$target/corpus")
  # The JSON parser also starts from its conformance cases.
  [ "$target" = json ] && seeds+=(../../Tests/PayrunFormatsTests/JSONSuite)
  (cd "$build" && SWIFT_BACKTRACE=enable=no ./"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$target-" "$target-corpus" "${seeds[@]}")
done
