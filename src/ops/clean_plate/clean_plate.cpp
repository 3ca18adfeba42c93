// clean_plate: the empty background of a shot. An analysis aligns frames from across the shot
// to a reference frame and keeps, per pixel, the middle of what they saw (inpaint/
// background_plate.h); the plate is then shown in each frame's view (the camera's motion
// measured per frame), or once as a still.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "graph/registry.h"
#include "inpaint/alignment.h"
#include "inpaint/background_plate.h"
#include "inpaint/hole_plate.h"
#include "ops/mask_fit.h"

namespace fl::ops {
namespace {

constexpr double kSampleBudget = 1.5e9;  // bytes of samples an analysis may hold

struct PlateState final : graph::OpState {
  inpaint::HolePlate plate;  // the whole frame's plate, at every pyramid level
};

class CleanPlateOp final : public graph::Op {
 public:
  struct Config {
    int64_t reference = -1;  // -1: the middle frame
    int samples = 25;
    bool still = false;
  };
  explicit CleanPlateOp(Config c) : c_(c) {}

  Result<graph::FrameGeometry> output_geometry(
      std::span<const graph::FrameGeometry> in) const override {
    graph::FrameGeometry g = in[0];
    if (in.size() > 1) FL_RETURN_IF_ERROR(check_mask_fits(g, in[1]));
    if (c_.reference >= g.frame_count)
      return invalid_argument("reference frame " + std::to_string(c_.reference) +
                                  " is past the clip's end (it has " +
                                  std::to_string(g.frame_count) + " frames)",
                              "frame");
    if (c_.still) g.frame_count = 1;
    return g;
  }

  std::vector<std::string> warnings(std::span<const graph::FrameGeometry> in) const override {
    return in.size() > 1 ? mask_fit_warnings(in[0], in[1]) : std::vector<std::string>{};
  }

  Rect input_region(int input, const Rect&, const graph::RenderCtx& ctx) const override {
    if (input != 0 || c_.still) return Rect{};  // the plate is all a still needs
    return ctx.input[0].bounds_at(ctx.scale);   // motion is measured on whole frames
  }

  bool has_analysis() const override { return true; }
  std::string analysis_key() const override {
    return std::to_string(c_.reference) + "|" + std::to_string(c_.samples);
  }

  // The plate survives restarts in the analysis store; bump the version when its bytes change.
  int state_version() const override { return 1; }
  Result<std::string> save_state(const graph::OpState& state) const override {
    serial::Writer w;
    inpaint::save_hole_plate(w, static_cast<const PlateState&>(state).plate);
    return w.take();
  }
  Result<std::shared_ptr<const graph::OpState>> load_state(std::string_view bytes) const override {
    serial::Reader r(bytes);
    auto state = std::make_shared<PlateState>();
    FL_ASSIGN_OR_RETURN(state->plate, inpaint::load_hole_plate(r));
    if (!r.at_end()) return corrupt_data("clean_plate state: bytes after the plate");
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }
  size_t state_bytes(const graph::OpState& state) const override {
    return inpaint::hole_plate_bytes(static_cast<const PlateState&>(state).plate);
  }

  Result<std::shared_ptr<const graph::OpState>> analyse(graph::AnalysisCtx& ctx) const override {
    const graph::FrameGeometry& in = ctx.input(0);
    if (in.frame_count <= 0) return invalid_argument("clean_plate: the input has no frames");
    const graph::FrameGeometry& mask = ctx.input(1);
    const bool masked = mask.width > 0;
    const int64_t n = in.frame_count;
    const int64_t reference = c_.reference < 0 ? n / 2 : c_.reference;
    // Samples spread evenly over the shot, the reference first.
    const std::vector<int64_t> frames =
        inpaint::plate_sample_frames(n, reference, c_.samples, in.width, in.height, kSampleBudget);
    auto read_mask = [&](int64_t f) -> Result<Image> {
      return ctx.read(1, mask.frame_count == 1 ? 0 : f, 1.0);
    };
    FL_ASSIGN_OR_RETURN(Image ref, ctx.read(0, reference, 1.0));
    Image ref_mask;
    if (masked) {
      FL_ASSIGN_OR_RETURN(ref_mask, read_mask(reference));
    }
    inpaint::PlateOptions options;
    options.cancelled = [&ctx, &frames] {
      return !ctx.progress(int64_t(frames.size()), int64_t(frames.size()) + 1);
    };
    inpaint::PlateBuilder builder(ref, masked ? &ref_mask : nullptr, int(frames.size()), options);
    for (size_t i = 0; i < frames.size(); ++i) {
      if (!ctx.progress(int64_t(i), int64_t(frames.size()) + 1))
        return cancelled("clean plate cancelled");
      if (i == 0) {
        builder.add(ref, masked ? &ref_mask : nullptr);
        continue;
      }
      FL_ASSIGN_OR_RETURN(Image img, ctx.read(0, frames[i], 1.0));
      Image m;
      if (masked) {
        FL_ASSIGN_OR_RETURN(m, read_mask(frames[i]));
      }
      builder.add(img, masked ? &m : nullptr);
    }
    auto state = std::make_shared<PlateState>();
    inpaint::HolePlate& hp = state->plate;
    hp.reference = reference;
    hp.width = in.width;
    hp.height = in.height;
    FL_ASSIGN_OR_RETURN(Image plate, builder.finish(&hp.report));
    const inpaint::AnalysisGrid grid = inpaint::analysis_grid(in.width, in.height);
    hp.grey = inpaint::analysis_grey(plate, grid.size);
    hp.trusted = cv::Mat1b(grid.size, uchar(255));  // the plate has no holes
    hp.levels = inpaint::plate_levels(plate, in.width, in.height);
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const auto* state = dynamic_cast<const PlateState*>(ctx.state);
    if (!state) return internal_error("clean_plate: rendered without its analysis");
    const Image& plate = state->plate.level(ctx.scale);
    auto copy_plate = [&](const Image& from) {
      for (int y = tile.y; y < tile.bottom(); ++y)
        std::copy_n(from.at(tile.x, y), size_t(tile.w) * 4, out.at(tile.x, y));
      return ok_status();
    };
    const Image* frame = c_.still ? nullptr : in.get(0);
    if (!frame || frame->width() != plate.width() || frame->height() != plate.height())
      return copy_plate(plate);
    // This frame's view of the plate (the camera's motion from the reference, measured on the
    // full-size grid at every scale, so a preview moves as the final does); outside what the
    // reference saw, the frame itself (there is no plate there).
    const Image view = inpaint::plate_view(state->plate, ctx.scale, *frame, nullptr);
    if (view.bounds() == frame->bounds() && view.data() == plate.data()) return copy_plate(plate);
    FL_RETURN_IF_ERROR(copy_plate(*frame));
    const Rect r = view.bounds().intersect(tile);
    for (int y = r.y; y < r.bottom(); ++y) {
      const float* p = view.at(r.x, y);
      float* d = out.at(r.x, y);
      for (int x = 0; x < r.w; ++x) {
        const float k = p[4 * x + 3];
        for (int c = 0; c < 3; ++c) d[4 * x + c] += (p[4 * x + c] - d[4 * x + c]) * k;
      }
    }
    return ok_status();
  }

 private:
  Config c_;
};

}  // namespace

void register_clean_plate(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("clean_plate", 1)
          .doc(
              "The empty background of the shot: frames from across it are aligned to a "
              "reference frame (global motion) and each pixel keeps the middle of what they "
              "saw, so whatever moves through the shot is gone. Pixels masked (or covered) in "
              "nearly every frame are synthesised from the rest of the plate. The output is "
              "the plate in each frame's view, or one still (`still=true`).")
          .category("fill")
          .input("in", "The footage")
          .input("mask", "Optional: what to keep out of the plate where it is known (luma)", true)
          .param_int("frame", -1, -1, 100000000,
                     "Reference frame whose view the plate takes (-1: the middle one)")
          .param_int("samples", 25, 3, 64,
                     "Frames sampled across the shot (fewer at 4K when memory would run out)")
          .param_bool("still", false, "Output one frame, the plate, instead of a clip")
          .not_tileable()
          .alters_likeness(graph::LikenessReach::kWholeFrame)
          .build();
  const auto frame = schema.param<int64_t>("frame");
  const auto samples = schema.param<int64_t>("samples");
  const auto still = schema.param<bool>("still");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          CleanPlateOp::Config c;
          c.reference = p[frame];
          c.samples = int(p[samples]);
          c.still = p[still];
          return graph::make_op<CleanPlateOp>(c);
        });
}

}  // namespace fl::ops
