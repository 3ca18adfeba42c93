// fill: removes what a mask covers by propagating the real background from neighbouring frames
// (aligned by a global motion model), synthesising only what no neighbour saw.
#include <cmath>

#include "graph/registry.h"
#include "inpaint/hole_plate.h"
#include "inpaint/temporal_fill.h"
#include "ops/mask_fit.h"

namespace fl::ops {
namespace {

constexpr int kWindow = 6;  // frames each side: memory is bounded by this, not the clip length
constexpr int kPlateSamples = 25;

// The shot-level plate for what no neighbour within the window saw (inpaint/hole_plate.h);
// none when every hole is uncovered in time, when a `plate` input is given, or in a preview.
struct FillState final : graph::OpState {
  std::optional<inpaint::HolePlate> plate;
};

class FillOp final : public graph::Op {
 public:
  FillOp(inpaint::FillOptions options, bool hold) : options_(options), hold_(hold) {}

  Result<graph::FrameGeometry> output_geometry(
      std::span<const graph::FrameGeometry> in) const override {
    const auto& clip = in[0];
    const auto& mask = in[1];
    FL_RETURN_IF_ERROR(check_mask_fits(clip, mask));
    if (in.size() > 2 && in[2].width > 0 &&
        (in[2].width != clip.width || in[2].height != clip.height))
      return invalid_argument("the plate is " + size_text(in[2]) + ", the clip " + size_text(clip) +
                                  ": a plate must be the clip's size (a clean_plate of it)",
                              "plate");
    if (mask.frame_count != 1 && mask.frame_count < clip.frame_count)
      return invalid_argument("the mask clip has " + std::to_string(mask.frame_count) +
                                  " frames, the clip " + std::to_string(clip.frame_count) +
                                  " (a still mask applies to every frame)",
                              "mask");
    return clip;
  }

  std::vector<std::string> warnings(std::span<const graph::FrameGeometry> in) const override {
    return mask_fit_warnings(in[0], in[1]);
  }

  Rect input_region(int input, const Rect&, const graph::RenderCtx& ctx) const override {
    return ctx.input[size_t(input)].bounds_at(ctx.scale);  // motion is measured on whole frames
  }

  bool has_analysis() const override { return true; }
  std::string analysis_key() const override {
    return std::string(hold_ ? "hold" : "per-frame") + "|" + std::to_string(kWindow) + "|" +
           std::to_string(kPlateSamples);
  }

  Result<std::shared_ptr<const graph::OpState>> analyse(graph::AnalysisCtx& ctx) const override {
    auto state = std::make_shared<FillState>();
    const graph::FrameGeometry& clip = ctx.input(0);
    const graph::FrameGeometry& mask = ctx.input(1);
    if (!hold_ || ctx.input(2).width > 0 || clip.frame_count < 2)
      return std::shared_ptr<const graph::OpState>(std::move(state));
    auto read_mask = [&ctx](int64_t f, double scale) { return ctx.read(1, f, scale); };
    auto read_frame = [&ctx](int64_t f, double scale) { return ctx.read(0, f, scale); };
    FL_ASSIGN_OR_RETURN(const Rect box,
                        inpaint::lasting_hole_box(clip.frame_count, mask.frame_count, read_mask,
                                                  kWindow, clip.width, clip.height));
    if (box.empty()) return std::shared_ptr<const graph::OpState>(std::move(state));
    inpaint::HolePlateOptions options;
    options.window = kWindow;
    options.samples = kPlateSamples;
    options.progress = [&ctx](int64_t done, int64_t total) { return ctx.progress(done, total); };
    FL_ASSIGN_OR_RETURN(state->plate,
                        inpaint::build_hole_plate(clip.frame_count, mask.frame_count, read_frame,
                                                  read_mask, box, options));
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }

  // The plate survives restarts in the analysis store; bump the version when its bytes change.
  int state_version() const override { return 1; }
  Result<std::string> save_state(const graph::OpState& state) const override {
    const auto& s = static_cast<const FillState&>(state);
    serial::Writer w;
    w.boolean(s.plate.has_value());
    if (s.plate) inpaint::save_hole_plate(w, *s.plate);
    return w.take();
  }
  Result<std::shared_ptr<const graph::OpState>> load_state(std::string_view bytes) const override {
    serial::Reader r(bytes);
    auto state = std::make_shared<FillState>();
    FL_ASSIGN_OR_RETURN(bool has_plate, r.boolean());
    if (has_plate) {
      FL_ASSIGN_OR_RETURN(state->plate, inpaint::load_hole_plate(r));
    }
    if (!r.at_end()) return corrupt_data("fill state: bytes after the plate");
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }
  size_t state_bytes(const graph::OpState& state) const override {
    const auto& s = static_cast<const FillState&>(state);
    return s.plate ? inpaint::hole_plate_bytes(*s.plate) : 64;
  }

  // A live session's first look does not wait for the plate: it synthesises per frame.
  bool has_preview_analysis() const override { return true; }
  Result<std::shared_ptr<const graph::OpState>> preview_analyse(graph::AnalysisCtx&,
                                                                int64_t) const override {
    return std::shared_ptr<const graph::OpState>(std::make_shared<FillState>());
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    std::vector<inpaint::MaskedFrame> neighbours;
    for (int dt = -kWindow; dt <= kWindow; ++dt) {
      const int64_t f = ctx.frame + dt;
      if (dt == 0 || f < 0 || f >= ctx.input[0].frame_count) continue;  // not clamped copies
      neighbours.push_back({in.get(0, dt), in.get(1, dt), dt});
    }
    const Image* frame = in.get(0);
    inpaint::FillOptions options = options_;
    options.plate = in.get(2);  // nullptr without one
    const auto* state = dynamic_cast<const FillState*>(ctx.state);
    if (!options.plate && state && state->plate)
      options.make_plate = [&] {
        return inpaint::plate_view(*state->plate, ctx.scale, *frame, in.get(1));
      };
    options.cancelled = [&ctx] { return ctx.cancelled(); };
    options.grain_seed = uint64_t(ctx.frame);
    FL_ASSIGN_OR_RETURN(Image patch,
                        inpaint::fill_hole({frame, in.get(1), 0}, neighbours, options));
    for (int y = tile.y; y < tile.bottom(); ++y)
      std::copy_n(frame->at(tile.x, y), size_t(tile.w) * 4, out.at(tile.x, y));
    const Rect r = patch.empty() ? Rect{} : patch.bounds().intersect(tile);
    for (int y = r.y; y < r.bottom(); ++y)
      std::copy_n(patch.at(r.x, y), size_t(r.w) * 4, out.at(r.x, y));
    return ok_status();
  }

 private:
  inpaint::FillOptions options_;
  bool hold_;
};

}  // namespace

void register_fill(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("fill", 1)
          .doc(
              "Removes what the mask covers (white = remove): the background comes from the "
              "neighbouring frames that saw it, aligned by a global motion model (a "
              "locked-off camera is copied exactly), corrected for exposure drift; what no "
              "frame within 6 either side saw comes from the `plate` input when given (a "
              "clean_plate node), else from a plate the fill makes once for the shot "
              "(`hold`), else is synthesised from patches of the frame. The mask is a "
              "clip, a still for "
              "every frame, or a `mask` node; another size of the same aspect is resampled.")
          .category("fill")
          .input("in", "The footage")
          .input("mask", "Where to remove (luma; soft edges blend)")
          .input("plate",
                 "Optional: the background for what no neighbour saw (a clean_plate node of "
                 "the clip), so that it holds still instead of being synthesised per frame",
                 true)
          .param_int("samples", 3, 1, 12,
                     "Neighbouring frames averaged per pixel (more: less grain noise)")
          .param_bool("hold", true,
                      "What no frame within 6 either side saw is made once for the shot (a "
                      "plate of the holes' surroundings from frames across it, the holes "
                      "masked out) and held in every frame's view, so it does not flicker; "
                      "false: synthesised per frame, with no analysis pass")
          .window(kWindow, kWindow)
          .not_tileable()
          .alters_likeness(graph::LikenessReach::kInsideMask, "mask", {"plate"})
          .build();
  const auto samples = schema.param<int64_t>("samples");
  const auto hold = schema.param<bool>("hold");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          inpaint::FillOptions o;
          o.max_samples = int(p[samples]);
          return graph::make_op<FillOp>(o, p[hold]);
        });
}

}  // namespace fl::ops
