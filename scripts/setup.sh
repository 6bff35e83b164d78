#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, from the package
# registries only. Each step checks what is already there and skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
BINARYEN_VERSION=132.0.0
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== setup: %s\n' "$*"; }

step "rust target wasm32-unknown-unknown"
rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  # Not --locked: the registry lacks a crate version that the CLI's lockfile pins.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi

step "wasm-pack $WASM_PACK_VERSION"
if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
  cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked --force
fi

step "Debian packages: chromium and chromedriver (browser tests), redis-server (the shared webhook replay store's test)"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# The test starts its own redis-server on a free port and stops it; the
# package's service is not used.
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

step "npm dependencies (from the lockfile; binaryen gives wasm-opt)"
if ! node -e "process.exit(require('./node_modules/binaryen/package.json').version === '$BINARYEN_VERSION' ? 0 : 1)" 2>/dev/null \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
echo "setup: done"
