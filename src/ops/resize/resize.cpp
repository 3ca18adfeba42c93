// resize: change the frame size with a quality filter (Lanczos-3 by default).
#include "graph/registry.h"
#include "ops/resize/resample.h"

namespace fl::ops {
namespace {

class ResizeOp final : public graph::Op {
 public:
  ResizeOp(int w, int h, Filter f) : w_(w), h_(h), filter_(f) {}

  Result<graph::FrameGeometry> output_geometry(
      std::span<const graph::FrameGeometry> in) const override {
    graph::FrameGeometry g = in[0];
    if (w_ == 0 && h_ == 0) return invalid_argument("give width, height or both", "params.width");
    g.width = w_ ? w_ : std::max(1, int(std::lround(double(h_) * in[0].width / in[0].height)));
    g.height = h_ ? h_ : std::max(1, int(std::lround(double(w_) * in[0].height / in[0].width)));
    return g;
  }
  // At any preview scale the ratio is that of the scaled extents, so each level samples the
  // same picture.
  std::pair<AxisMap, AxisMap> maps(const graph::RenderCtx& ctx) const {
    Rect ib = ctx.input[0].bounds_at(ctx.scale), ob = ctx.output.bounds_at(ctx.scale);
    return {AxisMap{double(ib.w) / ob.w, 0}, AxisMap{double(ib.h) / ob.h, 0}};
  }
  Rect input_region(int, const Rect& out, const graph::RenderCtx& ctx) const override {
    auto [mx, my] = maps(ctx);
    return resample_region(out, mx, my, filter_, ctx.input[0].bounds_at(ctx.scale));
  }
  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    auto [mx, my] = maps(ctx);
    resample(*in.get(0), out, tile, mx, my, filter_, ctx.input[0].bounds_at(ctx.scale));
    return ok_status();
  }

 private:
  int w_, h_;
  Filter filter_;
};

}  // namespace

void register_resize(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("resize", 1)
          .doc(
              "Resamples the frame to a new size. With only width or height, keeps the aspect "
              "ratio.")
          .category("geometry")
          .input("in")
          .param_int("width", 0, 0, 32768, "Output width in pixels (0: from height and aspect).")
          .param_int("height", 0, 0, 32768, "Output height in pixels (0: from width and aspect).")
          .param_enum("filter", "lanczos3", {"lanczos3", "bicubic", "bilinear", "box"},
                      "Resampling filter; widened when shrinking so nothing aliases.")
          .build();
  const auto filter = schema.param<std::string>("filter");
  const auto width = schema.param<int64_t>("width");
  const auto height = schema.param<int64_t>("height");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          FL_ASSIGN_OR_RETURN(Filter f, parse_filter(p[filter]));
          return graph::make_op<ResizeOp>(int(p[width]), int(p[height]), f);
        });
}

}  // namespace fl::ops
