#include "graph/op.h"

#include <cmath>
#include <cstring>
#include <filesystem>

namespace fl::graph {

double level_at_least(int width, int min_width) {
  double s = 1.0;
  while (s > 0.125 && width * s / 2 >= min_width) s /= 2;
  return s;
}

int scaled_extent(int full, double scale) {
  if (scale >= 1.0) return full;
  int v = full;
  // Halve with rounding up, once per pyramid level, so every level agrees on its size.
  for (double s = 1.0; s > scale * 1.5; s *= 0.5) v = (v + 1) / 2;
  return std::max(v, 1);
}

Rect FrameGeometry::bounds_at(double scale) const {
  return {0, 0, scaled_extent(width, scale), scaled_extent(height, scale)};
}

Affine Affine::then(const Affine& n) const {
  Affine r;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      r.m[4 * i + j] =
          n.m[4 * i + 0] * m[0 + j] + n.m[4 * i + 1] * m[4 + j] + n.m[4 * i + 2] * m[8 + j];
    }
    r.m[4 * i + 3] =
        n.m[4 * i + 0] * m[3] + n.m[4 * i + 1] * m[7] + n.m[4 * i + 2] * m[11] + n.m[4 * i + 3];
  }
  return r;
}

bool Affine::is_identity(float eps) const {
  static const Affine kId;
  for (int i = 0; i < 12; ++i)
    if (std::fabs(m[i] - kId.m[i]) > eps) return false;
  return true;
}

void Affine::apply(float* p, size_t pixels) const {
  const float m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6],
              m7 = m[7], m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11];
  for (size_t i = 0; i < pixels; ++i, p += 4) {
    float r = p[0], g = p[1], b = p[2];
    p[0] = m0 * r + m1 * g + m2 * b + m3;
    p[1] = m4 * r + m5 * g + m6 * b + m7;
    p[2] = m8 * r + m9 * g + m10 * b + m11;
  }
}

Status Op::render(const RenderCtx& ctx, const Inputs& in, Image& out, const Rect& tile) const {
  const Image* src = in.get(0);
  if (!src) return internal_error("pointwise op rendered without an input");
  if (!src->bounds().contains(tile)) return internal_error("input does not cover the tile");
  for (int y = tile.y; y < tile.bottom(); ++y) {
    float* dst = out.at(tile.x, y);
    std::memcpy(dst, src->at(tile.x, y), size_t(tile.w) * 4 * sizeof(float));
    apply_pointwise(dst, size_t(tile.w));
  }
  return ok_status();
}

ContentKey identify_file(const std::string& path, std::vector<FileRead>* reads) {
  std::error_code ec;
  if (!path.empty() && std::filesystem::is_regular_file(path, ec)) {
    auto id = ContentIds::shared().identify(path);
    if (id.ok()) {
      if (reads) {
        bool seen = false;
        for (const auto& r : *reads) seen = seen || r.path == path;
        if (!seen) reads->push_back({path, *id});
      }
      return id->key;
    }
  }
  return hash_file_identity(path);
}

Result<std::string> PrepareCtx::resolve(const std::string& path) const {
  std::string p = path;
  if (!p.empty() && !base_dir.empty() && !std::filesystem::path(p).is_absolute())
    p = (std::filesystem::path(base_dir) / p).lexically_normal().string();
  if (guard && !p.empty()) {
    FL_ASSIGN_OR_RETURN(p, guard(p));
  }
  // A file that is not there is the op's to report, with its own words.
  if (reads && !p.empty()) identify_file(p, reads);
  return p;
}

FusedPointwiseOp::FusedPointwiseOp(std::vector<std::shared_ptr<const Op>> chain)
    : chain_(std::move(chain)) {}

void FusedPointwiseOp::apply_pointwise(float* rgba, size_t pixels) const {
  // Strips of 512 pixels (8 KB) stay in L1 while every op of the chain runs over them.
  constexpr size_t kStrip = 512;
  for (size_t start = 0; start < pixels; start += kStrip) {
    size_t n = std::min(kStrip, pixels - start);
    for (const auto& op : chain_) op->apply_pointwise(rgba + start * 4, n);
  }
}

}  // namespace fl::graph

namespace fl::graph {

std::optional<colour::Rgb48Map> FusedPointwiseOp::rgb48_map(colour::Transfer transfer) const {
  colour::Rgb48Map map;
  for (const auto& op : chain_) {
    auto next = op->rgb48_map(transfer);
    if (!next) return std::nullopt;
    auto composed = map.then(*next);
    if (!composed) return std::nullopt;
    map = std::move(*composed);
  }
  return map;
}

std::optional<colour::Rgb48Map> AffineOp::rgb48_map(colour::Transfer transfer) const {
  const auto& m = a_.m;
  if (m[1] != 0 || m[2] != 0 || m[4] != 0 || m[6] != 0 || m[8] != 0 || m[9] != 0)
    return std::nullopt;
  const float gain[3] = {m[0], m[5], m[10]};
  const float offset[3] = {m[3], m[7], m[11]};
  return colour::Rgb48Map(colour::linear_gain_curves(transfer, gain, offset), {});
}

}  // namespace fl::graph
