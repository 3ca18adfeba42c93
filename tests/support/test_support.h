// Shared helpers for framelock's tests: fixtures, temp dirs, image comparisons.
#pragma once

#include <filesystem>
#include <string>

#include "framelock/image.h"

namespace fl::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Real footage from Debian's opencv-doc package (Megamind.avi, vtest.avi, baboon.jpg...).
std::string opencv_data(const std::string& name);
std::string test_data(const std::string& name);
// A file of the checkout (docs/operators.md), and the built command line.
std::string repo_path(const std::string& rel);
std::string framelock_bin();

// Runs a shell command; returns its exit status. Output goes to the test log.
int run(const std::string& command);
// Runs `ffmpeg -y -hide_banner -loglevel error <args>`; used to make synthetic fixtures.
int ffmpeg(const std::string& args);

// The C2PA reference implementation's verdict on a file (tests/c2pa/verify.mjs: c2pa-rs as
// WebAssembly, offline), as the JSON it prints: state, failure/success codes, the active manifest.
// Empty when Node or the package is missing (scripts/setup.sh installs both): callers skip.
// `sidecar`: the manifest is that file, checked against `file` by @contentauth/toolkit.
std::string c2pa_reference_verdict(const std::string& file, const std::string& mime,
                                   const std::string& trust_anchors_pem = {},
                                   const std::string& sidecar = {});

// Peak signal-to-noise ratio over RGB in dB, for images in [0,1] (values are clamped).
// Infinity when identical. Images must have the same bounds.
double psnr(const Image& a, const Image& b);
// Largest absolute difference over RGBA.
double max_abs_diff(const Image& a, const Image& b);
// A smooth test pattern with ramps, colour and a hard edge; deterministic.
Image make_pattern(int width, int height, int seed = 0);

}  // namespace fl::test
