#!/usr/bin/env bash
# Every test: lint, the native core, the wasm shell in Node and Chromium, the
# packed package in Node and Chromium against the simulator, and the types.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

step() { printf '\n== test: %s\n' "$*"; }

step "format and lints"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --tests -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --no-default-features --features integrator -- -D warnings
# The size idioms clippy cannot tell apart (char and substring patterns).
node scripts/size-idioms.mjs

step "core (native cargo test)"
cargo test

step "wasm shell in Node (wasm-pack test --node)"
wasm-pack test --node --test wasm_node

step "wasm shell in headless Chromium (wasm-pack test --headless --chrome)"
wasm-pack test --headless --chrome --test wasm_browser

step "build and pack the npm packages (halo-device, halo-cloud-simulator)"
node scripts/build-package.mjs
node scripts/pack-simulator.mjs
# Installed from the tarball, without touching package.json or the lockfile:
# the tests import "halo-device" exactly as an app would.
npm install --no-save --no-audit --no-fund ./build/halo-device-[0-9]*.tgz

step "TypeScript: the facade (strict) and a strict consumer of the public types"
# The typescript package's own tsc: typescript7 (the packaging matrix's
# TypeScript 7) has a `tsc` bin too, and npm links only one of them.
tsc=node_modules/typescript/bin/tsc
node "$tsc" --noEmit -p build/stage/tsconfig.json
node "$tsc" -p js-tests/types/tsconfig.json

step "simulator, and the packed package in Node and Chromium (node --test)"
node --test simulator/test/ js-tests/
