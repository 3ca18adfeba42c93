// mask: a mask clip drawn from a rectangle, ellipse or polygon with keyframes, dilated and
// feathered; the hole for `fill` and the matte for `mix`.
#include "graph/registry.h"
#include "inpaint/shape_track.h"

namespace fl::ops {
namespace {

class MaskOp final : public graph::Op {
 public:
  MaskOp(inpaint::ShapeTrack track, inpaint::RasterOptions raster)
      : track_(std::move(track)), raster_(raster) {}

  Rect input_region(int, const Rect&, const graph::RenderCtx&) const override {
    return Rect{};  // only the clip's geometry matters: its frames are not even decoded
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs&, Image& out,
                const Rect& tile) const override {
    const Rect full = ctx.output.bounds_at(ctx.scale);
    inpaint::RasterOptions o = raster_;
    o.scale = ctx.scale;
    const std::vector<float> m = inpaint::rasterise(track_.at(ctx.frame), full.w, full.h, o);
    for (int y = tile.y; y < tile.bottom(); ++y) {
      float* d = out.at(tile.x, y);
      const int sy = std::clamp(y, 0, full.h - 1);
      for (int x = tile.x; x < tile.right(); ++x, d += 4) {
        const float v = m[size_t(sy) * size_t(full.w) + size_t(std::clamp(x, 0, full.w - 1))];
        d[0] = d[1] = d[2] = d[3] = v;
      }
    }
    return ok_status();
  }

 private:
  inpaint::ShapeTrack track_;
  inpaint::RasterOptions raster_;
};

}  // namespace

void register_mask(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("mask", 1)
          .doc(
              "A mask clip the size and length of `like`: 1 inside the shape, 0 outside (every "
              "channel). The shape is `rect X Y W H`, `ellipse CX CY RX RY` or `poly X1 Y1 X2 "
              "Y2 X3 Y3 ...` in full-resolution pixels, or keyframes of it: `0: rect 10 10 40 "
              "40; 48: rect 200 10 40 40` (numbers move linearly between keys).")
          .category("matte")
          .input("like", "The clip whose geometry the mask takes")
          .param_string("shape", std::nullopt, "The shape, or keyframes of it (see above).")
          .param_float("dilate", 0.0, 0, 1000, "Grow the shape by this many pixels.")
          .param_float("feather", 0.0, 0, 1000, "Width of the soft edge in pixels.")
          .param_bool("invert", false, "1 outside the shape instead.")
          .not_tileable()
          .build();
  const auto shape = schema.param<std::string>("shape");
  const auto dilate = schema.param<double>("dilate");
  const auto feather = schema.param<double>("feather");
  const auto invert = schema.param<bool>("invert");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          auto track = inpaint::ShapeTrack::parse(p[shape]);
          if (!track.ok()) return Status(track.status()).with_field("shape");
          inpaint::RasterOptions o;
          o.dilate = p[dilate];
          o.feather = p[feather];
          o.invert = p[invert];
          return graph::make_op<MaskOp>(std::move(*track), o);
        });
}

}  // namespace fl::ops
