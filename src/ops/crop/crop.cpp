// crop: keep a rectangle of the frame (full-resolution pixel coordinates).
#include <cmath>
#include <cstring>

#include "graph/registry.h"

namespace fl::ops {
namespace {

class CropOp final : public graph::Op {
 public:
  CropOp(int x, int y, int w, int h) : x_(x), y_(y), w_(w), h_(h) {}

  Result<graph::FrameGeometry> output_geometry(
      std::span<const graph::FrameGeometry> in) const override {
    if (x_ + w_ > in[0].width || y_ + h_ > in[0].height)
      return invalid_argument("crop " + std::to_string(w_) + "x" + std::to_string(h_) + "+" +
                                  std::to_string(x_) + "+" + std::to_string(y_) +
                                  " does not fit the " + std::to_string(in[0].width) + "x" +
                                  std::to_string(in[0].height) + " input",
                              "params.width");
    graph::FrameGeometry g = in[0];
    g.width = w_, g.height = h_;
    return g;
  }
  // At a preview scale the offset is rounded to the nearest scaled pixel.
  int dx(double s) const { return int(std::lround(x_ * s)); }
  int dy(double s) const { return int(std::lround(y_ * s)); }
  Rect input_region(int, const Rect& out, const graph::RenderCtx& ctx) const override {
    return {out.x + dx(ctx.scale), out.y + dy(ctx.scale), out.w, out.h};
  }
  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const Image* src = in.get(0);
    int ox = dx(ctx.scale), oy = dy(ctx.scale);
    for (int y = tile.y; y < tile.bottom(); ++y)
      std::memcpy(out.at(tile.x, y), src->at(tile.x + ox, y + oy),
                  size_t(tile.w) * 4 * sizeof(float));
    return ok_status();
  }

 private:
  int x_, y_, w_, h_;
};

}  // namespace

void register_crop(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("crop", 1)
          .doc("Keeps a rectangle of the frame, given in full-resolution pixels from the top left.")
          .category("geometry")
          .input("in")
          .param_int("x", 0, 0, 65535, "Left edge.")
          .param_int("y", 0, 0, 65535, "Top edge.")
          .param_int("width", std::nullopt, 1, 65535, "Width of the kept rectangle.")
          .param_int("height", std::nullopt, 1, 65535, "Height of the kept rectangle.")
          .build();
  const auto x = schema.param<int64_t>("x");
  const auto y = schema.param<int64_t>("y");
  const auto width = schema.param<int64_t>("width");
  const auto height = schema.param<int64_t>("height");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          return graph::make_op<CropOp>(int(p[x]), int(p[y]), int(p[width]), int(p[height]));
        });
}

}  // namespace fl::ops
