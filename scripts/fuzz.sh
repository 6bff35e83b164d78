#!/usr/bin/env bash
# The long fuzz run (docs/fuzzing.md): every property test in tests/fuzz_*.rs and
# the token engine's model check, 1,000,000 cases each unless
# PROPTEST_CASES says otherwise. `cargo test` runs the same properties with
# 256 cases each.
#
#   scripts/fuzz.sh                      # 10^6 cases per property
#   PROPTEST_CASES=10000 scripts/fuzz.sh # a quicker pass
#   scripts/fuzz.sh fuzz_secrets         # one target
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export PROPTEST_CASES="${PROPTEST_CASES:-1000000}"

# The release profile is tuned for a small wasm (opt-level z, LTO, one
# codegen unit); the fuzz build wants fast code built quickly instead, in
# its own target directory so the package build keeps its cache.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/fuzz}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(tests/fuzz_*.rs tests/model_token_engine.rs)
  targets=("${targets[@]#tests/}")
  targets=("${targets[@]%.rs}")
fi

cargo test --release --no-run --quiet
for target in "${targets[@]}"; do
  start=$SECONDS
  printf '\n== fuzz: %s (%s cases per property)\n' "$target" "$PROPTEST_CASES"
  cargo test --release --quiet --test "$target"
  printf '== fuzz: %s passed in %d s\n' "$target" $((SECONDS - start))
done
