// reformat: place the picture on a canvas of another size (letterbox, fill-crop, stretch).
#include <cmath>

#include "graph/registry.h"
#include "ops/resize/resample.h"

namespace fl::ops {
namespace {

class ReformatOp final : public graph::Op {
 public:
  ReformatOp(int w, int h, std::string fit, Filter f)
      : w_(w), h_(h), fit_(std::move(fit)), filter_(f) {}

  Result<graph::FrameGeometry> output_geometry(
      std::span<const graph::FrameGeometry> in) const override {
    graph::FrameGeometry g = in[0];
    g.width = w_, g.height = h_;
    return g;
  }

  struct Layout {
    AxisMap mx, my;
    Rect active;  // output pixels covered by the picture (at the render scale)
  };
  Layout layout(const graph::RenderCtx& ctx) const {
    const double iw = ctx.input[0].width, ih = ctx.input[0].height;
    double kx = w_ / iw, ky = h_ / ih;
    if (fit_ == "fit")
      kx = ky = std::min(kx, ky);
    else if (fit_ == "fill")
      kx = ky = std::max(kx, ky);
    else if (fit_ == "none")
      kx = ky = 1.0;
    const double s = ctx.scale;
    Rect ib = ctx.input[0].bounds_at(s), ob = ctx.output.bounds_at(s);
    // Output centre maps to input centre; ratios follow the scaled extents.
    double rx = (double(ib.w) / iw) / (kx * double(ob.w) / w_);
    double ry = (double(ib.h) / ih) / (ky * double(ob.h) / h_);
    AxisMap mx{rx, ib.w / 2.0 - ob.w / 2.0 * rx}, my{ry, ib.h / 2.0 - ob.h / 2.0 * ry};
    double aw = ib.w / rx, ah = ib.h / ry;
    int ax = int(std::lround(ob.w / 2.0 - aw / 2)), ay = int(std::lround(ob.h / 2.0 - ah / 2));
    Rect active = Rect{ax, ay, int(std::lround(aw)), int(std::lround(ah))}.intersect(ob);
    return {mx, my, active};
  }
  Rect input_region(int, const Rect& out, const graph::RenderCtx& ctx) const override {
    Layout l = layout(ctx);
    Rect a = out.intersect(l.active);
    if (a.empty()) a = {l.active.x, l.active.y, 1, 1};
    return resample_region(a, l.mx, l.my, filter_, ctx.input[0].bounds_at(ctx.scale));
  }
  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    Layout l = layout(ctx);
    for (int y = tile.y; y < tile.bottom(); ++y) {
      float* p = out.at(tile.x, y);
      for (int x = 0; x < tile.w; ++x, p += 4) p[0] = p[1] = p[2] = 0.0f, p[3] = 1.0f;
    }
    Rect a = tile.intersect(l.active);
    if (!a.empty())
      resample(*in.get(0), out, a, l.mx, l.my, filter_, ctx.input[0].bounds_at(ctx.scale));
    return ok_status();
  }

 private:
  int w_, h_;
  std::string fit_;
  Filter filter_;
};

}  // namespace

void register_reformat(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("reformat", 1)
          .doc(
              "Puts the picture on a canvas of a new size: `fit` letterboxes/pillarboxes in black, "
              "`fill` scales to cover and crops, `distort` stretches, `none` centres unscaled.")
          .category("geometry")
          .input("in")
          .param_int("width", std::nullopt, 1, 32768, "Canvas width in pixels.")
          .param_int("height", std::nullopt, 1, 32768, "Canvas height in pixels.")
          .param_enum("fit", "fit", {"fit", "fill", "distort", "none"},
                      "How the picture meets the canvas.")
          .param_enum("filter", "lanczos3", {"lanczos3", "bicubic", "bilinear", "box"},
                      "Resampling filter.")
          .build();
  const auto filter = schema.param<std::string>("filter");
  const auto width = schema.param<int64_t>("width");
  const auto height = schema.param<int64_t>("height");
  const auto fit = schema.param<std::string>("fit");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          FL_ASSIGN_OR_RETURN(Filter f, parse_filter(p[filter]));
          return graph::make_op<ReformatOp>(int(p[width]), int(p[height]), p[fit], f);
        });
}

}  // namespace fl::ops
