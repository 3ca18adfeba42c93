// extend: widens the frame (4:3 to 16:9, any padding) with what neighbouring frames saw beyond
// its edges when the camera moves, synthesising the rest, with a soft seam (inpaint/extend.h).
#include <cmath>

#include "graph/registry.h"
#include "inpaint/extend.h"

namespace fl::ops {
namespace {

constexpr int kWindow = 8;  // frames each side that may have seen beyond the edge

class ExtendOp final : public graph::Op {
 public:
  ExtendOp(inpaint::Padding pad, double aspect, int feather)
      : pad_(pad), aspect_(aspect), feather_(feather) {}

  // The padding at full size for this clip (an aspect widens or heightens symmetrically).
  inpaint::Padding padding_for(int w, int h) const {
    if (aspect_ <= 0) return pad_;
    inpaint::Padding p;
    const double current = double(w) / h;
    if (aspect_ > current) {
      const int extra = int(std::lround(h * aspect_)) - w;
      p.left = extra / 2;
      p.right = extra - p.left;
    } else if (aspect_ < current) {
      const int extra = int(std::lround(w / aspect_)) - h;
      p.top = extra / 2;
      p.bottom = extra - p.top;
    }
    return p;
  }

  Result<graph::FrameGeometry> output_geometry(
      std::span<const graph::FrameGeometry> in) const override {
    graph::FrameGeometry g = in[0];
    const inpaint::Padding p = padding_for(g.width, g.height);
    const int64_t w = int64_t(g.width) + p.left + p.right, h = int64_t(g.height) + p.top + p.bottom;
    if (w > 4 * int64_t(g.width) || h > 4 * int64_t(g.height))
      return invalid_argument("the extension would make the frame " + std::to_string(w) + "x" +
                                  std::to_string(h) + " from " + std::to_string(g.width) + "x" +
                                  std::to_string(g.height) + ": at most 4 times each side",
                              aspect_ > 0 ? "aspect" : "left");
    g.width = int(w);
    g.height = int(h);
    return g;
  }

  Rect input_region(int, const Rect&, const graph::RenderCtx& ctx) const override {
    return ctx.input[0].bounds_at(ctx.scale);  // motion is measured on whole frames
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const Image* frame = in.get(0);
    const Rect full_out = ctx.output.bounds_at(ctx.scale);
    // The padding at this scale: the left/top edges scaled, the rest whatever makes the size.
    const inpaint::Padding p = padding_for(ctx.input[0].width, ctx.input[0].height);
    inpaint::Padding s;
    s.left = int(std::floor(p.left * ctx.scale));
    s.top = int(std::floor(p.top * ctx.scale));
    s.right = full_out.w - frame->width() - s.left;
    s.bottom = full_out.h - frame->height() - s.top;
    std::vector<inpaint::MaskedFrame> neighbours;
    for (int dt = -kWindow; dt <= kWindow; ++dt) {
      const int64_t f = ctx.frame + dt;
      if (dt == 0 || f < 0 || f >= ctx.input[0].frame_count) continue;
      neighbours.push_back({in.get(0, dt), nullptr, dt});
    }
    inpaint::ExtendOptions o;
    o.feather = std::max(1, int(std::lround(feather_ * ctx.scale)));
    o.fill.cancelled = [&ctx] { return ctx.cancelled(); };
    FL_ASSIGN_OR_RETURN(Image wide, inpaint::extend_frame(*frame, neighbours, s, o));
    for (int y = tile.y; y < tile.bottom(); ++y)
      std::copy_n(wide.at(tile.x, y), size_t(tile.w) * 4, out.at(tile.x, y));
    return ok_status();
  }

 private:
  inpaint::Padding pad_;
  double aspect_;
  int feather_;
};

}  // namespace

void register_extend(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("extend", 1)
          .doc(
              "Widens the frame: by `aspect` (e.g. 1.7778 turns 4:3 into 16:9, padding both "
              "sides equally) or by `left`/`right`/`top`/`bottom` pixels. What lies beyond "
              "the edge comes from the neighbouring frames (8 either side) that saw it when "
              "the camera moved, aligned by a global motion model and matched in exposure; "
              "the rest is synthesised from the frame's own patches. The extension blends in "
              "over `feather` pixels inside the old edge.")
          .category("fill")
          .input("in", "The footage")
          .param_float("aspect", 0.0, 0.0, 10.0,
                       "Target width/height (0: use the pixel paddings instead)")
          .param_int("left", 0, 0, 16384, "Pixels added on the left")
          .param_int("right", 0, 0, 16384, "Pixels added on the right")
          .param_int("top", 0, 0, 16384, "Pixels added at the top")
          .param_int("bottom", 0, 0, 16384, "Pixels added at the bottom")
          .param_int("feather", 8, 0, 256, "Width of the soft seam inside the old edge")
          .window(kWindow, kWindow)
          .not_tileable()
          .alters_likeness(graph::LikenessReach::kFrameEdge)
          .build();
  const auto left = schema.param<int64_t>("left");
  const auto right = schema.param<int64_t>("right");
  const auto top = schema.param<int64_t>("top");
  const auto bottom = schema.param<int64_t>("bottom");
  const auto aspect = schema.param<double>("aspect");
  const auto feather = schema.param<int64_t>("feather");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          inpaint::Padding pad{int(p[left]), int(p[right]), int(p[top]), int(p[bottom])};
          const double target_aspect = p[aspect];
          if (target_aspect > 0 && !pad.empty())
            return invalid_argument("give either `aspect` or pixel paddings, not both", "aspect");
          if (target_aspect == 0 && pad.empty())
            return invalid_argument("nothing to extend: give `aspect` or a padding", "aspect");
          return graph::make_op<ExtendOp>(pad, target_aspect, int(p[feather]));
        });
}

}  // namespace fl::ops
