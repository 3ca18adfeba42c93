// What the benchmarks share: timing, compiling a graph against the renderer's prober, and the
// display-referred 8-bit view and PSNR every peer comparison is scored in.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "colour/transfer.h"
#include "ops/register.h"
#include "render/renderer.h"

namespace fl::bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

inline int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

inline Result<std::shared_ptr<const graph::Plan>> compile(const std::string& text,
                                                          render::Renderer& renderer) {
  FL_ASSIGN_OR_RETURN(auto g, graph::parse_graph(text, "bench"));
  graph::CompileOptions o;
  o.probe = renderer.prober();
  return graph::compile(g, ops::builtin_registry(), o);
}

inline float encode709(float v) {
  static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  return std::clamp(curve.to_encoded(std::clamp(v, 0.0f, 1.0f)), 0.0f, 1.0f);
}

// A linear frame as the 8-bit BGR picture a viewer sees (Rec.709 encoded).
inline cv::Mat3b to_bgr8(const Image& img) {
  cv::Mat3b out(img.height(), img.width());
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const float* p = img.at(img.bounds().x + x, img.bounds().y + y);
      out(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(encode709(p[2]) * 255.0f + 0.5f),
                            cv::saturate_cast<uchar>(encode709(p[1]) * 255.0f + 0.5f),
                            cv::saturate_cast<uchar>(encode709(p[0]) * 255.0f + 0.5f));
    }
  return out;
}

// PSNR of 8-bit pictures over the pixels `mask` sets.
inline double psnr_in(const cv::Mat3b& a, const cv::Mat3b& b, const cv::Mat1b& mask) {
  double se = 0;
  int64_t n = 0;
  for (int y = 0; y < a.rows; ++y)
    for (int x = 0; x < a.cols; ++x) {
      if (!mask(y, x)) continue;
      for (int c = 0; c < 3; ++c) {
        const double d = double(a(y, x)[c]) - double(b(y, x)[c]);
        se += d * d;
      }
      n += 3;
    }
  return se == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 * double(n) / se);
}

// Peak resident memory of this process so far, in MiB (Linux).
inline double peak_rss_mib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kb = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
  std::fclose(f);
  return kb / 1024.0;
}

}  // namespace fl::bench
