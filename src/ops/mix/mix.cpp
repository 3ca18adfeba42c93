// mix: blend input b over input a by an amount, optionally through a mask.
#include "graph/registry.h"

namespace fl::ops {
namespace {

enum class MaskChannel { kAlpha, kLuma, kRed };

class MixOp final : public graph::Op {
 public:
  MixOp(float amount, MaskChannel ch, bool invert)
      : amount_(amount), channel_(ch), invert_(invert) {}

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const Image* a = in.get(0);
    const Image* b = in.get(1);
    const Image* m = in.get(2);
    for (int y = tile.y; y < tile.bottom(); ++y) {
      const float* pa = a->at(tile.x, y);
      const float* pb = b->at(tile.x, y);
      const float* pm = m ? m->at(tile.x, y) : nullptr;
      float* d = out.at(tile.x, y);
      for (int x = 0; x < tile.w; ++x, pa += 4, pb += 4, d += 4) {
        float k = amount_;
        if (pm) {
          float mv = channel_ == MaskChannel::kAlpha ? pm[3]
                     : channel_ == MaskChannel::kRed
                         ? pm[0]
                         : 0.2126f * pm[0] + 0.7152f * pm[1] + 0.0722f * pm[2];
          mv = std::clamp(mv, 0.0f, 1.0f);
          k *= invert_ ? 1.0f - mv : mv;
          pm += 4;
        }
        for (int c = 0; c < 4; ++c) d[c] = pa[c] + (pb[c] - pa[c]) * k;
      }
    }
    return ok_status();
  }

 private:
  float amount_;
  MaskChannel channel_;
  bool invert_;
};

}  // namespace

void register_mix(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("mix", 1)
          .doc(
              "Blends `b` over `a`: out = a + (b - a) * amount * mask. Inputs of other sizes are "
              "sampled in a's pixel grid (edges extend).")
          .category("composite")
          .input("a", "Background")
          .input("b", "Foreground")
          .input("mask", "Where to blend (optional; everywhere when absent)", true)
          .param_float("amount", 1.0, 0, 1, "Blend amount.")
          .param_enum("mask_channel", "alpha", {"alpha", "luma", "red"},
                      "Which channel of the mask to use.")
          .param_bool("invert_mask", false, "Blend where the mask is 0 instead of 1.")
          .build();
  const auto mask_channel = schema.param<std::string>("mask_channel");
  const auto amount = schema.param<double>("amount");
  const auto invert_mask = schema.param<bool>("invert_mask");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          const std::string& ch = p[mask_channel];
          MaskChannel c = ch == "alpha" ? MaskChannel::kAlpha
                          : ch == "red" ? MaskChannel::kRed
                                        : MaskChannel::kLuma;
          return graph::make_op<MixOp>(float(p[amount]), c, p[invert_mask]);
        });
}

}  // namespace fl::ops
