// The operator interface: what an op computes. Where, when and on how many threads is the
// renderer's business (DESIGN.md §1, "algorithm vs schedule").
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "colour/rgb48_map.h"
#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/media.h"
#include "graph/schema.h"

namespace fl::graph {

class CancelToken {
 public:
  void cancel() { flag_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

// Full-resolution geometry of a node's output.
struct FrameGeometry {
  int width = 0;
  int height = 0;
  Rational frame_rate{24, 1};
  int64_t frame_count = 0;
  // The pixel bounds at a preview scale (1, 1/2, 1/4, 1/8): each level halves, rounding up.
  Rect bounds_at(double scale) const;
};
int scaled_extent(int full, double scale);

struct RenderCtx {
  int64_t frame = 0;   // output frame number of the node
  double scale = 1.0;  // 1, 1/2, 1/4 or 1/8 of full resolution
  int quality = 2;     // 0 draft, 1 preview, 2 final
  const CancelToken* cancel = nullptr;
  FrameGeometry output;                  // this node's geometry
  std::span<const FrameGeometry> input;  // one per declared input (width 0 when absent)
  bool cancelled() const { return cancel && cancel->cancelled(); }
};

// The images an op reads: per declared input, the frames of its temporal window, each in frame
// coordinates at ctx.scale and covering at least what input_region() asked for.
class Inputs {
 public:
  Inputs(TemporalWindow window, size_t count) : window_(window), frames_(count) {}
  // offset in [-window.before, window.after]; nullptr when an optional input is absent.
  const Image* get(int input, int offset = 0) const {
    const auto& f = frames_.at(size_t(input));
    if (f.empty()) return nullptr;
    return f.at(size_t(offset + window_.before)).get();
  }
  void set(int input, std::vector<std::shared_ptr<const Image>> frames) {
    frames_.at(size_t(input)) = std::move(frames);
  }
  const TemporalWindow& window() const { return window_; }

 private:
  TemporalWindow window_;
  std::vector<std::vector<std::shared_ptr<const Image>>> frames_;
};

// out = M * rgb + t, for fusing runs of linear colour ops into one matrix.
struct Affine {
  std::array<float, 12> m{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};  // rows: r, g, b; last column t
  static Affine identity() { return {}; }
  Affine then(const Affine& next) const;  // apply *this, then next
  bool is_identity(float eps = 0) const;
  void apply(float* rgba, size_t pixels) const;
};

class Op {
 public:
  virtual ~Op() = default;
  virtual Result<FrameGeometry> output_geometry(std::span<const FrameGeometry> inputs) const {
    return inputs[0];
  }
  // The region of `input` (pixels at ctx.scale) needed to render `out`.
  virtual Rect input_region(int input, const Rect& out, const RenderCtx& ctx) const { return out; }
  // Fills `tile` of `out` (out's bounds cover the whole requested region; tiles of one call may
  // run concurrently, each writing only its own pixels). Pure: no globals, no threads.
  // The default serves pointwise ops: copy input 0 and apply_pointwise().
  virtual Status render(const RenderCtx& ctx, const Inputs& in, Image& out, const Rect& tile) const;
  // Pointwise ops transform interleaved RGBA in place; the fused path calls this per strip.
  virtual void apply_pointwise(float* rgba, size_t pixels) const {}
  // Linear colour ops describe themselves as a matrix so runs of them fold into one.
  virtual std::optional<Affine> affine() const { return std::nullopt; }
  virtual bool is_identity() const { return false; }
  // A pointwise op that is exactly a map of 16-bit code values encoded with `transfer` says so:
  // the renderer then carries such frames from decoder to encoder as 16-bit RGB, with no float
  // frame in between (format negotiation, libavfilter's idea). nullopt: the float path.
  virtual std::optional<colour::Rgb48Map> rgb48_map(colour::Transfer /*transfer*/) const {
    return std::nullopt;
  }
};

// Where an op is being prepared: relative paths resolve against the graph file's folder.
struct PrepareCtx {
  std::string base_dir;
  std::string resolve(const std::string& path) const;
};

template <class T, class... Args>
Result<std::shared_ptr<const Op>> make_op(Args&&... args) {
  return std::shared_ptr<const Op>(std::make_shared<T>(std::forward<Args>(args)...));
}

using OpFactory =
    std::function<Result<std::shared_ptr<const Op>>(const Params&, const PrepareCtx&)>;

// Runs a chain of pointwise ops as one pass over cache-sized strips (loop fusion).
class FusedPointwiseOp final : public Op {
 public:
  explicit FusedPointwiseOp(std::vector<std::shared_ptr<const Op>> chain);
  void apply_pointwise(float* rgba, size_t pixels) const override;
  std::optional<colour::Rgb48Map> rgb48_map(colour::Transfer transfer) const override;
  const std::vector<std::shared_ptr<const Op>>& chain() const { return chain_; }

 private:
  std::vector<std::shared_ptr<const Op>> chain_;
};

class AffineOp final : public Op {
 public:
  explicit AffineOp(Affine a) : a_(a) {}
  void apply_pointwise(float* rgba, size_t pixels) const override { a_.apply(rgba, pixels); }
  std::optional<Affine> affine() const override { return a_; }
  bool is_identity() const override { return a_.is_identity(); }
  // Per-channel gains and offsets only: a matrix that mixes channels is not a per-channel curve.
  std::optional<colour::Rgb48Map> rgb48_map(colour::Transfer transfer) const override;

 private:
  Affine a_;
};

}  // namespace fl::graph
