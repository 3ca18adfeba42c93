#include "test_support.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>

namespace fl::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "framelock-test-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  path_ = made ? made : tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string opencv_data(const std::string& name) {
  return std::string(FL_OPENCV_DATA_DIR) + "/" + name;
}
std::string test_data(const std::string& name) {
  return std::string(FL_TEST_DATA_DIR) + "/" + name;
}
std::string repo_path(const std::string& rel) {
  return std::string(FL_TEST_DATA_DIR) + "/../../" + rel;
}
std::string framelock_bin() { return FL_FRAMELOCK_BIN; }

int run(const std::string& command) {
  int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string c2pa_reference_verdict(const std::string& file, const std::string& mime,
                                   const std::string& trust_anchors_pem,
                                   const std::string& sidecar) {
  const std::string script = repo_path("tests/c2pa/verify.mjs");
  if (run("command -v node >/dev/null") != 0 ||
      !std::filesystem::exists(repo_path("tests/c2pa/node_modules/@contentauth/c2pa-wasm")) ||
      !std::filesystem::exists(repo_path("tests/c2pa/node_modules/@contentauth/toolkit")))
    return {};
  std::string command = "node '" + script + "' '" + file + "' '" + mime + "'";
  if (!trust_anchors_pem.empty()) command += " '" + trust_anchors_pem + "'";
  if (!sidecar.empty()) command += " --sidecar '" + sidecar + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {};
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

int ffmpeg(const std::string& args) {
  return run("ffmpeg -nostdin -y -hide_banner -loglevel error " + args);
}

double psnr(const Image& a, const Image& b) {
  if (a.bounds() != b.bounds()) return -1;
  double se = 0;
  const float* pa = a.data();
  const float* pb = b.data();
  for (size_t i = 0; i < a.pixel_count(); ++i) {
    for (int c = 0; c < 3; ++c) {
      double d = std::clamp(pa[4 * i + c], 0.f, 1.f) - std::clamp(pb[4 * i + c], 0.f, 1.f);
      se += d * d;
    }
  }
  double mse = se / (3.0 * double(a.pixel_count()));
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(1.0 / mse);
}

double max_abs_diff(const Image& a, const Image& b) {
  if (a.bounds() != b.bounds()) return std::numeric_limits<double>::infinity();
  double m = 0;
  for (size_t i = 0; i < a.float_count(); ++i)
    m = std::max(m, double(std::fabs(a.data()[i] - b.data()[i])));
  return m;
}

Image make_pattern(int width, int height, int seed) {
  Image img(width, height);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.02f, 0.02f);
  for (int y = 0; y < height; ++y) {
    float* p = img.row(y);
    for (int x = 0; x < width; ++x, p += 4) {
      float u = (x + 0.5f) / width, v = (y + 0.5f) / height;
      p[0] = std::clamp(u + noise(rng), 0.f, 1.f);
      p[1] = std::clamp(v + noise(rng), 0.f, 1.f);
      p[2] = (x / 16 + y / 16 + seed) % 2 ? 0.8f : 0.15f;
      p[3] = 1.0f;
    }
  }
  return img;
}

}  // namespace fl::test
