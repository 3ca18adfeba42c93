#!/usr/bin/env bash
# Installs everything framelock needs on Debian 12, from Debian's own packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates clang clang-format
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  ffmpeg
  libopenimageio-dev openimageio-tools libopencolorio-dev opencolorio-tools
  libopencv-dev opencv-doc
  libtbb-dev libeigen3-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libssl-dev libpugixml-dev libgtest-dev libgmock-dev libbenchmark-dev
  libclang-rt-14-dev time
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
