#!/usr/bin/env bash
# The main job: install what is missing, build the package, start the Halo
# Cloud simulator and run the Node demo against it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
node scripts/build-package.mjs
npm install --no-save --no-audit --no-fund ./build/halo-device-[0-9]*.tgz
node scripts/demo.mjs
