#!/usr/bin/env bash
# Builds one libFuzzer target with ASan and runs it for a bounded time on a seed corpus.
#   scripts/fuzz.sh TARGET SECONDS SEED_DIR...
set -euo pipefail
target=$1 seconds=$2
shift 2
cd "$(dirname "$0")/.."
PATCHBAY_FUZZ=1 swift build -c release --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product "$target"
corpus=fuzz-corpus/$target
mkdir -p "$corpus" fuzz-crashes
for seed in "$@"; do cp -n "$seed"/* "$corpus"/ 2>/dev/null || true; done
exec .build-fuzz/release/"$target" "$corpus" -max_total_time="$seconds" -max_len=65536 \
    -artifact_prefix=fuzz-crashes/"$target"- -print_final_stats=1 -print_funcs=0
