// wipe: before/after split view, a on the left of the line, b on the right.
#include <cmath>

#include "graph/registry.h"

namespace fl::ops {
namespace {

class WipeOp final : public graph::Op {
 public:
  WipeOp(double position, int line) : position_(position), line_(line) {}
  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const Image* a = in.get(0);
    const Image* b = in.get(1);
    const int w = ctx.output.bounds_at(ctx.scale).w;
    const int split = int(std::lround(position_ * w));
    const int half = std::max(1, int(std::lround(line_ * ctx.scale))) / 2;
    for (int y = tile.y; y < tile.bottom(); ++y) {
      float* d = out.at(tile.x, y);
      for (int x = tile.x; x < tile.right(); ++x, d += 4) {
        const float* s = x < split ? a->at(x, y) : b->at(x, y);
        if (line_ > 0 && x >= split - half && x <= split + half) {
          d[0] = d[1] = d[2] = 1.0f, d[3] = 1.0f;  // a white divider, as review tools draw
          continue;
        }
        d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3];
      }
    }
    return ok_status();
  }

 private:
  double position_;
  int line_;
};

}  // namespace

void register_wipe(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("wipe", 1)
          .doc("Split-screen comparison: `a` left of the divider, `b` right of it (before/after).")
          .category("composite")
          .input("a", "Left side (before)")
          .input("b", "Right side (after)")
          .param_float("position", 0.5, 0, 1, "Divider position as a fraction of the width.")
          .param_int("line", 2, 0, 64, "Divider width in full-resolution pixels (0: none).")
          .build();
  const auto position = schema.param<double>("position");
  const auto line = schema.param<int64_t>("line");
  r.add(schema, [=](const graph::Params& p, const graph::PrepareCtx&) {
    return graph::make_op<WipeOp>(p[position], int(p[line]));
  });
}

}  // namespace fl::ops
