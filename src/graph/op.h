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
#include <string_view>
#include <vector>

#include "colour/rgb48_map.h"
#include "colour/transfer.h"
#include "core/content_id.h"
#include "core/output_pipeline.h"
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
// The smallest preview level (1, 1/2, 1/4, 1/8) at which a frame `width` wide is still at least
// `min_width` wide: what an analysis reads when it needs no more pixels than that.
double level_at_least(int width, int min_width);

// What an op learned from a whole-clip analysis (a fitted grade per shot, a clean plate, tracks):
// immutable once made, shared by every frame's render, and what the op exports.
class OpState {
 public:
  virtual ~OpState() = default;
};

struct RenderCtx {
  int64_t frame = 0;   // output frame number of the node
  double scale = 1.0;  // 1, 1/2, 1/4 or 1/8 of full resolution
  int quality = 2;     // 0 draft, 1 preview, 2 final
  const CancelToken* cancel = nullptr;
  FrameGeometry output;                  // this node's geometry
  std::span<const FrameGeometry> input;  // one per declared input (width 0 when absent)
  const OpState* state = nullptr;        // from analyse(), for ops that have one
  bool cancelled() const { return cancel && cancel->cancelled(); }
};

// An analysis reads frames through the renderer (DESIGN.md §1, analysis passes): the renderer
// runs analyse() once per node content key, caches the state and hands it to every render.
class AnalysisCtx {
 public:
  virtual ~AnalysisCtx() = default;
  virtual const FrameGeometry& input(int index) const = 0;
  // Frame of input `index` at `scale` (1, 1/2, 1/4, 1/8), linear light in the working space.
  virtual Result<Image> read(int index, int64_t frame, double scale) = 0;
  // Frame `frame` of a still or clip the op names in its params (a reference), at `scale` of
  // its full size (1, 1/2, 1/4, 1/8), linear light converted into the working space.
  // `footage_code_values`: decode its code values with the transfer of the graph's footage
  // instead of the file's own (a still grabbed from a Rec.709 timeline as PNG holds the code
  // values a viewer saw, not sRGB).
  virtual Result<Image> read_media(const std::string& path, int64_t frame, bool footage_code_values,
                                   double scale = 1.0) = 0;
  // Progress of the analysis; false: it was cancelled.
  virtual bool progress(int64_t done, int64_t total) = 0;
  // What a network reads, when input `index` is a clip read as it is (a source node whose
  // decoder holds its frames): frame `frame` scaled to width x height by the decoder's own scaler,
  // as 8-bit BGR code values of the clip's transfer, into `out` (`stride` bytes a row), with no
  // float frame made. kUnsupported otherwise: read() it instead.
  virtual Status read_code_values(int index, int64_t frame, int width, int height, uint8_t* out,
                                  size_t stride) {
    return unsupported("analysis: input " + std::to_string(index) + " is not a clip read as it is");
  }
};

// Where an op writes what its analysis found (`--export DIR`): files named `<prefix>...`.
struct ExportCtx {
  std::string dir;
  std::string prefix;  // the node id
  Rational frame_rate{24, 1};
  std::string timecode;  // of frame 0, for EDLs
  std::string source_path;
  // What every exported file goes through, and what it was made from (the finishers name it).
  const OutputPipeline* pipeline = nullptr;  // nullptr: OutputPipeline::plain()
  std::vector<FileRead> inputs;
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
  // What the user should know about how the inputs were taken (a mask resampled to the
  // clip's size): compile() collects these into Plan::warnings, naming the node.
  virtual std::vector<std::string> warnings(std::span<const FrameGeometry> inputs) const {
    return {};
  }
  // The region of `input` (pixels at ctx.scale) needed to render `out`. Empty: only the input's
  // geometry matters; its pixels are not rendered and Inputs::get gives nullptr for it.
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
  // LikenessReach::kCharacter ops: the character they alter, as the graph names it (a name or
  // a cast id).
  virtual std::string likeness_subject() const { return {}; }
  // A pointwise op that is exactly a map of 16-bit code values encoded with `transfer` says so:
  // the renderer then carries such frames from decoder to encoder as 16-bit RGB, with no float
  // frame in between (format negotiation, libavfilter's idea). nullopt: the float path.
  virtual std::optional<colour::Rgb48Map> rgb48_map(colour::Transfer /*transfer*/) const {
    return std::nullopt;
  }
  // Ops that must see a whole clip before rendering a frame of it say so and analyse here.
  virtual bool has_analysis() const { return false; }
  // What the analysis depends on besides the inputs (a canonical text of those params): a
  // parameter the analysis ignores (a strength slider) then changes without re-analysing.
  virtual std::string analysis_key() const { return {}; }
  virtual Result<std::shared_ptr<const OpState>> analyse(AnalysisCtx& ctx) const {
    return unsupported("this operator has no analysis");
  }
  // A stand-in for the analysis made from the one frame being previewed, for a live session's
  // first look (a new reference picked): draft and preview renders use it until the analysis
  // has run, and nothing rendered with it is cached. Without one, previews wait for analyse().
  virtual bool has_preview_analysis() const { return false; }
  virtual Result<std::shared_ptr<const OpState>> preview_analyse(AnalysisCtx& ctx,
                                                                 int64_t frame) const {
    return unsupported("this operator has no preview analysis");
  }
  // Analysis state that outlives the process: the server's store under its data directory, a
  // farm node that loads what another computed. 0: the state is not persisted. Bump it when the
  // encoding changes; an entry of another version is computed again.
  virtual int state_version() const { return 0; }
  virtual Result<std::string> save_state(const OpState& state) const {
    return unsupported("this operator's analysis is not persisted");
  }
  // Bytes from save_state() of the same state_version(); corrupt_data when they do not parse.
  virtual Result<std::shared_ptr<const OpState>> load_state(std::string_view bytes) const {
    return unsupported("this operator's analysis is not persisted");
  }
  // What a state holds in memory, for the analysis budget (0: negligible).
  virtual size_t state_bytes(const OpState& state) const { return 0; }
  // Writes the analysis' findings as files a colourist or another tool can use; the paths
  // written are appended to `written`.
  virtual Status export_state(const OpState& state, const ExportCtx& ctx,
                              std::vector<std::string>& written) const {
    return ok_status();
  }
};

// Confines the files a graph may read (the server: inside its media roots). Gets the path as
// written (after base_dir), returns the path to open or why not (kPermissionDenied, kNotFound).
using PathGuard = std::function<Result<std::string>(const std::string& path)>;

using fl::FileRead;

// The content key of `path`: its bytes' identity when it is a readable regular file, else one
// of its stat (an image-sequence pattern, a file that does not exist yet). Recorded in `reads`.
ContentKey identify_file(const std::string& path, std::vector<FileRead>* reads = nullptr);

// Where an op is being prepared: relative paths resolve against the graph file's folder, and
// every file an op reads goes through resolve(), so a guard sees them all, and each file that
// exists is identified by its content into `reads` (the node's key folds them in).
struct PrepareCtx {
  std::string base_dir;
  PathGuard guard;                         // empty: any path (the CLI reads what its user can read)
  std::vector<FileRead>* reads = nullptr;  // compile() collects them per node
  Result<std::string> resolve(const std::string& path) const;
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
